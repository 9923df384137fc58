/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_abi_priv.h - what the lib/abi sources share and no host needs: little-endian loads
 * and stores in guest memory, the BAD() error form and allocation in the guest.
 */
#ifndef IOR_ABI_PRIV_H_
#define IOR_ABI_PRIV_H_

#include "ior_abi.h"

/*
 * Little-endian loads and stores: wasm memory is little-endian whatever the host is. On a
 * little-endian host they are plain (unaligned-safe) moves: __builtin_memcpy, as a freestanding
 * build (Zephyr's) would otherwise call memcpy for each.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IOR_ABI_LE_HOST 1
#else
#define IOR_ABI_LE_HOST 0
#endif

static inline uint8_t ld8(const uint8_t *m, uint32_t a)
{
	return m[a];
}

static inline uint16_t ld16(const uint8_t *m, uint32_t a)
{
	if (IOR_ABI_LE_HOST) {
		uint16_t v;

		__builtin_memcpy(&v, m + a, 2);
		return v;
	}
	return (uint16_t)(m[a] | (m[a + 1] << 8));
}

static inline uint32_t ld32(const uint8_t *m, uint32_t a)
{
	if (IOR_ABI_LE_HOST) {
		uint32_t v;

		__builtin_memcpy(&v, m + a, 4);
		return v;
	}
	return (uint32_t)m[a] | ((uint32_t)m[a + 1] << 8) | ((uint32_t)m[a + 2] << 16) |
	       ((uint32_t)m[a + 3] << 24);
}

static inline uint64_t ld64(const uint8_t *m, uint32_t a)
{
	return (uint64_t)ld32(m, a) | ((uint64_t)ld32(m, a + 4) << 32);
}

static inline void st8(uint8_t *m, uint32_t a, uint8_t v)
{
	m[a] = v;
}

static inline void st16(uint8_t *m, uint32_t a, uint16_t v)
{
	if (IOR_ABI_LE_HOST) {
		__builtin_memcpy(m + a, &v, 2);
		return;
	}
	m[a] = (uint8_t)v;
	m[a + 1] = (uint8_t)(v >> 8);
}

static inline void st32(uint8_t *m, uint32_t a, uint32_t v)
{
	if (IOR_ABI_LE_HOST) {
		__builtin_memcpy(m + a, &v, 4);
		return;
	}
	m[a] = (uint8_t)v;
	m[a + 1] = (uint8_t)(v >> 8);
	m[a + 2] = (uint8_t)(v >> 16);
	m[a + 3] = (uint8_t)(v >> 24);
}

static inline void st64(uint8_t *m, uint32_t a, uint64_t v)
{
	st32(m, a, (uint32_t)v);
	st32(m, a + 4, (uint32_t)(v >> 32));
}

/* 1 + an enum ior_abi_err: the decoders' "malformed" result. */
#define BAD(code) (1 + (code))

/* Allocate @len bytes (@align) in the guest; 0 on failure or a result outside the memory. */
uint32_t ior_abi_guest_alloc(const struct ior_abi_guest *g, uint32_t align, uint32_t len);

#endif /* IOR_ABI_PRIV_H_ */

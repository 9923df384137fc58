/*
 * packed.h - the packed form of ring.enter (its layout is in wit/ring.wit) as a guest reads
 * and writes it: the SDK (packed.c) and the ioring-qjs engine (ts/engine/engine.c) share it.
 */
#ifndef IORING_PACKED_H
#define IORING_PACKED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IOR_PACKED_SQE_HEADER 32u
#define IOR_PACKED_CQE_HEADER 16u
/* A CQE's flags (its byte 8). */
#define IOR_PACKED_CQE_MORE 1u
#define IOR_PACKED_CQE_ERROR 2u
/* An SQE's offset with every bit set: none (the file's position). */
#define IOR_PACKED_NO_OFFSET UINT64_MAX

/* Little-endian fields at any alignment: wasm32 is little-endian, as the form is. */
static inline uint16_t ior_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t ior_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t ior_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Every entry starts at a multiple of 8 bytes from its list's start. */
static inline size_t ior_pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/*
 * The bytes of the packed CQE whose header is at @h, or 0 when it, or a detail too short for
 * what its case holds, runs past the @left bytes there: the host is trusted, but what a reader
 * reads of a CQE this passed stays inside the result.
 */
size_t __ior_packed_cqe_size(const uint8_t *h, size_t left);

#endif /* IORING_PACKED_H */

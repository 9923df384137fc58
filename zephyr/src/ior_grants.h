/*
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief The devicetree grant table.
 */
#ifndef IOR_GRANTS_H_
#define IOR_GRANTS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct device;

/** @brief One grant from devicetree. */
struct ior_grant {
	uint8_t kind;            /**< enum ior_grant_kind */
	const char *name;        /**< what the guest asks for */
	const char *path;        /**< directory: VFS path */
	bool read_only;          /**< directory: no writes beneath */
	bool udp;                /**< listener: a bound UDP socket, not a TCP listener */
	const char *address;     /**< listener: IPv4 address, NULL for any */
	uint16_t port;           /**< listener: port */
	uint16_t backlog;        /**< listener: listen backlog */
	const struct device *dev; /**< device */
};

extern const struct ior_grant ior_grants[];
extern const size_t ior_grants_count;

#endif /* IOR_GRANTS_H_ */

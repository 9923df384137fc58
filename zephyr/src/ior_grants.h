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
	bool udp;                /**< listener, bind, connect: UDP, not TCP */
	const char *address;     /**< listener: IPv4 address; bind, connect: IPv4 or IPv6;
				  *   NULL (or "*" for bind and connect) for any */
	uint16_t port;           /**< listener, bind, connect: port */
	bool any_port;           /**< bind, connect: no port given, any matches */
	uint16_t backlog;        /**< listener: listen backlog */
	const struct device *dev; /**< device: the bus controller for a device on a bus */
	uint8_t bus;             /**< device: IOR_GRANT_BUS_* */
	uint16_t reg;            /**< device on a bus: chip select (SPI) or address (I2C) */
	uint32_t max_hz;         /**< SPI device: spi-max-frequency, 0 if none */
	const char *ifname;      /**< bind-device: the network interface's name */
};

/** @brief What a device grant's node is. */
enum {
	IOR_GRANT_BUS_NONE, IOR_GRANT_BUS_SPI, IOR_GRANT_BUS_I2C, IOR_GRANT_BUS_UART,
	IOR_GRANT_BUS_GPIO, /**< the node is a GPIO controller: its lines (gpio-request) */
};

extern const struct ior_grant ior_grants[];
extern const size_t ior_grants_count;

#endif /* IOR_GRANTS_H_ */

/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_grants.c - the grants the firmware author declared in devicetree (nodes with
 * compatible "ioring,grants", one child per grant; dts/bindings/ioring,grants.yaml), as a
 * table built at compile time from every such node. A guest reaches only what is named here:
 * directories, listeners and devices by name (ior_grant_lookup), and with its own sockets
 * the addresses bind and connect grants match (ior_ops_net.c).
 */
#include <string.h>

#include <zephyr/device.h>
#include <zephyr/devicetree.h>

#include "ior_internal.h"
#include "ior_grants.h"

#if DT_HAS_COMPAT_STATUS_OKAY(ioring_grants)

/*
 * A device grant names a node: a device on an SPI or I2C bus is reached through its bus
 * controller, at its reg (chip select or address); a GPIO controller (`gpio-controller`)
 * gives its lines (gpio-request); any other node is taken as a UART (the tty operations),
 * reached through its own device.
 */
#define IOR_GRANT_ON(node, bus)                                                                \
	COND_CODE_1(DT_NODE_HAS_PROP(node, device), (DT_ON_BUS(DT_PHANDLE(node, device), bus)), (0))
#define IOR_GRANT_DEV(node)                                                                    \
	COND_CODE_1(IOR_GRANT_ON(node, spi), (DEVICE_DT_GET(DT_BUS(DT_PHANDLE(node, device)))),  \
	(COND_CODE_1(IOR_GRANT_ON(node, i2c), (DEVICE_DT_GET(DT_BUS(DT_PHANDLE(node, device)))), \
	(COND_CODE_1(DT_NODE_HAS_PROP(node, device), (DEVICE_DT_GET(DT_PHANDLE(node, device))),  \
	(NULL))))))
#define IOR_GRANT_GPIO(node)                                                                   \
	COND_CODE_1(DT_NODE_HAS_PROP(node, device),                                             \
		    (DT_NODE_HAS_PROP(DT_PHANDLE(node, device), gpio_controller)), (0))
#define IOR_GRANT_BUS(node)                                                                    \
	(IOR_GRANT_ON(node, spi) ? IOR_GRANT_BUS_SPI                                           \
	 : IOR_GRANT_ON(node, i2c) ? IOR_GRANT_BUS_I2C                                        \
	 : IOR_GRANT_GPIO(node) ? IOR_GRANT_BUS_GPIO                                          \
	 : DT_NODE_HAS_PROP(node, device) ? IOR_GRANT_BUS_UART : IOR_GRANT_BUS_NONE)
#define IOR_GRANT_REG(node)                                                                    \
	COND_CODE_1(UTIL_OR(IOR_GRANT_ON(node, spi), IOR_GRANT_ON(node, i2c)),                  \
		    (DT_REG_ADDR(DT_PHANDLE(node, device))), (0))
#define IOR_GRANT_HZ(node)                                                                     \
	COND_CODE_1(IOR_GRANT_ON(node, spi),                                                    \
		    (DT_PROP_OR(DT_PHANDLE(node, device), spi_max_frequency, 0)), (0))

#define IOR_GRANT_ENTRY(node)                                                                  \
	{                                                                                      \
		.kind = DT_ENUM_IDX(node, kind),                                               \
		.name = DT_PROP_OR(node, grant_name, ""),                                             \
		.path = DT_PROP_OR(node, path, NULL),                                          \
		.read_only = DT_PROP(node, read_only),                                         \
		.udp = DT_ENUM_IDX_OR(node, protocol, 0) == 1,                                 \
		.address = DT_PROP_OR(node, address, NULL),                                    \
		.port = DT_PROP_OR(node, port, 0),                                             \
		.any_port = !DT_NODE_HAS_PROP(node, port),                                             \
		.backlog = DT_PROP(node, backlog),                                             \
		.dev = IOR_GRANT_DEV(node),                                                    \
		.bus = IOR_GRANT_BUS(node),                                                    \
		.reg = IOR_GRANT_REG(node),                                                    \
		.max_hz = IOR_GRANT_HZ(node),                                                  \
		.ifname = DT_PROP_OR(node, interface, NULL),                                   \
	},

#define IOR_GRANTS_OF(node) DT_FOREACH_CHILD(node, IOR_GRANT_ENTRY)

const struct ior_grant ior_grants[] = {DT_FOREACH_STATUS_OKAY(ioring_grants, IOR_GRANTS_OF)};
const size_t ior_grants_count = ARRAY_SIZE(ior_grants);

#else

const struct ior_grant ior_grants[1];
const size_t ior_grants_count;

#endif

int ior_grant_lookup(uint8_t kind, const uint8_t *name, uint32_t len)
{
	for (size_t i = 0; i < ior_grants_count; i++) {
		const struct ior_grant *g = &ior_grants[i];

		if (g->kind == kind && len && strlen(g->name) == len &&
		    memcmp(g->name, name, len) == 0)
			return (int)i;
	}
	return -ENOENT;
}

/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * An emulated SPI NOR flash for the spi-transfer case (dts/bindings/ioring,test-spi-flash.yaml):
 * after the command byte 0x9f it clocks out its JEDEC ID; every other byte it clocks out is
 * 0xff. The transfer is a byte stream across the buffers of a spi_buf_set, as on a wire.
 */
#define DT_DRV_COMPAT ioring_test_spi_flash

#include <string.h>

#include <zephyr/device.h>
#include <zephyr/drivers/emul.h>
#include <zephyr/drivers/spi.h>
#include <zephyr/drivers/spi_emul.h>

struct flash_emul_cfg {
	uint8_t id[3];
};

/* Byte @i of a buffer set seen as one stream, or NULL past its end. */
static uint8_t *stream_at(const struct spi_buf_set *set, size_t i)
{
	for (size_t b = 0; set && b < set->count; b++) {
		if (i < set->buffers[b].len)
			return set->buffers[b].buf ? (uint8_t *)set->buffers[b].buf + i : NULL;
		i -= set->buffers[b].len;
	}
	return NULL;
}

static size_t stream_len(const struct spi_buf_set *set)
{
	size_t n = 0;

	for (size_t b = 0; set && b < set->count; b++)
		n += set->buffers[b].len;
	return n;
}

static int flash_emul_io(const struct emul *target, const struct spi_config *config,
			 const struct spi_buf_set *tx_bufs, const struct spi_buf_set *rx_bufs)
{
	const struct flash_emul_cfg *cfg = target->cfg;
	size_t n = MAX(stream_len(tx_bufs), stream_len(rx_bufs));
	uint8_t *cmd = stream_at(tx_bufs, 0);

	ARG_UNUSED(config);
	for (size_t i = 0; i < n; i++) {
		uint8_t *rx = stream_at(rx_bufs, i);

		if (rx)
			*rx = (cmd && *cmd == 0x9f && i >= 1 && i <= 3) ? cfg->id[i - 1] : 0xff;
	}
	return 0;
}

static const struct spi_emul_api flash_emul_api = {.io = flash_emul_io};

static int flash_emul_init(const struct emul *target, const struct device *parent)
{
	ARG_UNUSED(target);
	ARG_UNUSED(parent);
	return 0;
}

static int flash_dev_init(const struct device *dev)
{
	ARG_UNUSED(dev);
	return 0;
}

#define FLASH_EMUL(n)                                                                          \
	static const struct flash_emul_cfg flash_emul_cfg_##n = {                             \
		.id = DT_INST_PROP(n, jedec_id),                                               \
	};                                                                                     \
	DEVICE_DT_INST_DEFINE(n, flash_dev_init, NULL, NULL, NULL, POST_KERNEL,                \
			      CONFIG_SPI_INIT_PRIORITY, NULL);                                 \
	EMUL_DT_INST_DEFINE(n, flash_emul_init, NULL, &flash_emul_cfg_##n, &flash_emul_api,    \
			    NULL)

DT_INST_FOREACH_STATUS_OKAY(FLASH_EMUL)

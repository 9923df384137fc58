/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_ops_dev.c - `spi-transfer` and `i2c-transfer` on devices granted in devicetree, through
 * the device iodev: its submit puts the operation on the host's work queue, which makes the
 * blocking driver call (spi_transceive, i2c_transfer) and completes the RTIO SQE. Drivers in
 * Zephyr 3.4 (the emulators among them) have no RTIO submit of their own, so this is the path
 * for all of them.
 *
 * At submit, while the guest's memory is valid, everything is copied into one in-flight
 * buffer: a table of pieces (one per segment or message), then the bytes sent, then room for
 * the bytes received. After the call the received bytes (each segment's first rx-len bytes,
 * or every read message's bytes) are moved to the buffer's start: the CQE's payload, and its
 * count.
 *
 * SPI: a grant names a device on an SPI bus; its bus and chip select (reg) are used, at the
 * segment's speed (else the node's spi-max-frequency, else 1 MHz), mode 0, MSB first, 8-bit
 * words. One spi_transceive per transfer, chip select held throughout: `cs-change` and
 * `delay-us` are not supported. I2C: a grant names a device on an I2C bus; messages must
 * address that device (`access` otherwise). One i2c_transfer, a restart between messages
 * of different direction, a stop after the last.
 *
 * UART (a granted node on no SPI or I2C bus): `read` takes the bytes waiting (uart_poll_in);
 * with none it polls again every millisecond from a k_timer, without holding the work queue,
 * until one arrives or it is cancelled. `write` sends with uart_poll_out. `tty-configure`:
 * a UART has no line discipline, so raw mode is what it always is; speed, framing and flow
 * control go to uart_configure when CONFIG_UART_USE_RUNTIME_CONFIGURE is on, and a request
 * that changes nothing (speed 0 = keep, 8N1, no flow control) succeeds on any UART.
 */
#include <string.h>

#include <zephyr/device.h>
#include <zephyr/kernel.h>
#ifdef CONFIG_SPI
#include <zephyr/drivers/spi.h>
#endif
#ifdef CONFIG_I2C
#include <zephyr/drivers/i2c.h>
#endif
#ifdef CONFIG_SERIAL
#include <zephyr/drivers/uart.h>
#endif

#include "ior_grants.h"
#include "ior_internal.h"

/** Most segments or messages in one transfer. */
#define IOR_DEV_MAX_PIECES 16

/* One segment or message, as copied in at submit. */
struct ior_dev_piece {
	uint32_t len;    /**< bytes clocked (SPI) or moved (I2C) */
	uint32_t keep;   /**< SPI: received bytes kept; I2C: len when reading, else 0 */
	uint32_t hz;     /**< SPI: speed */
	bool ten_bit;    /**< I2C */
	uint16_t addr;   /**< I2C */
};

static const struct ior_grant *dev_grant(uint32_t fd)
{
	struct ior_handle *h = ior_handle_get(fd, BIT(IOR_H_DEVICE));

	return h && h->grant >= 0 ? &ior_grants[h->grant] : NULL;
}

int ior_dev_prepare(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	const struct ior_grant *g;
	struct ior_dev_piece *p;
	uint64_t total = 0;
	uint8_t *tx;
	bool spi = s->op == IOR_ABI_OP_SPI_TRANSFER;

	if (s->op == IOR_ABI_OP_CLOSE)
		return 0;
	g = dev_grant(s->fd);
	if (!g)
		/* Not a device grant (stdio, a file, a directory, a socket): as Linux. */
		return ior_handle_get(s->fd, ~0u) ? -EACCES : -EBADF;
	if (s->op == IOR_ABI_OP_READ || s->op == IOR_ABI_OP_WRITE ||
	    s->op == IOR_ABI_OP_TTY_CONFIGURE) {
		uint32_t n;

		if (g->bus != IOR_GRANT_BUS_UART || !IS_ENABLED(CONFIG_SERIAL))
			return s->op == IOR_ABI_OP_TTY_CONFIGURE ? -ENOTTY : -ENOTSUP;
		if (s->op == IOR_ABI_OP_TTY_CONFIGURE)
			return 0;
		n = MIN(s->op == IOR_ABI_OP_READ ? s->len : s->data.len, ior_ring_max_io());
		op->buf = ior_buf_alloc(n);
		if (!op->buf)
			return -ENOMEM;
		op->buf_len = n;
		if (s->op == IOR_ABI_OP_WRITE)
			memcpy(op->buf, ior_submit_mem + s->data.ptr, n);
		return 0;
	}
	if (g->bus != (spi ? IOR_GRANT_BUS_SPI : IOR_GRANT_BUS_I2C))
		return -ENOTTY; /* not that kind of device (as spidev/i2c-dev ioctls on Linux) */
	if (s->list.len == 0 || s->list.len > IOR_DEV_MAX_PIECES)
		return -EINVAL;
	for (uint32_t i = 0; i < s->list.len; i++) {
		if (spi) {
			struct ior_abi_spi_seg seg;

			ior_abi_spi_seg(ior_submit_mem, s, i, &seg);
			if (seg.cs_change || seg.delay_us ||
			    (seg.bits_per_word && seg.bits_per_word != 8))
				return -ENOTSUP;
			total += MAX(seg.tx.len, seg.rx_len);
		} else {
			struct ior_abi_i2c_msg msg;

			ior_abi_i2c_msg(ior_submit_mem, s, i, &msg);
			if (msg.ten_bit || msg.address != g->reg)
				return -EACCES; /* only the granted device */
			total += msg.read_len ? msg.read_len : msg.write.len;
		}
	}
	/* Sent bytes and received bytes, each at most `total`. */
	if (total * 2 > ior_ring_max_io())
		return -EINVAL;
	op->buf_len = s->list.len * sizeof(*p) + (uint32_t)total * 2;
	op->buf = ior_buf_alloc(op->buf_len);
	if (!op->buf)
		return -ENOMEM;
	p = (struct ior_dev_piece *)op->buf;
	tx = op->buf + s->list.len * sizeof(*p);
	memset(tx, 0, (size_t)total * 2);
	for (uint32_t i = 0; i < s->list.len; i++, p++) {
		if (spi) {
			struct ior_abi_spi_seg seg;

			ior_abi_spi_seg(ior_submit_mem, s, i, &seg);
			p->len = MAX(seg.tx.len, seg.rx_len);
			p->keep = seg.rx_len;
			p->hz = seg.speed_hz;
			memcpy(tx, ior_submit_mem + seg.tx.ptr, seg.tx.len);
		} else {
			struct ior_abi_i2c_msg msg;

			ior_abi_i2c_msg(ior_submit_mem, s, i, &msg);
			p->len = msg.read_len ? msg.read_len : msg.write.len;
			p->keep = msg.read_len;
			p->addr = msg.address;
			memcpy(tx, ior_submit_mem + msg.write.ptr, msg.write.len);
		}
		tx += p->len;
	}
	return 0;
}

#ifdef CONFIG_SPI
static int dev_spi(struct ior_op *op, const struct ior_grant *g, struct ior_dev_piece *p,
		   uint32_t n, uint8_t *tx, uint8_t *rx)
{
	struct spi_buf txb[IOR_DEV_MAX_PIECES], rxb[IOR_DEV_MAX_PIECES];
	struct spi_buf_set txs = {txb, n}, rxs = {rxb, n};
	struct spi_config cfg = {
		.frequency = g->max_hz ? g->max_hz : 1000000,
		.operation = SPI_OP_MODE_MASTER | SPI_WORD_SET(8) | SPI_TRANSFER_MSB,
		.slave = g->reg,
	};
	uint32_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (p[i].hz) {
			cfg.frequency = g->max_hz ? MIN(p[i].hz, g->max_hz) : p[i].hz;
			break;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		txb[i] = (struct spi_buf){.buf = tx + off, .len = p[i].len};
		rxb[i] = (struct spi_buf){.buf = rx + off, .len = p[i].len};
		off += p[i].len;
	}
	return spi_transceive(g->dev, &cfg, &txs, &rxs);
}
#endif

#ifdef CONFIG_I2C
static int dev_i2c(struct ior_op *op, const struct ior_grant *g, struct ior_dev_piece *p,
		   uint32_t n, uint8_t *tx, uint8_t *rx)
{
	struct i2c_msg msgs[IOR_DEV_MAX_PIECES];
	uint32_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		bool read = p[i].keep != 0;

		msgs[i].buf = (read ? rx : tx) + off;
		msgs[i].len = p[i].len;
		msgs[i].flags = read ? I2C_MSG_READ : I2C_MSG_WRITE;
		if (i > 0 && read != (msgs[i - 1].flags & I2C_MSG_READ))
			msgs[i].flags |= I2C_MSG_RESTART;
		if (i == n - 1)
			msgs[i].flags |= I2C_MSG_STOP;
		off += p[i].len;
	}
	return i2c_transfer(g->dev, msgs, (uint8_t)n, g->reg);
}
#endif

#ifdef CONFIG_SERIAL
static void uart_retry(struct k_timer *t)
{
	ior_wq_submit(CONTAINER_OF(t, struct ior_op, timer));
}

static int dev_uart(struct ior_op *op, const struct ior_grant *g)
{
	const struct ior_abi_sqe *s = &op->sqe;
	uint32_t n = 0;

	switch (s->op) {
	case IOR_ABI_OP_READ:
		while (n < op->buf_len && uart_poll_in(g->dev, &op->buf[n]) == 0)
			n++;
		if (!n && op->buf_len) {
			k_timer_init(&op->timer, uart_retry, NULL);
			k_timer_start(&op->timer, K_MSEC(1), K_NO_WAIT);
			return -EINPROGRESS;
		}
		op->out_len = n;
		return (int)n;
	case IOR_ABI_OP_WRITE:
		for (; n < op->buf_len; n++)
			uart_poll_out(g->dev, op->buf[n]);
		return (int)n;
	case IOR_ABI_OP_TTY_CONFIGURE: {
		bool keep = !s->tty.baud && s->tty.data_bits == 8 && s->tty.parity == 0 &&
			    s->tty.stop_bits == 1 && !s->tty.hw_flow;
#ifdef CONFIG_UART_USE_RUNTIME_CONFIGURE
		struct uart_config cfg;
		int ret = uart_config_get(g->dev, &cfg);

		if (ret == 0) {
			static const uint8_t parity[] = {UART_CFG_PARITY_NONE, UART_CFG_PARITY_ODD,
							 UART_CFG_PARITY_EVEN};

			if (s->tty.baud)
				cfg.baudrate = s->tty.baud;
			cfg.data_bits = s->tty.data_bits - 5; /* UART_CFG_DATA_BITS_5 = 0 */
			cfg.parity = parity[s->tty.parity];
			cfg.stop_bits = s->tty.stop_bits == 2 ? UART_CFG_STOP_BITS_2
							      : UART_CFG_STOP_BITS_1;
			cfg.flow_ctrl = s->tty.hw_flow ? UART_CFG_FLOW_CTRL_RTS_CTS
						       : UART_CFG_FLOW_CTRL_NONE;
			ret = uart_configure(g->dev, &cfg);
		}
		if (ret == 0 || keep)
			return 0;
		return ret == -ENOSYS ? -ENOTSUP : ret;
#else
		return keep ? 0 : -ENOTSUP;
#endif
	}
	default:
		return -ENOTSUP;
	}
}
#endif

int ior_dev_run(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	const struct ior_grant *g = dev_grant(s->fd);
	struct ior_dev_piece *p = (struct ior_dev_piece *)op->buf;
	uint32_t n = s->list.len, total = 0, out = 0, off = 0;
	uint8_t *tx, *rx;
	int ret = -ENOTSUP;

	if (s->op == IOR_ABI_OP_CLOSE) {
		if (!g)
			return -EBADF;
		ior_handle_free(s->fd);
		return 0;
	}
	if (!g)
		return -EBADF;
#ifdef CONFIG_SERIAL
	if (g->bus == IOR_GRANT_BUS_UART)
		return dev_uart(op, g);
#endif
	if (!p)
		return -EBADF;
	for (uint32_t i = 0; i < n; i++)
		total += p[i].len;
	tx = op->buf + n * sizeof(*p);
	rx = tx + total;
#ifdef CONFIG_SPI
	if (s->op == IOR_ABI_OP_SPI_TRANSFER)
		ret = dev_spi(op, g, p, n, tx, rx);
#endif
#ifdef CONFIG_I2C
	if (s->op == IOR_ABI_OP_I2C_TRANSFER)
		ret = dev_i2c(op, g, p, n, tx, rx);
#endif
	if (ret < 0)
		return ret;
	/* The kept bytes of every piece, in order, to the buffer's start. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t keep = p[i].keep;

		memmove(op->buf + out, rx + off, keep);
		out += keep;
		off += p[i].len;
	}
	op->out_len = out;
	return (int)out;
}

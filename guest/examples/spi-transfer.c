/*
 * spi-transfer - one full-duplex SPI transaction with a granted device: read a serial flash's
 * JEDEC ID (command 0x9f, then three bytes clocked in), and print what came back in hex.
 *
 *   ioring run --device spi=/dev/spidev0.0 spi-transfer.wasm
 *
 * Two segments with chip-select held between them: the command out, then the ID in (a
 * segment clocks max(tx, rx) bytes; tx is padded with zeros). A device that is not an SPI
 * device fails the transfer with -IOR_ENOTTY. The transfer is bounded by a linked timeout.
 */
#include "ioring.h"

#define TIMEOUT_NS 1000000000ull

static const uint8_t read_id[] = { 0x9f };

int main(void)
{
	ior_spi_segment_t segs[2];
	struct ior_ring ring;
	ior_cqe_t *cqe;
	ior_sqe_t *sqe;
	char line[3 * 16 + 1];
	const uint8_t *rx;
	size_t len = 0, n = 0;
	int dev, ret;

	dev = ior_grant_device("spi");
	if (dev < 0) {
		ior_perror("spi-transfer: device \"spi\"", dev);
		return 1;
	}
	ret = ior_ring_init(&ring, 2);
	if (ret < 0) {
		ior_perror("spi-transfer: ring", ret);
		return 1;
	}

	ior_spi_segment(&segs[0], read_id, sizeof(read_id), 0);
	ior_spi_segment(&segs[1], NULL, 0, 3);
	segs[1].speed_hz = 1000000;
	sqe = ior_get_sqe(&ring);
	ior_prep_spi_transfer(sqe, (ior_handle_t)dev, segs, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	ior_sqe_set_data32(sqe, 1);
	ior_prep_link_timeout(ior_get_sqe(&ring), TIMEOUT_NS);

	/* Two CQEs: the transfer's (data 1) and the timeout's (data 0, canceled if in time). */
	ret = -IOR_EIO;
	for (int i = 0; i < 2 && ior_wait_cqe(&ring, &cqe) == 0; i++) {
		if (ior_cqe_get_data32(cqe) == 1) {
			ret = ior_cqe_res(cqe);
			rx = ior_cqe_payload(cqe, &len);
			for (size_t j = 0; j < len && n + 3 < sizeof(line); j++) {
				line[n++] = "0123456789abcdef"[rx[j] >> 4];
				line[n++] = "0123456789abcdef"[rx[j] & 15];
				line[n++] = j + 1 < len ? ' ' : '\n';
			}
		}
		ior_cqe_seen(&ring, cqe);
	}
	if (ret < 0) {
		ior_perror("spi-transfer: transfer", ret);
		return 1;
	}
	/* The received bytes: nothing for the command segment, then the three ID bytes. */
	ior_prep_write(ior_get_sqe(&ring), IOR_STDOUT, line, n, IOR_CURRENT_POSITION);
	if (ior_wait_cqe(&ring, &cqe) == 0)
		ior_cqe_seen(&ring, cqe);
	ior_ring_exit(&ring);
	return 0;
}

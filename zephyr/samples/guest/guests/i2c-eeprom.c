/*
 * i2c-eeprom - the I2C case of the Zephyr samples: through the "eeprom" device grant (an
 * AT24 EEPROM at 0x50, emulated on native_sim), read 4 bytes at 0x10 (erased: ff ff ff ff),
 * write "ioring" there, read the 6 bytes back, and check an I2C message to another address
 * fails with -IOR_EACCES. Prints each step's bytes; exits 0 only if all are exact.
 *
 * Each transfer is one i2c-transfer of messages: a write of the 1-byte word address (and
 * the data, for the write), then for reads a read message (a restart between them).
 */
#include <string.h>

#include "ioring.h"

static struct ior_ring ring;

/* One i2c-transfer of @nr messages; the payload (read bytes) into @out. Returns res. */
static int transfer(int dev, const ior_i2c_msg_t *msgs, unsigned nr, uint8_t *out, size_t *len)
{
	ior_cqe_t *cqe;
	const uint8_t *p;
	int res;

	ior_prep_i2c_transfer(ior_get_sqe(&ring), (ior_handle_t)dev, msgs, nr);
	if (ior_wait_cqe(&ring, &cqe) < 0)
		return -IOR_EIO;
	res = ior_cqe_res(cqe);
	p = ior_cqe_payload(cqe, len);
	if (out && *len)
		memcpy(out, p, *len);
	ior_cqe_seen(&ring, cqe);
	return res;
}

static void say(const char *what, const uint8_t *b, size_t n, int res)
{
	char line[80];
	size_t k = 0;

	while (*what)
		line[k++] = *what++;
	for (size_t i = 0; i < n && k + 4 < sizeof(line); i++) {
		line[k++] = ' ';
		line[k++] = "0123456789abcdef"[b[i] >> 4];
		line[k++] = "0123456789abcdef"[b[i] & 15];
	}
	if (res < 0) {
		const char *e = ior_strerror(res);

		line[k++] = ' ';
		while (*e && k + 2 < sizeof(line))
			line[k++] = *e++;
	}
	line[k++] = '\n';
	ior_prep_write(ior_get_sqe(&ring), IOR_STDOUT, line, k, IOR_CURRENT_POSITION);
	ior_submit_and_wait(&ring, 1);
	ior_cqe_t *cqe;
	if (ior_peek_cqe(&ring, &cqe) == 0)
		ior_cqe_seen(&ring, cqe);
}

int main(void)
{
	static const uint8_t at[] = {0x10};
	static const uint8_t put[] = {0x10, 'i', 'o', 'r', 'i', 'n', 'g'};
	static const uint8_t erased[] = {0xff, 0xff, 0xff, 0xff};
	ior_i2c_msg_t msgs[2];
	uint8_t got[16];
	size_t len = 0;
	int dev, res, bad = 0;

	dev = ior_grant_device("eeprom");
	if (dev < 0 || ior_ring_init(&ring, 4) < 0) {
		ior_perror("i2c-eeprom: device \"eeprom\"", dev);
		return 1;
	}

	ior_i2c_msg_write(&msgs[0], 0x50, at, sizeof(at));
	ior_i2c_msg_read(&msgs[1], 0x50, 4);
	res = transfer(dev, msgs, 2, got, &len);
	say("i2c-eeprom: read 0x10:", got, len, res);
	bad |= res != 4 || len != 4 || memcmp(got, erased, 4) != 0;

	ior_i2c_msg_write(&msgs[0], 0x50, put, sizeof(put));
	res = transfer(dev, msgs, 1, NULL, &len);
	say("i2c-eeprom: wrote 0x10:", put + 1, sizeof(put) - 1, res);
	bad |= res != 0 || len != 0;

	ior_i2c_msg_write(&msgs[0], 0x50, at, sizeof(at));
	ior_i2c_msg_read(&msgs[1], 0x50, 6);
	res = transfer(dev, msgs, 2, got, &len);
	say("i2c-eeprom: read 0x10:", got, len, res);
	bad |= res != 6 || len != 6 || memcmp(got, put + 1, 6) != 0;

	ior_i2c_msg_read(&msgs[0], 0x51, 1);
	res = transfer(dev, msgs, 1, got, &len);
	say("i2c-eeprom: read 0x51:", got, 0, res);
	bad |= res != -IOR_EACCES;

	ior_ring_exit(&ring);
	return bad ? 1 : 0;
}

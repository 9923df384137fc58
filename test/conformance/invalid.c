/*
 * invalid: malformed requests complete with `invalid`, never trap and never fail the whole
 * submit: absurd lengths, a link-timeout with no linked entry before it, contradictory open
 * flags, a ring larger than any host allows.
 */
#include "conform.h"

#define ABSURD 0xffffffffu

static void invalid_read_length(struct ior_ring *ring)
{
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, ABSURD, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "read of 2^32-1 bytes: %s, want invalid", t_code(res));
	/* The handle is fine afterwards. */
	struct t_cqe c;
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 4, 0);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "0123", 4) == 0, "read after: %s", t_code(res));
	PASS();
}

static void invalid_recv_length(struct ior_ring *ring)
{
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, ABSURD);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "recv of 2^32-1 bytes: %s, want invalid", t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)server, ABSURD);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EINVAL, "recvmsg of 2^32-1 bytes: %s, want invalid", t_code(res));
	PASS();
}

static void invalid_in_batch(struct ior_ring *ring)
{
	struct t_cqe c[3];
	ior_sqe_t *sqe;
	int ro = t_dir("ro"), fd;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	/* nop, absurd read, nop in one submit: all three taken, only the middle one fails. */
	for (uint32_t i = 1; i <= 3; i++) {
		sqe = ior_get_sqe(ring);
		if (i == 2)
			ior_prep_read(sqe, (ior_handle_t)fd, ABSURD, 0);
		else
			ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, i);
	}
	CHECK(ior_submit(ring) == 3, "the submit did not take all three");
	CHECK(t_reap(ring, c, 3) == 3, "three completions did not come");
	for (int i = 0; i < 3; i++) {
		int want = c[i].user_data == 2 ? -IOR_EINVAL : 0;

		CHECK(c[i].res == want, "entry %u: %s, want %s", c[i].user_data, t_code(c[i].res),
		      t_code(want));
	}
	PASS();
}

static void invalid_link_timeout_first(struct ior_ring *ring)
{
	int res;

	/* A link-timeout must follow a linked entry of the same submit. */
	ior_prep_link_timeout(ior_get_sqe(ring), 1000000);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "a link-timeout first in its submit: %s, want invalid",
	      t_code(res));
	PASS();
}

static void invalid_link_timeout_unlinked(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_link_timeout(sqe, 1000000);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "two completions did not come");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1) {
			CHECK(c[i].res == 0, "the nop: %s", t_code(c[i].res));
		} else {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == -IOR_EINVAL, "a link-timeout after an entry without link: %s, "
			      "want invalid", t_code(c[i].res));
		}
	}
	PASS();
}

static void invalid_open_flags(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	/* A directory cannot be created by open: directory with create contradicts itself. */
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)rw, "newdir",
			IOR_O_DIRECTORY | IOR_O_CREATE | IOR_O_READ, 0755);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "openat with directory and create: %s, want invalid", t_code(res));
	PASS();
}

static void invalid_ring_entries(struct ior_ring *ring)
{
	ioring_ring_ring_own_ring_t big;
	ioring_ring_ring_error_code_t err;

	(void)ring;
	/* Straight through the binding: the SDK would first try to allocate a batch this big. */
	if (ioring_ring_ring_static_ring_create(ABSURD, &big, &err)) {
		ioring_ring_ring_ring_drop_own(big);
		FAIL("ring.create(2^32-1) succeeded");
	}
	CHECK(-IOR_ERR(err) == -IOR_EINVAL, "ring.create(2^32-1): %s, want invalid",
	      t_code(-IOR_ERR(err)));
	PASS();
}

int main(void)
{
	t_run("invalid-read-length", invalid_read_length);
	t_run("invalid-recv-length", invalid_recv_length);
	t_run("invalid-in-batch", invalid_in_batch);
	t_run("invalid-link-timeout-first", invalid_link_timeout_first);
	t_run("invalid-link-timeout-unlinked", invalid_link_timeout_unlinked);
	t_run("invalid-open-flags", invalid_open_flags);
	t_run("invalid-ring-entries", invalid_ring_entries);
	return t_exit();
}

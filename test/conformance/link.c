/*
 * link: chains. Linked entries run and complete in order; a failing entry cancels the rest of
 * its chain, with no side effects; a hard link goes on whatever the result; a link flag on the
 * last entry of a submit is ignored; link-timeout bounds the entry before it.
 */
#include "conform.h"

/* Prepare a write of @s at the position of @fd, tagged @ud, with @flags. */
static void write_at_pos(struct ior_ring *ring, int fd, const char *s, uint32_t ud, uint8_t flags)
{
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_write(sqe, (ior_handle_t)fd, s, strlen(s), IOR_CURRENT_POSITION);
	ior_sqe_set_data32(sqe, ud);
	ior_sqe_set_flags(sqe, flags);
}

/* The first 63 bytes of file @fd, NUL-terminated, in @buf; the count or -IOR_E*. */
static int contents(struct ior_ring *ring, int fd, char *buf)
{
	struct t_cqe c;
	int res;

	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 63, 0);
	res = t_one(ring, &c);
	if (res >= 0) {
		memcpy(buf, c.data, (size_t)res);
		buf[res] = '\0';
	}
	return res;
}

static void link_order(struct ior_ring *ring)
{
	enum { N = 8 };
	static const char *const parts[N] = { "a", "bb", "c", "dd", "e", "ff", "g", "hh" };
	struct t_cqe c[N + 2];
	char buf[64];
	int rw = t_dir("rw"), fd, client, server, res;

	fd = t_open(ring, rw, "chain", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	/* A receive that waits for bytes, then writes at the position: none may start before the
	 * receive completes, and each only after the one before it. */
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv(sqe, (ior_handle_t)server, 16);
	ior_sqe_set_data32(sqe, 100);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	for (int i = 0; i < N; i++)
		write_at_pos(ring, fd, parts[i], (uint32_t)i + 1, i < N - 1 ? IOR_SQE_LINK : 0);
	CHECK(ior_submit(ring) == N + 1, "submit did not take the chain");
	CHECK(t_quiet(ring, 50000000), "an entry completed while the head of its chain waits");
	res = contents(ring, fd, buf);
	CHECK(res == 0, "a linked write ran before the head of its chain completed (\"%s\")",
	      res > 0 ? buf : t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "go", 2);
	CHECK(t_reap(ring, c, N + 2) == N + 2, "the chain did not complete");
	/* The send's CQE may come anywhere; the chain's in order. */
	int k = 0;
	for (int i = 0; i < N + 2; i++) {
		if (c[i].user_data == 0) {
			CHECK(c[i].res == 2, "send: %s", t_code(c[i].res));
			continue;
		}
		uint32_t want = k == 0 ? 100 : (uint32_t)k;

		SKIP_IF_NOTSUP(c[i].res);
		CHECK(c[i].user_data == want, "chain completion %d is entry %u, want %u", k,
		      c[i].user_data, want);
		CHECK(k == 0 ? c[i].res == 2 : c[i].res == (int)strlen(parts[k - 1]), "entry %u: %s",
		      c[i].user_data, t_code(c[i].res));
		k++;
	}
	res = contents(ring, fd, buf);
	CHECK(res == 12 && strcmp(buf, "abbcddeffghh") == 0, "the file holds \"%s\"",
	      res >= 0 ? buf : t_code(res));
	PASS();
}

static void link_failure_cancels(struct ior_ring *ring)
{
	struct t_cqe c[4];
	char buf[64];
	ior_sqe_t *sqe;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "broken", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	/* nop -> read of a bad handle -> write -> write: the writes must never happen. */
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_read(sqe, 999, 4, 0);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	write_at_pos(ring, fd, "never", 3, IOR_SQE_LINK);
	write_at_pos(ring, fd, "nor this", 4, 0);
	CHECK(t_reap(ring, c, 4) == 4, "the chain did not complete");
	for (int i = 0; i < 4; i++)
		CHECK(c[i].user_data == (uint32_t)i + 1, "completion %d is entry %u", i + 1,
		      c[i].user_data);
	CHECK(c[0].res == 0, "nop: %s", t_code(c[0].res));
	CHECK(c[1].res == -IOR_EBADF, "read of handle 999: %s, want bad-descriptor",
	      t_code(c[1].res));
	CHECK(c[2].res == -IOR_ECANCELED && c[3].res == -IOR_ECANCELED,
	      "entries after the failure: %s, %s, want canceled", t_code(c[2].res), t_code(c[3].res));
	res = contents(ring, fd, buf);
	CHECK(res == 0, "a cancelled write happened: the file holds \"%s\"", res > 0 ? buf : "");
	/* A chain after the broken one runs normally. */
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	ior_prep_nop(ior_get_sqe(ring));
	CHECK(t_reap(ring, c, 2) == 2 && c[0].res == 0 && c[1].res == 0,
	      "the next chain: %s %s", t_code(c[0].res), t_code(c[1].res));
	PASS();
}

static void link_failure_at_head(struct ior_ring *ring)
{
	struct t_cqe c[3];
	ior_sqe_t *sqe;

	/* A failing first entry: everything after it is canceled. */
	sqe = ior_get_sqe(ring);
	ior_prep_statx(sqe, (ior_handle_t)t_dir("ro"), "missing", false);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	for (uint32_t i = 2; i <= 3; i++) {
		sqe = ior_get_sqe(ring);
		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, i);
		ior_sqe_set_flags(sqe, i < 3 ? IOR_SQE_LINK : 0);
	}
	CHECK(t_reap(ring, c, 3) == 3, "the chain did not complete");
	CHECK(c[0].user_data == 1 && c[0].res == -IOR_ENOENT, "head: %u %s, want no-entry",
	      c[0].user_data, t_code(c[0].res));
	for (int i = 1; i < 3; i++)
		CHECK(c[i].user_data == (uint32_t)i + 1 && c[i].res == -IOR_ECANCELED,
		      "entry %u: %s, want canceled", c[i].user_data, t_code(c[i].res));
	PASS();
}

/*
 * wit/types.wit: `link` starts the next entry "only after this one completes successfully".
 * A short read is a success: a count, here 7 of 100 asked for.
 */
/* io_uring's rule, which the WIT keeps: a transfer shorter than asked ends its chain. */
static void link_short_read_breaks_chain(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;
	int ro = t_dir("ro"), fd;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	sqe = ior_get_sqe(ring);
	ior_prep_read(sqe, (ior_handle_t)fd, 100, 30);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "the chain did not complete");
	CHECK(c[0].user_data == 1 && c[0].res == 7, "read: %s, want 7", t_code(c[0].res));
	CHECK(c[1].user_data == 2 && c[1].res == -IOR_ECANCELED,
	      "the entry linked after a short read: %s, want canceled", t_code(c[1].res));
	PASS();
}

static void link_hard(struct ior_ring *ring)
{
	struct t_cqe c[3];
	char buf[64];
	ior_sqe_t *sqe;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "hard", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	/* bad read =hard=> write "1" =hard=> write "2": both writes happen, in order. */
	sqe = ior_get_sqe(ring);
	ior_prep_read(sqe, 999, 4, 0);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_HARD_LINK);
	write_at_pos(ring, fd, "1", 2, IOR_SQE_HARD_LINK);
	write_at_pos(ring, fd, "2", 3, 0);
	CHECK(t_reap(ring, c, 3) == 3, "the chain did not complete");
	for (int i = 0; i < 3; i++)
		CHECK(c[i].user_data == (uint32_t)i + 1, "completion %d is entry %u", i + 1,
		      c[i].user_data);
	SKIP_IF_NOTSUP(c[1].res);
	CHECK(c[0].res == -IOR_EBADF, "read of handle 999: %s", t_code(c[0].res));
	CHECK(c[1].res == 1 && c[2].res == 1, "writes after a hard link: %s %s, want 1 1",
	      t_code(c[1].res), t_code(c[2].res));
	res = contents(ring, fd, buf);
	CHECK(res == 2 && strcmp(buf, "12") == 0, "the file holds \"%s\", want \"12\"",
	      res >= 0 ? buf : t_code(res));
	PASS();
}

static void link_last_flag_ignored(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* A link on the last entry of a submit links to nothing: the next submit's bad read does
	 * not reach back, and the nop that follows it in its own submit is not cancelled. */
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	CHECK(ior_submit(ring) == 1, "first submit");
	CHECK(t_next(ring, &c[0]) == 0, "the nop with a dangling link did not complete");
	CHECK(c[0].user_data == 1 && c[0].res == 0, "nop: %s, want 0", t_code(c[0].res));
	sqe = ior_get_sqe(ring);
	ior_prep_read(sqe, 999, 1, 0);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	CHECK(ior_submit(ring) == 1, "second submit");
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 3);
	CHECK(ior_submit(ring) == 1, "third submit");
	CHECK(t_reap(ring, c, 2) == 2, "no two completions");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 2)
			CHECK(c[i].res == -IOR_EBADF, "bad read: %s", t_code(c[i].res));
		else
			CHECK(c[i].user_data == 3 && c[i].res == 0,
			      "the nop after a submit ending in a failed link: %s, want 0",
			      t_code(c[i].res));
	}
	PASS();
}

static void link_timeout_fires(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;
	int lst = ior_grant_listener("lst");

	CHECK(lst >= 0, "listener \"lst\": %s", t_code(lst));
	/* An accept nobody connects to, bounded by 50 ms. */
	sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_link_timeout(sqe, 50000000);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "the bounded accept did not complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1) {
			CHECK(c[i].res == -IOR_ETIMEDOUT, "the accept: %s, want timed-out",
			      t_code(c[i].res));
		} else {
			SKIP_IF_NOTSUP(c[i].res);
			/* wit/types.wit does not name this entry's own result when it fires. */
			CHECK(c[i].res < 0 && c[i].res != -IOR_ECANCELED,
			      "the link-timeout that fired: %s, want an error other than canceled",
			      t_code(c[i].res));
		}
	}
	PASS();
}

static void link_timeout_not_fired(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* A nop bounded by 30 s: it completes at once and the link-timeout with canceled, well
	 * within the 5 s this wait allows. */
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_link_timeout(sqe, 30000000000ULL);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "the nop and its link-timeout did not complete within 5 s");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1) {
			CHECK(c[i].res == 0, "the nop: %s, want 0", t_code(c[i].res));
		} else {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == -IOR_ECANCELED, "the unneeded link-timeout: %s, want canceled",
			      t_code(c[i].res));
		}
	}
	PASS();
}

static void link_timeout_in_chain(struct ior_ring *ring)
{
	struct t_cqe c[3];
	ior_sqe_t *sqe;
	int lst = ior_grant_listener("lst");

	CHECK(lst >= 0, "listener \"lst\": %s", t_code(lst));
	/* accept (bounded, times out) -> nop: the nop is canceled with the chain. */
	sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, 1);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_link_timeout(sqe, 30000000);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 3);
	CHECK(t_reap(ring, c, 3) == 3, "the chain did not complete");
	for (int i = 0; i < 3; i++) {
		if (c[i].user_data == 1)
			CHECK(c[i].res == -IOR_ETIMEDOUT, "accept: %s, want timed-out", t_code(c[i].res));
		else if (c[i].user_data == 3)
			CHECK(c[i].res == -IOR_ECANCELED, "the nop after it: %s, want canceled",
			      t_code(c[i].res));
		else
			SKIP_IF_NOTSUP(c[i].res);
	}
	PASS();
}

int main(void)
{
	t_run("link-order", link_order);
	t_run("link-failure-cancels-rest", link_failure_cancels);
	t_run("link-failure-at-head", link_failure_at_head);
	t_run("link-short-read-breaks-chain", link_short_read_breaks_chain);
	t_run("link-hard-continues", link_hard);
	t_run("link-last-flag-ignored", link_last_flag_ignored);
	t_run("link-timeout-fires", link_timeout_fires);
	t_run("link-timeout-not-fired", link_timeout_not_fired);
	t_run("link-timeout-in-chain", link_timeout_in_chain);
	return t_exit();
}

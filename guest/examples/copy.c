/*
 * copy - copy a file between granted directories, through fixed buffers and linked SQEs.
 *
 *   ioring run --dir IN::in --dir OUT::out copy.wasm in/source out/destination
 *
 * The bytes never enter the guest: each of SLOTS fixed buffers carries a chain of two SQEs,
 * read-fixed (IOR_SQE_LINK) -> write-fixed, over one CHUNK of the file, and the chains run
 * side by side. A short read (the end of the file) breaks its chain: the host cancels the
 * write, and the slot writes what was read on its own, then reads on from there; a read of
 * 0 bytes is the end. A short write writes the rest.
 */
#include <string.h>

#include "ioring.h"

#define SLOTS 4
#define CHUNK (128 * 1024)

struct slot {
	unsigned index;		/* its fixed buffer */
	uint64_t start;		/* file offset of the chunk in buffer[0] */
	uint32_t done;		/* bytes of the chunk read and written so far */
	uint32_t pending;	/* bytes the write in flight covers */
	struct ior_op read_op;
	struct ior_op write_op;
};

static struct slot slots[SLOTS];
static ior_handle_t in, out;
static uint64_t next_start;	/* the next chunk no slot has taken */
static bool at_end;		/* a read found the end: take no new chunk */
static int failure;

static void fail(struct ior_loop *loop, const char *what, int err)
{
	if (!failure)
		ior_perror(what, err);
	failure = err;
	for (int i = 0; i < SLOTS; i++) {
		ior_loop_cancel(loop, &slots[i].read_op);
		ior_loop_cancel(loop, &slots[i].write_op);
	}
}

/* Read the rest of the slot's chunk into its buffer and, linked, write it out. */
static void slot_chain(struct ior_loop *loop, struct slot *s)
{
	uint32_t len = CHUNK - s->done;
	uint64_t pos = s->start + s->done;
	ior_sqe_t *rd = ior_loop_get_sqe(loop, &s->read_op);
	ior_sqe_t *wr;

	if (!rd)
		return fail(loop, "copy: no SQE", -IOR_EAGAIN);
	ior_prep_read_fixed(rd, in, s->index, s->done, len, (int64_t)pos);
	ior_sqe_set_flags(rd, IOR_SQE_LINK);
	wr = ior_loop_get_sqe(loop, &s->write_op);
	if (!wr)
		return fail(loop, "copy: no SQE", -IOR_EAGAIN);
	ior_prep_write_fixed(wr, out, s->index, s->done, len, (int64_t)pos);
	s->pending = len;
}

/* Write @len bytes of the slot's buffer from where its chunk stands, unlinked. */
static void slot_write(struct ior_loop *loop, struct slot *s, uint32_t len)
{
	ior_sqe_t *wr = ior_loop_get_sqe(loop, &s->write_op);

	if (!wr)
		return fail(loop, "copy: no SQE", -IOR_EAGAIN);
	ior_prep_write_fixed(wr, out, s->index, s->done, len, (int64_t)(s->start + s->done));
	s->pending = len;
}

/* The slot's chunk is out: take the next one, unless the end of the file was found. */
static void slot_next(struct ior_loop *loop, struct slot *s)
{
	if (at_end || failure)
		return;
	s->start = next_start;
	s->done = 0;
	next_start += CHUNK;
	slot_chain(loop, s);
}

static void on_read(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	struct slot *s = ior_container_of(op, struct slot, read_op);
	int res = ior_cqe_res(cqe);

	if (failure)
		return; /* everything is being cancelled */
	if (res < 0) {
		fail(loop, "copy: read", res);
		return;
	}
	if ((uint32_t)res == CHUNK - s->done)
		return; /* the linked write goes on; on_written takes over */
	/* Short: the host cancels the linked write (on_written sees -IOR_ECANCELED). */
	s->pending = 0;
	if (res == 0) {
		at_end = true;
		return;
	}
	slot_write(loop, s, (uint32_t)res);
}

static void on_written(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	struct slot *s = ior_container_of(op, struct slot, write_op);
	int res = ior_cqe_res(cqe);

	if (failure || res == -IOR_ECANCELED)
		return; /* failing; or its read was short, which on_read has dealt with */
	if (res <= 0) {
		fail(loop, "copy: write", res < 0 ? res : -IOR_EIO);
		return;
	}
	s->done += (uint32_t)res;
	if ((uint32_t)res < s->pending) {
		slot_write(loop, s, s->pending - (uint32_t)res);
	} else if (s->done < CHUNK) {
		slot_chain(loop, s); /* after a short read: read on from there */
	} else {
		slot_next(loop, s);
	}
}

/* Callbacks of the set-up steps: store the handle (or error) in the op's int. */
static void on_opened(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	int res = ior_cqe_res(cqe);

	(void)loop;
	*(int *)op->data = res < 0 ? res : ior_cqe_handle(cqe);
}

static void on_result(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)loop;
	*(int *)op->data = ior_cqe_res(cqe);
}

/* Queue an openat of "GRANT/relative" @path; its handle lands in *@fd. */
static int open_granted(struct ior_loop *loop, struct ior_op *op, char *path, uint16_t flags)
{
	char *slash = strchr(path, '/');
	int dir;

	if (!slash)
		return -IOR_EINVAL;
	*slash = '\0';
	dir = ior_grant_directory(path);
	*slash = '/';
	if (dir < 0)
		return dir;
	/* The path is copied when the loop submits, and argv outlives that. */
	ior_prep_openat(ior_loop_get_sqe(loop, op), (ior_handle_t)dir, slash + 1, flags, 0644);
	return 0;
}

int main(int argc, char **argv)
{
	struct ior_loop loop;
	int src = 0, dst = 0, closed[2] = { 0, 0 }, ret;
	struct ior_op open_src = IOR_OP_INIT(on_opened, &src), open_dst = IOR_OP_INIT(on_opened, &dst);
	struct ior_op close_ops[2] = { IOR_OP_INIT(on_result, &closed[0]),
				       IOR_OP_INIT(on_result, &closed[1]) };

	if (argc != 3) {
		ior_perror("usage: copy GRANT/SOURCE GRANT/DESTINATION", 0);
		return 2;
	}
	ret = ior_loop_init(&loop, 2 * SLOTS + 2);
	if (ret == 0)
		ret = ior_register_buffers(ior_loop_ring(&loop), SLOTS, CHUNK);
	if (ret < 0) {
		ior_perror("copy: ring", ret);
		return 1;
	}

	/* The source first: a destination is created only for a source that opened. */
	ret = open_granted(&loop, &open_src, argv[1], IOR_O_READ);
	if (ret == 0)
		ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);
	if (ret < 0 || src < 0) {
		ior_perror(argv[1], ret < 0 ? ret : src);
		return 1;
	}
	ret = open_granted(&loop, &open_dst, argv[2], IOR_O_WRITE | IOR_O_CREATE | IOR_O_TRUNCATE);
	if (ret == 0)
		ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);
	if (ret < 0 || dst < 0) {
		ior_perror(argv[2], ret < 0 ? ret : dst);
		return 1;
	}
	in = (ior_handle_t)src;
	out = (ior_handle_t)dst;

	/* Every slot takes a chunk; the loop runs until the last chain has finished. */
	for (unsigned i = 0; i < SLOTS; i++) {
		slots[i].index = i;
		ior_op_init(&slots[i].read_op, on_read, NULL);
		ior_op_init(&slots[i].write_op, on_written, NULL);
		slot_next(&loop, &slots[i]);
	}
	ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);

	ior_prep_close(ior_loop_get_sqe(&loop, &close_ops[0]), in);
	ior_prep_close(ior_loop_get_sqe(&loop, &close_ops[1]), out);
	ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);
	ior_loop_exit(&loop);
	if (!failure && (closed[0] < 0 || closed[1] < 0))
		ior_perror("copy: close", closed[0] < 0 ? closed[0] : closed[1]);
	return failure || closed[0] < 0 || closed[1] < 0;
}

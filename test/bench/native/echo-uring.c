/*
 * echo-uring - the native baseline: a TCP echo server on liburing as the fastest io_uring
 * servers are written: multishot accept, multishot recv from a provided-buffer ring, the
 * send straight from the received buffer (recycled when the send completes), one
 * submit-and-wait per loop turn, SINGLE_ISSUER | DEFER_TASKRUN.
 *
 *   echo-uring PORT
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <netinet/tcp.h>

#define BUFS 1024
#define BUF_SIZE 4096
#define GROUP 0

enum { ACCEPT = 1, RECV = 2, SEND = 3 };

/* user_data: kind in the top byte, buffer id above the fd. */
static __u64 tag(unsigned kind, unsigned bid, int fd)
{
	return ((__u64)kind << 56) | ((__u64)bid << 32) | (unsigned)fd;
}

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static unsigned char *bufs;

static struct io_uring_sqe *sqe(void)
{
	struct io_uring_sqe *s = io_uring_get_sqe(&ring);

	if (!s) {
		io_uring_submit(&ring);
		s = io_uring_get_sqe(&ring);
	}
	return s;
}

static void arm_recv(int fd)
{
	struct io_uring_sqe *s = sqe();

	io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
	s->flags |= IOSQE_BUFFER_SELECT;
	s->buf_group = GROUP;
	io_uring_sqe_set_data64(s, tag(RECV, 0, fd));
}

static void recycle(unsigned bid)
{
	io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(BUFS), 0);
	io_uring_buf_ring_advance(br, 1);
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN };
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct io_uring_buf_reg reg = { .ring_entries = BUFS, .bgid = GROUP };
	int one = 1, lfd, ret;

	if (argc != 2)
		return 2;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 512)) {
		perror("listen");
		return 1;
	}
	ret = io_uring_queue_init_params(4096, &ring, &p);
	if (ret < 0) {
		fprintf(stderr, "io_uring: %s\n", strerror(-ret));
		return 1;
	}
	io_uring_register_ring_fd(&ring); /* as the host does */
	if (posix_memalign((void **)&br, 4096, BUFS * sizeof(struct io_uring_buf)) ||
	    posix_memalign((void **)&bufs, 4096, (size_t)BUFS * BUF_SIZE))
		return 1;
	reg.ring_addr = (unsigned long)br;
	if (io_uring_register_buf_ring(&ring, &reg, 0))
		return 1;
	io_uring_buf_ring_init(br);
	for (unsigned i = 0; i < BUFS; i++)
		recycle(i);

	struct io_uring_sqe *s = sqe();

	io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(s, tag(ACCEPT, 0, lfd));
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		if (io_uring_submit_and_wait(&ring, 1) < 0)
			continue;
		io_uring_for_each_cqe(&ring, head, cqe) {
			__u64 ud = cqe->user_data;
			int fd = (int)(ud & 0xffffffff);
			unsigned bid = (unsigned)(ud >> 32) & 0xffff;

			seen++;
			switch (ud >> 56) {
			case ACCEPT:
				if (cqe->res >= 0) {
					setsockopt(cqe->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					arm_recv(cqe->res);
				}
				if (!(cqe->flags & IORING_CQE_F_MORE)) {
					s = sqe();
					io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
					io_uring_sqe_set_data64(s, tag(ACCEPT, 0, lfd));
				}
				break;
			case RECV:
				if (cqe->res > 0) {
					bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
					s = sqe();
					io_uring_prep_send(s, fd, bufs + (size_t)bid * BUF_SIZE, (size_t)cqe->res, MSG_NOSIGNAL);
					io_uring_sqe_set_data64(s, tag(SEND, bid, fd));
				}
				if (cqe->res <= 0 && cqe->res != -ENOBUFS) {
					close(fd);
					break;
				}
				if (!(cqe->flags & IORING_CQE_F_MORE))
					arm_recv(fd);
				break;
			case SEND:
				/* Short sends do not happen on loopback with these sizes; a real server
				 * would resend the rest. */
				recycle(bid);
				break;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
}

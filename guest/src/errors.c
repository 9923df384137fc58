/*
 * errors.c - error strings, and ior_perror, which reports through a ring rather than stdio.
 */
#include <string.h>

#include "ioring.h"
#include "internal.h"

/* enum ior_errno is the WIT error-code enum plus one: check every case against wit/. */
#define __IOR_CHECK(name, wit) _Static_assert(name == IOR_ERR(IORING_RING_TYPES_ERROR_CODE_##wit), #name)
__IOR_CHECK(IOR_EACCES, ACCESS);
__IOR_CHECK(IOR_EADDRINUSE, ADDRESS_IN_USE);
__IOR_CHECK(IOR_EADDRNOTAVAIL, ADDRESS_NOT_AVAILABLE);
__IOR_CHECK(IOR_EAFNOSUPPORT, ADDRESS_FAMILY_NOT_SUPPORTED);
__IOR_CHECK(IOR_EAGAIN, AGAIN);
__IOR_CHECK(IOR_EALREADY, ALREADY);
__IOR_CHECK(IOR_EBADF, BAD_DESCRIPTOR);
__IOR_CHECK(IOR_EBUSY, BUSY);
__IOR_CHECK(IOR_ECANCELED, CANCELED);
__IOR_CHECK(IOR_ECONNABORTED, CONNECTION_ABORTED);
__IOR_CHECK(IOR_ECONNREFUSED, CONNECTION_REFUSED);
__IOR_CHECK(IOR_ECONNRESET, CONNECTION_RESET);
__IOR_CHECK(IOR_EDESTADDRREQ, DESTINATION_ADDRESS_REQUIRED);
__IOR_CHECK(IOR_EEXIST, EXISTS);
__IOR_CHECK(IOR_EFBIG, FILE_TOO_LARGE);
__IOR_CHECK(IOR_EHOSTUNREACH, HOST_UNREACHABLE);
__IOR_CHECK(IOR_EINPROGRESS, IN_PROGRESS);
__IOR_CHECK(IOR_EINTR, INTERRUPTED);
__IOR_CHECK(IOR_EINVAL, INVALID);
__IOR_CHECK(IOR_EIO, IO);
__IOR_CHECK(IOR_EISCONN, IS_CONNECTED);
__IOR_CHECK(IOR_EISDIR, IS_DIRECTORY);
__IOR_CHECK(IOR_ELOOP, LOOP);
__IOR_CHECK(IOR_EMFILE, TOO_MANY_HANDLES);
__IOR_CHECK(IOR_EMSGSIZE, MESSAGE_SIZE);
__IOR_CHECK(IOR_ENAMETOOLONG, NAME_TOO_LONG);
__IOR_CHECK(IOR_ENETUNREACH, NETWORK_UNREACHABLE);
__IOR_CHECK(IOR_ENOBUFS, NO_BUFFERS);
__IOR_CHECK(IOR_ENODEV, NO_DEVICE);
__IOR_CHECK(IOR_ENOENT, NO_ENTRY);
__IOR_CHECK(IOR_ENOMEM, NO_MEMORY);
__IOR_CHECK(IOR_ENOSPC, NO_SPACE);
__IOR_CHECK(IOR_ENOTCONN, NOT_CONNECTED);
__IOR_CHECK(IOR_ENOTDIR, NOT_DIRECTORY);
__IOR_CHECK(IOR_ENOTEMPTY, NOT_EMPTY);
__IOR_CHECK(IOR_ENOTSUP, NOT_SUPPORTED);
__IOR_CHECK(IOR_ENOTTY, NOT_A_TTY);
__IOR_CHECK(IOR_ENXIO, NO_SUCH_DEVICE_OR_ADDRESS);
__IOR_CHECK(IOR_EPERM, NOT_PERMITTED);
__IOR_CHECK(IOR_EPIPE, PIPE);
__IOR_CHECK(IOR_EPROTONOSUPPORT, PROTOCOL_NOT_SUPPORTED);
__IOR_CHECK(IOR_ERANGE, RANGE);
__IOR_CHECK(IOR_EROFS, READ_ONLY);
__IOR_CHECK(IOR_ETIMEDOUT, TIMED_OUT);
__IOR_CHECK(IOR_EXDEV, CROSS_DEVICE);
__IOR_CHECK(IOR_EUNKNOWN, UNKNOWN);

/* Indexed by enum ior_errno - 1. */
static const char *const error_names[] = {
	"permission denied by grant", "address in use", "address not available",
	"address family not supported", "try again", "already in progress", "bad handle",
	"busy", "canceled", "connection aborted", "connection refused", "connection reset",
	"destination address required", "exists", "file too large", "host unreachable",
	"in progress", "interrupted", "invalid argument", "I/O error", "already connected",
	"is a directory", "too many symbolic links", "too many handles", "message too long",
	"name too long", "network unreachable", "no buffer space", "no such device",
	"no such file or grant", "out of memory", "no space left", "not connected",
	"not a directory", "directory not empty", "not supported", "not a terminal",
	"no such device or address", "not permitted", "broken pipe", "protocol not supported",
	"out of range", "read-only", "timed out", "cross-device", "unknown error",
};

_Static_assert(sizeof(error_names) / sizeof(error_names[0]) == IOR_EUNKNOWN,
	       "error_names must list every error code");

const char *ior_strerror(int err)
{
	unsigned code = (unsigned)(err < 0 ? -err : err);

	if (code == 0)
		return "success";
	if (code > IOR_EUNKNOWN)
		return "unknown error";
	return error_names[code - 1];
}

/* Append NUL-terminated @s to @buf (of @size bytes) at *@len, truncating. */
static void __ior_append(char *buf, size_t size, size_t *len, const char *s)
{
	while (*s && *len < size)
		buf[(*len)++] = *s++;
}

void ior_perror(const char *msg, int err)
{
	ioring_ring_ring_own_ring_t ring;
	ioring_ring_ring_error_code_t code;
	ioring_ring_ring_list_cqe_t cqes;
	ior_sqe_t sqe;
	ioring_ring_ring_list_sqe_t sqes = { &sqe, 1 };
	char line[256];
	size_t len = 0;

	__ior_append(line, sizeof(line) - 1, &len, msg);
	if (err) {
		__ior_append(line, sizeof(line) - 1, &len, ": ");
		__ior_append(line, sizeof(line) - 1, &len, ior_strerror(err));
	}
	line[len++] = '\n';

	/* A ring of its own, straight over the WIT imports: this works whatever state the
	 * caller's rings are in, allocates nothing of the SDK's, and needs no stdio. */
	if (!ioring_ring_ring_static_ring_create(1, &ring, &code))
		return;
	memset(&sqe, 0, sizeof(sqe));
	ior_prep_write(&sqe, IOR_STDERR, line, len, IOR_CURRENT_POSITION);
	{
		ioring_ring_ring_borrow_ring_t b = { ring.__handle };

		if (ioring_ring_ring_method_ring_submit(b, &sqes) == 1) {
			ioring_ring_ring_method_ring_complete(b, 1, 1, NULL, &cqes);
			ioring_ring_ring_list_cqe_free(&cqes);
		}
	}
	ioring_ring_ring_ring_drop_own(ring);
}

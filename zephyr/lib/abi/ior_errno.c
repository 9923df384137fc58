/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_errno.c - the platform's errno values (whatever <errno.h> numbers them: Linux and
 * Zephyr's libcs differ) to the WIT `error-code` enum. One table, by name.
 */
#include <errno.h>

#include "ior_abi.h"

uint8_t ior_abi_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EACCES: return IOR_ABI_EACCES;
	case EADDRINUSE: return IOR_ABI_EADDRINUSE;
	case EADDRNOTAVAIL: return IOR_ABI_EADDRNOTAVAIL;
	case EAFNOSUPPORT: return IOR_ABI_EAFNOSUPPORT;
	case EAGAIN: return IOR_ABI_EAGAIN;
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK: return IOR_ABI_EAGAIN;
#endif
	case EALREADY: return IOR_ABI_EALREADY;
	case EBADF: return IOR_ABI_EBADF;
	case EBUSY: return IOR_ABI_EBUSY;
	case ECANCELED: return IOR_ABI_ECANCELED;
	case ECONNABORTED: return IOR_ABI_ECONNABORTED;
	case ECONNREFUSED: return IOR_ABI_ECONNREFUSED;
	case ECONNRESET: return IOR_ABI_ECONNRESET;
	case EDESTADDRREQ: return IOR_ABI_EDESTADDRREQ;
	case EEXIST: return IOR_ABI_EEXIST;
	case EFBIG: return IOR_ABI_EFBIG;
	case EHOSTUNREACH: return IOR_ABI_EHOSTUNREACH;
	case EINPROGRESS: return IOR_ABI_EINPROGRESS;
	case EINTR: return IOR_ABI_EINTR;
	case EINVAL: return IOR_ABI_EINVAL;
	case EIO: return IOR_ABI_EIO;
	case EISCONN: return IOR_ABI_EISCONN;
	case EISDIR: return IOR_ABI_EISDIR;
	case ELOOP: return IOR_ABI_ELOOP;
	case EMFILE: return IOR_ABI_EMFILE;
#ifdef ENFILE
	case ENFILE: return IOR_ABI_EMFILE;
#endif
	case EMSGSIZE: return IOR_ABI_EMSGSIZE;
	case ENAMETOOLONG: return IOR_ABI_ENAMETOOLONG;
	case ENETUNREACH: return IOR_ABI_ENETUNREACH;
#ifdef ENETDOWN
	case ENETDOWN: return IOR_ABI_ENETUNREACH;
#endif
	case ENOBUFS: return IOR_ABI_ENOBUFS;
	case ENODEV: return IOR_ABI_ENODEV;
	case ENOENT: return IOR_ABI_ENOENT;
	case ENOMEM: return IOR_ABI_ENOMEM;
	case ENOSPC: return IOR_ABI_ENOSPC;
	case ENOTCONN: return IOR_ABI_ENOTCONN;
	case ENOTDIR: return IOR_ABI_ENOTDIR;
	case ENOTEMPTY: return IOR_ABI_ENOTEMPTY;
	case ENOTSUP: return IOR_ABI_ENOTSUP;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
	case EOPNOTSUPP: return IOR_ABI_ENOTSUP;
#endif
	case ENOSYS: return IOR_ABI_ENOTSUP;
	case ENOTTY: return IOR_ABI_ENOTTY;
	case ENXIO: return IOR_ABI_ENXIO;
	case EPERM: return IOR_ABI_EPERM;
	case EPIPE: return IOR_ABI_EPIPE;
	case EPROTONOSUPPORT: return IOR_ABI_EPROTONOSUPPORT;
	case ERANGE: return IOR_ABI_ERANGE;
	case EROFS: return IOR_ABI_EROFS;
	case ETIMEDOUT: return IOR_ABI_ETIMEDOUT;
#if defined(ETIME) && ETIME != ETIMEDOUT
	case ETIME: return IOR_ABI_ETIMEDOUT;
#endif
	case EXDEV: return IOR_ABI_EXDEV;
	default: return IOR_ABI_EUNKNOWN;
	}
}

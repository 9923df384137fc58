import type { ErrorCode } from 'ioring:ring/types@0.1.0';
import { IORingError } from '../../errors.js';

/** Node's errno names (`err.code`) as portable error codes: the one place they are mapped. */
const FROM_ERRNO: Record<string, ErrorCode> = {
  EACCES: 'access',
  EADDRINUSE: 'address-in-use',
  EADDRNOTAVAIL: 'address-not-available',
  EAFNOSUPPORT: 'address-family-not-supported',
  EAGAIN: 'again',
  EWOULDBLOCK: 'again',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  ECANCELED: 'canceled',
  ECONNABORTED: 'connection-aborted',
  ECONNREFUSED: 'connection-refused',
  ECONNRESET: 'connection-reset',
  EDESTADDRREQ: 'destination-address-required',
  EEXIST: 'exists',
  EFBIG: 'file-too-large',
  EHOSTUNREACH: 'host-unreachable',
  EHOSTDOWN: 'host-unreachable',
  EINPROGRESS: 'in-progress',
  EINTR: 'interrupted',
  EINVAL: 'invalid',
  EIO: 'io',
  EISCONN: 'is-connected',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMFILE: 'too-many-handles',
  ENFILE: 'too-many-handles',
  EMSGSIZE: 'message-size',
  ENAMETOOLONG: 'name-too-long',
  ENETUNREACH: 'network-unreachable',
  ENETDOWN: 'network-unreachable',
  ENOBUFS: 'no-buffers',
  ENODEV: 'no-device',
  ENOENT: 'no-entry',
  ENOMEM: 'no-memory',
  ENOSPC: 'no-space',
  ENOTCONN: 'not-connected',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTSUP: 'not-supported',
  EOPNOTSUPP: 'not-supported',
  ENOSYS: 'not-supported',
  ENOTTY: 'not-a-tty',
  ENXIO: 'no-such-device-or-address',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EPROTONOSUPPORT: 'protocol-not-supported',
  EPROTOTYPE: 'protocol-not-supported',
  ERANGE: 'range',
  EROFS: 'read-only',
  ETIMEDOUT: 'timed-out',
  ETIME: 'timed-out',
  EXDEV: 'cross-device',
  ENOTSOCK: 'bad-descriptor',
  // Node's own codes for the same conditions.
  ERR_SOCKET_CLOSED: 'bad-descriptor',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'bad-descriptor',
  ERR_SOCKET_DGRAM_NOT_CONNECTED: 'destination-address-required',
  ERR_SOCKET_DGRAM_IS_CONNECTED: 'is-connected',
  ERR_STREAM_DESTROYED: 'pipe',
  ERR_STREAM_WRITE_AFTER_END: 'pipe',
  ERR_SOCKET_BAD_PORT: 'invalid',
  ERR_INVALID_ARG_VALUE: 'invalid',
  ERR_INVALID_ARG_TYPE: 'invalid',
  ERR_OUT_OF_RANGE: 'invalid',
  ERR_SERVER_ALREADY_LISTEN: 'invalid',
  ERR_SERVER_NOT_RUNNING: 'bad-descriptor',
  ABORT_ERR: 'canceled',
};

/** The portable error code of a Node error (a system error's `code`), `unknown` if it has none. */
export function toErrorCode(error: unknown): ErrorCode {
  if (error instanceof IORingError) return error.errorCode;
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && FROM_ERRNO[code]) || 'unknown';
}

/** An operation's failure inside the Node backend; only its code reaches the completion. */
export function opError(code: ErrorCode): IORingError {
  return new IORingError(code, 'node backend');
}

/** Throws the failure `code`. */
export function fail(code: ErrorCode): never {
  throw opError(code);
}

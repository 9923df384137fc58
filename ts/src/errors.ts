import type { ErrorCode } from 'ioring:ring/types@0.1.0';

export type { ErrorCode };

/** POSIX names for the portable error codes, so `err.code === 'ETIMEDOUT'` reads as in Node. */
const POSIX: Record<ErrorCode, string> = {
  'access': 'EACCES',
  'address-in-use': 'EADDRINUSE',
  'address-not-available': 'EADDRNOTAVAIL',
  'address-family-not-supported': 'EAFNOSUPPORT',
  'again': 'EAGAIN',
  'already': 'EALREADY',
  'bad-descriptor': 'EBADF',
  'busy': 'EBUSY',
  'canceled': 'ECANCELED',
  'connection-aborted': 'ECONNABORTED',
  'connection-refused': 'ECONNREFUSED',
  'connection-reset': 'ECONNRESET',
  'destination-address-required': 'EDESTADDRREQ',
  'exists': 'EEXIST',
  'file-too-large': 'EFBIG',
  'host-unreachable': 'EHOSTUNREACH',
  'in-progress': 'EINPROGRESS',
  'interrupted': 'EINTR',
  'invalid': 'EINVAL',
  'io': 'EIO',
  'is-connected': 'EISCONN',
  'is-directory': 'EISDIR',
  'loop': 'ELOOP',
  'too-many-handles': 'EMFILE',
  'message-size': 'EMSGSIZE',
  'name-too-long': 'ENAMETOOLONG',
  'network-unreachable': 'ENETUNREACH',
  'no-buffers': 'ENOBUFS',
  'no-device': 'ENODEV',
  'no-entry': 'ENOENT',
  'no-memory': 'ENOMEM',
  'no-space': 'ENOSPC',
  'not-connected': 'ENOTCONN',
  'not-directory': 'ENOTDIR',
  'not-empty': 'ENOTEMPTY',
  'not-supported': 'ENOTSUP',
  'not-a-tty': 'ENOTTY',
  'no-such-device-or-address': 'ENXIO',
  'not-permitted': 'EPERM',
  'pipe': 'EPIPE',
  'protocol-not-supported': 'EPROTONOSUPPORT',
  'range': 'ERANGE',
  'read-only': 'EROFS',
  'timed-out': 'ETIMEDOUT',
  'cross-device': 'EXDEV',
  'unknown': 'EIO',
};

/**
 * An operation's failure, carrying the portable error code.
 *
 * @example
 * try { await ring.read(fd, 4096); } catch (e) { if (e instanceof IORingError && e.code === 'EBADF') ... }
 */
export class IORingError extends Error {
  /** The POSIX name of the error, such as `'ENOENT'`. */
  readonly code: string;
  /** The portable WIT error code, such as `'no-entry'`. */
  readonly errorCode: ErrorCode;

  constructor(errorCode: ErrorCode, operation: string) {
    super(`${operation}: ${errorCode}`);
    this.name = 'IORingError';
    this.errorCode = errorCode;
    this.code = POSIX[errorCode] ?? 'EIO';
  }
}

/** The error code a WIT import threw (a result's `err`), or `undefined` for anything else. */
export function thrownErrorCode(e: unknown): ErrorCode | undefined {
  const payload = (e as { payload?: unknown })?.payload ?? e;
  return typeof payload === 'string' && payload in POSIX ? (payload as ErrorCode) : undefined;
}

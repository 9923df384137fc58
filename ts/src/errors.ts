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

/** Every portable error code, in the WIT's order. */
export const errorCodes = Object.keys(POSIX) as readonly ErrorCode[];

/** The POSIX name of a portable error code (`'no-entry'` is `'ENOENT'`). */
export function posixName(code: ErrorCode): string {
  return POSIX[code] ?? 'EIO';
}

/** Whether `value` is one of the portable error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(POSIX, value);
}

/**
 * An operation's failure, carrying the portable error code.
 *
 * `code` is the POSIX name, as on Node's system errors; `errorCode` is the WIT name.
 *
 * @example
 * try {
 *   await File.open('data', 'missing.txt');
 * } catch (e) {
 *   if (e instanceof IORingError && e.code === 'ENOENT') console.log('no such file');
 *   else throw e;
 * }
 */
export class IORingError extends Error {
  /** The POSIX name of the error, such as `'ENOENT'` or `'ETIMEDOUT'`. */
  readonly code: string;
  /** The portable WIT error code, such as `'no-entry'` or `'timed-out'`. */
  readonly errorCode: ErrorCode;
  /** The operation that failed, such as `'read'` or `"directory grant 'data'"`. */
  readonly operation: string;

  constructor(errorCode: ErrorCode, operation: string, options?: { cause?: unknown }) {
    super(`${operation}: ${errorCode} (${posixName(errorCode)})`, options);
    this.name = 'IORingError';
    this.errorCode = errorCode;
    this.code = posixName(errorCode);
    this.operation = operation;
  }
}

/** The error code a WIT import threw (a result's `err`), or `undefined` for anything else. */
export function thrownErrorCode(e: unknown): ErrorCode | undefined {
  const payload = (e as { payload?: unknown })?.payload ?? e;
  return isErrorCode(payload) ? payload : undefined;
}

/** Calls a WIT import that returns `result<_, error-code>`, turning its error into an `IORingError`. */
export function callImport<T>(operation: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    const code = thrownErrorCode(e);
    if (code) throw new IORingError(code, operation);
    throw e;
  }
}

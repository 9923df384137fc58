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

/** What an `IORingError` says beyond its code: what the operation was given, and what would fix it. */
export interface IORingErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** The path the operation was given, as the app sees it: the granted directory's name, then the path (`'data/notes.txt'`). */
  path?: string;
  /** For a rename, the path it was renaming to. */
  dest?: string;
  /** The address the operation was given: an IP address (`'127.0.0.1'`, `'::1'`) or a unix path. */
  address?: string;
  /** The port of `address`. */
  port?: number;
  /** Replaces the error code's name in the message, when the library knows better (`'no --connect grant matches'`). */
  reason?: string;
  /** What would fix it, appended to the message after `; `. */
  hint?: string;
}

/**
 * An operation's failure, carrying the portable error code.
 *
 * `code` is the POSIX name, as on Node's system errors; `errorCode` is the WIT name. Where the
 * operation was given a path or an address, the message names it and `path` (or `address` and
 * `port`) holds it: `openat data/missing.txt: no-entry (ENOENT)`. A refusal the library can
 * explain says what would allow it: `connect 127.0.0.1:4000: no --connect grant matches
 * (EACCES); grant it with --connect tcp:127.0.0.1:4000 (IORING_CONNECT under Node)`.
 *
 * @example
 * try {
 *   await File.open('data', 'missing.txt');
 * } catch (e) {
 *   if (e instanceof IORingError && e.code === 'ENOENT') console.log(`no such file: ${e.path}`);
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
  /** The path the operation was given (`'data/notes.txt'`), if it took one. */
  readonly path?: string;
  /** A rename's destination path. */
  readonly dest?: string;
  /** The address the operation was given (`'127.0.0.1'`, `'::1'`, a unix path), if it took one. */
  readonly address?: string;
  /** The port of `address`. */
  readonly port?: number;
  /** What would fix the failure, when the library can tell. */
  readonly hint?: string;

  constructor(errorCode: ErrorCode, operation: string, options?: IORingErrorOptions) {
    super(errorMessage(errorCode, operation, options), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IORingError';
    this.errorCode = errorCode;
    this.code = posixName(errorCode);
    this.operation = operation;
    if (options) {
      if (options.path !== undefined) this.path = options.path;
      if (options.dest !== undefined) this.dest = options.dest;
      if (options.address !== undefined) this.address = options.address;
      if (options.port !== undefined) this.port = options.port;
      if (options.hint !== undefined) this.hint = options.hint;
    }
  }
}

/** `operation [subject]: reason (EPOSIX)[; hint]`. */
function errorMessage(errorCode: ErrorCode, operation: string, o: IORingErrorOptions | undefined): string {
  let subject = '';
  if (o?.path !== undefined) subject = o.dest !== undefined ? ` ${o.path} -> ${o.dest}` : ` ${o.path}`;
  else if (o?.address !== undefined) {
    subject = o.port === undefined ? ` ${o.address}` : o.address.includes(':') ? ` [${o.address}]:${o.port}` : ` ${o.address}:${o.port}`;
  }
  return `${operation}${subject}: ${o?.reason ?? errorCode} (${posixName(errorCode)})${o?.hint ? `; ${o.hint}` : ''}`;
}

/** The error code a WIT import threw (a result's `err`), or `undefined` for anything else. */
export function thrownErrorCode(e: unknown): ErrorCode | undefined {
  const payload = (e as { payload?: unknown })?.payload ?? e;
  return isErrorCode(payload) ? payload : undefined;
}

/**
 * Calls a WIT import that returns `result<_, error-code>`, turning its error into an
 * `IORingError`; `hint` says what would fix a given code.
 */
export function callImport<T>(operation: string, call: () => T, hint?: Partial<Record<ErrorCode, string>>): T {
  try {
    return call();
  } catch (e) {
    const code = thrownErrorCode(e) ?? (e instanceof IORingError ? e.errorCode : undefined);
    if (code) throw new IORingError(code, operation, hint?.[code] ? { hint: hint[code] } : undefined);
    throw e;
  }
}

import type {
  AddressFamily,
  CqeDetail,
  FileStat as WitFileStat,
  GpioEdge,
  GpioRequestArgs,
  I2cMessage,
  OpenFlags,
  Op,
  PollEvents,
  ShutdownHow,
  SocketAddress,
  SocketOption,
  SocketType,
  SpiSegment,
  SqeFlags,
  TtyConfig,
} from 'ioring:ring/types@0.1.0';
import type { Backend, Cqe, RingBackend, Sqe, Turnable } from './backend.js';
import { IORingError, callImport } from './errors.js';
import { explain, forget, opened, socketBound, socketCreated } from './explain.js';
import { parseAddress } from './address.js';
import type { AddressLike } from './address.js';
import type { ErrorCode } from './errors.js';
import type { OperationOptions } from './signal.js';
import { pollEvents } from './poll.js';
import { PendingTable } from './pending.js';
import { backend as defaultBackend } from '#backend';

export type {
  CqeDetail,
  Op,
  AddressFamily,
  GpioEdge,
  GpioRequestArgs,
  I2cMessage,
  OpenFlags,
  PollEvents,
  ShutdownHow,
  SocketAddress,
  SocketOption,
  SocketType,
  SpiSegment,
  TtyConfig,
};

/** A guest handle: an index into the guest's descriptor table. */
export type Handle = number;

/** Standard input, granted by the host as handle 0. */
export const stdin: Handle = 0;
/** Standard output, granted by the host as handle 1. */
export const stdout: Handle = 1;
/** Standard error, granted by the host as handle 2. */
export const stderr: Handle = 2;

/** Options of `new IORing()`. */
export interface IORingOptions {
  /** Operations in flight the host ring holds, rounded up to a power of two; 0 (the default) takes the host's default. */
  entries?: number;
  /** Where the ring lives; by default the host's (inside a component) or Node's (under Node). */
  backend?: Backend;
}

/** Options of operations on files: where in the file. */
export interface OffsetOptions extends OperationOptions {
  /** File offset; without it the operation uses, and advances, the current position. */
  offset?: number | bigint;
}

/** A connection taken from a listening socket. */
export interface Accepted {
  /** The new connection's handle. */
  handle: Handle;
  /** The peer's address. */
  peer: SocketAddress;
}

/** A datagram and where it came from. */
export interface Datagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender's address. */
  from: SocketAddress;
}

/**
 * File metadata, as `statx` reports it. Sizes and times are numbers, exact up to 2^53 (8 PiB;
 * `modifiedNs` to within 256 ns today); `stat({ bigint: true })` gives `BigIntFileStat`.
 */
export interface FileStat {
  /** The kind of file. */
  type: WitFileStat['type'];
  /** Size in bytes. */
  size: number;
  /** Permission bits (the low 12 bits of st_mode). */
  mode: number;
  /** Number of hard links. */
  links: number;
  /** Last modification time, in milliseconds since the Unix epoch (Node's `mtimeMs`): `new Date(stat.modifiedMs)`. */
  modifiedMs: number;
  /** Last modification time, in nanoseconds since the Unix epoch, as a number (see `BigIntFileStat` for every digit). */
  modifiedNs: number;
}

/** `FileStat` with `size` and `modifiedNs` as bigints, exact: what `stat({ bigint: true })` gives. */
export interface BigIntFileStat extends Omit<FileStat, 'size' | 'modifiedNs'> {
  /** Size in bytes. */
  size: bigint;
  /**
   * Last modification time, in nanoseconds since the Unix epoch. Exact, except in a component
   * built for QuickJS, whose bindings carry every u64 as a number.
   */
  modifiedNs: bigint;
}

/** Options of `stat`: a bigint `FileStat` or not. */
export interface StatOptions extends OperationOptions {
  /** `size` and `modifiedNs` as bigints (`BigIntFileStat`). */
  bigint?: boolean;
}

/** Options of an `openat`. */
export interface OpenOptions extends OperationOptions {
  /** Open for reading (the default when `write` is not set). */
  read?: boolean;
  /** Open for writing. */
  write?: boolean;
  /** Create the file if it does not exist. */
  create?: boolean;
  /** With `create`, fail with `EEXIST` if the file exists. */
  exclusive?: boolean;
  /** Truncate the file to zero length. */
  truncate?: boolean;
  /** Every write goes to the end of the file. */
  append?: boolean;
  /** The path must name a directory. */
  directory?: boolean;
  /** Open without blocking (device files, FIFOs). */
  nonblock?: boolean;
  /** Do not make a terminal the controlling terminal. */
  noCtty?: boolean;
  /** Permission bits of a created file; 0o644 by default. */
  mode?: number;
}

/** How one operation of a `linked` chain ended. */
export type LinkedResult = { ok: true; res: number; data: Uint8Array; detail: CqeDetail } | { ok: false; error: IORingError };

/** A completion's payload, once it succeeded. */
interface Completion {
  res: number;
  data: Uint8Array;
  detail: CqeDetail;
}

/** What the ring does with the CQEs of one user-data. */
interface Pending {
  /** Handles one CQE; `cqe.more` false is the last. */
  complete(cqe: Cqe): void;
  /** The user-data of this operation's linked timeout, if it has one. */
  linkTimeout?: number;
  /** Whether the linked timeout fired: a `canceled` result then reads `timed-out`. */
  timedOut?: boolean;
  /** A `canceled` completion held back until the linked timeout says why. */
  held?: Cqe;
}

/**
 * What settles an operation with neither signal nor timeout, made once per operation: its
 * handler, then the handler's state. An array rather than an object, since QuickJS makes an
 * array of six in about a fifth of the time of an object of six fields (each field is a shape
 * step, and past two a reallocation). `complete` tells the two kinds apart.
 */
type Settlement = Once<any> | SendAll;

/** Settles an operation's promise from its one CQE. */
type Once<T> = [
  handler: typeof settleOnce,
  resolve: (value: T) => void,
  reject: (error: unknown) => void,
  pick: (res: number, cqe: Cqe) => T,
  op: Op,
  what: string,
];

/** `sendAll`'s one promise: the rest of a short send goes again under it. */
type SendAll = [
  handler: typeof sendAllStep,
  resolve: () => void,
  reject: (error: unknown) => void,
  handle: Handle,
  data: Uint8Array,
  sent: number,
];

/** Gives `cqe` to what waits for it. */
function complete(ring: IORing, waiter: Pending | Settlement, cqe: Cqe): void {
  if (Array.isArray(waiter)) waiter[0](ring, waiter as never, cqe);
  else waiter.complete(cqe);
}

/** What a successful completion resolves to, per operation: picked without another promise. */
const RES = (res: number): number => res;
const DATA = (_: number, c: Cqe): Uint8Array => c.data;
const NONE = (): undefined => undefined;
const FULL = (res: number, c: Cqe): Completion => ({ res, data: c.data, detail: c.detail });
const ACCEPTED = (_: number, c: Cqe): Accepted => {
  if (c.detail.tag !== 'accepted') throw new IORingError('io', 'accept');
  return { handle: c.detail.val[0], peer: c.detail.val[1] };
};
const DATAGRAM = (_: number, c: Cqe): Datagram => {
  if (c.detail.tag !== 'peer') throw new IORingError('io', 'recvmsg');
  return { data: c.data, from: c.detail.val };
};

/** Most completions taken per crossing of the boundary. */
const MAX_CQES = 256;

/** Entries offered past the room a full host is known to have, to learn of room freed otherwise. */
const ROOM_PROBE = 8;

/**
 * How many of `queue`'s first entries to offer a host with `room` free (Infinity: not known to
 * be full). Offering a full host the whole queue each turn would lower every entry only to have
 * most refused again; a few more than its room are offered instead, and never part of a chain.
 */
function offer(queue: Sqe[], room: number): number {
  let n = room + ROOM_PROBE;
  if (n >= queue.length) return queue.length;
  while (n < queue.length && (queue[n - 1].flags.link || queue[n - 1].flags.hardLink)) n++;
  return n;
}

const EMPTY = new Uint8Array(0);

const NO_FLAGS: SqeFlags = {};
const LINK: SqeFlags = { link: true };

function toNs(ms: number): bigint {
  if (!(ms >= 0)) throw new RangeError(`a duration must be a non-negative number of milliseconds, not ${ms}`);
  return BigInt(Math.round(ms * 1e6));
}

/** The completion of an operation that was cancelled before the host ran it, or whose ring was dropped. */
function canceled(userData: number): Cqe {
  return { userData, res: { tag: 'err', val: 'canceled' }, more: false, data: EMPTY, detail: { tag: 'none' } };
}

/**
 * Drops a host ring. The component bindings name the resource's destructor `Symbol.dispose`,
 * or `Symbol.for('dispose')` in an engine without that symbol.
 */
function dispose(host: RingBackend): void {
  const key = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
  (host as unknown as Record<symbol, (() => void) | undefined>)[key]?.call(host);
}

function abortError(what: string, signal: { reason?: unknown }, op?: Op): IORingError {
  return new IORingError('canceled', what, { ...(op && explain(op, 'canceled')), cause: signal.reason });
}

/** A completion's data as a plain Uint8Array: the Node backend's are Buffers, which the library never hands out. */
function plain(data: Uint8Array): Uint8Array {
  return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A ring of I/O operations: one async method per operation of the WIT contract.
 *
 * Operations queued while JavaScript runs go to the host together, in one `submit`, when
 * nothing else can run; the runtime then blocks in the host's `complete` until something
 * finishes, settles the promises, and lets their continuations run before the next turn. So
 * starting several operations before awaiting any of them costs one boundary crossing.
 *
 * Most code uses the shared ring through `Socket`, `File` and the device classes; the methods
 * here are the contract itself, taking and returning handles.
 *
 * @example
 * import { IORing, stdout } from '@ioring/ring';
 * const ring = IORing.shared;
 * // Two writes, one submit.
 * await Promise.all([ring.write(stdout, hello), ring.write(stdout, world)]);
 *
 * @example
 * // A ring of its own, with room for 64 operations in flight, dropped at the end of the scope.
 * using ring = new IORing({ entries: 64 });
 * await ring.sleep(10);
 */
export class IORing implements Turnable, Disposable {
  private static sharedRing: IORing | undefined;

  /** The ring most code shares, created on first use (and again after it was dropped). */
  static get shared(): IORing {
    if (!IORing.sharedRing || IORing.sharedRing.dropped) IORing.sharedRing = new IORing();
    return IORing.sharedRing;
  }

  /** The backend this ring runs on. */
  readonly backend: Backend;
  private readonly entries: number;
  private host: RingBackend | undefined;
  private queue: Sqe[] = [];
  /** Once the host refused entries, the slots it has freed since (one per final CQE). */
  private room = Infinity;
  private readonly pending = new PendingTable<Pending | Settlement>();
  private dropped = false;

  constructor(options: IORingOptions = {}) {
    this.backend = options.backend ?? defaultBackend;
    this.entries = options.entries ?? 0;
    if (!Number.isInteger(this.entries) || this.entries < 0) throw new RangeError(`entries must be a non-negative integer, not ${this.entries}`);
  }

  // ---- Operations -------------------------------------------------------------------------

  /** Does nothing, through the host: resolves to 0. Measures a round trip. */
  nop(options?: OperationOptions): Promise<number> {
    return this.submit({ tag: 'nop' }, 'nop', options, RES);
  }

  /**
   * Reads up to `length` bytes from `handle`, at `options.offset` or at the current position.
   * Resolves to the bytes read; an empty array means end of file.
   *
   * @example
   * const head = await ring.read(fd, 512, { offset: 0 });
   */
  read(handle: Handle, length: number, options?: OffsetOptions): Promise<Uint8Array> {
    let offset: bigint | undefined;
    try {
      offset = this.offset(options?.offset);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit({ tag: 'read', val: { fd: handle, len: length, offset } }, 'read', options, DATA);
  }

  /**
   * Writes `data` to `handle`, at `options.offset` or at the current position. Resolves to the
   * count written, which can be short; `writeAll` resubmits the rest.
   */
  write(handle: Handle, data: Uint8Array, options?: OffsetOptions): Promise<number> {
    let offset: bigint | undefined;
    try {
      offset = this.offset(options?.offset);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit({ tag: 'write', val: { fd: handle, data, offset } }, 'write', options, RES);
  }

  /**
   * Writes all of `data`, resubmitting after short writes.
   *
   * @example
   * await ring.writeAll(stdout, new TextEncoder().encode('hello\n'));
   */
  async writeAll(handle: Handle, data: Uint8Array, options?: OffsetOptions): Promise<void> {
    let offset = options?.offset === undefined ? undefined : BigInt(options.offset);
    for (let done = 0; done < data.length; ) {
      const n = await this.write(handle, done === 0 ? data : data.subarray(done), { ...options, offset });
      if (n === 0) throw new IORingError('io', 'write');
      done += n;
      if (offset !== undefined) offset += BigInt(n);
    }
  }

  /**
   * Registers `count` fixed buffers of `size` bytes each for `readFixed` and `writeFixed`,
   * replacing any earlier set. Synchronous: it is a direct call to the host.
   */
  registerBuffers(count: number, size: number): void {
    const host = this.ring();
    callImport('register-buffers', () => host.registerBuffers(count, size));
  }

  /** Copies `length` bytes out of fixed buffer `buffer`, from `offset`. */
  bufferRead(buffer: number, offset: number, length: number): Uint8Array {
    const host = this.ring();
    return plain(callImport('buffer-read', () => host.bufferRead(buffer, offset, length)));
  }

  /** Copies `data` into fixed buffer `buffer` at `offset`. */
  bufferWrite(buffer: number, offset: number, data: Uint8Array): void {
    const host = this.ring();
    callImport('buffer-write', () => host.bufferWrite(buffer, offset, data));
  }

  /**
   * Reads up to `length` bytes from `handle` into fixed buffer `buffer` at `bufferOffset`; the
   * bytes stay in the host (see `bufferRead`). Resolves to the count read.
   */
  async readFixed(handle: Handle, buffer: number, bufferOffset: number, length: number, options?: OffsetOptions): Promise<number> {
    const offset = this.offset(options?.offset);
    const op: Op = { tag: 'read-fixed', val: { fd: handle, buffer, bufferOffset, len: length, offset } };
    return (await this.submit(op, 'read-fixed', options, FULL)).res;
  }

  /** Writes `length` bytes of fixed buffer `buffer`, from `bufferOffset`, to `handle`. Resolves to the count written. */
  async writeFixed(handle: Handle, buffer: number, bufferOffset: number, length: number, options?: OffsetOptions): Promise<number> {
    const offset = this.offset(options?.offset);
    const op: Op = { tag: 'write-fixed', val: { fd: handle, buffer, bufferOffset, len: length, offset } };
    return (await this.submit(op, 'write-fixed', options, FULL)).res;
  }

  /** Sends `data` on a connected socket; resolves to the count sent. */
  send(handle: Handle, data: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.submit(sendOp(handle, data), 'send', options, RES);
  }

  /**
   * @internal Sends all of `data` (`Socket.sendAll`), resubmitting after short sends. Without a
   * signal or a timeout that is one promise, settled once the last rest has gone, rather than a
   * promise per send; with them, each send carries them.
   */
  sendAll(handle: Handle, data: Uint8Array, options?: OperationOptions): Promise<void> {
    if (!options?.signal && options?.timeoutMs === undefined) {
      return new Promise<void>((resolve, reject) => void this.enqueue(sendOp(handle, data), [sendAllStep, resolve, reject, handle, data, 0]));
    }
    return this.sendEach(handle, data, options);
  }

  private async sendEach(handle: Handle, data: Uint8Array, options: OperationOptions): Promise<void> {
    let done = 0;
    do {
      const n = await this.send(handle, done === 0 ? data : data.subarray(done), options);
      // As SendAll: nothing taken of what is left would never go.
      if (n === 0 && data.length > 0) throw new IORingError('pipe', 'send');
      done += n;
    } while (done < data.length);
  }

  /** Receives up to `length` bytes once; an empty array means the peer closed its end. */
  recv(handle: Handle, length: number, options?: OperationOptions): Promise<Uint8Array> {
    return this.submit({ tag: 'recv', val: { fd: handle, len: length } }, 'recv', options, DATA);
  }

  /**
   * Receives repeatedly with one multishot operation: each arrival is one chunk of the
   * iteration, which ends when the peer closes. Breaking out of the loop cancels the operation.
   *
   * @example
   * for await (const chunk of ring.recvMultishot(fd, 4096)) await ring.send(fd, chunk);
   */
  recvMultishot(handle: Handle, length: number, options?: Omit<OperationOptions, 'timeoutMs'>): AsyncIterableIterator<Uint8Array> {
    return new Multishot(this, { tag: 'recv-multishot', val: { fd: handle, len: length } }, 'recv-multishot', options, {
      map: (c) => (c.res === 0 && c.data.length === 0 ? END : c.data),
      // The host stops a multishot receive when its provided buffers run out: start it again.
      rearm: (code) => code === undefined || code === 'no-buffers',
    });
  }

  /** Receives one datagram and its sender's address (recvmsg). */
  recvmsg(handle: Handle, length: number, options?: OperationOptions): Promise<Datagram> {
    return this.submit({ tag: 'recvmsg', val: { fd: handle, len: length } }, 'recvmsg', options, DATAGRAM);
  }

  /**
   * Sends one datagram (sendmsg), to `to` (any `AddressLike`) or, without it, to the connected
   * peer. Resolves to the count sent.
   */
  sendmsg(handle: Handle, data: Uint8Array, to?: AddressLike, options?: OperationOptions): Promise<number> {
    let address: SocketAddress | undefined;
    try {
      address = to === undefined ? undefined : parseAddress(to);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit({ tag: 'sendmsg', val: { fd: handle, data, to: address } }, 'sendmsg', options, RES);
  }

  /** Accepts one connection on a listening socket. */
  accept(handle: Handle, options?: OperationOptions): Promise<Accepted> {
    return this.submit({ tag: 'accept', val: handle }, 'accept', options, ACCEPTED);
  }

  /**
   * Accepts connections with one multishot operation, re-armed if the host stops it. Breaking
   * out of the loop cancels it; connections accepted but not yet taken are closed.
   *
   * @example
   * for await (const { handle, peer } of ring.acceptMultishot(listener)) serve(handle);
   */
  acceptMultishot(handle: Handle, options?: Omit<OperationOptions, 'timeoutMs'>): AsyncIterableIterator<Accepted> {
    return new Multishot<Accepted>(this, { tag: 'accept-multishot', val: handle }, 'accept-multishot', options, {
      map: (c) => (c.detail.tag === 'accepted' ? { handle: c.detail.val[0], peer: c.detail.val[1] } : SKIP),
      rearm: (code) => code === undefined,
      discard: (a) => void this.close(a.handle).catch(() => {}),
    });
  }

  /** Connects a socket to `address` (any `AddressLike`). */
  async connect(handle: Handle, address: AddressLike, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'connect', val: [handle, parseAddress(address)] }, 'connect', options, FULL);
  }

  /** Creates a socket; resolves to its handle. */
  async socket(family: AddressFamily, type: SocketType, options?: OperationOptions): Promise<Handle> {
    const handle = this.handleOf(await this.submit({ tag: 'socket', val: [family, type] }, 'socket', options, FULL), 'socket');
    socketCreated(handle, family, type);
    return handle;
  }

  /** Binds a socket to `address` (any `AddressLike`; a bare port is an IPv4 one). */
  async bind(handle: Handle, address: AddressLike, options?: OperationOptions): Promise<void> {
    const to = parseAddress(address);
    await this.submit({ tag: 'bind', val: [handle, to] }, 'bind', options, FULL);
    socketBound(handle, to);
  }

  /** Listens on a bound stream socket. */
  async listen(handle: Handle, backlog = 128, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'listen', val: [handle, backlog] }, 'listen', options, FULL);
  }

  /** Sets a socket option. */
  async setOption(handle: Handle, option: SocketOption, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'set-option', val: [handle, option] }, 'set-option', options, FULL);
  }

  /** The address a socket is bound to (getsockname): how to learn the port a bind to port 0 got. */
  async localAddress(handle: Handle, options?: OperationOptions): Promise<SocketAddress> {
    const c = await this.submit({ tag: 'local-address', val: handle }, 'local-address', options, FULL);
    if (c.detail.tag !== 'address') throw new IORingError('io', 'local-address');
    return c.detail.val;
  }

  /** Shuts down part or all of a connection. */
  async shutdown(handle: Handle, how: ShutdownHow = 'write', options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'shutdown', val: [handle, how] }, 'shutdown', options, FULL);
  }

  /**
   * Opens `path` beneath the directory handle `dir`; resolves to the new handle. Paths that
   * would leave `dir` fail with `EACCES`.
   *
   * @example
   * const fd = await ring.openat(grants.directory('data'), 'log.txt', { write: true, create: true, append: true });
   */
  async openat(dir: Handle, path: string, options: OpenOptions = {}): Promise<Handle> {
    const flags: OpenFlags = {
      read: options.read ?? !options.write,
      write: options.write,
      create: options.create,
      exclusive: options.exclusive,
      truncate: options.truncate,
      append: options.append,
      directory: options.directory,
      nonblock: options.nonblock,
      noCtty: options.noCtty,
    };
    const op: Op = { tag: 'openat', val: { dir, path, flags, mode: options.mode ?? 0o644 } };
    const handle = this.handleOf(await this.submit(op, 'openat', options, FULL), 'openat');
    opened(handle, dir, path, options.directory ?? false);
    return handle;
  }

  /** As `openat`: opens `path` beneath `dir`. */
  open(dir: Handle, path: string, options?: OpenOptions): Promise<Handle> {
    return this.openat(dir, path, options);
  }

  /** Closes `handle`. */
  close(handle: Handle, options?: OperationOptions): Promise<void> {
    // Its number may name something else once closed.
    forget(handle);
    return this.submit({ tag: 'close', val: handle }, 'close', options, NONE);
  }

  /** Flushes a file to storage; `dataOnly` syncs data without metadata (fdatasync). */
  async fsync(handle: Handle, dataOnly = false, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'fsync', val: [handle, dataOnly] }, 'fsync', options, FULL);
  }

  /** Sets the length of the file `handle` to `length` bytes (ftruncate); `EACCES` on a handle opened without `write`. */
  async ftruncate(handle: Handle, length: number | bigint, options?: OperationOptions): Promise<void> {
    const op: Op = { tag: 'ftruncate', val: [handle, this.backend.u64(BigInt(length))] };
    await this.submit(op, 'ftruncate', options, FULL);
  }

  /**
   * Creates the directory `path` beneath the directory handle `dir`, with permission bits
   * `mode` (the umask applies). `EEXIST` if something is there already.
   */
  async mkdirat(dir: Handle, path: string, mode = 0o755, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'mkdirat', val: { dir, path, mode } }, 'mkdirat', options, FULL);
  }

  /**
   * Removes the file `path` beneath `dir`, or with `removeDir` the empty directory (rmdir). A
   * symbolic link named last is removed itself.
   */
  async unlinkat(dir: Handle, path: string, removeDir = false, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'unlinkat', val: { dir, path, removeDir } }, 'unlinkat', options, FULL);
  }

  /**
   * Renames `oldPath` beneath `oldDir` to `newPath` beneath `newDir`, replacing what is there
   * as rename(2) does. `EXDEV` when the two are on different file systems.
   */
  async renameat(oldDir: Handle, oldPath: string, newDir: Handle, newPath: string, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'renameat', val: { oldDir, oldPath, newDir, newPath } }, 'renameat', options, FULL);
  }

  /**
   * Describes `path` beneath the directory handle `dir`, or, with an empty path, the handle
   * itself. `size` and `modifiedNs` are numbers, or with `bigint: true` bigints.
   */
  statx(dir: Handle, path?: string, options?: StatOptions & { noFollow?: boolean; bigint?: false }): Promise<FileStat>;
  statx(dir: Handle, path: string, options: StatOptions & { noFollow?: boolean; bigint: true }): Promise<BigIntFileStat>;
  statx(dir: Handle, path?: string, options?: StatOptions & { noFollow?: boolean }): Promise<FileStat | BigIntFileStat>;
  async statx(dir: Handle, path = '', options: StatOptions & { noFollow?: boolean } = {}): Promise<FileStat | BigIntFileStat> {
    const c = await this.submit({ tag: 'statx', val: { dir, path, noFollow: options.noFollow ?? false } }, 'statx', options, FULL);
    if (c.detail.tag !== 'stat') throw new IORingError('io', 'statx');
    const s = c.detail.val;
    // QuickJS's bindings give u64 as numbers, jco's and StarlingMonkey's as bigints.
    const ns = BigInt(s.modifiedNs);
    const modifiedMs = Number(ns / BigInt(1000)) / 1000;
    if (options.bigint) return { type: s.type, size: BigInt(s.size), mode: s.mode, links: s.links, modifiedMs, modifiedNs: ns };
    return { type: s.type, size: Number(s.size), mode: s.mode, links: s.links, modifiedMs, modifiedNs: Number(s.modifiedNs) };
  }

  /**
   * Resolves after `ms` milliseconds, measured by the host (a ring timeout).
   *
   * @example
   * await IORing.shared.sleep(250);
   */
  async sleep(ms: number, options?: Omit<OperationOptions, 'timeoutMs'>): Promise<void> {
    await this.timeout(ms, 0, options);
  }

  /**
   * A ring timeout: resolves `true` after `ms` milliseconds, or `false` as soon as `count`
   * other completions have been posted (when `count` is not 0).
   */
  async timeout(ms: number, count = 0, options?: Omit<OperationOptions, 'timeoutMs'>): Promise<boolean> {
    const op: Op = { tag: 'timeout', val: { durationNs: this.backend.u64(toNs(ms)), count } };
    try {
      await this.submit(op, 'timeout', options, FULL);
      return false;
    } catch (e) {
      // An expired timeout is how a sleep ends.
      if (e instanceof IORingError && e.errorCode === 'timed-out') return true;
      throw e;
    }
  }

  /**
   * Cancels an operation by user-data, or with `all` every one with that user-data; resolves
   * to the number cancelled, rejects with `ENOENT` when none has it. Operations started by
   * this library are cancelled through their `signal` instead; this is the raw operation.
   */
  async cancel(userData: number, all = false, options?: OperationOptions): Promise<number> {
    return (await this.submit({ tag: 'cancel', val: { target: userData, all } }, 'cancel', options, FULL)).res;
  }

  /** Waits until `handle` is ready for `events`; resolves to the events that are. */
  async poll(handle: Handle, events: PollEvents, options?: OperationOptions): Promise<PollEvents> {
    const c = await this.submit({ tag: 'poll', val: { fd: handle, events, multishot: false } }, 'poll', options, FULL);
    return pollEvents(c.res);
  }

  /** Reports readiness of `handle` for `events` each time it changes, until the loop ends. */
  pollMultishot(handle: Handle, events: PollEvents, options?: Omit<OperationOptions, 'timeoutMs'>): AsyncIterableIterator<PollEvents> {
    return new Multishot(this, { tag: 'poll', val: { fd: handle, events, multishot: true } }, 'poll', options, {
      map: (c) => pollEvents(c.res),
      rearm: () => false,
    });
  }

  /**
   * A full-duplex SPI transfer on a granted device; resolves to every segment's received bytes,
   * concatenated in order. `SpiDevice.transfer` splits them per segment.
   */
  async spiTransfer(handle: Handle, segments: SpiSegment[], options?: OperationOptions): Promise<Uint8Array> {
    return (await this.submit({ tag: 'spi-transfer', val: { fd: handle, segments } }, 'spi-transfer', options, FULL)).data;
  }

  /** An I2C transaction on a granted bus; resolves to every read message's bytes, concatenated. */
  async i2cTransfer(handle: Handle, messages: I2cMessage[], options?: OperationOptions): Promise<Uint8Array> {
    return (await this.submit({ tag: 'i2c-transfer', val: { fd: handle, messages } }, 'i2c-transfer', options, FULL)).data;
  }

  /** Configures a serial line. */
  async ttyConfigure(handle: Handle, config: TtyConfig, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'tty-configure', val: [handle, config] }, 'tty-configure', options, FULL);
  }

  /** Requests a line of a granted GPIO chip; resolves to the line's handle (`GpioLine.request`). */
  async gpioRequest(args: GpioRequestArgs, options?: OperationOptions): Promise<Handle> {
    return this.handleOf(await this.submit({ tag: 'gpio-request', val: args }, 'gpio-request', options, FULL), 'gpio-request');
  }

  /** A GPIO line's logical value. */
  async gpioGet(handle: Handle, options?: OperationOptions): Promise<boolean> {
    return (await this.submit({ tag: 'gpio-get', val: handle }, 'gpio-get', options, FULL)).res !== 0;
  }

  /** Drives an output line to a logical value. */
  async gpioSet(handle: Handle, value: boolean, options?: OperationOptions): Promise<void> {
    await this.submit({ tag: 'gpio-set', val: [handle, value] }, 'gpio-set', options, FULL);
  }

  /**
   * A line's edges as one multishot operation: each edge (rising, its timestamp and sequence
   * number) is one item of the iteration. Breaking out of the loop, or aborting `signal`,
   * cancels the operation.
   */
  gpioEdges(handle: Handle, options?: Omit<OperationOptions, 'timeoutMs'>): AsyncIterableIterator<GpioEdge> {
    return new Multishot<GpioEdge>(this, { tag: 'gpio-edges', val: handle }, 'gpio-edges', options, {
      map: (c) => (c.detail.tag === 'gpio-edge' ? c.detail.val : SKIP),
      rearm: () => false,
    });
  }

  /**
   * Submits `ops` as one link chain, in order: each starts when the one before it has
   * completed, and with `link` semantics (the default) a failure completes the rest with
   * `ECANCELED`; `hardLink` runs them whatever the results. Resolves to every operation's
   * outcome. This is the raw form of what IORingSwift calls writeRead and copy.
   *
   * @example
   * // Write a command, then read the reply, as one chain.
   * const [written, reply] = await ring.linked([
   *   { tag: 'write', val: { fd, data: command, offset: undefined } },
   *   { tag: 'read', val: { fd, len: 64, offset: undefined } },
   * ]);
   */
  linked(ops: Op[], options: { hardLink?: boolean; signal?: OperationOptions['signal'] } = {}): Promise<LinkedResult[]> {
    const flags: SqeFlags = options.hardLink ? { hardLink: true } : LINK;
    return Promise.all(
      ops.map((op, i) =>
        new Promise<LinkedResult>((resolve) => {
          const userData = this.enqueue(this.withU64s(op), {
            complete: (cqe) => {
              if (onAbort) options.signal!.removeEventListener('abort', onAbort);
              const r = cqe.res;
              resolve(r.tag === 'ok' ? { ok: true, res: r.val, data: cqe.data, detail: cqe.detail } : { ok: false, error: new IORingError(r.val, op.tag, explain(op, r.val)) });
            },
          }, i < ops.length - 1 ? flags : NO_FLAGS);
          const onAbort = options.signal ? () => this.cancelOperation(userData) : undefined;
          if (onAbort) options.signal!.addEventListener('abort', onAbort, { once: true });
        }),
      ),
    );
  }

  /**
   * Drops the host ring: the host cancels what is in flight, and every operation not yet
   * settled rejects with `ECANCELED`, as do operations started afterwards. Dropping twice does
   * nothing; `IORing.shared` is replaced by a new ring once dropped. (Not `close()`: that is the
   * operation that closes a handle.)
   */
  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    this.queue = [];
    const host = this.host;
    this.host = undefined;
    if (host) dispose(host);
    for (const [userData, p] of this.pending.takeAll()) complete(this, p, canceled(userData));
  }

  /** `using ring = new IORing()` drops it at the end of the scope. */
  [Symbol.dispose](): void {
    this.drop();
  }

  // ---- The runtime ------------------------------------------------------------------------

  /** Operations queued or in flight on this ring. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** @internal One turn of the loop; see `Turnable`. */
  turn(wait: boolean | number): number {
    if (this.dropped) return 0;
    const host = this.ring();
    if (this.queue.length > 0) {
      const batch = this.queue;
      const offered = offer(batch, this.room);
      const taken = host.submit(offered === batch.length ? batch : batch.slice(0, offered));
      // The host refuses entries only past its in-flight limit: they go with a later turn.
      this.queue = taken >= batch.length ? [] : batch.slice(taken);
      // What that says of the host's room: unknown again once nothing waits; none if it refused.
      if (this.queue.length === 0) this.room = Infinity;
      else if (taken < offered) this.room = 0;
      else this.room = Math.max(0, this.room - taken);
    }
    if (this.pending.size === 0) return 0;
    let settled = 0;
    const timeout = wait === true ? undefined : this.backend.u64(wait === false ? BigInt(0) : toNs(wait));
    const cqes = host.complete(wait === false ? 0 : 1, MAX_CQES, timeout);
    for (const cqe of cqes) {
      this.settle(cqe);
      settled++;
    }
    // Counted apart, and only while the host is full: the loop above is every turn's hot path.
    if (this.room !== Infinity) for (const cqe of cqes) if (!cqe.more) this.room++;
    if (this.queue.length > 0) this.backend.requestTurn(this);
    return settled;
  }

  private ring(): RingBackend {
    if (this.dropped) throw new IORingError('canceled', 'ring dropped');
    return (this.host ??= callImport('ring create', () => this.backend.createRing(this.entries, this)));
  }

  private offset(offset: number | bigint | undefined): bigint | undefined {
    return offset === undefined ? undefined : this.backend.u64(BigInt(offset));
  }

  /** `op` with its u64 fields in the backend's form (QuickJS takes numbers), for raw ops. */
  private withU64s(op: Op): Op {
    const u = (v: bigint | number) => this.backend.u64(BigInt(v));
    switch (op.tag) {
      case 'read':
      case 'write':
      case 'read-fixed':
      case 'write-fixed':
        return op.val.offset === undefined || op.val.offset === null ? op : ({ tag: op.tag, val: { ...op.val, offset: u(op.val.offset) } } as Op);
      case 'timeout':
        return { tag: 'timeout', val: { ...op.val, durationNs: u(op.val.durationNs) } };
      case 'link-timeout':
        return { tag: 'link-timeout', val: u(op.val) };
      case 'ftruncate':
        return { tag: 'ftruncate', val: [op.val[0], u(op.val[1])] };
      // No u64 field: listed, so that a new WIT operation must be placed here to compile.
      case 'nop':
      case 'send':
      case 'recv':
      case 'recv-multishot':
      case 'recvmsg':
      case 'sendmsg':
      case 'accept':
      case 'accept-multishot':
      case 'connect':
      case 'socket':
      case 'bind':
      case 'listen':
      case 'set-option':
      case 'shutdown':
      case 'openat':
      case 'close':
      case 'fsync':
      case 'mkdirat':
      case 'unlinkat':
      case 'renameat':
      case 'statx':
      case 'cancel':
      case 'poll':
      case 'spi-transfer':
      case 'i2c-transfer':
      case 'tty-configure':
      case 'local-address':
      case 'gpio-request':
      case 'gpio-get':
      case 'gpio-set':
      case 'gpio-edges':
        return op;
      default: {
        // Reached only by a raw op from plain JavaScript with a tag the WIT does not have.
        const unknown: never = op;
        throw new IORingError('invalid', `operation ${(unknown as Op).tag}`);
      }
    }
  }

  private handleOf(c: Completion, what: string): Handle {
    if (c.detail.tag !== 'handle') throw new IORingError('io', what);
    return c.detail.val;
  }

  /** @internal Queues one SQE with its CQE handler; returns its user-data. */
  enqueue(op: Op, pending: Pending | Settlement, flags: SqeFlags = NO_FLAGS): number {
    if (this.dropped) {
      // Later, as a host completion would come: callers finish setting up after enqueue returns.
      void Promise.resolve().then(() => complete(this, pending, canceled(0)));
      return 0;
    }
    const userData = this.pending.add(pending);
    if (this.queue.length === 0) this.backend.requestTurn(this);
    this.queue.push({ op, userData, flags });
    return userData;
  }

  /** @internal Cancels the operation `userData`: drops it if still queued, else asks the host. */
  cancelOperation(userData: number): void {
    const queued = this.queue.findIndex((s) => s.userData === userData);
    if (queued >= 0) {
      const pending = this.pending.get(userData);
      // A queued operation with a linked timeout takes the timeout with it.
      const linkTimeout = pending && !Array.isArray(pending) ? pending.linkTimeout : undefined;
      this.queue.splice(queued, linkTimeout !== undefined ? 2 : 1);
      this.pending.delete(userData);
      if (linkTimeout !== undefined) this.pending.delete(linkTimeout);
      if (pending) complete(this, pending, canceled(userData));
      return;
    }
    if (!this.pending.has(userData)) return;
    this.enqueue({ tag: 'cancel', val: { target: userData, all: false } }, { complete() {} });
  }

  /**
   * Queues `op` and resolves with its completion, or rejects with its error code. With
   * `timeoutMs`, a linked timeout follows it in the same batch; with `signal`, aborting cancels it.
   */
  private submit<T>(op: Op, what: string, options: OperationOptions | undefined, pick: (res: number, cqe: Cqe) => T): Promise<T> {
    const signal = options?.signal;
    const timeoutMs = options?.timeoutMs;
    if (!signal && timeoutMs === undefined) {
      return new Promise<T>((resolve, reject) => void this.enqueue(op, [settleOnce, resolve, reject, pick, op, what]));
    }
    if (signal?.aborted) return Promise.reject(abortError(what, signal, op));
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const pending: Pending = {
        complete: (cqe) => {
          if (onAbort) signal!.removeEventListener('abort', onAbort);
          const res = cqe.res;
          if (res.tag === 'ok') {
            try {
              resolve(pick(res.val, cqe));
            } catch (e) {
              reject(e);
            }
          }
          else if (res.val === 'canceled' && signal?.aborted) reject(abortError(what, signal, op));
          else {
            const code = res.val === 'canceled' && pending.timedOut ? 'timed-out' : res.val;
            reject(new IORingError(code, what, explain(op, code)));
          }
        },
      };
      const userData = this.enqueue(op, pending, timeoutMs === undefined ? NO_FLAGS : LINK);
      if (timeoutMs !== undefined) pending.linkTimeout = this.linkTimeout(pending, timeoutMs);
      if (signal) {
        onAbort = () => this.cancelOperation(userData);
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Queues the linked timeout that bounds `pending`, right after it. */
  private linkTimeout(pending: Pending, ms: number): number {
    const op: Op = { tag: 'link-timeout', val: this.backend.u64(toNs(ms)) };
    const guarded = pending.complete;
    // Hosts report a timed-out operation as `canceled` (io_uring) or `timed-out`; whichever of
    // the two completions comes first, the operation's is held until the timeout's is in.
    pending.complete = (cqe) => {
      if (cqe.res.tag === 'err' && cqe.res.val === 'canceled' && this.pending.has(timeoutTag)) {
        // The timeout's completion settles it (and so does a drop, which completes that too).
        pending.held = cqe;
        return;
      }
      guarded(cqe);
    };
    const timeoutTag = this.enqueue(op, {
      complete: (cqe) => {
        if (cqe.res.tag === 'err' && cqe.res.val === 'timed-out') pending.timedOut = true;
        const held = pending.held;
        if (held) {
          pending.held = undefined;
          guarded(held);
        }
      },
    });
    return timeoutTag;
  }

  private settle(cqe: Cqe): void {
    const pending = this.pending.get(cqe.userData);
    if (!pending) return;
    if (cqe.data.constructor !== Uint8Array) cqe.data = plain(cqe.data);
    if (!cqe.more) this.pending.delete(cqe.userData);
    complete(this, pending, cqe);
  }
}

function settleOnce<T>(_ring: IORing, once: Once<T>, cqe: Cqe): void {
  const res = cqe.res;
  if (res.tag === 'err') {
    once[2](new IORingError(res.val, once[5], explain(once[4], res.val)));
    return;
  }
  try {
    once[1](once[3](res.val, cqe));
  } catch (e) {
    once[2](e);
  }
}

function sendOp(fd: Handle, data: Uint8Array): Op {
  return { tag: 'send', val: { fd, data } };
}

function sendAllStep(ring: IORing, send: SendAll, cqe: Cqe): void {
  const res = cqe.res;
  const data = send[4];
  if (res.tag === 'err') {
    send[2](new IORingError(res.val, 'send', explain(sendOp(send[3], data), res.val)));
    return;
  }
  const sent = (send[5] += res.val);
  if (sent >= data.length) send[1]();
  // Nothing taken of what is left: it would never go.
  else if (res.val === 0) send[2](new IORingError('pipe', 'send'));
  else ring.enqueue(sendOp(send[3], data.subarray(sent)), send);
}

/** A multishot item that ends the stream, or that carries nothing for the consumer. */
const END: unique symbol = Symbol('end');
const SKIP: unique symbol = Symbol('skip');

interface MultishotKind<T> {
  /** The item a successful CQE carries, `END` for end of stream, `SKIP` for none. */
  map(c: { res: number; data: Uint8Array; detail: CqeDetail }): T | typeof END | typeof SKIP;
  /** Whether to submit the operation again when the host ends it (`undefined`: without error). */
  rearm(code: ErrorCode | undefined): boolean;
  /** Releases an item that will never be consumed. */
  discard?(item: T): void;
}

/**
 * A multishot operation as an async iterator: submitted on the first `next()`, one item per
 * CQE, cancelled by `return()` (a `break` out of `for await`) or by the signal.
 */
class Multishot<T> implements AsyncIterableIterator<T> {
  private started = false;
  private finished = false;
  private failure: IORingError | undefined;
  private userData = 0;
  private readonly items: T[] = [];
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  private readonly onAbort = () => this.stop();

  constructor(
    private readonly ring: IORing,
    private readonly op: Op,
    private readonly what: string,
    private readonly options: OperationOptions | undefined,
    private readonly kind: MultishotKind<T>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    if (!this.started) {
      this.started = true;
      const signal = this.options?.signal;
      if (signal?.aborted) {
        this.finished = true;
        return Promise.reject(abortError(this.what, signal));
      }
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.arm();
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.stop();
    return { value: undefined, done: true };
  }

  private arm(): void {
    this.userData = this.ring.enqueue(this.op, { complete: (cqe) => this.onCqe(cqe) });
  }

  /** Ends the stream from this side: cancels the operation, drops what was not consumed. */
  private stop(): void {
    if (this.finished) return;
    this.finish();
    if (this.started) this.ring.cancelOperation(this.userData);
    for (const item of this.items.splice(0)) this.kind.discard?.(item);
    this.wake({ value: undefined, done: true });
  }

  private finish(): void {
    this.finished = true;
    this.options?.signal?.removeEventListener('abort', this.onAbort);
  }

  private onCqe(cqe: Cqe): void {
    const res = cqe.res;
    if (res.tag === 'ok') {
      const item = this.kind.map({ res: res.val, data: cqe.data, detail: cqe.detail });
      if (item === END) {
        this.finish();
        this.wake({ value: undefined, done: true });
        return;
      }
      if (item !== SKIP) {
        if (this.finished) this.kind.discard?.(item);
        else if (this.waiter) this.wake({ value: item, done: false });
        else this.items.push(item);
      }
    }
    if (cqe.more || this.finished) return;
    // The host ended the operation.
    const code = res.tag === 'err' ? res.val : undefined;
    if (this.kind.rearm(code)) {
      this.arm();
      return;
    }
    this.finish();
    if (code === undefined) this.wake({ value: undefined, done: true });
    else {
      const signal = this.options?.signal;
      const error = code === 'canceled' && signal?.aborted ? abortError(this.what, signal, this.op) : new IORingError(code, this.what, explain(this.op, code));
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.reject(error);
      } else this.failure = error;
    }
  }

  private wake(result: IteratorResult<T>): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    w.resolve(result);
  }
}

import type { CqeDetail, OpenFlags, ShutdownHow, SocketAddress, SocketOption, TtyConfig } from 'ioring:ring/types@0.1.0';
import { POLL } from '../../poll.js';
import { fail } from './errno.js';

/** What an operation completes with, besides success. */
export interface OpResult {
  res: number;
  data?: Uint8Array;
  detail?: CqeDetail;
}

/** Who learns how an operation ended: what a promise's resolvers do, without the promise. */
export interface Settler {
  resolve(result: OpResult): void;
  reject(error: unknown): void;
}

/**
 * What `start` returns for an operation that settles through its context's `resolve` or
 * `reject`, where a promise of its own would only be one more object per operation.
 */
export const LATER: unique symbol = Symbol('later');

/**
 * An operation's result: now, when it finished as it started (a send the kernel took whole, as
 * io_uring completes one inline), or later.
 */
export type Outcome = OpResult | Promise<OpResult>;

/** What an operation can do while it runs. */
export interface OpContext extends Settler {
  /** Sets what cancelling the operation does (it must then settle with `canceled`). */
  onCancel(cancel: () => void): void;
  /** Posts one completion of a multishot operation, with `more` set. */
  emit(result: OpResult): void;
}

/**
 * One entry of the guest's descriptor table. Each kind implements the operations it supports;
 * the others fail with `bad-descriptor`, as Linux's ENOTSOCK/EBADF map.
 */
export abstract class Descriptor {
  abstract readonly kind: string;
  /** Opened from a device grant: the only handles spi-transfer, i2c-transfer and tty-configure take. */
  device = false;
  /** A device grant's path (for gpio-request to tell a GPIO chip from another device). */
  devicePath: string | undefined;
  read(_len: number, _offset: number | undefined, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  write(_data: Uint8Array, _offset: number | undefined, _ctx: OpContext): Outcome {
    fail('bad-descriptor');
  }
  send(_data: Uint8Array, _ctx: OpContext): Outcome {
    fail('bad-descriptor');
  }
  recv(_len: number, _multishot: boolean, _ctx: OpContext): Outcome | typeof LATER {
    fail('bad-descriptor');
  }
  recvmsg(_len: number, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  sendmsg(_data: Uint8Array, _to: SocketAddress | undefined, _ctx: OpContext): Outcome {
    fail('bad-descriptor');
  }
  accept(_multishot: boolean, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  connect(_to: SocketAddress, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  bind(_to: SocketAddress): Promise<OpResult> {
    fail('bad-descriptor');
  }
  listen(_backlog: number): Promise<OpResult> {
    fail('bad-descriptor');
  }
  setOption(_option: SocketOption): Promise<OpResult> {
    fail('bad-descriptor');
  }
  localAddress(): Promise<OpResult> {
    fail('bad-descriptor');
  }
  shutdown(_how: ShutdownHow): Promise<OpResult> {
    fail('bad-descriptor');
  }
  openat(_path: string, _flags: OpenFlags, _mode: number): Promise<Descriptor> {
    fail('not-directory');
  }
  statx(_path: string, _noFollow: boolean): Promise<OpResult> {
    fail('bad-descriptor');
  }
  fsync(_dataOnly: boolean): Promise<OpResult> {
    fail('invalid');
  }
  ftruncate(_length: number): Promise<OpResult> {
    fail('invalid');
  }
  mkdirat(_path: string, _mode: number): Promise<OpResult> {
    fail('not-directory');
  }
  unlinkat(_path: string, _removeDir: boolean): Promise<OpResult> {
    fail('not-directory');
  }
  /** Configures a terminal (a device grant's; checked and validated by the ring). */
  ttyConfigure(_config: TtyConfig): Promise<OpResult> {
    fail('not-a-tty');
  }
  /** `newDir` is looked up only once the old path has been checked, in the host's order. */
  renameat(_oldPath: string, _newDir: () => Descriptor, _newPath: string): Promise<OpResult> {
    fail('not-directory');
  }

  private watchers: Set<() => void> | undefined;

  /**
   * The poll-events bits that hold now, whether asked for or not (poll masks them). A file
   * without readiness of its own is always readable and writable, as poll(2) reports it.
   */
  readiness(): number {
    return POLL.readable | POLL.writable;
  }

  /** Calls `listener` whenever `readiness()` may have changed, until the returned function is called. */
  watch(listener: () => void): () => void {
    const watchers = (this.watchers ??= new Set());
    watchers.add(listener);
    return () => watchers.delete(listener);
  }

  /** Tells the watchers that readiness may have changed. */
  protected changed(): void {
    if (this.watchers) for (const listener of [...this.watchers]) listener();
  }

  abstract close(): Promise<void>;
}

/** The guest's descriptor table: small integers, lowest free first, shared by all rings. */
export class Table {
  private readonly entries: (Descriptor | undefined)[] = [];

  constructor(readonly capacity: number) {}

  /** Puts `d` at `handle` (the standard streams' fixed slots). */
  set(handle: number, d: Descriptor): void {
    this.entries[handle] = d;
  }

  /** Adds `d` at the lowest free handle from 3; `too-many-handles` when full. */
  add(d: Descriptor): number {
    for (let h = 3; h < this.capacity; h++) {
      if (this.entries[h] === undefined) {
        this.entries[h] = d;
        return h;
      }
    }
    fail('too-many-handles');
  }

  /** The descriptor at `handle`, or `bad-descriptor`. */
  get(handle: number): Descriptor {
    return this.entries[handle] ?? fail('bad-descriptor');
  }

  /** Replaces the descriptor at `handle` (a socket that became a listener or a connection). */
  replace(handle: number, d: Descriptor): void {
    this.entries[handle] = d;
  }

  /** Removes and returns the descriptor at `handle`. */
  take(handle: number): Descriptor {
    const d = this.get(handle);
    this.entries[handle] = undefined;
    return d;
  }
}

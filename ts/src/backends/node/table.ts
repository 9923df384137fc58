import type { CqeDetail, PollEvents, ShutdownHow, SocketAddress, SocketOption } from 'ioring:ring/types@0.1.0';
import type { OpenFlags } from 'ioring:ring/types@0.1.0';
import { fail } from './errno.js';

/** What an operation completes with, besides success. */
export interface OpResult {
  res: number;
  data?: Uint8Array;
  detail?: CqeDetail;
}

/** What an operation can do while it runs. */
export interface OpContext {
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
  read(_len: number, _offset: number | undefined, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  write(_data: Uint8Array, _offset: number | undefined, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  send(_data: Uint8Array, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  recv(_len: number, _multishot: boolean, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  recvmsg(_len: number, _ctx: OpContext): Promise<OpResult> {
    fail('bad-descriptor');
  }
  sendmsg(_data: Uint8Array, _to: SocketAddress | undefined, _ctx: OpContext): Promise<OpResult> {
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
  /** Resolves to the ready events among `events` (once some are). */
  poll(_events: PollEvents, _ctx: OpContext): Promise<number> {
    return Promise.resolve(0);
  }
  abstract close(): Promise<void>;
}

/** Bits of poll-events, in the WIT flags' order. */
export const POLL = { readable: 1, writable: 2, priority: 4, error: 8, hangUp: 16, readHangUp: 32 } as const;

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

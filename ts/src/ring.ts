import type { Backend, Cqe, RingBackend, Sqe } from './backend.js';
import { IORingError } from './errors.js';
import type { CqeDetail, Op } from 'ioring:ring/types@0.1.0';
import { componentBackend } from './backends/component.js';

/** A guest handle: an index into the guest's descriptor table. */
export type Handle = number;

/** Standard streams, granted by the host as handles 0, 1 and 2. */
export const stdin: Handle = 0;
export const stdout: Handle = 1;
export const stderr: Handle = 2;

/** Options of `new IORing()`. */
export interface IORingOptions {
  /** Operations in flight the host ring holds; 0 takes the host's default. */
  entries?: number;
  /** Where the ring lives; the host's ring (component backend) by default. */
  backend?: Backend;
}

/** A successful completion: the count, and the bytes or detail the operation produced. */
interface Completion {
  res: number;
  data: Uint8Array;
  detail: CqeDetail;
}

interface Pending {
  resolve(completion: Completion): void;
  reject(err: IORingError): void;
  what: string;
}

/** Most completions taken per crossing. */
const MAX_CQES = 256;

/**
 * A ring of I/O operations. Every method queues one operation and returns a promise of its
 * result. Operations queued while JavaScript runs go to the host together, in one submit,
 * and the runtime blocks in the host only when nothing else can run.
 *
 * @example
 * const ring = IORing.shared;
 * const bytes = await ring.read(fd, 4096);
 * await ring.write(stdout, bytes);
 */
export class IORing {
  static #shared: IORing | undefined;

  /** The ring most code shares, created on first use. */
  static get shared(): IORing {
    return (IORing.#shared ??= new IORing());
  }

  readonly #backend: Backend;
  readonly #entries: number;
  #ring: RingBackend | undefined;
  readonly #queue: Sqe[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextTag = 1;
  #turnScheduled = false;

  constructor(options: IORingOptions = {}) {
    this.#backend = options.backend ?? componentBackend;
    this.#entries = options.entries ?? 0;
  }

  /** Does nothing, through the host: resolves to 0. Measures a round trip. */
  async nop(): Promise<number> {
    return (await this.#submit({ tag: 'nop' }, 'nop')).res;
  }

  /**
   * Reads up to `length` bytes from `handle`, at `offset` or at the current position.
   * Resolves to the bytes read; an empty array means end of file.
   */
  async read(handle: Handle, length: number, offset?: bigint): Promise<Uint8Array> {
    const cqe = await this.#submit({ tag: 'read', val: { fd: handle, len: length, offset } }, 'read');
    return cqe.data;
  }

  /** Writes `data` to `handle`, at `offset` or at the current position; resolves to the count written. */
  async write(handle: Handle, data: Uint8Array, offset?: bigint): Promise<number> {
    return (await this.#submit({ tag: 'write', val: { fd: handle, data, offset } }, 'write')).res;
  }

  /** Writes all of `data`, resubmitting after short writes. */
  async writeAll(handle: Handle, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const n = await this.write(handle, data.subarray(done));
      if (n === 0) throw new IORingError('io', 'write');
      done += n;
    }
  }

  /** Resolves after `ms` milliseconds (a ring timeout). */
  async sleep(ms: number): Promise<void> {
    const durationNs = BigInt(Math.max(0, Math.round(ms * 1e6)));
    try {
      await this.#submit({ tag: 'timeout', val: { durationNs, count: 0 } }, 'sleep');
    } catch (e) {
      // An expired timeout is how a sleep ends.
      if (!(e instanceof IORingError && e.errorCode === 'timed-out')) throw e;
    }
  }

  /** Opens `path` beneath the directory `dir`; resolves to the new handle. */
  async open(dir: Handle, path: string, options: { write?: boolean; create?: boolean; truncate?: boolean } = {}): Promise<Handle> {
    const flags = { read: true, write: options.write, create: options.create, truncate: options.truncate };
    const cqe = await this.#submit({ tag: 'openat', val: { dir, path, flags, mode: 0o644 } }, 'open');
    if (cqe.detail.tag !== 'handle') throw new IORingError('io', 'open');
    return cqe.detail.val;
  }

  /** Closes `handle`. */
  async close(handle: Handle): Promise<void> {
    await this.#submit({ tag: 'close', val: handle }, 'close');
  }

  #submit(op: Op, what: string): Promise<Completion> {
    const userData = this.#nextTag;
    this.#nextTag = (this.#nextTag % 0xffff_ffff) + 1;
    this.#queue.push({ op, userData, flags: {} });
    const done = new Promise<Completion>((resolve, reject) => this.#pending.set(userData, { resolve, reject, what }));
    this.#scheduleTurn();
    return done;
  }

  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    this.#backend.scheduleTurn(() => this.#turn());
  }

  /**
   * One turn of the loop: every SQE queued since the last turn goes down in one submit, then
   * one blocking complete() brings back at least one completion.
   */
  #turn(): void {
    this.#turnScheduled = false;
    const ring = (this.#ring ??= this.#backend.createRing(this.#entries));
    if (this.#queue.length > 0) {
      const taken = ring.submit(this.#queue);
      this.#queue.splice(0, taken);
    }
    for (const cqe of ring.complete(1, MAX_CQES, undefined)) this.#settle(cqe);
    if (this.#pending.size > 0) this.#scheduleTurn();
  }

  #settle({ userData, res, more, data, detail }: Cqe): void {
    const pending = this.#pending.get(userData);
    if (!pending) return;
    if (!more) this.#pending.delete(userData);
    if (res.tag === 'err') pending.reject(new IORingError(res.val, pending.what));
    else pending.resolve({ res: res.val, data, detail });
  }
}

// A ring for the Node backend: the WIT ring's contract (submit returns at once, completions
// are collected later) over libuv. Link chains, linked timeouts, cancellation by user-data and
// fixed buffers behave as the Linux host's do.
import type { Cqe, CqeDetail, ErrorCode, Op, Sqe } from 'ioring:ring/types@0.1.0';
import type { RingBackend } from '../../backend.js';
import { IORingError } from '../../errors.js';
import { fail, opError, toErrorCode } from './errno.js';
import { FileDescriptor, StreamFile, streamKind } from './fs.js';
import { InflightTable } from './inflight.js';
import type { Inflight, InflightEntry } from './inflight.js';
import { Connection, DatagramSocket, StreamSocket, checkOptionGrant } from './net.js';
import { pollMultishot, pollOnce } from './poll.js';
import { fstatSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Stats } from 'node:fs';
import { isatty } from 'node:tty';
import type { Socket } from 'node:net';
import { LATER } from './table.js';
import type { OpContext, OpResult, Outcome, Table } from './table.js';

const EMPTY = new Uint8Array(0);
/** Every CQE without a detail shares this one, as the ioring-qjs engine's do. */
const NO_DETAIL: CqeDetail = { tag: 'none' };

/**
 * `data` as a plain Uint8Array over the same bytes: node:fs, node:net and node:dgram hand out
 * Buffers, whose `toString`, `equals` and `instanceof Buffer` differ from what a component
 * gets, so none leaves the backend.
 */
function plain(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Whether `path` is a GPIO chip's character device: its sysfs node (/sys/dev/char/MAJ:MIN)
 * belongs to the gpio subsystem.
 */
function isGpioChip(path: string | undefined): boolean {
  if (!path) return false;
  try {
    const st = statSync(path);
    if (!st.isCharacterDevice()) return false;
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
    const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
    return basename(readlinkSync(`/sys/dev/char/${major}:${minor}/subsystem`)) === 'gpio';
  } catch {
    return false;
  }
}

/** The speeds tty-configure takes (0 keeps the current one), as the Linux host's table. */
const SPEEDS = new Set([
  0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800,
  500000, 921600, 1000000, 2000000, 4000000,
]);

/** Largest single transfer, as the Linux host's limit. */
const MAX_IO_LEN = 16 << 20;

/**
 * In-flight slots past the limit kept for lone cancels, as the Linux host keeps them: a ring
 * full of operations that do not end can still cancel them.
 */
const CANCEL_RESERVE = 8;

/**
 * Where the link chain starting at `i` ends (exclusive): an entry with `link` or `hard-link`
 * pulls in the next (a `link-timeout` after it bounds it); the list's end ends any chain. A
 * `link-timeout` after an entry without a link flag is a chain of its own, and `invalid`.
 */
function chainEnd(sqes: Sqe[], i: number): number {
  let end = i + 1;
  while (end < sqes.length && (sqes[end - 1].flags.link || sqes[end - 1].flags.hardLink)) end++;
  return end;
}

/** A timeout waiting for a number of other completions. */
interface CountWaiter {
  remaining: number;
  fire(): void;
}

/**
 * Whether a successful transfer moved fewer bytes than asked: as in io_uring, that ends a
 * `link` chain. Only reads and writes of files (fixed ones too): io_uring lets a short send
 * or receive go on (without MSG_WAITALL, which the hosts do not set).
 */
function short(sqe: Sqe, result: OpResult): boolean {
  const op = sqe.op;
  switch (op.tag) {
    case 'read':
    case 'read-fixed':
    case 'write-fixed':
      return result.res < op.val.len;
    case 'write':
      return result.res < op.val.data.length;
    default:
      return false;
  }
}

function toNumber(v: bigint | number | undefined): number | undefined {
  return v === undefined || v === null ? undefined : Number(v);
}

function checkLen(len: number): void {
  if (len > MAX_IO_LEN) fail('invalid');
}

/** The Node backend's ring. */
export class NodeRing implements RingBackend {
  private ready: Cqe[] = [];
  /** @internal (Running) */
  readonly inflight = new InflightTable();
  /** Entries submitted whose last completion `complete` has not yet returned. */
  private outstanding = 0;
  private countWaiters: CountWaiter[] = [];
  /** Callers of `wait`, checked whenever a completion is posted. */
  private completeWaiters = new Set<() => void>();
  private fixed: Uint8Array[] = [];
  private fixedInflight = 0;
  private running = new Set<Promise<void>>();
  /**
   * Entries submitted on their own (no link, no drain) run without a chain, counted rather than
   * kept in a set (an object's first use as a set key gives it an identity hash, which was the
   * costliest line of a submit); a drain waits for the count to reach 0.
   */
  private loneRunning = 0;
  private loneIdle: (() => void)[] = [];
  private readonly loneEnded = (): void => {
    if (--this.loneRunning > 0 || this.loneIdle.length === 0) return;
    const waiters = this.loneIdle;
    this.loneIdle = [];
    for (const resolve of waiters) resolve();
  };
  /** The last drain chain, until it has completed: what entries submitted after it wait for. */
  private drainGate: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly table: Table,
    private readonly maxInflight: number,
    private readonly wake: () => void,
  ) {}

  submit(sqes: Sqe[]): number {
    if (this.closed) return 0;
    // Chains are taken whole or not at all, as the host takes them.
    let taken = 0;
    while (taken < sqes.length) {
      const end = chainEnd(sqes, taken);
      const first = sqes[taken];
      const size = end - taken;
      const loneCancel = size === 1 && first.op.tag === 'cancel';
      if (size > this.maxInflight) {
        // It can never fit: every entry fails, as the host fails it.
        for (let i = taken; i < end; i++) this.post(sqes[i].userData, { error: 'invalid' });
      } else if (this.outstanding + size > this.maxInflight + (loneCancel ? CANCEL_RESERVE : 0)) break;
      else if (size === 1 && !first.flags.drain && (loneCancel || !this.drainGate) && first.op.tag !== 'link-timeout') {
        // The common case, one entry on its own: run without a chain's promises.
        this.loneRunning++;
        new Running(this, first, undefined, this.loneEnded).start();
      } else {
        const chain = sqes.slice(taken, end);
        // A drain entry waits for everything before it, and everything after it for it, but
        // a cancel: it must reach what is held (and what the drain waits for) at once.
        const gate = first.flags.drain ? this.everythingRunning() : loneCancel ? undefined : this.drainGate;
        const run = (gate ? this.held(chain, gate) : this.runChain(chain)).finally(() => {
          this.running.delete(run);
          if (this.drainGate === run) this.drainGate = undefined;
        });
        this.running.add(run);
        if (first.flags.drain) this.drainGate = run;
      }
      this.outstanding += size;
      taken = end;
    }
    return taken;
  }

  /**
   * Settles once every entry running now has ended: what a drain entry waits for. (Lone entries
   * started after it are cancels only, which end at once: the rest wait for the drain.)
   */
  private everythingRunning(): Promise<unknown> {
    const lone = this.loneRunning === 0 ? undefined : new Promise<void>((resolve) => this.loneIdle.push(resolve));
    return Promise.all([...this.running, lone]);
  }

  /**
   * Never blocks, whatever `min` and the timeout: completions come from libuv on this same
   * thread, which a blocking wait would stop. Instead each completion posted wakes the ring's
   * owner (`wake`, a turn on the next turn of Node's loop), which then collects it here.
   */
  complete(_min: number, max: number): Cqe[] {
    const taken = this.ready.length <= max ? this.ready.splice(0) : this.ready.splice(0, max);
    for (const cqe of taken) if (!cqe.more) this.outstanding--;
    // More than one turn's worth: ask for another turn for the rest.
    if (this.ready.length > 0) this.wake();
    return taken;
  }

  /**
   * `complete` as the WIT describes it, without blocking the one JavaScript thread: resolves
   * once `min` completions are ready (capped at the operations in flight, so it never waits
   * for what cannot come) or `timeoutNs` has passed (none: no bound; 0: at once), with up to
   * `max` of them. What the conformance suite's Node port (test/conformance/node) calls.
   */
  wait(min: number, max: number, timeoutNs?: bigint): Promise<Cqe[]> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        if (!this.closed && this.ready.length < Math.min(min, this.outstanding)) return;
        done();
      };
      const done = () => {
        this.completeWaiters.delete(check);
        if (timer) clearTimeout(timer);
        resolve(this.closed ? [] : this.complete(min, max));
      };
      if (this.closed || this.ready.length >= Math.min(min, this.outstanding) || timeoutNs === 0n) return done();
      this.completeWaiters.add(check);
      if (timeoutNs !== undefined) timer = setTimeout(done, Number(timeoutNs) / 1e6);
    });
  }

  registerBuffers(count: number, size: number): void {
    if (this.fixedInflight > 0) refuse('busy', 'register-buffers');
    if (count * size > 256 << 20) refuse('no-memory', 'register-buffers');
    this.fixed = Array.from({ length: count }, () => new Uint8Array(size));
  }

  bufferRead(buffer: number, offset: number, len: number): Uint8Array {
    const b = this.fixed[buffer];
    if (!b || offset + len > b.length) refuse('invalid', 'buffer-read');
    return b.slice(offset, offset + len);
  }

  bufferWrite(buffer: number, offset: number, data: Uint8Array): void {
    const b = this.fixed[buffer];
    if (!b || offset + data.length > b.length) refuse('invalid', 'buffer-write');
    b.set(data, offset);
  }

  /** Drops the ring: everything in flight is cancelled, and nothing more is taken. */
  [Symbol.dispose](): void {
    this.closed = true;
    this.inflight.cancelEverything();
    for (const check of [...this.completeWaiters]) check();
  }

  /** @internal Queues a completion (Running posts its operation's). */
  post(userData: number, result: OpResult | { error: string }, more = false): void {
    const cqe: Cqe =
      'error' in result
        ? { userData, res: { tag: 'err', val: result.error as never }, more: false, data: EMPTY, detail: NO_DETAIL }
        : { userData, res: { tag: 'ok', val: result.res }, more, data: result.data ? plain(result.data) : EMPTY, detail: result.detail ?? NO_DETAIL };
    this.ready.push(cqe);
    if (this.ready.length === 1 && !this.closed) this.wake();
    if (this.countWaiters.length > 0) {
      for (const w of this.countWaiters) if (--w.remaining === 0) w.fire();
      this.countWaiters = this.countWaiters.filter((w) => w.remaining > 0);
    }
    if (this.completeWaiters.size > 0) for (const check of [...this.completeWaiters]) check();
  }

  /**
   * Runs `chain` once `gate` opens. Until then a cancel finds its entries: cancelling one
   * completes the whole held chain with `canceled` at once, as io_uring does.
   */
  private async held(chain: Sqe[], gate: Promise<unknown>): Promise<void> {
    let cancelled = false;
    let release!: () => void;
    const cancelledNow = new Promise<void>((resolve) => (release = resolve));
    const entries = chain.map((sqe) => {
      const entry: Inflight = {
        cancel: () => {
          if (cancelled) return true;
          cancelled = true;
          for (const e of entries) this.inflight.remove(e);
          for (const s of chain) this.post(s.userData, { error: 'canceled' });
          release();
          return true;
        },
      };
      return this.inflight.add(sqe.userData, entry);
    });
    await Promise.race([gate, cancelledNow]);
    if (cancelled) return;
    for (const e of entries) this.inflight.remove(e);
    await this.runChain(chain);
  }

  /** Runs a chain: each entry after the previous one, the rest cancelled when a `link` fails. */
  private async runChain(chain: Sqe[]): Promise<void> {
    let broken = false;
    for (let i = 0; i < chain.length; i++) {
      const sqe = chain[i];
      // A dropped ring starts nothing more.
      if (broken || this.closed) {
        this.post(sqe.userData, { error: 'canceled' });
        continue;
      }
      if (sqe.op.tag === 'link-timeout') {
        // Nothing linked before it (a link-timeout must follow a linked entry it bounds).
        this.post(sqe.userData, { error: 'invalid' });
        continue;
      }
      const next = chain[i + 1];
      const bound = next?.op.tag === 'link-timeout' ? next : undefined;
      const ok = await this.runOne(sqe, bound);
      if (bound) {
        i++;
        if (!ok && !sqe.flags.hardLink) broken = true;
        else if (!bound.flags.link && !bound.flags.hardLink) broken = false;
        continue;
      }
      if (!ok && sqe.flags.link) broken = true;
    }
  }

  /** Runs one entry to its last completion; with `bound`, under a linked timeout. Resolves to success. */
  private runOne(sqe: Sqe, bound: Sqe | undefined): Promise<boolean> {
    return new Promise((resolve) => new Running(this, sqe, bound, resolve).start());
  }

  /**
   * @internal Starts one operation for `run`, which is its context and its entry in the
   * in-flight table (a cancel must not find itself).
   */
  start(sqe: Sqe, run: Running): Outcome | typeof LATER {
    const ctx: OpContext = run;
    const op: Op = sqe.op;
    const t = this.table;
    switch (op.tag) {
      case 'nop':
        return { res: 0 };
      case 'read':
        checkLen(op.val.len);
        return t.get(op.val.fd).read(op.val.len, toNumber(op.val.offset), ctx);
      case 'write':
        checkLen(op.val.data.length);
        return t.get(op.val.fd).write(op.val.data, toNumber(op.val.offset), ctx);
      case 'read-fixed':
      case 'write-fixed':
        return this.fixedIo(op.tag === 'read-fixed', op.val, ctx);
      case 'send':
        checkLen(op.val.data.length);
        return t.get(op.val.fd).send(op.val.data, ctx);
      case 'recv':
        checkLen(op.val.len);
        return t.get(op.val.fd).recv(op.val.len, false, ctx);
      case 'recv-multishot':
        return t.get(op.val.fd).recv(op.val.len || 65536, true, ctx);
      case 'recvmsg':
        checkLen(op.val.len);
        return t.get(op.val.fd).recvmsg(op.val.len, ctx);
      case 'sendmsg':
        checkLen(op.val.data.length);
        return t.get(op.val.fd).sendmsg(op.val.data, op.val.to ?? undefined, ctx);
      case 'accept':
        return t.get(op.val).accept(false, ctx);
      case 'accept-multishot':
        return t.get(op.val).accept(true, ctx);
      case 'connect':
        return t.get(op.val[0]).connect(op.val[1], ctx);
      case 'socket':
        return this.socket(op.val[0], op.val[1]);
      case 'bind':
        return t.get(op.val[0]).bind(op.val[1]);
      case 'listen':
        return t.get(op.val[0]).listen(op.val[1]);
      case 'set-option': {
        const d = t.get(op.val[0]);
        checkOptionGrant(op.val[1]);
        return d.setOption(op.val[1]);
      }
      case 'shutdown':
        return t.get(op.val[0]).shutdown(op.val[1]);
      case 'local-address':
        return t.get(op.val).localAddress();
      case 'openat':
        return t
          .get(op.val.dir)
          .openat(op.val.path, op.val.flags, op.val.mode)
          .then((d) => {
            try {
              const handle = t.add(d);
              return { res: 0, detail: { tag: 'handle', val: handle } } as OpResult; // res 0: a result is a count; the handle is the detail (as the Linux host)
            } catch (e) {
              void d.close();
              throw e;
            }
          });
      case 'close': {
        const d = t.take(op.val);
        return d.close().then(() => ({ res: 0 }));
      }
      case 'fsync':
        return t.get(op.val[0]).fsync(op.val[1]);
      case 'ftruncate':
        return t.get(op.val[0]).ftruncate(Number(op.val[1]));
      case 'mkdirat':
        return t.get(op.val.dir).mkdirat(op.val.path, op.val.mode);
      case 'unlinkat':
        return t.get(op.val.dir).unlinkat(op.val.path, op.val.removeDir);
      case 'renameat':
        return t.get(op.val.oldDir).renameat(op.val.oldPath, () => t.get(op.val.newDir), op.val.newPath);
      case 'statx':
        return t.get(op.val.dir).statx(op.val.path, op.val.noFollow);
      case 'timeout':
        return this.timeout(Number(op.val.durationNs) / 1e6, op.val.count, ctx);
      case 'link-timeout':
        return fail('invalid');
      case 'cancel':
        return { res: this.inflight.cancel(op.val.target, op.val.all, run) };
      case 'poll': {
        const d = t.get(op.val.fd);
        return op.val.multishot ? pollMultishot(d, op.val.events, ctx) : pollOnce(d, op.val.events, ctx);
      }
      case 'spi-transfer':
      case 'i2c-transfer':
        // `access` on any handle but a device grant's (stdio included), as the WIT says;
        // on a device, Node has no ioctl: device transfers need the Linux or Zephyr host.
        if (!t.get(op.val.fd).device) return fail('access');
        return fail('not-supported');
      case 'gpio-request': {
        // The host's answers, in its order: no device grant is `access`; a device that is no
        // GPIO chip is the request ioctl's ENOTTY; a GPIO chip needs that ioctl, which Node
        // has not: not-supported (the Linux or Zephyr host drives GPIO).
        const d = t.get(op.val.chip);
        if (!d.device) return fail('access');
        return fail(isGpioChip(d.devicePath) ? 'not-supported' : 'not-a-tty');
      }
      case 'gpio-get':
      case 'gpio-set':
      case 'gpio-edges':
        // No handle here is ever a GPIO line (no request succeeds): bad-descriptor, as the
        // host answers for a handle that is no line.
        t.get(typeof op.val === 'number' ? op.val : op.val[0]);
        return fail('bad-descriptor');
      case 'tty-configure': {
        const d = t.get(op.val[0]);
        if (!d.device) return fail('access');
        // The host's checks, in its order: the settings, then whether it is a terminal.
        const c = op.val[1];
        if (!SPEEDS.has(c.baud) || c.dataBits < 5 || c.dataBits > 8 || (c.stopBits !== 1 && c.stopBits !== 2)) return fail('invalid');
        return d.ttyConfigure(c);
      }
      default: {
        // A WIT operation with no arm here does not compile; at run time this is reached only
        // by a raw op from plain JavaScript with a tag the WIT does not have.
        const unknown: never = op;
        void unknown;
        return fail('invalid');
      }
    }
  }

  private async socket(family: 'ipv4' | 'ipv6' | 'unix', type: 'stream' | 'datagram' | 'seqpacket'): Promise<OpResult> {
    let d;
    if (type === 'stream') d = new StreamSocket(this.table, family);
    else if (type === 'datagram' && family !== 'unix') d = new DatagramSocket(family);
    // node:dgram has no unix datagram sockets, node:net no seqpacket.
    else fail('not-supported');
    const handle = this.table.add(d);
    return { res: 0, detail: { tag: 'handle', val: handle } };
  }

  private timeout(ms: number, count: number, ctx: OpContext): Promise<OpResult> {
    return new Promise((resolve, reject) => {
      let waiter: CountWaiter | undefined;
      const timer = setTimeout(() => {
        if (waiter) this.countWaiters = this.countWaiters.filter((w) => w !== waiter);
        reject(opError('timed-out'));
      }, ms);
      if (count > 0) {
        waiter = {
          remaining: count,
          fire: () => {
            clearTimeout(timer);
            resolve({ res: 0 });
          },
        };
        this.countWaiters.push(waiter);
      }
      ctx.onCancel(() => {
        clearTimeout(timer);
        if (waiter) this.countWaiters = this.countWaiters.filter((w) => w !== waiter);
        reject(opError('canceled'));
      });
    });
  }

  private async fixedIo(read: boolean, a: { fd: number; buffer: number; bufferOffset: number; len: number; offset?: bigint }, ctx: OpContext): Promise<OpResult> {
    const b = this.fixed[a.buffer];
    if (!b || a.bufferOffset + a.len > b.length) fail('invalid');
    const d = this.table.get(a.fd);
    this.fixedInflight++;
    try {
      if (read) {
        const r = await d.read(a.len, toNumber(a.offset), ctx);
        if (r.data) b.set(r.data, a.bufferOffset);
        return { res: r.res };
      }
      return await d.write(b.subarray(a.bufferOffset, a.bufferOffset + a.len), toNumber(a.offset), ctx);
    } finally {
      this.fixedInflight--;
    }
  }
}

/** The standard streams as descriptors 0, 1 and 2, not closed with the app. */
export function stdio(fd: number): FileDescriptor {
  return fd === 0 ? new Stdin() : new FileDescriptor(fd, false);
}

/**
 * Standard input. A pipe or terminal is a StreamFile (read on readiness, so a read can be
 * cancelled and holds none of libuv's pool threads), a socket (or a pipe or terminal where
 * there is no /proc/self/fd) is read through `process.stdin`, and anything else (a file,
 * /dev/null) is read as any file.
 */
class Stdin extends FileDescriptor {
  /** How it is read, decided at first use: undefined until then, null for a file. */
  private stream: StreamFile | Connection | null | undefined;

  constructor() {
    super(0, false, false);
  }

  private how(): StreamFile | Connection | null {
    if (this.stream !== undefined) return this.stream;
    let stat: Stats | undefined;
    try {
      stat = fstatSync(0);
    } catch {
      // A closed stdin reads as end of file through process.stdin.
    }
    const kind = stat && streamKind(0, stat);
    if (kind) this.stream = new StreamFile(0, false, { read: true, write: false }, kind === 'terminal');
    else if (stat && !stat.isSocket() && !stat.isFIFO() && !isatty(0)) this.stream = null;
    else this.stream = new Connection(process.stdin as unknown as Socket);
    return this.stream;
  }

  override read(len: number, offset: number | undefined, ctx: OpContext): Promise<OpResult> {
    const how = this.how();
    if (how === null) return super.read(len, offset, ctx);
    return how instanceof StreamFile ? how.read(len, offset, ctx) : how.received(len, ctx);
  }

  override readiness(): number {
    const how = this.how();
    return how instanceof StreamFile ? how.readiness() : super.readiness();
  }

  override watch(listener: () => void): () => void {
    const how = this.how();
    return how instanceof StreamFile ? how.watch(listener) : super.watch(listener);
  }
}

/**
 * One entry run to its last completion: its in-flight entry (what a cancel reaches), its
 * context (what the operation posts through) and, with `bound`, the linked timeout that bounds
 * it. `end` learns whether it succeeded, which decides whether a link chain goes on.
 */
class Running implements Inflight, OpContext {
  private settled = false;
  private timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private cancelHandler: (() => void) | undefined;
  private entry: InflightEntry | undefined;
  private boundEntry: InflightEntry | undefined;

  constructor(
    private readonly ring: NodeRing,
    private readonly sqe: Sqe,
    private readonly bound: Sqe | undefined,
    private readonly end: (ok: boolean) => void,
  ) {}

  start(): void {
    const { ring, sqe, bound } = this;
    this.entry = ring.inflight.add(sqe.userData, this);
    if (bound) {
      this.boundEntry = ring.inflight.add(bound.userData, { cancel: () => false });
      this.timer = setTimeout(() => {
        this.timedOut = true;
        // An operation that cannot be cancelled (a file read in libuv's pool) completes on its own.
        this.cancel();
      }, Number((bound.op as { val: bigint }).val) / 1e6);
    }
    let started: Outcome | typeof LATER;
    try {
      started = ring.start(sqe, this);
    } catch (e) {
      this.finish({ error: toErrorCode(e) });
      return;
    }
    if (started === LATER) return;
    if (!(started instanceof Promise)) return this.finish(started);
    started.then(
      (result) => this.resolve(result),
      (e) => this.reject(e),
    );
  }

  cancel(): boolean {
    if (this.settled) return true;
    if (!this.cancelHandler) return false;
    this.cancelHandler();
    return true;
  }

  onCancel(cancel: () => void): void {
    this.cancelHandler = cancel;
  }

  resolve(result: OpResult): void {
    this.finish(result);
  }

  reject(error: unknown): void {
    this.finish({ error: toErrorCode(error) });
  }

  emit(result: OpResult): void {
    if (!this.settled) this.ring.post(this.sqe.userData, result, true);
  }

  private finish(result: OpResult | { error: string }): void {
    if (this.settled) return;
    this.settled = true;
    const { ring, sqe, bound } = this;
    ring.inflight.remove(this.entry!);
    if (this.timer) clearTimeout(this.timer);
    const error = 'error' in result ? (result.error === 'canceled' && this.timedOut ? 'timed-out' : result.error) : undefined;
    ring.post(sqe.userData, error ? { error } : result);
    if (bound) {
      ring.inflight.remove(this.boundEntry!);
      ring.post(bound.userData, { error: this.timedOut ? 'timed-out' : 'canceled' });
    }
    this.end(!error && !short(sqe, result as OpResult));
  }
}

/** Fails a direct call on the ring (not an operation) with `code`. */
function refuse(code: ErrorCode, call: string): never {
  throw new IORingError(code, call);
}

// Files and directories for the Node backend, over node:fs, and FIFOs and terminals, over
// libuv's streams (below). Paths beneath a directory handle stay beneath it (./paths.ts), and a
// read-only grant refuses what would change it, as the Linux host does.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import type { FileStat, FileType, OpenFlags, TtyConfig } from 'ioring:ring/types@0.1.0';
import type { IORingError } from '../../errors.js';
import { POLL } from '../../poll.js';
import { copyIn } from './copies.js';
import { fail, opError, toErrorCode } from './errno.js';
import { beneath, entryBeneath } from './paths.js';
import { Descriptor } from './table.js';
import type { OpContext, OpResult } from './table.js';

const C = fs.constants;

/** Runs a node:fs callback API as a promise, mapping its error to a portable code. */
function call<T>(start: (done: (e: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((e, value) => (e ? reject(opError(toErrorCode(e))) : resolve(value as T))));
}

function fileType(s: fs.BigIntStats): FileType {
  if (s.isFile()) return 'regular';
  if (s.isDirectory()) return 'directory';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'character-device';
  if (s.isBlockDevice()) return 'block-device';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  return 'unknown';
}

function statResult(s: fs.BigIntStats): OpResult {
  const stat: FileStat = { type: fileType(s), size: s.size, mode: Number(s.mode & 0o7777n), links: Number(s.nlink), modifiedNs: s.mtimeNs };
  return { res: 0, detail: { tag: 'stat', val: stat } };
}

function openFlags(f: OpenFlags): number {
  let flags = f.write ? (f.read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
  if (f.create) flags |= C.O_CREAT;
  if (f.exclusive) flags |= C.O_EXCL;
  if (f.truncate) flags |= C.O_TRUNC;
  if (f.append) flags |= C.O_APPEND;
  if (f.directory) flags |= C.O_DIRECTORY;
  if (f.nonblock) flags |= C.O_NONBLOCK;
  if (f.noCtty) flags |= C.O_NOCTTY;
  return flags;
}

/** An open file descriptor: a regular file, a device, or one of the standard streams. */
export class FileDescriptor extends Descriptor {
  readonly kind = 'file';

  constructor(
    readonly fd: number,
    private readonly owned = true,
    /** Opened for writing: a read-only handle refuses `ftruncate` with `access`. */
    private readonly writable = true,
  ) {
    super();
  }

  override async read(len: number, offset: number | undefined, _ctx?: OpContext): Promise<OpResult> {
    if (len === 0) return { res: 0 };
    // Its own memory, not a slice of Node's shared pool: the bytes go to the app.
    const buf = Buffer.allocUnsafeSlow(len);
    const n = await call<number>((done) => fs.read(this.fd, buf, 0, len, offset ?? null, done));
    return { res: n, data: buf.subarray(0, n) };
  }

  override async write(data: Uint8Array, offset: number | undefined): Promise<OpResult> {
    const copy = copyIn(data);
    const n = await call<number>((done) => fs.write(this.fd, copy, 0, copy.length, offset ?? null, done));
    return { res: n };
  }

  override async fsync(dataOnly: boolean): Promise<OpResult> {
    await call<void>((done) => (dataOnly ? fs.fdatasync(this.fd, done) : fs.fsync(this.fd, done)));
    return { res: 0 };
  }

  override async ftruncate(length: number): Promise<OpResult> {
    if (!this.writable) fail('access');
    await call<void>((done) => fs.ftruncate(this.fd, length, done));
    return { res: 0 };
  }

  override async ttyConfigure(_config: TtyConfig): Promise<OpResult> {
    // A terminal here is one whose mode Node cannot reach (no /proc/self/fd to open it anew).
    if (tty.isatty(this.fd)) fail('not-supported');
    fail('not-a-tty');
  }

  override async statx(p: string): Promise<OpResult> {
    if (p !== '') fail('not-directory');
    return statResult(await call<fs.BigIntStats>((done) => fs.fstat(this.fd, { bigint: true }, done)));
  }

  override async close(): Promise<void> {
    if (this.owned) await call<void>((done) => fs.close(this.fd, done));
  }
}

/** A directory: a granted one, or one opened beneath it. */
export class DirectoryDescriptor extends Descriptor {
  readonly kind = 'directory';

  constructor(
    /** The directory's real path. */
    readonly path: string,
    readonly readOnly: boolean,
  ) {
    super();
  }

  override async openat(rel: string, flags: OpenFlags, mode: number): Promise<Descriptor> {
    if (this.readOnly && (flags.write || flags.create || flags.truncate || flags.append)) fail('read-only');
    const target = await beneath(this.path, rel);
    const fd = await call<number>((done) => fs.open(target, openFlags(flags), mode, done));
    let stat: fs.Stats;
    try {
      stat = fs.fstatSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw opError(toErrorCode(e));
    }
    if (stat.isDirectory()) {
      fs.closeSync(fd);
      return new DirectoryDescriptor(fs.realpathSync(target), this.readOnly);
    }
    // Under a read-only grant nothing opens for writing (above).
    return openedFile(fd, { read: flags.read || !flags.write, write: flags.write ?? false }, flags.nonblock ?? false, stat);
  }

  override async mkdirat(rel: string, mode: number): Promise<OpResult> {
    const target = await this.entry(rel);
    await call<void>((done) => fs.mkdir(target, { mode: mode & 0o777 }, (e) => done(e)));
    return { res: 0 };
  }

  override async unlinkat(rel: string, removeDir: boolean): Promise<OpResult> {
    const target = await this.entry(rel);
    await call<void>((done) => (removeDir ? fs.rmdir(target, done) : fs.unlink(target, done)));
    return { res: 0 };
  }

  override async renameat(oldRel: string, newDir: () => Descriptor, newRel: string): Promise<OpResult> {
    const from = await this.entry(oldRel);
    const dir = newDir();
    if (!(dir instanceof DirectoryDescriptor)) fail('not-directory');
    const to = await dir.entry(newRel);
    await call<void>((done) => fs.rename(from, to, done));
    return { res: 0 };
  }

  override async ftruncate(): Promise<OpResult> {
    if (this.readOnly) fail('access');
    // ftruncate(2) takes regular files only.
    fail('invalid');
  }

  /** The path of the entry `rel` names, to change it: `access` under a read-only grant, as the host says. */
  private entry(rel: string): Promise<string> {
    if (this.readOnly) fail('access');
    return entryBeneath(this.path, rel);
  }

  override async statx(rel: string, noFollow: boolean): Promise<OpResult> {
    const target = rel === '' ? this.path : await beneath(this.path, rel, noFollow);
    const s = await call<fs.BigIntStats>((done) => (noFollow ? fs.lstat(target, { bigint: true }, done) : fs.stat(target, { bigint: true }, done)));
    return statResult(s);
  }

  override async read(): Promise<OpResult> {
    fail('is-directory');
  }

  override async write(): Promise<OpResult> {
    fail('is-directory');
  }

  override async fsync(): Promise<OpResult> {
    return { res: 0 };
  }

  override async close(): Promise<void> {}
}

// FIFOs and terminals for the Node backend: read and written through libuv's streams, which wait
// on readiness, so a read that waits for input can be cancelled (a cancel, a linked timeout, a
// dropped ring) at once, as io_uring cancels it on the Linux host. node:fs would read them in
// libuv's thread pool, where a read that waits cannot be cancelled and holds one of its four
// threads until input comes.
//
// Each stream reads its own descriptor, opened anew (non-blocking) through /proc/self/fd from
// the handle's, which stays as it was: statx keeps working, nothing shared with another process
// (standard input) is made non-blocking, and end of file need not be for good. A FIFO whose
// writers left reads 0 bytes, and then the bytes of a writer that comes later; a terminal's end
// of file (^D) is one read's. So a stream that reached end of file is dropped once that 0 is
// read, and the next read opens a fresh one. A terminal that hung up cannot be opened again:
// from then on it reads end of file, as the host's do.

/** Whether descriptors can be opened anew through /proc/self/fd (Linux): elsewhere FIFOs and terminals are read through node:fs. */
const REOPENABLE = fs.existsSync('/proc/self/fd');

/** The most a FIFO's first read takes, when it opens its stream. */
const PROBE = 65536;

interface Reader {
  len: number;
  resolve(r: OpResult): void;
  reject(e: unknown): void;
}

/** How a descriptor was opened. */
export interface Access {
  read: boolean;
  write: boolean;
}

/** Whether `fd` is read and written as a stream here (a FIFO or a terminal) and, if so, which. */
export function streamKind(fd: number, stat: fs.Stats = fs.fstatSync(fd)): 'fifo' | 'terminal' | undefined {
  if (!REOPENABLE) return undefined;
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice() && tty.isatty(fd)) return 'terminal';
  return undefined;
}

/**
 * The descriptor for `fd`, opened with `access`: a FIFO or a terminal opened blocking is a
 * StreamFile; anything else (and a non-blocking FIFO or terminal, whose reads never wait: they
 * complete with what there is, or `again`, as on the host) is read through node:fs.
 */
export function openedFile(fd: number, access: Access, nonblock: boolean, stat: fs.Stats = fs.fstatSync(fd)): FileDescriptor {
  const kind = nonblock ? undefined : streamKind(fd, stat);
  return kind ? new StreamFile(fd, true, access, kind === 'terminal') : new FileDescriptor(fd, true, access.write);
}

/** A FIFO or a terminal, opened blocking: its reads wait on readiness, and can be cancelled. */
export class StreamFile extends FileDescriptor {
  /** The stream reading (and writing) this handle now; undefined until it is used, or after end of file. */
  private stream: net.Socket | undefined;
  /** The stream reached end of file: the next read completes with 0 and drops it. */
  private ended = false;
  /** A terminal that hung up: it reads end of file for good. */
  private hungUp = false;
  /** A read's failure, for the next read. */
  private error: IORingError | undefined;
  /** A failure already reported to its operation (a write, setRawMode), which the stream emits again as an 'error' event. */
  private reported: unknown;
  private readers: Reader[] = [];
  /** The handle was closed: nothing opens a stream any more, and the stream goes once no read waits. */
  private closed = false;

  constructor(
    fd: number,
    owned: boolean,
    private readonly access: Access,
    readonly terminal: boolean,
  ) {
    super(fd, owned, access.write);
  }

  /** This handle's stream, opened if there is none. Undefined once a terminal hung up, or the handle was closed. */
  private open(): net.Socket | undefined {
    if (this.stream || this.hungUp || this.closed || this.ended) return this.stream;
    const mode = this.access.read && this.access.write ? C.O_RDWR : this.access.write ? C.O_WRONLY : C.O_RDONLY;
    let fd: number;
    try {
      fd = fs.openSync(`/proc/self/fd/${this.fd}`, mode | C.O_NONBLOCK | C.O_NOCTTY);
    } catch (e) {
      const code = toErrorCode(e);
      // The terminal end of a pseudo-terminal whose other end closed: hung up.
      if (this.terminal && code === 'io') {
        this.hungUp = true;
        return undefined;
      }
      // A FIFO opened for writing whose readers all left: a write fails as it would on Linux.
      if (code === 'no-such-device-or-address') fail('pipe');
      throw opError(code);
    }
    // A FIFO's fresh reader is not told that no writer is left (poll reports that only to a
    // reader that saw one come), so it is read at once: 0 bytes is end of file, and no stream
    // is needed; bytes go to the stream's buffer; `again` (writers, no bytes) waits on it.
    let first: Buffer | undefined;
    if (!this.terminal && this.access.read) {
      const probe = Buffer.allocUnsafeSlow(PROBE);
      let n = -1;
      try {
        n = fs.readSync(fd, probe, 0, PROBE, null);
      } catch (e) {
        if (toErrorCode(e) !== 'again') {
          fs.closeSync(fd);
          throw opError(toErrorCode(e));
        }
      }
      if (n === 0) {
        fs.closeSync(fd);
        this.ended = true;
        return undefined;
      }
      if (n > 0) first = probe.subarray(0, n);
    }
    // Half open, so that end of file does not end the stream's writing and destroy it: it waits
    // for a read to take it. (A read-only FIFO is given a writable stream for the same reason;
    // nothing writes to it.) No high-water mark: the stream reads ahead one chunk at most. (A
    // terminal opened write-only gets Node's tty.WriteStream, whose writes block.)
    let s: net.Socket;
    try {
      s = this.terminal
        ? this.access.read
          ? new tty.ReadStream(fd, { allowHalfOpen: true })
          : new tty.WriteStream(fd)
        : new net.Socket({ fd, readable: this.access.read, writable: true, allowHalfOpen: true, readableHighWaterMark: 0 } as net.SocketConstructorOpts);
    } catch (e) {
      fs.closeSync(fd);
      throw opError(toErrorCode(e));
    }
    this.stream = s;
    if (first) s.unshift(first);
    if (this.access.read) {
      s.on('readable', () => this.pump());
      s.on('end', () => {
        if (this.stream !== s) return;
        this.ended = true;
        this.pump();
      });
    }
    s.on('error', (e: unknown) => {
      if (this.stream !== s || e === this.reported) return;
      // A terminal whose other end closed fails its reads with EIO: end of file, as the host reads it.
      if (this.terminal && toErrorCode(e) === 'io') this.ended = true;
      else this.error ??= opError(toErrorCode(e));
      this.pump();
    });
    s.on('drain', () => this.changed());
    s.on('close', () => {
      if (this.stream !== s) return;
      // Destroyed by a failure: the next operation opens a fresh stream (or finds the hang-up).
      this.stream = undefined;
      this.ended = false;
      this.pump();
    });
    return s;
  }

  /** Drops the stream that reached end of file: the next read opens a fresh one. */
  private drop(): void {
    const s = this.stream;
    this.stream = undefined;
    this.ended = false;
    s?.destroy();
  }

  override read(len: number, _offset: number | undefined, ctx: OpContext): Promise<OpResult> {
    if (!this.access.read) fail('bad-descriptor');
    // A read of 0 bytes completes at once, as read(2) returns.
    if (len === 0) return Promise.resolve({ res: 0 });
    return new Promise((resolve, reject) => {
      const reader: Reader = { len, resolve, reject };
      this.readers.push(reader);
      ctx.onCancel(() => {
        this.readers = this.readers.filter((r) => r !== reader);
        reject(opError('canceled'));
        this.settle();
      });
      this.pump();
    });
  }

  /** Hands what the stream has to the waiting reads, in order. */
  private pump(): void {
    while (this.readers.length > 0) {
      const r = this.readers[0];
      if (this.error) {
        const e = this.error;
        this.error = undefined;
        this.readers.shift();
        r.reject(e);
        continue;
      }
      let s: net.Socket | undefined;
      try {
        s = this.open();
      } catch (e) {
        this.readers.shift();
        r.reject(e);
        continue;
      }
      const chunk = s ? (s.read() as Buffer | null) : null;
      if (chunk) {
        this.readers.shift();
        if (chunk.length > r.len) s!.unshift(chunk.subarray(r.len));
        const data = chunk.subarray(0, r.len);
        r.resolve({ res: data.length, data });
      } else if (this.ended || !s) {
        // End of file (or a hang-up, or a closed handle): this read takes it.
        this.readers.shift();
        this.drop();
        r.resolve({ res: 0 });
      } else break;
    }
    this.changed();
    this.settle();
  }

  override write(data: Uint8Array): Promise<OpResult> {
    if (!this.access.write) fail('bad-descriptor');
    if (this.hungUp) fail('io');
    const s = this.open();
    if (!s) fail('io');
    // The bytes are the app's: copy them, as the host does at submit.
    const copy = copyIn(data);
    return new Promise((resolve, reject) => {
      s.write(copy, (e) => {
        if (!e) return resolve({ res: copy.length });
        this.reported = e;
        reject(opError(toErrorCode(e)));
      });
    });
  }

  /**
   * As Linux polls them: readable with bytes to read (a terminal also at end of file, or hung
   * up), writable while a write would not wait; a FIFO whose writers left is hung up, a
   * terminal that hung up is error and hung up.
   */
  override readiness(): number {
    let s: net.Socket | undefined;
    try {
      s = this.open();
    } catch {
      return POLL.error;
    }
    if (this.hungUp) return POLL.readable | POLL.error | POLL.hangUp;
    let bits = 0;
    if (this.access.read && ((s?.readableLength ?? 0) > 0 || (this.ended && this.terminal))) bits |= POLL.readable;
    if (this.access.write && s && !s.writableNeedDrain) bits |= POLL.writable;
    if (this.ended && !this.terminal) bits |= POLL.hangUp;
    return bits;
  }

  /**
   * Node sets a terminal's mode through its tty API alone: raw mode (`setRawMode`), no speed,
   * framing or flow control. So only 8N1 at the current speed is taken; `raw` makes the line
   * raw, as `setRawMode(true)` does (libuv's raw mode, which leaves output processing on),
   * and `raw: false` leaves its mode as it is, as the host does.
   */
  override async ttyConfigure(config: TtyConfig): Promise<OpResult> {
    if (!this.terminal) fail('not-a-tty');
    if (config.baud !== 0 || config.dataBits !== 8 || config.parity !== 'none' || config.stopBits !== 1 || config.hardwareFlowControl) fail('not-supported');
    if (!config.raw) return { res: 0 };
    const s = this.open();
    if (!s) fail('io');
    if (!(s instanceof tty.ReadStream)) fail('not-supported');
    // setRawMode reports a failure as an 'error' event, at once: this operation's, not a read's.
    let failure: unknown;
    const onError = (e: unknown) => (failure = this.reported = e);
    s.prependOnceListener('error', onError);
    s.setRawMode(true);
    s.off('error', onError);
    if (failure !== undefined) throw opError(toErrorCode(failure));
    return { res: 0 };
  }

  override async close(): Promise<void> {
    // A read in flight on a closed handle completes on its own, as on Linux, where the kernel
    // holds the file until it ends: the stream goes once no read waits on it.
    this.closed = true;
    this.settle();
    await super.close();
  }

  /** Destroys the stream of a closed handle once its last read has ended. */
  private settle(): void {
    if (this.closed && this.readers.length === 0 && this.stream) {
      const s = this.stream;
      this.stream = undefined;
      s.destroy();
    }
  }
}

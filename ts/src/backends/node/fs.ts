// Files and directories for the Node backend, over node:fs. Paths beneath a directory handle
// stay beneath it (./paths.ts), and a read-only grant refuses what would change it, as the
// Linux host does.
import * as fs from 'node:fs';
import type { FileStat, FileType, OpenFlags } from 'ioring:ring/types@0.1.0';
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
    const copy = Buffer.from(data);
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
    return new FileDescriptor(fd, true, flags.write ?? false);
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

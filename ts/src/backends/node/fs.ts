// Files and directories for the Node backend, over node:fs. Paths opened beneath a directory
// handle stay beneath it, as the Linux host's openat2(RESOLVE_BENEATH) keeps them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileStat, FileType, OpenFlags, PollEvents } from 'ioring:ring/types@0.1.0';
import { fail, OpError, toErrorCode } from './errno.js';
import { Descriptor, POLL } from './table.js';
import type { OpContext, OpResult } from './table.js';

const C = fs.constants;

/** Runs a node:fs callback API as a promise, mapping its error to a portable code. */
function call<T>(start: (done: (e: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((e, value) => (e ? reject(new OpError(toErrorCode(e))) : resolve(value as T))));
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

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * `rel` resolved beneath the directory `root` (a real path), one component at a time as
 * openat2(RESOLVE_BENEATH) does: an absolute path, a `..` above `root`, or a symbolic link
 * with an absolute target fails with `access`. The final component is not followed with
 * `noFollow`; a final component that does not exist (yet) is returned as it is.
 */
async function beneath(root: string, rel: string, noFollow = false): Promise<string> {
  if (rel.includes('\0')) fail('invalid');
  if (rel === '' ) fail('no-entry');
  if (path.isAbsolute(rel)) fail('access');
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  let cur = root;
  let links = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '..') {
      if (cur === root) fail('access');
      cur = path.dirname(cur);
      continue;
    }
    const next = path.join(cur, part);
    const last = i === parts.length - 1;
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(next);
    } catch (e) {
      if (last && (e as { code?: string }).code === 'ENOENT') return next;
      throw new OpError(toErrorCode(e));
    }
    if (st.isSymbolicLink() && !(last && noFollow)) {
      if (++links > 40) fail('loop');
      const target = await fs.promises.readlink(next);
      if (path.isAbsolute(target)) fail('access');
      parts.splice(i + 1, 0, ...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    if (!last && !st.isDirectory()) fail('not-directory');
    cur = next;
  }
  return cur;
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
  ) {
    super();
  }

  override async read(len: number, offset: number | undefined, _ctx?: OpContext): Promise<OpResult> {
    const buf = Buffer.allocUnsafe(len);
    if (len === 0) return { res: 0 };
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

  override async statx(p: string): Promise<OpResult> {
    if (p !== '') fail('not-directory');
    return statResult(await call<fs.BigIntStats>((done) => fs.fstat(this.fd, { bigint: true }, done)));
  }

  override async poll(events: PollEvents, _ctx: OpContext): Promise<number> {
    // Regular files are always ready, as poll(2) reports them.
    return (events.readable ? POLL.readable : 0) | (events.writable ? POLL.writable : 0);
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
      throw new OpError(toErrorCode(e));
    }
    if (stat.isDirectory()) {
      fs.closeSync(fd);
      return new DirectoryDescriptor(fs.realpathSync(target), this.readOnly);
    }
    return new FileDescriptor(fd);
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

import { IORingError } from './errors.js';
import { directory as grantedDirectory } from './grants.js';
import { readLines } from './lines.js';
import type { LinesOptions } from './lines.js';
import { IORing } from './ring.js';
import type { BigIntFileStat, FileStat, Handle, OpenOptions, StatOptions } from './ring.js';
import type { OperationOptions } from './signal.js';

/** A ring to run on, for the factories. */
export interface RingOption {
  /** The ring the object's operations go through; `IORing.shared` by default. */
  ring?: IORing;
}

/** The most bytes one read asks for in `readAll` and `copy`. */
const CHUNK = 256 * 1024;

/**
 * A directory handle: a granted directory, or one opened beneath it. Paths opened through it
 * cannot leave it.
 *
 * @example
 * const data = Directory.granted('data');
 * await using file = await data.open('log.txt', { write: true, create: true, append: true });
 */
export class Directory {
  constructor(
    /** The directory's handle. */
    readonly handle: Handle,
    /** The ring its operations go through. */
    readonly ring: IORing = IORing.shared,
  ) {}

  /** The directory the host granted under `name`; throws `ENOENT` if none. */
  static granted(name: string, options: RingOption = {}): Directory {
    return new Directory(grantedDirectory(name), options.ring);
  }

  /** Opens a file beneath this directory. */
  async open(path: string, options?: OpenOptions): Promise<File> {
    return new File(await this.ring.openat(this.handle, path, options), this.ring);
  }

  /** Opens a subdirectory. */
  async openDirectory(path: string, options?: OperationOptions): Promise<Directory> {
    return new Directory(await this.ring.openat(this.handle, path, { ...options, directory: true }), this.ring);
  }

  /**
   * Describes `path` beneath this directory (or the directory itself, for `''`); with
   * `bigint: true`, `size` and `modifiedNs` are bigints. `noFollow` describes a symbolic link
   * named last rather than what it points to.
   */
  stat(path?: string, options?: StatOptions & { noFollow?: boolean; bigint?: false }): Promise<FileStat>;
  stat(path: string, options: StatOptions & { noFollow?: boolean; bigint: true }): Promise<BigIntFileStat>;
  stat(path = '', options?: StatOptions & { noFollow?: boolean }): Promise<FileStat | BigIntFileStat> {
    return this.ring.statx(this.handle, path, options);
  }

  /** Creates the directory `path` beneath this one; `mode` 0o755 by default (the umask applies). */
  mkdir(path: string, mode?: number, options?: OperationOptions): Promise<void> {
    return this.ring.mkdirat(this.handle, path, mode, options);
  }

  /**
   * Removes the file `path`, or with `directory` the empty directory. A symbolic link is
   * removed itself, not what it points to.
   */
  remove(path: string, options: OperationOptions & { directory?: boolean } = {}): Promise<void> {
    return this.ring.unlinkat(this.handle, path, options.directory ?? false, options);
  }

  /**
   * Renames `oldPath` to `newPath`, both beneath this directory, or `newPath` beneath
   * `options.to`. What `newPath` names is replaced, as rename(2) does.
   *
   * @example
   * await data.rename('today.log', 'yesterday.log');
   * await data.rename('today.log', '2026-11-30.log', { to: await data.openDirectory('archive') });
   */
  rename(oldPath: string, newPath: string, options: OperationOptions & { to?: Directory } = {}): Promise<void> {
    return this.ring.renameat(this.handle, oldPath, (options.to ?? this).handle, newPath, options);
  }
}

/**
 * An open file: reads and writes at offsets or at the current position, through the ring.
 *
 * @example
 * await using file = await File.open('data', 'input.txt');
 * const text = fromUtf8(await file.readAll());
 *
 * @example
 * await using out = await File.open('data', 'copy.bin', { write: true, create: true, truncate: true });
 * await out.writeAll(bytes, 0);
 * await out.sync();
 */
export class File implements AsyncDisposable {
  private closed = false;

  constructor(
    /** The file's handle. */
    readonly handle: Handle,
    /** The ring its operations go through. */
    readonly ring: IORing = IORing.shared,
  ) {}

  /**
   * Opens `path` beneath `dir`: a `Directory`, or the name of a granted directory.
   *
   * @example
   * const file = await File.open('data', 'notes/today.txt', { write: true, create: true });
   */
  static async open(dir: Directory | string, path: string, options: OpenOptions & RingOption = {}): Promise<File> {
    const d = typeof dir === 'string' ? Directory.granted(dir, options) : dir;
    return d.open(path, options);
  }

  /**
   * Reads up to `length` bytes at `offset` (or the current position, advancing it). Resolves
   * to the bytes read; an empty array is end of file.
   */
  read(length: number, offset?: number | bigint, options?: OperationOptions): Promise<Uint8Array> {
    return this.ring.read(this.handle, length, { ...options, offset });
  }

  /** Writes `data` at `offset` (or the current position); resolves to the count written. */
  write(data: Uint8Array, offset?: number | bigint, options?: OperationOptions): Promise<number> {
    return this.ring.write(this.handle, data, { ...options, offset });
  }

  /** Writes all of `data` at `offset` (or the current position), resubmitting after short writes. */
  writeAll(data: Uint8Array, offset?: number | bigint, options?: OperationOptions): Promise<void> {
    return this.ring.writeAll(this.handle, data, { ...options, offset });
  }

  /**
   * Reads the whole file from offset 0: its size from `stat`, then reads, several in flight at
   * once, until end of file (a file that grows meanwhile is read to its new end).
   */
  async readAll(options?: OperationOptions): Promise<Uint8Array> {
    const size = (await this.stat(options)).size;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    if (size > 0) {
      // Every read of the known size goes down in one submit.
      const reads: Promise<Uint8Array>[] = [];
      for (let at = 0; at < size; at += CHUNK) reads.push(this.read(Math.min(CHUNK, size - at), at, options));
      for (const chunk of await Promise.all(reads)) {
        chunks.push(chunk);
        offset += chunk.length;
      }
    }
    for (;;) {
      const chunk = await this.read(CHUNK, offset, options);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      offset += chunk.length;
    }
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  /**
   * The file's metadata: `size` (bytes) and `modifiedNs` as numbers, or with `bigint: true` as
   * bigints.
   *
   * @example
   * const { size, modifiedMs } = await file.stat();
   * const exact = await file.stat({ bigint: true });   // exact.size: bigint
   */
  stat(options?: StatOptions & { bigint?: false }): Promise<FileStat>;
  stat(options: StatOptions & { bigint: true }): Promise<BigIntFileStat>;
  stat(options?: StatOptions): Promise<FileStat | BigIntFileStat> {
    return this.ring.statx(this.handle, '', options);
  }

  /**
   * The file's text line by line (`\n` or `\r\n`, not included), decoded as UTF-8, read from
   * the current position to the end; a last line without an end is delivered too. Aborting
   * `signal` cancels the read in flight and the loop throws `ECANCELED`.
   *
   * @example
   * await using log = await File.open('data', 'app.log');
   * for await (const line of log.lines()) if (line.includes('ERROR')) console.log(line);
   */
  lines(options: LinesOptions = {}): AsyncGenerator<string, void, undefined> {
    const size = options.chunkSize ?? CHUNK;
    return readLines((signal) => this.ring.read(this.handle, size, { signal }), options);
  }

  /** Sets the file's length to `length` bytes: cut, or extended with zeros. */
  truncate(length: number | bigint, options?: OperationOptions): Promise<void> {
    return this.ring.ftruncate(this.handle, length, options);
  }

  /** Flushes the file to storage; `dataOnly` skips metadata (fdatasync). */
  sync(options: OperationOptions & { dataOnly?: boolean } = {}): Promise<void> {
    return this.ring.fsync(this.handle, options.dataOnly ?? false, options);
  }

  /** Closes the file. Closing twice does nothing. */
  async close(options?: OperationOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ring.close(this.handle, options);
  }

  /** `await using file = ...` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Copies every byte of `from` (from offset 0) to `to` (from offset 0); resolves to the count.
 *
 * @example
 * await using src = await File.open('data', 'in.bin');
 * await using dst = await File.open('data', 'out.bin', { write: true, create: true, truncate: true });
 * await copy(src, dst);
 */
export async function copy(from: File, to: File, options?: OperationOptions): Promise<number> {
  let offset = 0;
  for (;;) {
    const chunk = await from.read(CHUNK, offset, options);
    if (chunk.length === 0) return offset;
    await to.writeAll(chunk, offset, options);
    offset += chunk.length;
    if (chunk.length > CHUNK) throw new IORingError('io', 'read');
  }
}

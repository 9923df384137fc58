// Node stream adapters for the library's byte streams: `toReadable` and `toWritable` turn a
// Socket, File or Tty into a node:stream Readable or Writable, to pipe into Node's own APIs
// (zlib, crypto, http bodies, process.stdout). Only under Node: they are exported from
// `@ioring/ring/node`, which a component never bundles, so node:stream stays out of components.
import { Readable, Writable } from 'node:stream';
import type { Socket } from '../../socket.js';
import type { File } from '../../file.js';
import type { Tty } from '../../devices.js';

/** What `toReadable` and `toWritable` adapt. */
export type ByteStream = Socket | File | Tty;

/** Options of `toReadable`. */
export interface ToReadableOptions {
  /** The most bytes one read asks for; by default the stream's highWaterMark (64 KiB). */
  chunkSize?: number;
  /** The Readable's highWaterMark, in bytes. */
  highWaterMark?: number;
  /** Close the source once the stream ends or is destroyed. Default false. */
  close?: boolean;
}

/** Options of `toWritable`. */
export interface ToWritableOptions {
  /** The Writable's highWaterMark, in bytes. */
  highWaterMark?: number;
  /** On `end()`, shut down a socket's sending side, so its peer reads end of stream (as `net.Socket#end`). Default true. */
  shutdown?: boolean;
  /** Close the sink once the stream finishes or is destroyed. Default false. */
  close?: boolean;
}

type Read = (length: number, signal: AbortSignal) => Promise<Uint8Array>;

function readerOf(source: ByteStream): Read {
  const s = source as unknown as Record<string, unknown>;
  if (typeof s.receive === 'function') return (n, signal) => (source as Socket).receive(n, { signal });
  if (typeof s.readAll === 'function') return (n, signal) => (source as File).read(n, undefined, { signal });
  if (typeof s.read === 'function') return (n, signal) => (source as Tty).read(n, { signal });
  throw new TypeError('toReadable takes a Socket, a File or a Tty');
}

function writerOf(sink: ByteStream): (data: Uint8Array) => Promise<void> {
  const s = sink as unknown as Record<string, unknown>;
  if (typeof s.sendAll === 'function') return (data) => (sink as Socket).sendAll(data);
  if (typeof s.writeAll === 'function') return (data) => (sink as File).writeAll(data);
  if (typeof s.write === 'function') return (data) => (sink as Tty).write(data);
  throw new TypeError('toWritable takes a Socket, a File or a Tty');
}

/**
 * A Readable of what `source` receives (a Socket) or reads from its current position (a File, a
 * Tty), ending at end of stream. Destroying it cancels the read in flight.
 *
 * @example
 * import { pipeline } from 'node:stream/promises';
 * import { createGzip } from 'node:zlib';
 * import { toReadable, toWritable } from '@ioring/ring/node';
 * await pipeline(toReadable(src), createGzip(), toWritable(dst));
 */
export function toReadable(source: ByteStream, options: ToReadableOptions = {}): Readable {
  const read = readerOf(source);
  let inflight: AbortController | undefined;
  let ended = false;
  const closeSource = () => (options.close ? source.close().catch(() => {}) : Promise.resolve());
  return new Readable({
    highWaterMark: options.highWaterMark,
    read(size) {
      const controller = new AbortController();
      inflight = controller;
      read(options.chunkSize ?? size, controller.signal).then(
        (chunk) => {
          inflight = undefined;
          if (controller.signal.aborted) return;
          if (chunk.length === 0) {
            ended = true;
            void closeSource().then(() => this.push(null));
          } else this.push(chunk);
        },
        (e) => {
          inflight = undefined;
          if (!controller.signal.aborted) this.destroy(e);
        },
      );
    },
    destroy(error, callback) {
      inflight?.abort();
      if (ended) callback(error);
      else void closeSource().then(() => callback(error));
    },
  });
}

/**
 * A Writable whose chunks are sent on `sink` (a Socket: all of each, resubmitting short sends)
 * or written at its current position (a File, a Tty). `end()` shuts down a socket's sending side
 * unless `shutdown: false`.
 *
 * @example
 * import { Readable } from 'node:stream';
 * import { pipeline } from 'node:stream/promises';
 * await pipeline(Readable.from(['hello ', 'ring\n']), toWritable(socket));
 */
export function toWritable(sink: ByteStream, options: ToWritableOptions = {}): Writable {
  const write = writerOf(sink);
  let closed = false;
  const closeSink = async () => {
    if (options.close && !closed) {
      closed = true;
      await sink.close().catch(() => {});
    }
  };
  return new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk: Uint8Array, _encoding, callback) {
      write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      const s = sink as unknown as Record<string, unknown>;
      const shutdown = options.shutdown !== false && typeof s.shutdown === 'function' && typeof s.sendAll === 'function';
      (shutdown ? (sink as Socket).shutdown('write') : Promise.resolve())
        .then(closeSink)
        .then(() => callback(), callback);
    },
    destroy(error, callback) {
      void closeSink().then(() => callback(error));
    },
  });
}

import { IORingError } from './errors.js';
import type { AbortSignalLike } from './signal.js';
import { fromUtf8 } from './text.js';

/** Options of `lines()` on a `Socket`, a `File` or a `Tty`. */
export interface LinesOptions {
  /** Ends the iteration: the read in flight is cancelled and the loop throws `ECANCELED`. */
  signal?: AbortSignalLike;
  /** The most bytes one read asks for. */
  chunkSize?: number;
}

const NL = 10;
const CR = 13;

/** UTF-8 text of a line's bytes: the engine's decoder where it has one, else the library's. */
function decode(bytes: Uint8Array): string {
  const native = (globalThis as { TextDecoder?: new () => { decode(b: Uint8Array): string } }).TextDecoder;
  if (native) {
    decoder ??= new native();
    return decoder.decode(bytes);
  }
  return fromUtf8(bytes);
}
let decoder: { decode(b: Uint8Array): string } | undefined;

/**
 * The lines of a byte stream, without their ends (`\n` or `\r\n`), decoded as UTF-8; a last
 * line without an end is delivered too. `read` gives the next bytes, an empty array at the end.
 * Lines are split on bytes, so a character cut between two reads is whole again.
 */
export async function* readLines(read: (signal: AbortSignalLike | undefined) => Promise<Uint8Array>, options: LinesOptions = {}): AsyncGenerator<string, void, undefined> {
  const signal = options.signal;
  // Bytes of a line not yet ended, from earlier reads.
  let held: Uint8Array[] = [];
  let heldLength = 0;
  for (;;) {
    if (signal?.aborted) throw new IORingError('canceled', 'lines', { cause: signal.reason });
    const chunk = await read(signal);
    if (chunk.length === 0) break;
    let start = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, start)) {
      let line = chunk.subarray(start, nl);
      if (heldLength > 0) {
        line = concat(held, heldLength, line);
        held = [];
        heldLength = 0;
      }
      start = nl + 1;
      yield decode(withoutCr(line));
    }
    if (start < chunk.length) {
      // Reads may reuse nothing, but a view would keep the whole chunk alive: copy the tail.
      held.push(chunk.slice(start));
      heldLength += chunk.length - start;
    }
  }
  if (heldLength > 0) yield decode(withoutCr(concat(held, heldLength, new Uint8Array(0))));
}

function withoutCr(line: Uint8Array): Uint8Array {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

function concat(parts: Uint8Array[], length: number, last: Uint8Array): Uint8Array {
  const all = new Uint8Array(length + last.length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  all.set(last, at);
  return all;
}

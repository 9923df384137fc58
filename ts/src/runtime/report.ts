/**
 * How an error that ends an app is printed on stderr: `Name: message`, then its stack, one
 * frame a line, as Node prints it (`    at fn (file:line:column)`), without the frames of the
 * library's and the engine's own machinery.
 *
 * Inside a component the stack names the bundle `ioring-build` made; it embeds the bundle's
 * source map (`globalThis.__ioringSourceMap`), and the frames are mapped back through it to the
 * app's own files and lines, with a small VLQ decoder, when the error is printed and not before.
 */

/** The source map `ioring-build` embeds: version 3's `sources` and `mappings`, and the bundle's file name. */
interface EmbeddedMap {
  file: string;
  sources: string[];
  mappings: string;
}

/** Where a bundle position came from: a source index, line and column (all 0-based). */
type Origin = [source: number, line: number, column: number];

/** Per bundle line, its segments: [bundle column, source, line, column], by column. */
type Decoded = number[][][];

let decoded: { mappings: string; lines: Decoded } | undefined;

function embeddedMap(): EmbeddedMap | undefined {
  const map = (globalThis as { __ioringSourceMap?: EmbeddedMap }).__ioringSourceMap;
  return map && typeof map.mappings === 'string' && Array.isArray(map.sources) ? map : undefined;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes version 3 `mappings`: base64 VLQ fields, `,` between segments, `;` between lines. */
export function decodeMappings(mappings: string): Decoded {
  const digit = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE64.length; i++) digit[BASE64.charCodeAt(i)] = i;
  const lines: Decoded = [];
  let segments: number[][] = [];
  // Every field but the bundle column is relative to the previous segment's, across lines.
  let source = 0;
  let line = 0;
  let column = 0;
  let generated = 0;
  let fields: number[] = [];
  let value = 0;
  let shift = 0;
  const endSegment = () => {
    if (fields.length >= 4) {
      generated += fields[0];
      source += fields[1];
      line += fields[2];
      column += fields[3];
      segments.push([generated, source, line, column]);
    } else if (fields.length === 1) generated += fields[0];
    fields = [];
  };
  for (let i = 0; i <= mappings.length; i++) {
    const c = i < mappings.length ? mappings.charCodeAt(i) : 59; // ';' ends the last line
    if (c === 44 /* , */ || c === 59 /* ; */) {
      endSegment();
      if (c === 59) {
        lines.push(segments);
        segments = [];
        generated = 0;
      }
      continue;
    }
    const d = c < 128 ? digit[c] : -1;
    if (d < 0) throw new Error('not a source map');
    value += (d & 31) * 2 ** shift;
    if (d & 32) {
      shift += 5;
      continue;
    }
    fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return lines;
}

/** Where bundle line `line` column `column` (1-based both) came from, if the map says. */
function originOf(map: EmbeddedMap, line: number, column: number): Origin | undefined {
  if (decoded?.mappings !== map.mappings) decoded = { mappings: map.mappings, lines: decodeMappings(map.mappings) };
  const segments = decoded.lines[line - 1];
  if (!segments || segments.length === 0) return undefined;
  // The last segment that starts at or before the column, else the line's first.
  let best = segments[0];
  for (const s of segments) {
    if (s[0] <= column - 1) best = s;
    else break;
  }
  return [best[1], best[2], best[3]];
}

/** A V8 or QuickJS frame (`    at fn (file:1:2)`, `    at file:1:2`) or a SpiderMonkey one (`fn@file:1:2`). */
const V8_FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
const SM_FRAME = /^(.*?)@(.+?):(\d+):(\d+)$/;

/**
 * Frames in the library itself (`@ioring/ring/dist/`, or `ts/dist/` in its own repository) and
 * in Node's internals: where an operation's error was made (a completion, settled by the loop)
 * says nothing about the app's code, which is what the frames are for. An error of a failed
 * operation is then its message alone; an app's own error, its frames in the app.
 */
const MACHINERY = /(?:^|[\/(])(?:@ioring\/ring|ts)\/dist\/|(?:^|\(|at )node:/;

/** A frame of no interest to the app: the async lowering's helpers, the engine's natives, the component's glue. */
function hidden(fn: string, source: string | undefined): boolean {
  if (source === undefined) return fn === 'next' || fn === 'export_run_0_2_0$run' || fn.startsWith('export_');
  return /(?:^|\/)(?:@oxc-project|rolldown)[/:]|\0|\/dist\/runtime\/|\/dist\/backends\/component\.js$/.test(source);
}

/**
 * The frames of `stack`, as `    at fn (file:line:column)` lines, mapped through the embedded
 * source map where there is one; frames of the runtime's own machinery left out. Lines that are
 * no frame (a V8 stack's first line, `Name: message`) are dropped.
 */
export function stackFrames(stack: string): string[] {
  const map = embeddedMap();
  const out: string[] = [];
  for (const text of stack.split('\n')) {
    if (!map && /^\s+at /.test(text)) {
      // Node's own frames (async ones, `Promise.all (index 0)`) as V8 wrote them.
      if (!MACHINERY.test(text)) out.push(`    ${text.trim()}`);
      continue;
    }
    if (/^\s*at .*\(native\)$/.test(text)) continue;
    const m = V8_FRAME.exec(text) ?? SM_FRAME.exec(text.trim());
    if (!m) continue;
    // SpiderMonkey marks a function's inner closures `f<`; QuickJS names none `<anonymous>`.
    const fn = (m[1] ?? '').replace(/<+$/, '').replace(/^<anonymous>$/, '');
    let file = m[2];
    let line = Number(m[3]);
    let column = Number(m[4]);
    let source: string | undefined;
    if (map && (file === map.file || file.endsWith(`/${map.file}`))) {
      let origin: Origin | undefined;
      try {
        origin = originOf(map, line, column);
      } catch {
        origin = undefined;
      }
      // A place the map does not cover is the bundler's own helper code.
      if (!origin || map.sources[origin[0]] === undefined) continue;
      source = map.sources[origin[0]];
      [file, line, column] = [source, origin[1] + 1, origin[2] + 1];
    } else if (map && (hidden(fn, undefined) || /initializer\.js$/.test(file))) {
      // Outside the bundle: the componentizer's own glue.
      continue;
    }
    if ((source !== undefined && hidden(fn, source)) || MACHINERY.test(file)) continue;
    out.push(fn ? `    at ${fn} (${file}:${line}:${column})` : `    at ${file}:${line}:${column}`);
  }
  return out;
}

/** How an error that ends an app is printed on stderr: `Name: message`, then its stack's frames. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const head = `${e.name}: ${e.message}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
    let frames: string[] = [];
    try {
      frames = typeof e.stack === 'string' ? stackFrames(e.stack) : [];
    } catch {
      // A stack that cannot be read is left out, never in the way of the message.
    }
    return frames.length > 0 ? `${head}\n${frames.join('\n')}` : head;
  }
  return `error: ${String(e)}`;
}

/** Why an app whose main still waits ended: no operation can ever wake it. */
export const WAITING_FOR_NOTHING = 'the app is waiting, but no ring operation is in flight that could wake it';

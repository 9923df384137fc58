/**
 * The prelude of component apps, evaluated before the app by `ioring-build`'s entry module.
 *
 * - The ioring Promise becomes the global `Promise` and `queueMicrotask` feeds its job queue,
 *   which the driver runs between turns of the ring (see ./jobs.ts for why).
 * - `setTimeout`/`setInterval` and their `clear*` become ring timeouts: the engine's own timers
 *   cannot fire while the app blocks in the ring.
 * - What QuickJS lacks and apps expect is filled in: `console` (written through the ring to
 *   handles 1 and 2), `TextEncoder`/`TextDecoder` (UTF-8), `AbortController`/`AbortSignal`.
 */
import { backend } from '../backends/component.js';
import type { RingBackend } from '../backend.js';
import { fromUtf8, utf8 } from '../text.js';
import { Controller } from '../timers.js';
import { IORing } from '../ring.js';
import { installPromise } from './promise.js';
import { describeError } from './report.js';

const g = globalThis as Record<string, unknown>;

installPromise();

// Deep stacks: async/await lowered to generators puts a few frames of machinery between each
// of the app's, and an error's stack is printed without those (./report.ts). QuickJS keeps 10
// frames by default, often none of them the app's.
if (typeof (Error as { stackTraceLimit?: unknown }).stackTraceLimit === 'number') (Error as { stackTraceLimit?: number }).stackTraceLimit = 64;

// ---- timers -----------------------------------------------------------------------------------

const timers = new Map<number, Controller>();
let nextTimer = 1;

function startTimer(callback: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
  if (typeof callback !== 'function') throw new TypeError('the timer callback must be a function');
  const id = nextTimer++;
  const controller = new Controller();
  timers.set(id, controller);
  const delay = Math.max(0, Number(ms) || 0);
  const tick = (): void => {
    IORing.shared.sleep(delay, { signal: controller.signal }).then(
      () => {
        if (controller.signal.aborted) return;
        if (!repeat) timers.delete(id);
        (callback as (...a: unknown[]) => void)(...args);
        if (repeat && !controller.signal.aborted) tick();
      },
      () => {},
    );
  };
  tick();
  return id;
}

function stopTimer(id: unknown): void {
  const controller = timers.get(id as number);
  if (!controller) return;
  timers.delete(id as number);
  controller.abort();
}

g.setTimeout = (callback: unknown, ms?: unknown, ...args: unknown[]) => startTimer(callback, ms, args, false);
g.setInterval = (callback: unknown, ms?: unknown, ...args: unknown[]) => startTimer(callback, ms, args, true);
g.clearTimeout = stopTimer;
g.clearInterval = stopTimer;

// ---- console ----------------------------------------------------------------------------------

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  // Its stack mapped back to the app's files, as an error that ends the app is printed.
  if (value instanceof Error) return describeError(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    } catch {
      return String(value);
    }
  }
  return typeof value === 'bigint' ? `${value}n` : String(value);
}

if (typeof g.console !== 'object' || g.console === null) {
  // A ring of its own, so a log line never waits behind, or completes, the app's operations.
  let ring: RingBackend | undefined;
  let tag = 0;
  const write = (handle: number, text: string): void => {
    ring ??= backend.createRing(4, { busy: false, turn: () => 0 });
    const data = utf8(text);
    for (let done = 0; done < data.length; ) {
      ring.submit([{ op: { tag: 'write', val: { fd: handle, data: data.subarray(done), offset: undefined } }, userData: ++tag, flags: {} }]);
      const [cqe] = ring.complete(1, 1, undefined);
      if (!cqe || cqe.res.tag === 'err' || cqe.res.val === 0) return;
      done += cqe.res.val;
    }
  };
  const line = (handle: number) => (...args: unknown[]) => write(handle, `${args.map(show).join(' ')}\n`);
  g.console = { log: line(1), info: line(1), debug: line(1), warn: line(2), error: line(2) };
}

// ---- TextEncoder / TextDecoder ----------------------------------------------------------------

if (typeof g.TextEncoder !== 'function') {
  g.TextEncoder = class TextEncoder {
    readonly encoding = 'utf-8';
    encode(text = ''): Uint8Array {
      return utf8(String(text));
    }
  };
}

if (typeof g.TextDecoder !== 'function') {
  g.TextDecoder = class TextDecoder {
    readonly encoding = 'utf-8';
    constructor(label = 'utf-8') {
      if (!/^utf-?8$/i.test(label)) throw new RangeError(`only utf-8 is supported, not ${label}`);
    }
    decode(input?: ArrayBuffer | ArrayBufferView): string {
      if (input === undefined) return '';
      const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
      return fromUtf8(bytes);
    }
  };
}

// ---- AbortController / AbortSignal ------------------------------------------------------------

const domError = (message: string, name: string): unknown => {
  const D = g.DOMException as (new (m: string, n: string) => unknown) | undefined;
  if (typeof D === 'function') return new D(message, name);
  const e = new Error(message);
  e.name = name;
  return e;
};
const abortReason = () => domError('This operation was aborted', 'AbortError');
const timeoutReason = () => domError('The operation timed out.', 'TimeoutError');

if (typeof g.AbortController !== 'function') {
  type Listener = (event: { type: string }) => void;
  class AbortSignal {
    aborted = false;
    reason: unknown = undefined;
    onabort: Listener | null = null;
    private readonly listeners: Listener[] = [];
    addEventListener(type: string, listener: Listener): void {
      if (type === 'abort' && !this.listeners.includes(listener)) this.listeners.push(listener);
    }
    removeEventListener(type: string, listener: Listener): void {
      const i = this.listeners.indexOf(listener);
      if (type === 'abort' && i >= 0) this.listeners.splice(i, 1);
    }
    throwIfAborted(): void {
      if (this.aborted) throw this.reason;
    }
    /** @internal */
    fire(reason: unknown): void {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason === undefined ? abortReason() : reason;
      const event = { type: 'abort' };
      this.onabort?.(event);
      for (const l of this.listeners.splice(0)) l(event);
    }
    static abort(reason?: unknown): AbortSignal {
      const s = new AbortSignal();
      s.fire(reason);
      return s;
    }
    static timeout(ms: number): AbortSignal {
      const s = new AbortSignal();
      startTimer(() => s.fire(timeoutReason()), ms, [], false);
      return s;
    }
    static any(signals: AbortSignal[]): AbortSignal {
      const s = new AbortSignal();
      for (const other of signals) {
        if (other.aborted) {
          s.fire(other.reason);
          break;
        }
        other.addEventListener('abort', () => s.fire(other.reason));
      }
      return s;
    }
  }
  class AbortController {
    readonly signal = new AbortSignal();
    abort(reason?: unknown): void {
      this.signal.fire(reason);
    }
  }
  g.AbortSignal = AbortSignal;
  g.AbortController = AbortController;
} else {
  // The engine's AbortSignal.timeout runs on the engine's timers, which cannot fire while the
  // app blocks in the ring: make it a ring timeout too.
  const Controller = g.AbortController as new () => { signal: unknown; abort(reason?: unknown): void };
  (g.AbortSignal as { timeout?: unknown }).timeout = (ms: number) => {
    const c = new Controller();
    startTimer(() => c.abort(timeoutReason()), ms, [], false);
    return c.signal;
  };
}

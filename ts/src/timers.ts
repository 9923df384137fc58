import { IORingError } from './errors.js';
import { IORing } from './ring.js';
import type { AbortSignalLike } from './signal.js';

/**
 * Resolves after `ms` milliseconds, timed by the host's ring (a ring timeout on the shared ring).
 *
 * @example
 * await sleep(100);
 */
export function sleep(ms: number, options?: { signal?: AbortSignalLike; ring?: IORing }): Promise<void> {
  return (options?.ring ?? IORing.shared).sleep(ms, options);
}

/**
 * Settles as `work` does, or rejects with an `IORingError` whose code is `ETIMEDOUT` when `ms`
 * milliseconds pass first. `work` may be a promise, or a function given an `AbortSignal` that
 * aborts on the timeout so the work underneath is cancelled.
 *
 * For a single operation, its `timeoutMs` option is cheaper: a linked timeout in the host.
 *
 * @example
 * const reply = await withTimeout(socket.receive(4096), 2000);
 * @example
 * await withTimeout((signal) => socket.connect('127.0.0.1:7000', { signal }), 500);
 */
export async function withTimeout<T>(
  work: Promise<T> | ((signal: AbortSignalLike) => Promise<T>),
  ms: number,
  options?: { ring?: IORing },
): Promise<T> {
  const ring = options?.ring ?? IORing.shared;
  const timer = new Controller();
  const inner = new Controller();
  const promise = typeof work === 'function' ? work(inner.signal) : work;
  const expired = ring.sleep(ms, { signal: timer.signal }).then(
    () => {
      inner.abort(new IORingError('timed-out', `timeout after ${ms} ms`));
      return TIMED_OUT;
    },
    () => undefined,
  );
  try {
    const first = await Promise.race([promise, expired]);
    if (first === TIMED_OUT) {
      // The work was told to stop; its own rejection (ECANCELED) is superseded by ETIMEDOUT.
      promise.then(undefined, () => {});
      throw new IORingError('timed-out', `timeout after ${ms} ms`);
    }
    return first as T;
  } catch (e) {
    if (inner.signal.aborted && e instanceof IORingError && e.errorCode === 'canceled') throw new IORingError('timed-out', `timeout after ${ms} ms`);
    throw e;
  } finally {
    timer.abort();
  }
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/** A minimal abort controller, so timers work where the engine has no AbortController. */
export class Controller {
  readonly signal: AbortSignalLike & { aborted: boolean; reason: unknown };
  private readonly listeners = new Set<() => void>();

  constructor() {
    const listeners = this.listeners;
    this.signal = {
      aborted: false,
      reason: undefined,
      addEventListener: (_type, listener) => void listeners.add(listener),
      removeEventListener: (_type, listener) => void listeners.delete(listener),
    };
  }

  abort(reason?: unknown): void {
    if (this.signal.aborted) return;
    this.signal.aborted = true;
    this.signal.reason = reason;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}

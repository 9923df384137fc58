/**
 * The part of the standard `AbortSignal` the library uses, so any implementation (Node's,
 * StarlingMonkey's, the prelude's for QuickJS) can be passed.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Options every operation takes.
 *
 * @example
 * const ac = new AbortController();
 * const bytes = await socket.receive(4096, { signal: ac.signal, timeoutMs: 5000 });
 */
export interface OperationOptions {
  /** Cancels the operation when aborted; it then rejects with `ECANCELED`. */
  signal?: AbortSignalLike;
  /**
   * Bounds the operation with a linked timeout: if it has not completed after this many
   * milliseconds the host cancels it and it rejects with `ETIMEDOUT`.
   */
  timeoutMs?: number;
}

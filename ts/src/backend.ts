import type { Cqe, Sqe } from 'ioring:ring/types@0.1.0';

export type { Cqe, Sqe };

/**
 * One host ring: the WIT `ring` resource's shape. The component backend hands out the host's
 * resource itself; the Node backend implements the same contract over libuv.
 *
 * Methods that return `result<_, error-code>` in WIT throw: the component's bindings throw
 * the error code (a string, or an error whose `payload` it is), the Node backend an
 * `IORingError`; callers wrap them with `callImport`, which makes both an `IORingError`.
 */
export interface RingBackend {
  submit(sqes: Sqe[]): number;
  complete(min: number, max: number, timeoutNs: bigint | undefined): Cqe[];
  registerBuffers(count: number, size: number): void;
  bufferRead(buffer: number, offset: number, len: number): Uint8Array;
  bufferWrite(buffer: number, offset: number, data: Uint8Array): void;
  [Symbol.dispose]?(): void;
}

/** What the WIT `grants` interface answers: handles by name, or a thrown error code (as `RingBackend`'s methods throw). */
export interface GrantsBackend {
  directory(name: string): number;
  listener(name: string): number;
  device(name: string): number;
}

/** A ring as the scheduler sees it: something that can take one turn of the loop. */
export interface Turnable {
  /** Operations queued or in flight. */
  readonly busy: boolean;
  /**
   * Submits what is queued and settles what has completed. `wait` is how long to block for a
   * first completion when none is ready: `true` without bound, a number of milliseconds, or
   * `false` not at all. Returns the number of completions settled.
   */
  turn(wait: boolean | number): number;
}

/**
 * What the ring runtime needs from where it runs: host rings, grants, arguments, and how turns
 * of the loop are scheduled.
 */
export interface Backend {
  /** `'component'` inside a WebAssembly component, `'node'` under Node.js. */
  readonly name: 'component' | 'node';
  /** Creates one host ring for `owner`, which completions wake (Node); throws as `RingBackend`'s methods do. */
  createRing(entries: number, owner: Turnable): RingBackend;
  /** The host's grants. */
  readonly grants: GrantsBackend;
  /** The app's arguments, without the program name. */
  args(): string[];
  /**
   * Asks for `ring.turn()` to run once every runnable microtask has run. A ring calls this when
   * it queues its first operation of a turn.
   */
  requestTurn(ring: Turnable): void;
  /** Makes an app's main function its entry point (the `wasi:cli/run` export in a component). */
  command(main: () => Promise<void>): { run(): void | Promise<void> };
  /**
   * A u64 for an SQE: a BigInt for jco and StarlingMonkey, a number for QuickJS, whose bindings
   * map u64 to a JS number.
   */
  u64(value: bigint): bigint;
}

/**
 * A Promise whose reaction jobs run on the app's own job queue (`./jobs.ts`), installed as the
 * global `Promise` of component apps by the build's prelude. It follows the ECMAScript
 * algorithms (thenable adoption in a job, reactions in registration order, one settlement)
 * closely enough for `async` functions lowered to generators, `for await`, and library code.
 */
import { enqueueJob, trackRejection, untrackRejection } from './jobs.js';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

type Settle = (value: unknown) => void;

interface Reaction {
  onFulfilled: ((value: unknown) => unknown) | undefined;
  onRejected: ((reason: unknown) => unknown) | undefined;
  resolve: Settle;
  reject: Settle;
}

// Internal state lives in symbols-free plain fields on the instance; the class hides them from
// `for...in` by defining them non-enumerable in the constructor.
interface State {
  state: number;
  value: unknown;
  reactions: Reaction[] | undefined;
}

const states = new WeakMap<object, State>();

function stateOf(p: unknown): State | undefined {
  return typeof p === 'object' && p !== null ? states.get(p) : undefined;
}

function runReaction(reaction: Reaction, state: number, value: unknown): void {
  const handler = state === FULFILLED ? reaction.onFulfilled : reaction.onRejected;
  if (handler === undefined) {
    (state === FULFILLED ? reaction.resolve : reaction.reject)(value);
    return;
  }
  let result: unknown;
  try {
    result = handler(value);
  } catch (e) {
    reaction.reject(e);
    return;
  }
  reaction.resolve(result);
}

function settle(promise: object, st: State, state: number, value: unknown): void {
  const reactions = st.reactions;
  st.state = state;
  st.value = value;
  st.reactions = undefined;
  if (state === REJECTED && (reactions === undefined || reactions.length === 0)) trackRejection(promise, value);
  if (reactions) for (const r of reactions) enqueueJob(() => runReaction(r, state, value));
}

/** The resolve and reject functions of `promise`: the first call wins. */
function resolvingFunctions(promise: object, st: State): { resolve: Settle; reject: Settle } {
  let done = false;
  const reject: Settle = (reason) => {
    if (done) return;
    done = true;
    settle(promise, st, REJECTED, reason);
  };
  const resolve: Settle = (value) => {
    if (done) return;
    done = true;
    if (value === promise) {
      settle(promise, st, REJECTED, new TypeError('a promise cannot resolve to itself'));
      return;
    }
    if ((typeof value !== 'object' || value === null) && typeof value !== 'function') {
      settle(promise, st, FULFILLED, value);
      return;
    }
    let then: unknown;
    try {
      then = (value as { then?: unknown }).then;
    } catch (e) {
      settle(promise, st, REJECTED, e);
      return;
    }
    if (typeof then !== 'function') {
      settle(promise, st, FULFILLED, value);
      return;
    }
    // Adopt the thenable's state in a job, as PromiseResolveThenableJob does.
    enqueueJob(() => {
      const inner = resolvingFunctions(promise, st);
      try {
        then.call(value, inner.resolve, inner.reject);
      } catch (e) {
        inner.reject(e);
      }
    });
  };
  return { resolve, reject };
}

type Executor<T> = (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void;

/** The ioring Promise. Its statics and prototype match the standard Promise's. */
export class IORingPromise<T> implements PromiseLike<T> {
  constructor(executor: Executor<T>) {
    if (typeof executor !== 'function') throw new TypeError('Promise executor is not a function');
    const st: State = { state: PENDING, value: undefined, reactions: [] };
    states.set(this, st);
    const { resolve, reject } = resolvingFunctions(this, st);
    try {
      executor(resolve as (value: T | PromiseLike<T>) => void, reject);
    } catch (e) {
      reject(e);
    }
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): IORingPromise<R1 | R2> {
    const st = stateOf(this);
    if (!st) throw new TypeError('Promise.prototype.then called on a non-promise');
    const C = speciesOf(this);
    let resolve!: Settle;
    let reject!: Settle;
    const derived = new C<R1 | R2>((res, rej) => {
      resolve = res as Settle;
      reject = rej;
    });
    const reaction: Reaction = {
      onFulfilled: typeof onFulfilled === 'function' ? (onFulfilled as (v: unknown) => unknown) : undefined,
      onRejected: typeof onRejected === 'function' ? onRejected : undefined,
      resolve,
      reject,
    };
    if (st.state === PENDING) st.reactions!.push(reaction);
    else {
      if (st.state === REJECTED) untrackRejection(this);
      const state = st.state;
      const value = st.value;
      enqueueJob(() => runReaction(reaction, state, value));
    }
    return derived;
  }

  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): IORingPromise<T | R> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): IORingPromise<T> {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally) as IORingPromise<T>;
    const C = speciesOf(this);
    return this.then(
      (value) => C.resolve(onFinally()).then(() => value),
      (reason) =>
        C.resolve(onFinally()).then(() => {
          throw reason;
        }),
    ) as IORingPromise<T>;
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  static resolve<T>(value?: T | PromiseLike<T>): IORingPromise<Awaited<T>> {
    if (stateOf(value) && (value as { constructor?: unknown }).constructor === this) return value as IORingPromise<Awaited<T>>;
    return new this((resolve) => resolve(value as Awaited<T>));
  }

  static reject<T = never>(reason?: unknown): IORingPromise<T> {
    return new this((_, reject) => reject(reason));
  }

  static withResolvers<T>(): { promise: IORingPromise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void } {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new this<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  static try<T>(fn: (...args: unknown[]) => T | PromiseLike<T>, ...args: unknown[]): IORingPromise<Awaited<T>> {
    return new this((resolve) => resolve(fn(...args) as Awaited<T>));
  }

  static all(values: Iterable<unknown>): IORingPromise<unknown[]> {
    return new this<unknown[]>((resolve, reject) => {
      const results: unknown[] = [];
      let remaining = 1;
      let index = 0;
      for (const value of values) {
        const i = index++;
        results.push(undefined);
        remaining++;
        this.resolve(value).then((v) => {
          results[i] = v;
          if (--remaining === 0) resolve(results);
        }, reject);
      }
      if (--remaining === 0) resolve(results);
    });
  }

  static allSettled(values: Iterable<unknown>): IORingPromise<unknown[]> {
    return new this<unknown[]>((resolve) => {
      const results: unknown[] = [];
      let remaining = 1;
      let index = 0;
      for (const value of values) {
        const i = index++;
        results.push(undefined);
        remaining++;
        this.resolve(value).then(
          (v) => {
            results[i] = { status: 'fulfilled', value: v };
            if (--remaining === 0) resolve(results);
          },
          (reason) => {
            results[i] = { status: 'rejected', reason };
            if (--remaining === 0) resolve(results);
          },
        );
      }
      if (--remaining === 0) resolve(results);
    });
  }

  static race(values: Iterable<unknown>): IORingPromise<unknown> {
    return new this((resolve, reject) => {
      for (const value of values) this.resolve(value).then(resolve, reject);
    });
  }

  static any(values: Iterable<unknown>): IORingPromise<unknown> {
    return new this((resolve, reject) => {
      const errors: unknown[] = [];
      let remaining = 1;
      let index = 0;
      for (const value of values) {
        const i = index++;
        errors.push(undefined);
        remaining++;
        this.resolve(value).then(resolve, (reason) => {
          errors[i] = reason;
          if (--remaining === 0) reject(new AggregateError(errors, 'All promises were rejected'));
        });
      }
      if (--remaining === 0) reject(new AggregateError(errors, 'All promises were rejected'));
    });
  }
}

function speciesOf(p: object): typeof IORingPromise {
  const C = (p as { constructor?: unknown }).constructor;
  return typeof C === 'function' ? (C as typeof IORingPromise) : IORingPromise;
}

/** Makes `IORingPromise` the global `Promise` and routes `queueMicrotask` to the same queue. */
export function installPromise(): void {
  const g = globalThis as Record<string, unknown>;
  g.Promise = IORingPromise;
  g.queueMicrotask = (callback: () => void) => {
    if (typeof callback !== 'function') throw new TypeError('queueMicrotask needs a function');
    enqueueJob(() => {
      try {
        callback();
      } catch (e) {
        // A throwing microtask reports like an unhandled rejection: the app ends.
        trackRejection({}, e);
      }
    });
  };
}

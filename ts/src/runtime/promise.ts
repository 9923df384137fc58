/**
 * A Promise whose reaction jobs run on the app's own job queue (`./jobs.ts`), installed as the
 * global `Promise` of component apps by the build's prelude. It follows the ECMAScript
 * algorithms (thenable adoption in a job, reactions in registration order, one settlement)
 * closely enough for `async` functions lowered to generators, `for await`, and library code.
 *
 * It is on every `await` of a component app, in an interpreter: state lives in plain fields,
 * promises derived by `then` skip the executor and its resolving functions, and a reaction is
 * queued as itself rather than in a closure.
 */
import { enqueueJob, trackRejection, untrackRejection } from './jobs.js';
import type { Runnable } from './jobs.js';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

type Settle = (value: unknown) => void;

/** Passed as the executor to make a bare promise that internal code settles. */
const BARE = (() => {}) as never;

/** One `then` on one promise: run as a job once the promise settles. */
class Reaction implements Runnable {
  state = PENDING;
  value: unknown = undefined;

  constructor(
    readonly onFulfilled: ((value: unknown) => unknown) | undefined,
    readonly onRejected: ((reason: unknown) => unknown) | undefined,
    /** The promise `then` returned, when it is an IORingPromise. */
    readonly target: IORingPromise<unknown> | undefined,
    /** Otherwise (a subclass) its capability. */
    readonly resolve: Settle | undefined,
    readonly reject: Settle | undefined,
  ) {}

  run(): void {
    const handler = this.state === FULFILLED ? this.onFulfilled : this.onRejected;
    const target = this.target;
    if (handler === undefined) {
      if (target) {
        if (this.state === FULFILLED) fulfill(target, this.value);
        else reject(target, this.value);
      } else (this.state === FULFILLED ? this.resolve! : this.reject!)(this.value);
      return;
    }
    let result: unknown;
    try {
      result = handler(this.value);
    } catch (e) {
      if (target) reject(target, e);
      else this.reject!(e);
      return;
    }
    if (target) resolve(target, result);
    else this.resolve!(result);
  }
}

function trigger(reaction: Reaction, state: number, value: unknown): void {
  reaction.state = state;
  reaction.value = value;
  enqueueJob(reaction);
}

function fulfill(p: IORingPromise<unknown>, value: unknown): void {
  if (p._state !== PENDING) return;
  const reactions = p._reactions;
  p._state = FULFILLED;
  p._value = value;
  p._reactions = undefined;
  if (reactions) for (let i = 0; i < reactions.length; i++) trigger(reactions[i], FULFILLED, value);
}

function reject(p: IORingPromise<unknown>, reason: unknown): void {
  if (p._state !== PENDING) return;
  const reactions = p._reactions;
  p._state = REJECTED;
  p._value = reason;
  p._reactions = undefined;
  if (reactions && reactions.length > 0) for (let i = 0; i < reactions.length; i++) trigger(reactions[i], REJECTED, reason);
  else if (!p._handled) trackRejection(p, reason);
}

/** Resolves `p` with `x`: adopts a thenable's state (in a job), fulfils with anything else. */
function resolve(p: IORingPromise<unknown>, x: unknown): void {
  if (x === p) {
    reject(p, new TypeError('a promise cannot resolve to itself'));
    return;
  }
  if ((typeof x !== 'object' || x === null) && typeof x !== 'function') {
    fulfill(p, x);
    return;
  }
  if (x instanceof IORingPromise && x.then === IORingPromise.prototype.then) {
    // PromiseResolveThenableJob for one of ours: `x.then(resolve, reject)` without the derived
    // promise nobody would see.
    const inner = x;
    enqueueJob(() => subscribe(inner, new Reaction(undefined, undefined, p, undefined, undefined)));
    return;
  }
  let then: unknown;
  try {
    then = (x as { then?: unknown }).then;
  } catch (e) {
    reject(p, e);
    return;
  }
  if (typeof then !== 'function') {
    fulfill(p, x);
    return;
  }
  enqueueJob(() => {
    let done = false;
    try {
      then.call(
        x,
        (v: unknown) => {
          if (done) return;
          done = true;
          resolve(p, v);
        },
        (e: unknown) => {
          if (done) return;
          done = true;
          reject(p, e);
        },
      );
    } catch (e) {
      if (!done) {
        done = true;
        reject(p, e);
      }
    }
  });
}

/** Adds `reaction` to `p`, or queues it if `p` has settled. */
function subscribe(p: IORingPromise<unknown>, reaction: Reaction): void {
  if (p._state === PENDING) {
    (p._reactions ??= []).push(reaction);
    p._handled = true;
    return;
  }
  if (p._state === REJECTED && !p._handled) untrackRejection(p);
  p._handled = true;
  trigger(reaction, p._state, p._value);
}

type Executor<T> = (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void;

/** The ioring Promise. Its statics and prototype match the standard Promise's. */
export class IORingPromise<T> implements PromiseLike<T> {
  /** @internal */ _state: number;
  /** @internal */ _value: unknown;
  /** @internal */ _reactions: Reaction[] | undefined;
  /** @internal Whether a handler was ever attached (no unhandled-rejection report then). */ _handled: boolean;

  constructor(executor: Executor<T>) {
    this._state = PENDING;
    this._value = undefined;
    this._reactions = undefined;
    this._handled = false;
    if (executor === BARE) return;
    if (typeof executor !== 'function') throw new TypeError('Promise executor is not a function');
    let done = false;
    const res = (value: unknown) => {
      if (done) return;
      done = true;
      resolve(this as IORingPromise<unknown>, value);
    };
    const rej = (reason: unknown) => {
      if (done) return;
      done = true;
      reject(this as IORingPromise<unknown>, reason);
    };
    try {
      executor(res as (value: T | PromiseLike<T>) => void, rej);
    } catch (e) {
      rej(e);
    }
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): IORingPromise<R1 | R2> {
    if (!(this instanceof IORingPromise)) throw new TypeError('Promise.prototype.then called on a non-promise');
    const f = typeof onFulfilled === 'function' ? (onFulfilled as (v: unknown) => unknown) : undefined;
    const r = typeof onRejected === 'function' ? onRejected : undefined;
    const C = this.constructor;
    if (C === IORingPromise || typeof C !== 'function') {
      const derived = new IORingPromise<R1 | R2>(BARE);
      subscribe(this as IORingPromise<unknown>, new Reaction(f, r, derived as IORingPromise<unknown>, undefined, undefined));
      return derived;
    }
    // A subclass: its constructor makes the derived promise, as NewPromiseCapability does.
    let res!: Settle;
    let rej!: Settle;
    const derived = new (C as typeof IORingPromise)<R1 | R2>((a, b) => {
      res = a as Settle;
      rej = b;
    });
    subscribe(this as IORingPromise<unknown>, new Reaction(f, r, undefined, res, rej));
    return derived;
  }

  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): IORingPromise<T | R> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): IORingPromise<T> {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally) as IORingPromise<T>;
    const C = (typeof this.constructor === 'function' ? this.constructor : IORingPromise) as typeof IORingPromise;
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
    if (value instanceof IORingPromise && value.constructor === this) return value as IORingPromise<Awaited<T>>;
    if (this === IORingPromise) {
      const p = new IORingPromise<Awaited<T>>(BARE);
      resolve(p as IORingPromise<unknown>, value);
      return p;
    }
    return new this((res) => res(value as Awaited<T>));
  }

  static reject<T = never>(reason?: unknown): IORingPromise<T> {
    return new this((_, rej) => rej(reason));
  }

  static withResolvers<T>(): { promise: IORingPromise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void } {
    let res!: (value: T | PromiseLike<T>) => void;
    let rej!: (reason?: unknown) => void;
    const promise = new this<T>((a, b) => {
      res = a;
      rej = b;
    });
    return { promise, resolve: res, reject: rej };
  }

  static try<T>(fn: (...args: unknown[]) => T | PromiseLike<T>, ...args: unknown[]): IORingPromise<Awaited<T>> {
    return new this((res) => res(fn(...args) as Awaited<T>));
  }

  static all(values: Iterable<unknown>): IORingPromise<unknown[]> {
    return new this<unknown[]>((res, rej) => {
      const results: unknown[] = [];
      let remaining = 1;
      let index = 0;
      for (const value of values) {
        const i = index++;
        results.push(undefined);
        remaining++;
        this.resolve(value).then((v) => {
          results[i] = v;
          if (--remaining === 0) res(results);
        }, rej);
      }
      if (--remaining === 0) res(results);
    });
  }

  static allSettled(values: Iterable<unknown>): IORingPromise<unknown[]> {
    return new this<unknown[]>((res) => {
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
            if (--remaining === 0) res(results);
          },
          (reason) => {
            results[i] = { status: 'rejected', reason };
            if (--remaining === 0) res(results);
          },
        );
      }
      if (--remaining === 0) res(results);
    });
  }

  static race(values: Iterable<unknown>): IORingPromise<unknown> {
    return new this((res, rej) => {
      for (const value of values) this.resolve(value).then(res, rej);
    });
  }

  static any(values: Iterable<unknown>): IORingPromise<unknown> {
    return new this((res, rej) => {
      const errors: unknown[] = [];
      let remaining = 1;
      let index = 0;
      for (const value of values) {
        const i = index++;
        errors.push(undefined);
        remaining++;
        this.resolve(value).then(res, (reason) => {
          errors[i] = reason;
          if (--remaining === 0) rej(new AggregateError(errors, 'All promises were rejected'));
        });
      }
      if (--remaining === 0) rej(new AggregateError(errors, 'All promises were rejected'));
    });
  }
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

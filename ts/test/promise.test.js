// The component runtime's Promise and driver (src/runtime), exercised in Node: the Promise that
// component apps get from the prelude, its job queue, unhandled-rejection tracking, and the
// loop that alternates jobs and ring turns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IORingPromise } from '../dist/runtime/promise.js';
import { drainJobs, hasJobs, takeUnhandledRejection } from '../dist/runtime/jobs.js';
import { run, requestTurn } from '../dist/runtime/driver.js';

const P = IORingPromise;

test('reactions run only when the job queue drains, in registration order', () => {
  const log = [];
  const p = P.resolve(1);
  p.then((v) => log.push(`a${v}`));
  p.then((v) => log.push(`b${v}`));
  log.push('sync');
  assert.equal(log, ['sync']);
  assert.ok(hasJobs());
  drainJobs();
  assert.equal(log, ['sync', 'a1', 'b1']);
  assert.not.ok(hasJobs());
});

test('chains, thenable adoption, finally and catch', () => {
  const log = [];
  const thenable = { then: (res) => res(41) };
  P.resolve(thenable)
    .then((v) => v + 1)
    .then((v) => {
      log.push(v);
      throw new Error('boom');
    })
    .finally(() => log.push('finally'))
    .catch((e) => log.push(e.message));
  drainJobs();
  assert.equal(log, [42, 'finally', 'boom']);
});

test('a promise resolved with itself rejects with a TypeError', () => {
  let resolve;
  const p = new P((r) => (resolve = r));
  let error;
  p.catch((e) => (error = e));
  resolve(p);
  drainJobs();
  assert.instance(error, TypeError);
});

test('all, allSettled, race, any, withResolvers', () => {
  const out = {};
  P.all([1, P.resolve(2), { then: (r) => r(3) }]).then((v) => (out.all = v));
  P.all([]).then((v) => (out.empty = v));
  P.allSettled([P.resolve(1), P.reject(2)]).then((v) => (out.settled = v));
  P.race([new P(() => {}), P.resolve('fast')]).then((v) => (out.race = v));
  P.any([P.reject(1), P.resolve('any')]).then((v) => (out.any = v));
  P.any([P.reject(1)]).catch((e) => (out.anyError = e.constructor.name));
  const { promise, resolve } = P.withResolvers();
  promise.then((v) => (out.resolvers = v));
  resolve('r');
  drainJobs();
  assert.equal(out, {
    all: [1, 2, 3],
    empty: [],
    settled: [
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: 2 },
    ],
    race: 'fast',
    any: 'any',
    anyError: 'AggregateError',
    resolvers: 'r',
  });
});

test('a rejection nobody handles is reported once the queue drains; a handled one is not', () => {
  P.reject(new Error('handled')).catch(() => {});
  drainJobs();
  assert.is(takeUnhandledRejection(), undefined);
  P.reject(new Error('lost'));
  drainJobs();
  assert.is(takeUnhandledRejection()?.reason.message, 'lost');
  assert.is(takeUnhandledRejection(), undefined);
});

test('Symbol.toStringTag and instanceof', () => {
  const p = P.resolve();
  assert.is(Object.prototype.toString.call(p), '[object Promise]');
  assert.instance(p.then(), P);
});

// A fake ring for the driver: it "completes" its operations when told to turn.
function fakeRing(results) {
  const ring = {
    waiting: [],
    turns: [],
    get busy() {
      return this.waiting.length > 0;
    },
    op() {
      return new P((resolve) => {
        this.waiting.push(resolve);
        requestTurn(this);
      });
    },
    turn(wait) {
      this.turns.push(wait);
      const done = this.waiting.splice(0);
      for (const resolve of done) resolve(results.shift());
      return done.length;
    },
  };
  return ring;
}

test('driver: runs main to completion, blocking in the ring only when no job is left', () => {
  const ring = fakeRing(['a', 'b', 'c']);
  const seen = [];
  // Built apps' async functions are lowered onto this Promise; here the chain is spelt out.
  const outcome = run(() =>
    ring
      .op()
      .then((v) => seen.push(v))
      .then(() => P.all([ring.op(), ring.op()]))
      .then((v) => void seen.push(...v)),
  );
  assert.equal(outcome, { ok: true });
  assert.equal(seen, ['a', 'b', 'c']);
  assert.equal(ring.turns, [true, true]);
});

test('driver: main waiting on nothing that can happen fails instead of hanging', () => {
  const outcome = run(() => new P(() => {}));
  assert.is(outcome.ok, false);
  assert.match(outcome.error.message, /no ring operation is in flight/);
});

test('driver: a rejection nobody handles ends the run with that error', () => {
  const ring = fakeRing([1]);
  const outcome = run(() => {
    P.reject(new Error('floating'));
    return ring.op();
  });
  assert.is(outcome.ok, false);
  assert.is(outcome.error.message, 'floating');
});

test('driver: with two busy rings, each is polled without blocking first', () => {
  const a = fakeRing([1]);
  const b = fakeRing([2]);
  const outcome = run(() => P.all([a.op(), b.op()]));
  assert.equal(outcome, { ok: true });
  assert.equal(a.turns, [false]);
  assert.equal(b.turns, [false]);
});

test.run();

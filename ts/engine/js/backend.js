// The backend of apps on the ioring-qjs engine (engine.c): the component backend's shape, with
// the loop split between C and JavaScript. QuickJS-ng runs promise jobs natively, and engine.c
// runs them all (JS_ExecutePendingJob) before each call of the step function that `run()`
// returns here; the step takes one turn of the rings, or says the app is over. ioring-build
// substitutes this module for the library's component backend (dist/backends/component.js).
import * as grants from 'ioring:ring/grants@0.1.0';
import { Ring } from 'ioring:ring/ring@0.1.0';
import { getArguments } from 'wasi:cli/environment@0.2.0';
import { describeError, WAITING_FOR_NOTHING } from '../../dist/runtime/report.js';

const rings = new Set();

/** Registers a ring whose operations the loop must drive. */
export function requestTurn(ring) {
  rings.add(ring);
}

/** How long each of several busy rings is waited on in turn (no ring can wake another). */
const SHARED_WAIT_MS = 1;

/** Prints why the app failed; the step's 1 ends it with a non-zero status. */
function fail(error) {
  console.error(describeError(error));
  return 1;
}

/**
 * Starts `main` and returns the step engine.c calls once no job is left: `step()` returns 0
 * (main fulfilled), 1 (main rejected, or nothing can wake the app) or -1 after one turn of the
 * rings; `step(true, reason)` reports a rejection no handler took and returns 1.
 */
function start(main) {
  let outcome;
  let started;
  try {
    started = main();
  } catch (error) {
    return () => fail(error);
  }
  Promise.resolve(started).then(
    () => (outcome ??= { ok: true }),
    (error) => (outcome ??= { ok: false, error }),
  );
  return (unhandled, reason) => {
    if (unhandled) return fail(reason);
    if (outcome) return outcome.ok ? 0 : fail(outcome.error);
    const busy = [];
    for (const ring of rings) {
      if (ring.busy) busy.push(ring);
      else rings.delete(ring);
    }
    if (busy.length === 0) return fail(new Error(WAITING_FOR_NOTHING));
    if (busy.length === 1) {
      busy[0].turn(true);
      return -1;
    }
    // Several rings: collect what is ready everywhere, and only then wait, a little on each.
    let settled = 0;
    for (const ring of busy) settled += ring.turn(false);
    if (settled > 0) return -1;
    for (const ring of busy) if (ring.turn(SHARED_WAIT_MS) > 0) break;
    return -1;
  };
}

export const backend = {
  name: 'component',
  createRing: (entries) => Ring.create(entries),
  grants: {
    directory: (name) => grants.directory(name),
    listener: (name) => grants.listener(name),
    device: (name) => grants.device(name),
  },
  args: () => getArguments().slice(1),
  requestTurn,
  command(main) {
    return { run: () => start(main) };
  },
  // engine.c takes a u64 as a BigInt (or a number) and gives one as a BigInt, as jco does.
  u64: (value) => value,
};

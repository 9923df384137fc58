/**
 * The loop of a component app. `run` starts the app's main function, then alternates:
 * run every queued job (microtask), and, when none is left, let the rings take a turn, which
 * submits every SQE queued since the last turn in one `submit` and blocks in `complete` until
 * something finishes. It never spins: with nothing runnable and nothing in flight the app
 * can make no progress, and the loop says so and fails.
 */
import type { Turnable } from '../backend.js';
import { drainJobs, hasJobs, takeUnhandledRejection } from './jobs.js';
import { WAITING_FOR_NOTHING } from './report.js';

const rings = new Set<Turnable>();

/** Registers a ring whose operations the loop must drive. */
export function requestTurn(ring: Turnable): void {
  rings.add(ring);
}

/** How long each of several busy rings is waited on in turn (no ring can wake another). */
const SHARED_WAIT_MS = 1;

/** Why an app stopped: its main settled, or a rejection nobody handled. */
export type Outcome = { ok: true } | { ok: false; error: unknown };

/** Whether the ioring Promise is installed (apps built by ioring-build have it). */
export function hasJobQueue(): boolean {
  return (globalThis as { Promise?: { name?: string } }).Promise?.name === 'IORingPromise';
}

/**
 * Runs `main` to completion on the app's job queue and rings. Returns how it ended; a rejection
 * that no handler took by the time the queue drained ends the app as main's failure would.
 */
export function run(main: () => Promise<void>): Outcome {
  let outcome: Outcome | undefined;
  let started: Promise<void>;
  try {
    started = main();
  } catch (error) {
    return { ok: false, error };
  }
  started.then(
    () => (outcome ??= { ok: true }),
    (error) => (outcome ??= { ok: false, error }),
  );
  for (;;) {
    drainJobs();
    const unhandled = takeUnhandledRejection();
    if (unhandled) return { ok: false, error: unhandled.reason };
    if (outcome) return outcome;
    const busy: Turnable[] = [];
    for (const ring of rings) {
      if (ring.busy) busy.push(ring);
      else rings.delete(ring);
    }
    if (busy.length === 0) {
      return { ok: false, error: new Error(WAITING_FOR_NOTHING) };
    }
    if (busy.length === 1) {
      busy[0].turn(true);
      continue;
    }
    // Several rings: collect what is ready everywhere, and only then wait, a little on each.
    let settled = 0;
    for (const ring of busy) settled += ring.turn(false);
    if (settled > 0 || hasJobs()) continue;
    for (const ring of busy) if (ring.turn(SHARED_WAIT_MS) > 0) break;
  }
}

/**
 * The job queue of a component app: the microtasks of the ioring Promise (`./promise.ts`).
 *
 * Neither engine lets a component run its own microtasks while it blocks in the ring: QuickJS
 * (componentize-qjs without component-model async) never runs them at all, StarlingMonkey only
 * when control returns to its event loop. So `ioring-build` lowers `async`/`await` to
 * generators and installs a Promise whose jobs land here, and the driver (`./driver.ts`) runs
 * them to exhaustion before each turn of the ring.
 */

/** A job that is an object (a promise reaction), run by its method: no closure per job. */
export interface Runnable {
  run(): void;
}

type Job = (() => void) | Runnable;

let queue: Job[] = [];
let head = 0;

/** Rejected promises no handler has been attached to yet. */
const unhandled = new Set<object>();
const reasons = new WeakMap<object, unknown>();

/** Queues a job; jobs run in order, after everything queued before them. */
export function enqueueJob(job: Job): void {
  queue.push(job);
}

/** Whether jobs are waiting to run. */
export function hasJobs(): boolean {
  return head < queue.length;
}

/** Runs jobs until none is left, including those queued while running. */
export function drainJobs(): void {
  while (head < queue.length) {
    const job = queue[head];
    queue[head++] = undefined as unknown as Job;
    if (typeof job === 'function') job();
    else job.run();
    if (head >= 4096 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }
  queue.length = 0;
  head = 0;
}

/** Records a promise rejected while no handler was attached. */
export function trackRejection(promise: object, reason: unknown): void {
  unhandled.add(promise);
  reasons.set(promise, reason);
}

/** Forgets a rejected promise once a handler is attached to it. */
export function untrackRejection(promise: object): void {
  unhandled.delete(promise);
}

/**
 * The reason of a rejection still unhandled after the job queue drained, if any, and forgets
 * all of them: the caller ends the app.
 */
export function takeUnhandledRejection(): { reason: unknown } | undefined {
  for (const promise of unhandled) {
    const reason = reasons.get(promise);
    unhandled.clear();
    return { reason };
  }
  return undefined;
}

// The poll operation for the Node backend: it waits on the descriptors' own readiness events
// (data, drain, end, a connection arriving), never on a timer.
import type { PollEvents } from 'ioring:ring/types@0.1.0';
import { POLL, pollBits } from '../../poll.js';
import { opError } from './errno.js';
import type { Descriptor, OpContext, OpResult } from './table.js';

/** What a poll reports: the events asked for, and errors and hang-ups always, as poll(2) does. */
function reported(events: PollEvents): number {
  return pollBits(events) | POLL.error | POLL.hangUp;
}

/** Completes with the ready events as soon as some are. */
export function pollOnce(d: Descriptor, events: PollEvents, ctx: OpContext): Promise<OpResult> {
  const mask = reported(events);
  const now = d.readiness() & mask;
  if (now !== 0) return Promise.resolve({ res: now });
  return new Promise((resolve, reject) => {
    const stop = d.watch(() => {
      const bits = d.readiness() & mask;
      if (bits === 0) return;
      stop();
      resolve({ res: bits });
    });
    ctx.onCancel(() => {
      stop();
      reject(opError('canceled'));
    });
  });
}

/**
 * Posts the ready events each time they change to a new, non-empty set, until cancelled: so a
 * socket that was drained and then receives again is reported again, as io_uring's multishot
 * poll reports each wake-up.
 */
export function pollMultishot(d: Descriptor, events: PollEvents, ctx: OpContext): Promise<OpResult> {
  const mask = reported(events);
  return new Promise((_resolve, reject) => {
    let last = 0;
    const check = () => {
      const bits = d.readiness() & mask;
      if (bits !== 0 && bits !== last) ctx.emit({ res: bits });
      last = bits;
    };
    const stop = d.watch(check);
    ctx.onCancel(() => {
      stop();
      reject(opError('canceled'));
    });
    check();
  });
}

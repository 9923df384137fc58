import type { PollEvents } from 'ioring:ring/types@0.1.0';

/**
 * The poll-events flags in the WIT's order: a poll result has bit n set for the n-th. The one
 * place the order is written; the ring and the Node backend both derive their bits from it.
 */
const ORDER = ['readable', 'writable', 'priority', 'error', 'hangUp', 'readHangUp'] as const;

// A flag added to the WIT and missing above fails to compile here.
const complete: Exclude<keyof PollEvents, (typeof ORDER)[number]> extends never ? true : never = true;
void complete;

/** Each poll-events flag's bit. */
export const POLL = Object.fromEntries(ORDER.map((name, n) => [name, 1 << n])) as Record<(typeof ORDER)[number], number>;

/** A poll result's bits as the flags record. */
export function pollEvents(bits: number): Required<PollEvents> {
  return Object.fromEntries(ORDER.map((name) => [name, (bits & POLL[name]) !== 0])) as Required<PollEvents>;
}

/** The flags record as bits. */
export function pollBits(events: PollEvents): number {
  let bits = 0;
  for (const name of ORDER) if (events[name]) bits |= POLL[name];
  return bits;
}

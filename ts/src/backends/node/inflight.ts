// The operations of a Node ring that a cancel can reach, by user-data. User-data is the
// guest's tag and need not be unique: several operations may share one.
import { fail } from './errno.js';

/** One running operation. */
export interface Inflight {
  /** Cancels the operation; false if it cannot be cancelled now (it is already running). */
  cancel(): boolean;
}

/** An operation's place in the table, what `remove` takes. */
export class InflightEntry {
  /** Neighbours, oldest first; both unset and not the table's head once removed. */
  prev: InflightEntry | undefined;
  next: InflightEntry | undefined;
  linked = true;

  constructor(
    readonly userData: number,
    readonly op: Inflight,
  ) {}
}

/**
 * A list in the order operations started, not a map by user-data: every operation is added and
 * removed (two hash operations each in a Map), while a cancel, which walks the list, is rare and
 * meets at most the ring's limit of operations in flight.
 */
export class InflightTable {
  private head: InflightEntry | undefined;
  private tail: InflightEntry | undefined;

  /** Records `op` under `userData`; returns its entry, for `remove`. */
  add(userData: number, op: Inflight): InflightEntry {
    const entry = new InflightEntry(userData, op);
    const tail = this.tail;
    entry.prev = tail;
    if (tail) tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    return entry;
  }

  /** Removes `entry`; removing it again does nothing. */
  remove(entry: InflightEntry): void {
    if (!entry.linked) return;
    entry.linked = false;
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    entry.prev = entry.next = undefined;
  }

  /**
   * Cancels the oldest operation with `userData`, or with `all` every one, `self` (the cancel
   * itself) aside. Returns how many were cancelled: `no-entry` when none has that user-data,
   * `already` when those that have cannot be cancelled any more.
   */
  cancel(userData: number, all: boolean, self?: Inflight): number {
    const ops = this.listed((e) => e.userData === userData && e.op !== self);
    if (ops.length === 0) fail('no-entry');
    let cancelled = 0;
    for (const op of all ? ops : ops.slice(0, 1)) if (op.cancel()) cancelled++;
    if (cancelled === 0) fail('already');
    return cancelled;
  }

  /** Cancels everything (the ring is dropped). */
  cancelEverything(): void {
    for (const op of this.listed(() => true)) op.cancel();
  }

  /** The operations `which` picks, oldest first: taken before any is cancelled, which removes it. */
  private listed(which: (entry: InflightEntry) => boolean): Inflight[] {
    const ops: Inflight[] = [];
    for (let e = this.head; e; e = e.next) if (which(e)) ops.push(e.op);
    return ops;
  }
}

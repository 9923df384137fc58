// The operations of a Node ring that a cancel can reach, by user-data. User-data is the
// guest's tag and need not be unique: several operations may share one.
import { fail } from './errno.js';

/** One running operation. */
export interface Inflight {
  /** Cancels the operation; false if it cannot be cancelled now (it is already running). */
  cancel(): boolean;
}

export class InflightTable {
  // Almost every user-data has one operation: it is kept alone, not in a collection of its own.
  private readonly byUserData = new Map<number, Inflight | Inflight[]>();

  /** Records `op` under `userData`; returns it, for `remove`. */
  add(userData: number, op: Inflight): Inflight {
    const ops = this.byUserData.get(userData);
    if (ops === undefined) this.byUserData.set(userData, op);
    else if (Array.isArray(ops)) ops.push(op);
    else this.byUserData.set(userData, [ops, op]);
    return op;
  }

  remove(userData: number, op: Inflight): void {
    const ops = this.byUserData.get(userData);
    if (ops === op) this.byUserData.delete(userData);
    else if (Array.isArray(ops)) {
      const i = ops.indexOf(op);
      if (i >= 0) ops.splice(i, 1);
      if (ops.length === 0) this.byUserData.delete(userData);
    }
  }

  /**
   * Cancels the oldest operation with `userData`, or with `all` every one, `self` (the cancel
   * itself) aside. Returns how many were cancelled: `no-entry` when none has that user-data,
   * `already` when those that have cannot be cancelled any more.
   */
  cancel(userData: number, all: boolean, self?: Inflight): number {
    const ops = listed(this.byUserData.get(userData)).filter((op) => op !== self);
    if (ops.length === 0) fail('no-entry');
    let cancelled = 0;
    for (const op of all ? ops : ops.slice(0, 1)) if (op.cancel()) cancelled++;
    if (cancelled === 0) fail('already');
    return cancelled;
  }

  /** Cancels everything (the ring is dropped). */
  cancelEverything(): void {
    for (const ops of [...this.byUserData.values()]) for (const op of listed(ops)) op.cancel();
  }
}

/** The operations of one user-data, oldest first, as a new array. */
function listed(ops: Inflight | Inflight[] | undefined): Inflight[] {
  return ops === undefined ? [] : Array.isArray(ops) ? [...ops] : [ops];
}

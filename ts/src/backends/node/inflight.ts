// The operations of a Node ring that a cancel can reach, by user-data. User-data is the
// guest's tag and need not be unique: several operations may share one.
import { fail } from './errno.js';

/** One running operation. */
export interface Inflight {
  /** Cancels the operation; false if it cannot be cancelled now (it is already running). */
  cancel(): boolean;
}

export class InflightTable {
  private readonly byUserData = new Map<number, Set<Inflight>>();

  /** Records `op` under `userData`; returns it, for `remove`. */
  add(userData: number, op: Inflight): Inflight {
    let ops = this.byUserData.get(userData);
    if (!ops) this.byUserData.set(userData, (ops = new Set()));
    ops.add(op);
    return op;
  }

  remove(userData: number, op: Inflight): void {
    const ops = this.byUserData.get(userData);
    if (ops?.delete(op) && ops.size === 0) this.byUserData.delete(userData);
  }

  /**
   * Cancels the oldest operation with `userData`, or with `all` every one, `self` (the cancel
   * itself) aside. Returns how many were cancelled: `no-entry` when none has that user-data,
   * `already` when those that have cannot be cancelled any more.
   */
  cancel(userData: number, all: boolean, self?: Inflight): number {
    const ops = [...(this.byUserData.get(userData) ?? [])].filter((op) => op !== self);
    if (ops.length === 0) fail('no-entry');
    let cancelled = 0;
    for (const op of all ? ops : ops.slice(0, 1)) if (op.cancel()) cancelled++;
    if (cancelled === 0) fail('already');
    return cancelled;
  }

  /** Cancels everything (the ring is dropped). */
  cancelEverything(): void {
    for (const ops of [...this.byUserData.values()]) for (const op of [...ops]) op.cancel();
  }
}

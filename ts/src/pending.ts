// What a ring waits on, by user-data. A user-data names a slot of an array and that slot's
// generation: finding an operation is an array index, where a Map keyed by a counter cost every
// operation a lookup to pick its tag, an insert and a delete (hashing, and rehashing as the
// table churns; timed alone in QuickJS, a set, a get and a delete cost 0.16 us together). A
// slot freed is the next taken, so the slots in use stay few and warm.
import { IORingError } from './errors.js';

/** Slots: operations waiting at once, queued ones included (about a million). */
const SLOT_BITS = 20;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
/**
 * The largest user-data: 31 bits, which QuickJS and V8 keep as small integers. A slot's
 * user-data comes back after 2048 uses of it; a cancel asked for an operation that has already
 * ended would reach a newer one only if its slot were used 2048 times before the host saw it.
 */
const LAST_TAG = 0x7fff_ffff;

export class PendingTable<T> {
  /** Slot 0 is never given out: no user-data is 0. */
  private readonly entries: (T | undefined)[] = [undefined];
  private readonly tags: number[] = [0];
  private readonly free: number[] = [];
  /** Operations waiting. */
  size = 0;

  /** Records `entry`; returns its user-data. */
  add(entry: T): number {
    let slot = this.free.pop();
    let tag: number;
    if (slot === undefined) {
      slot = this.entries.length;
      if (slot === SLOTS) throw new IORingError('no-buffers', `more than ${SLOTS - 1} operations waiting on one ring`);
      tag = slot;
      this.entries.push(entry);
      this.tags.push(tag);
    } else {
      const last = this.tags[slot];
      tag = last > LAST_TAG - SLOTS ? slot : last + SLOTS;
      this.entries[slot] = entry;
      this.tags[slot] = tag;
    }
    this.size++;
    return tag;
  }

  get(tag: number): T | undefined {
    const slot = tag & SLOT_MASK;
    return this.tags[slot] === tag ? this.entries[slot] : undefined;
  }

  has(tag: number): boolean {
    return this.get(tag) !== undefined;
  }

  /** Forgets `tag`'s entry, if it is still waiting. */
  delete(tag: number): void {
    const slot = tag & SLOT_MASK;
    if (this.tags[slot] !== tag || this.entries[slot] === undefined) return;
    this.entries[slot] = undefined;
    this.free.push(slot);
    this.size--;
  }

  /** Every waiting entry with its user-data, and forgets them all. */
  takeAll(): [number, T][] {
    const taken: [number, T][] = [];
    for (let slot = 1; slot < this.entries.length; slot++) {
      const entry = this.entries[slot];
      if (entry === undefined) continue;
      taken.push([this.tags[slot], entry]);
      this.entries[slot] = undefined;
      this.free.push(slot);
    }
    this.size = 0;
    return taken;
  }
}

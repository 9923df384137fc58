// The bytes of a write or send, copied at submit as the hosts copy them (the app may reuse its
// array as soon as the call returns). Copies are cut from shared slabs, as Node's pool serves
// small Buffers, but up to larger sizes: a Buffer of its own per 4 KiB send (Buffer.from) was
// about 0.6 us of the 10.6 us of CPU a 4 KiB echo cost (node --cpu-prof), its garbage aside. No
// copy leaves the backend, so no app sees a slab's other bytes.

/**
 * Each slab's size: under glibc's mmap threshold (128 KiB), so that a slab's memory, once
 * collected, is reused rather than unmapped and faulted in again. A copy of more than a quarter
 * of it gets memory of its own.
 */
const SLAB = 64 << 10;

let slab = Buffer.allocUnsafeSlow(SLAB);
let used = 0;
/**
 * The last copy, given back (`giveBack`): the next copy of its length is made into it. A send
 * the kernel takes at once then copies into the same, cache-warm bytes through the same Buffer,
 * rather than cutting a new one from a new slab every 16 sends of 4 KiB.
 */
let spare: Buffer | undefined;
/** The last copy made from a slab, the one `giveBack` takes. */
let last: Buffer | undefined;

/** A private copy of `data`. */
export function copyIn(data: Uint8Array): Buffer {
  const n = data.length;
  if (n > SLAB >> 2) return Buffer.from(data);
  let copy = spare;
  spare = undefined;
  if (copy === undefined || copy.length !== n) {
    if (used + n > SLAB) {
      slab = Buffer.allocUnsafeSlow(SLAB);
      used = 0;
    }
    copy = slab.subarray(used, used + n);
  }
  copy.set(data);
  last = copy;
  // 8-byte aligned, as Node aligns its pool.
  used = (used + n + 7) & ~7;
  return copy;
}

/**
 * Gives back `copy`, the last one `copyIn` made, once nothing holds it any more (the kernel took
 * all of it at once): its bytes are copied into again. Any other copy stays where it is.
 */
export function giveBack(copy: Buffer): void {
  if (copy !== last) return;
  last = undefined;
  used -= (copy.length + 7) & ~7;
  spare = copy;
}

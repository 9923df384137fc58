// capacity: submitting past a ring's in-flight limit. The host takes fewer than given (never
// fewer than the ring's entries), keeps nothing of the rest, and takes the rest once
// completions are reaped; a link chain is taken whole or not at all; a lone cancel is taken
// even then, so that what fills a ring can always be cancelled. (capacity.c)
import { CANCEL_ALL, CHECK, E, LINK, PASS, Ring, SKIP_IF_NOTSUP, op, t_code, t_exit, t_next, t_quiet, t_run } from './conform.mjs';

/** A ring of this many entries, and a local batch as large. */
const ENTRIES = 4;
/** Past this many operations in flight without a refusal, the host has no limit to test. */
const MAX_TRIED = 65536;
/** Each timeout's duration: long enough to fill the ring, short enough to wait for. */
const DURATION_NS = 300000000;

let limit = 0; // what capacity-fewer-taken found, for the other cases

async function capacity_fewer_taken() {
  const seen = new Uint8Array(MAX_TRIED + 2 * ENTRIES);
  let next = 0, taken = 0, reaped = 0;
  const ring = Ring.create(ENTRIES);
  CHECK(typeof ring !== 'number', `ring of ${ENTRIES}`);
  // Fill: batches of timeouts until a submit takes fewer than it was given.
  for (;;) {
    while (ring.prep(op.timeout(DURATION_NS, 0), next)) next++;
    const prepared = ring.ready;
    const n = ring.submit();
    CHECK(n >= 0 && n <= prepared, `submit of ${prepared} returned ${n}`);
    taken += n;
    if (n < prepared) break;
    CHECK(taken < MAX_TRIED, `${taken} timeouts in flight on a ring of ${ENTRIES} and no refusal`);
  }
  CHECK(taken >= ENTRIES, `the first refusal came at ${taken} in flight, below the ring's ${ENTRIES} entries`);
  limit = taken;
  // Reap, submitting what is left as room appears, until every timeout has completed.
  while (reaped < next) {
    if (ring.ready) ring.submit();
    const c = await t_next(ring);
    CHECK(c, `${reaped} of ${next} completed, ${ring.ready} still queued, then nothing`);
    CHECK(c.userData < next && !seen[c.userData], `user data ${c.userData} unknown or twice`);
    SKIP_IF_NOTSUP(c.res);
    CHECK(c.res === -E.TIMEDOUT, `timeout ${c.userData}: ${t_code(c.res)}, want timed-out`);
    seen[c.userData] = 1;
    reaped++;
  }
  CHECK(ring.ready === 0, 'entries left queued');
  CHECK(await t_quiet(ring, 20000000), `a completion past the ${next} submitted`);
  ring.exit();
  PASS();
}

async function capacity_chain_whole() {
  let taken = 0, reaped = 0, n;
  CHECK(limit > 0, 'capacity-fewer-taken found no limit');
  const ring = Ring.create(ENTRIES);
  CHECK(typeof ring !== 'number', `ring of ${ENTRIES}`);
  // All but one place taken...
  while (taken < limit - 1) {
    const want = Math.min(limit - 1 - taken, ENTRIES);
    for (let i = 0; i < want; i++) ring.prep(op.timeout(DURATION_NS, 0), 1);
    n = ring.submit();
    CHECK(n === want, `filling to ${limit - 1}: a submit of ${want} took ${n}`);
    taken += n;
  }
  // ... a chain of two does not fit, and none of it is taken...
  ring.prep(op.nop(), 2, LINK);
  ring.prep(op.nop(), 3);
  n = ring.submit();
  CHECK(n === 0, `a chain of 2 with 1 place left: ${n} taken, want 0`);
  // ... until completions are reaped; then it runs whole, in order.
  const chain = [];
  while (reaped < taken || chain.length < 2) {
    if (ring.ready) {
      n = ring.submit();
      CHECK(n === 0 || n === 2, `the chain was split: ${n} of 2 taken`);
    }
    const c = await t_next(ring);
    CHECK(c, `stalled with ${reaped} of ${taken} timeouts reaped`);
    if (c.userData === 1) {
      reaped++;
      continue;
    }
    CHECK(chain.length < 2, 'more than two chain completions');
    CHECK(c.res === 0, `chain entry ${c.userData}: ${t_code(c.res)}`);
    chain.push(c.userData);
  }
  CHECK(chain[0] === 2 && chain[1] === 3, `chain order ${chain[0]} ${chain[1]}, want 2 3`);
  ring.exit();
  PASS();
}

/** A ring of ENTRIES filled to `limit` with 30 s timeouts tagged 1. */
async function fullRing() {
  const ring = Ring.create(ENTRIES);
  CHECK(typeof ring !== 'number', `ring of ${ENTRIES}`);
  for (let taken = 0; taken < limit; ) {
    const want = Math.min(limit - taken, ENTRIES);
    for (let i = 0; i < want; i++) ring.prep(op.timeout(30000000000n, 0), 1);
    const n = ring.submit();
    CHECK(n === want, `filling to ${limit}: a submit of ${want} took ${n}`);
    taken += n;
  }
  return ring;
}

async function capacity_cancel_when_full() {
  let cancelled = 0, cancelRes = 1, cancelSeen = false;
  CHECK(limit > 0, 'capacity-fewer-taken found no limit');
  // Full: 30 s timeouts up to the limit, and one more refused.
  let ring = await fullRing();
  ring.prep(op.nop());
  let n = ring.submit();
  CHECK(n === 0, `a nop on a full ring: ${n} taken, want 0`);
  ring.exit();
  // The same again, and this time a cancel of them all, alone in its submit.
  ring = await fullRing();
  ring.prep(op.cancel(1, CANCEL_ALL), 2);
  n = ring.submit();
  CHECK(n === 1, `a lone cancel on a full ring: ${n} taken, want 1`);
  while (!cancelSeen || cancelled < limit) {
    const c = await t_next(ring);
    CHECK(c, `${cancelled} of ${limit} timeouts cancelled, cancel ${cancelSeen ? 'seen' : 'not seen'}, then nothing`);
    if (c.userData === 2) {
      SKIP_IF_NOTSUP(c.res);
      cancelRes = c.res;
      cancelSeen = true;
    } else {
      CHECK(c.res === -E.CANCELED, `a timeout: ${t_code(c.res)}, want canceled`);
      cancelled++;
    }
  }
  CHECK(cancelRes === limit, `cancel: ${t_code(cancelRes)}, want ${limit}`);
  ring.exit();
  PASS();
}

await t_run('capacity-fewer-taken', capacity_fewer_taken);
await t_run('capacity-chain-whole', capacity_chain_whole);
await t_run('capacity-cancel-when-full', capacity_cancel_when_full);
t_exit();

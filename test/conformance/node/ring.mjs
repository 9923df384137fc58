// ring: wit/ring.wit's own promises: `complete` honours max, caps min at what is in flight
// and returns on its timeout; a ring of 0 entries gets the host's default; handles belong to
// the guest and work on every ring. (ring.c; `complete` is the backend ring's `wait`, the
// same contract without blocking the thread)
import { CHECK, E, O, PASS, Ring, T_WAIT_NS, op, t_code, t_dir, t_exit, t_one, t_open, t_quiet, t_run } from './conform.mjs';

/** One complete(): the user data of what it returned. */
async function complete(ring, min, max, timeoutNs) {
  return (await ring.complete(min, max, timeoutNs)).map((c) => c.userData);
}

async function ring_complete_max(ring) {
  let seen = 0;
  for (let i = 0; i < 5; i++) ring.prep(op.nop(), i);
  // All five are done; max 2 returns two, and the rest wait for the next calls.
  let uds = await complete(ring, 5, 2, T_WAIT_NS);
  CHECK(uds.length === 2, `complete(min 5, max 2): ${uds.length} CQEs, want 2`);
  for (const u of uds) seen |= 1 << u;
  uds = await complete(ring, 3, 8, T_WAIT_NS);
  CHECK(uds.length === 3, `complete(min 3, max 8) after: ${uds.length} CQEs, want the other 3`);
  for (const u of uds) {
    CHECK(u < 5 && !(seen & (1 << u)), `user data ${u} unknown or twice`);
    seen |= 1 << u;
  }
  CHECK(seen === 0x1f, 'not every nop was returned');
  PASS();
}

async function ring_complete_min_capped(ring) {
  // Nothing in flight: min 1 with no timeout must not wait for what cannot come.
  let n = (await complete(ring, 1, 8, -1)).length;
  CHECK(n === 0, `complete(min 1) with nothing in flight: ${n} CQEs`);
  // One nop in flight: min 4 is capped at 1.
  ring.prep(op.nop());
  n = (await complete(ring, 4, 8, -1)).length;
  CHECK(n === 1, `complete(min 4) with one nop in flight: ${n} CQEs, want 1`);
  PASS();
}

async function ring_complete_timeout(ring) {
  ring.prep(op.timeout(1000000000, 0), 1);
  // A 1 s timeout in flight: 20 ms of waiting returns nothing, and 0 does not wait...
  let uds = await complete(ring, 1, 8, 20000000);
  CHECK(uds.length === 0, `complete with a 20 ms timeout: ${uds.length} CQEs before a 1 s timeout expired`);
  uds = await complete(ring, 1, 8, 0);
  CHECK(uds.length === 0, `complete with timeout 0: ${uds.length} CQEs`);
  // ... and waiting long enough returns it.
  uds = await complete(ring, 1, 8, T_WAIT_NS);
  CHECK(uds.length === 1 && uds[0] === 1, `complete after the timeout: ${uds.length} CQEs`);
  PASS();
}

async function ring_default_entries() {
  const ring = Ring.create(0);
  CHECK(typeof ring !== 'number', `a ring of 0 entries (the host's default): ${t_code(ring)}`);
  ring.prep(op.nop());
  const res = (await t_one(ring)).res;
  ring.exit();
  CHECK(res === 0, `nop on it: ${t_code(res)}`);
  PASS();
}

async function ring_handles_shared(ring) {
  const ro = t_dir('ro');
  // Opened through one ring, read and closed through another, then gone from the first.
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  const other = Ring.create(4);
  CHECK(typeof other !== 'number', 'second ring');
  other.prep(op.read(fd, 4, 6));
  const c = await t_one(other);
  CHECK(c.res === 4 && c.text === '6789', `read on the other ring: ${t_code(c.res)}`);
  other.prep(op.close(fd));
  let res = (await t_one(other)).res;
  other.exit();
  CHECK(res === 0, `close on the other ring: ${t_code(res)}`);
  ring.prep(op.read(fd, 4, 0));
  res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `read on the first ring after the close: ${t_code(res)}, want bad-descriptor`);
  PASS();
}

async function ring_many() {
  const rings = [];
  // Several rings at once, each with its own completions.
  for (let i = 0; i < 4; i++) {
    rings[i] = Ring.create(4);
    CHECK(typeof rings[i] !== 'number', `ring ${i}`);
    rings[i].prep(op.nop(), 10 + i);
    CHECK(rings[i].submit() === 1, `submit on ring ${i}`);
  }
  for (let i = 3; i >= 0; i--) {
    const c = await t_one(rings[i]);
    CHECK(c.res === 0 && c.userData === 10 + i, `ring ${i}: ${c.userData} ${t_code(c.res)}`);
    CHECK(await t_quiet(rings[i], 0), `ring ${i} has a second completion`);
    rings[i].exit();
  }
  PASS();
}

await t_run('ring-complete-max', ring_complete_max);
await t_run('ring-complete-min-capped', ring_complete_min_capped);
await t_run('ring-complete-timeout', ring_complete_timeout);
await t_run('ring-default-entries', ring_default_entries);
await t_run('ring-handles-shared', ring_handles_shared);
await t_run('ring-many', ring_many);
t_exit();

// invalid: malformed requests complete with `invalid`, never trap and never fail the whole
// submit: absurd lengths, a link-timeout with no linked entry before it, contradictory open
// flags, a ring larger than any host allows. (invalid.c)
import { CHECK, E, FAIL, O, PASS, Ring, SKIP_IF_NOTSUP, op, startsWith, t_code, t_dir, t_exit, t_one, t_open, t_reap, t_run, t_tcp_pair } from './conform.mjs';

const ABSURD = 0xffffffff;

async function invalid_read_length(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  ring.prep(op.read(fd, ABSURD, 0));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `read of 2^32-1 bytes: ${t_code(res)}, want invalid`);
  // The handle is fine afterwards.
  ring.prep(op.read(fd, 4, 0));
  const c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, '0123'), `read after: ${t_code(c.res)}`);
  PASS();
}

async function invalid_recv_length(ring) {
  const pair = await t_tcp_pair(ring);
  CHECK(pair.res === 0, `tcp pair: ${t_code(pair.res)}`);
  ring.prep(op.recv(pair.server, ABSURD));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `recv of 2^32-1 bytes: ${t_code(res)}, want invalid`);
  ring.prep(op.recvmsg(pair.server, ABSURD));
  res = (await t_one(ring)).res;
  CHECK(res === -E.INVAL, `recvmsg of 2^32-1 bytes: ${t_code(res)}, want invalid`);
  PASS();
}

async function invalid_in_batch(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  // nop, absurd read, nop in one submit: all three taken, only the middle one fails.
  for (let i = 1; i <= 3; i++) ring.prep(i === 2 ? op.read(fd, ABSURD, 0) : op.nop(), i);
  CHECK(ring.submit() === 3, 'the submit did not take all three');
  const c = await t_reap(ring, 3);
  CHECK(c.length === 3, 'three completions did not come');
  for (const x of c) {
    const want = x.userData === 2 ? -E.INVAL : 0;
    CHECK(x.res === want, `entry ${x.userData}: ${t_code(x.res)}, want ${t_code(want)}`);
  }
  PASS();
}

async function invalid_link_timeout_first(ring) {
  // A link-timeout must follow a linked entry of the same submit.
  ring.prep(op.linkTimeout(1000000));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `a link-timeout first in its submit: ${t_code(res)}, want invalid`);
  PASS();
}

async function invalid_link_timeout_unlinked(ring) {
  ring.prep(op.nop(), 1);
  ring.prep(op.linkTimeout(1000000), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'two completions did not come');
  for (const x of c) {
    if (x.userData === 1) {
      CHECK(x.res === 0, `the nop: ${t_code(x.res)}`);
    } else {
      SKIP_IF_NOTSUP(x.res);
      CHECK(x.res === -E.INVAL, `a link-timeout after an entry without link: ${t_code(x.res)}, want invalid`);
    }
  }
  PASS();
}

async function invalid_open_flags(ring) {
  const rw = t_dir('rw');
  // A directory cannot be created by open: directory with create contradicts itself.
  ring.prep(op.openat(rw, 'newdir', O.DIRECTORY | O.CREATE | O.READ, 0o755));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `openat with directory and create: ${t_code(res)}, want invalid`);
  PASS();
}

async function invalid_ring_entries() {
  // Straight through the backend: ring.create(2^32-1).
  const big = Ring.create(ABSURD);
  if (typeof big !== 'number') {
    big.exit();
    FAIL('ring.create(2^32-1) succeeded');
  }
  CHECK(big === -E.INVAL, `ring.create(2^32-1): ${t_code(big)}, want invalid`);
  PASS();
}

await t_run('invalid-read-length', invalid_read_length);
await t_run('invalid-recv-length', invalid_recv_length);
await t_run('invalid-in-batch', invalid_in_batch);
await t_run('invalid-link-timeout-first', invalid_link_timeout_first);
await t_run('invalid-link-timeout-unlinked', invalid_link_timeout_unlinked);
await t_run('invalid-open-flags', invalid_open_flags);
await t_run('invalid-ring-entries', invalid_ring_entries);
t_exit();

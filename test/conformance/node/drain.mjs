// drain: an entry with `drain` (and its link chain) starts only after every earlier entry of
// its ring completed, multishot streams included, and later entries wait for it; a cancel is
// never held back by a drain, and finds a held entry like any other. (drain.c)
import {
  CHECK, DRAIN, E, FAIL, LINK, PASS, POLLIN, SKIP_IF_NOTSUP, op, t_code, t_exit, t_next, t_quiet, t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

async function drain_order(ring) {
  // 1: a 100 ms timeout; 2: a nop; 3: a drained nop; 4: a nop after it.
  ring.prep(op.timeout(100000000, 0), 1);
  ring.prep(op.nop(), 2);
  ring.prep(op.nop(), 3, DRAIN);
  ring.prep(op.nop(), 4);
  const c = await t_reap(ring, 4);
  CHECK(c.length === 4, 'four completions did not come');
  for (let i = 0; i < 4; i++) SKIP_IF_NOTSUP(c[i].res);
  // The nop before the drain does not wait; the drained one waits for the timeout; the
  // one after waits for the drained one.
  CHECK(c[0].userData === 2 && c[1].userData === 1 && c[2].userData === 3 && c[3].userData === 4,
    `order ${c[0].userData} ${c[1].userData} ${c[2].userData} ${c[3].userData}, want 2 1 3 4`);
  CHECK(c[1].res === -E.TIMEDOUT && c[0].res === 0 && c[2].res === 0 && c[3].res === 0,
    `results ${t_code(c[0].res)} ${t_code(c[1].res)} ${t_code(c[2].res)} ${t_code(c[3].res)}`);
  PASS();
}

async function drain_earlier_submit(ring) {
  // A drain waits for entries of earlier submits too.
  ring.prep(op.timeout(80000000, 0), 1);
  CHECK(ring.submit() === 1, 'submit');
  ring.prep(op.nop(), 2, DRAIN);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'no two completions');
  SKIP_IF_NOTSUP(c[0].res);
  SKIP_IF_NOTSUP(c[1].res);
  CHECK(c[0].userData === 1 && c[1].userData === 2, `order ${c[0].userData} ${c[1].userData}, want the timeout first`);
  PASS();
}

async function drain_chain(ring) {
  // A drained chain of two waits whole behind a 80 ms timeout; a nop after it waits too.
  ring.prep(op.timeout(80000000, 0), 1);
  ring.prep(op.nop(), 2, DRAIN | LINK);
  ring.prep(op.nop(), 3);
  ring.prep(op.nop(), 4);
  const c = await t_reap(ring, 4);
  CHECK(c.length === 4, 'four completions did not come');
  for (let i = 0; i < 4; i++) SKIP_IF_NOTSUP(c[i].res);
  CHECK(c[0].userData === 1 && c[1].userData === 2 && c[2].userData === 3 && c[3].userData === 4,
    `order ${c[0].userData} ${c[1].userData} ${c[2].userData} ${c[3].userData}, want 1 2 3 4`);
  PASS();
}

async function drain_behind_multishot(ring) {
  let streamEnded = false, cancelled = false;
  const { res, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  ring.prep(op.pollMultishot(server, POLLIN), 1);
  ring.prep(op.nop(), 2, DRAIN);
  // The stream is in flight: the drained nop waits for it to end.
  if (!(await t_quiet(ring, 50000000))) {
    const c = await t_next(ring);
    CHECK(c, 'no completion');
    SKIP_IF_NOTSUP(c.res);
    FAIL(`entry ${c.userData} completed (${t_code(c.res)}) while a multishot poll before the drain was live`);
  }
  // A cancel is not held back by the drain, and ends the stream; then the nop runs.
  ring.prep(op.cancel(1, 0), 3);
  for (let i = 0; i < 3; i++) {
    const c = await t_next(ring);
    CHECK(c, `completion ${i + 1} of 3 did not come: the cancel was held behind the drain?`);
    if (c.userData === 1) {
      CHECK(c.res === -E.CANCELED && !c.more, `the stream ended with ${t_code(c.res)}`);
      streamEnded = true;
    } else if (c.userData === 3) {
      CHECK(c.res === 1, `cancel: ${t_code(c.res)}, want 1`);
      cancelled = true;
    } else {
      CHECK(c.userData === 2 && streamEnded, 'the drained nop completed before the stream ended');
      CHECK(c.res === 0, `the drained nop: ${t_code(c.res)}`);
    }
  }
  CHECK(streamEnded && cancelled, 'missing completions');
  PASS();
}

async function drain_cancel_held(ring) {
  // A drained nop held behind a 30 s timeout is found by a cancel, as is the timeout.
  ring.prep(op.timeout(30000000000n, 0), 1);
  ring.prep(op.nop(), 2, DRAIN);
  CHECK(await t_quiet(ring, 30000000), 'something completed ahead of a 30 s timeout');
  ring.prep(op.cancel(2, 0), 3);
  let c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the cancel of the held entry did not complete');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 3) {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === 1, `cancel of the held nop: ${t_code(c[i].res)}, want 1`);
    } else {
      CHECK(c[i].userData === 2 && c[i].res === -E.CANCELED, `${c[i].userData}: ${t_code(c[i].res)}, want the held nop canceled`);
    }
  }
  ring.prep(op.cancel(1, 0), 4);
  c = await t_reap(ring, 2);
  CHECK(c.length === 2, "the timeout's cancel did not complete");
  PASS();
}

await t_run('drain-order', drain_order);
await t_run('drain-earlier-submit', drain_earlier_submit);
await t_run('drain-chain', drain_chain);
await t_run('drain-behind-multishot', drain_behind_multishot);
await t_run('drain-cancel-held', drain_cancel_held);
t_exit();

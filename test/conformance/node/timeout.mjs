// timeout: a timeout that expires completes with `timed-out`, not before a shorter one; one
// with a count completes with 0 once that many other completions were posted; a cancelled
// one completes with `canceled`. (timeout.c)
import { CHECK, E, PASS, SKIP_IF_NOTSUP, op, t_code, t_exit, t_next, t_one, t_quiet, t_reap, t_run } from './conform.mjs';

async function timeout_fires(ring) {
  // Submitted together, the 300 ms one after the 30 ms one.
  ring.prep(op.timeout(300000000, 0), 300);
  ring.prep(op.timeout(30000000, 0), 30);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the timeouts did not both complete within 5 s');
  SKIP_IF_NOTSUP(c[0].res);
  CHECK(c[0].userData === 30 && c[1].userData === 300, `order ${c[0].userData} then ${c[1].userData}, want 30 then 300`);
  for (let i = 0; i < 2; i++)
    CHECK(c[i].res === -E.TIMEDOUT && !c[i].more, `timeout ${c[i].userData}: ${t_code(c[i].res)}, want timed-out`);
  PASS();
}

async function timeout_not_early(ring) {
  ring.prep(op.timeout(500000000, 0), 1);
  // Nothing within 50 ms of a 500 ms timeout (a wide margin for a loaded machine), then
  // the timeout.
  if (!(await t_quiet(ring, 50000000))) CHECK(false, `the 500 ms timeout completed within 50 ms (${t_code((await t_one(ring)).res)})`);
  const c = await t_next(ring);
  CHECK(c, 'no completion');
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.userData === 1 && c.res === -E.TIMEDOUT, `${c.userData}: ${t_code(c.res)}, want timed-out`);
  PASS();
}

async function timeout_count(ring) {
  // 30 s, or two other completions: the two nops end it at once, with 0.
  ring.prep(op.timeout(30000000000n, 2), 1);
  CHECK(await t_quiet(ring, 20000000), 'the timeout completed with nothing else posted');
  for (let i = 2; i <= 3; i++) ring.prep(op.nop(), i);
  const c = await t_reap(ring, 3);
  CHECK(c.length === 3, 'the timeout did not complete after two completions');
  CHECK(c[2].userData === 1, 'the timeout came before the completions it counts');
  SKIP_IF_NOTSUP(c[2].res);
  CHECK(c[2].res === 0, `the counted timeout: ${t_code(c[2].res)}, want 0`);
  CHECK(c[0].res === 0 && c[1].res === 0, `nops: ${t_code(c[0].res)} ${t_code(c[1].res)}`);
  PASS();
}

async function timeout_count_not_reached(ring) {
  // Three completions needed, one posted: the duration decides, with timed-out.
  ring.prep(op.timeout(50000000, 3), 1);
  ring.prep(op.nop(), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'no two completions');
  CHECK(c[0].userData === 2 && c[1].userData === 1, `order ${c[0].userData} ${c[1].userData}, want the nop first`);
  SKIP_IF_NOTSUP(c[1].res);
  CHECK(c[1].res === -E.TIMEDOUT, `timeout: ${t_code(c[1].res)}, want timed-out`);
  PASS();
}

async function timeout_cancel(ring) {
  ring.prep(op.timeout(30000000000n, 0), 1);
  ring.submit();
  ring.prep(op.cancel(1, 0));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the cancelled timeout did not complete');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 1) {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === -E.CANCELED, `the timeout: ${t_code(c[i].res)}, want canceled`);
    } else {
      CHECK(c[i].res === 1, `the cancel: ${t_code(c[i].res)}, want 1`);
    }
  }
  PASS();
}

await t_run('timeout-fires', timeout_fires);
await t_run('timeout-not-early', timeout_not_early);
await t_run('timeout-count', timeout_count);
await t_run('timeout-count-not-reached', timeout_count_not_reached);
await t_run('timeout-cancel', timeout_cancel);
t_exit();

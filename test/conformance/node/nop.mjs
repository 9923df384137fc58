// nop: the round trip. A nop completes once with 0, its user data and nothing else; a batch
// of nops is taken whole and completes once each. (nop.c)
import { CHECK, E, PASS, SKIP_IF_NOTSUP, op, t_code, t_exit, t_next, t_quiet, t_reap, t_run } from './conform.mjs';

async function nop_result(ring) {
  ring.prep(op.nop(), 0xdeadbeef);
  CHECK(ring.submit() === 1, 'submit did not take the nop');
  const c = await t_next(ring);
  CHECK(c, 'no completion');
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.userData === 0xdeadbeef, `user data 0x${c.userData.toString(16)}, want 0xdeadbeef`);
  CHECK(c.res === 0, `result ${t_code(c.res)}, want 0`);
  CHECK(!c.more, 'more is set');
  CHECK(c.len === 0, `${c.len} payload bytes, want none`);
  CHECK(c.handle === -E.INVAL && !c.hasAddr && !c.hasStat, 'detail is not none');
  CHECK(await t_quiet(ring, 20000000), 'a second completion came');
  PASS();
}

async function nop_batch(ring) {
  const N = 32;
  const seen = new Array(N).fill(false);
  for (let i = 0; i < N; i++) CHECK(ring.prep(op.nop(), 100 + i), `no SQE ${i} of ${N}`);
  CHECK(ring.submit() === N, `submit took fewer than ${N}`);
  const c = await t_reap(ring, N);
  CHECK(c.length === N, `fewer than ${N} completions`);
  for (let i = 0; i < N; i++) {
    const k = c[i].userData - 100;
    CHECK(k >= 0 && k < N && !seen[k], `user data ${c[i].userData} unexpected or twice`);
    CHECK(c[i].res === 0, `nop ${c[i].userData}: ${t_code(c[i].res)}`);
    seen[k] = true;
  }
  CHECK(await t_quiet(ring, 20000000), `more than ${N} completions`);
  PASS();
}

async function nop_empty_submit(ring) {
  CHECK(ring.submit() === 0, 'an empty submit took entries');
  CHECK(await t_quiet(ring, 0), 'a completion with nothing submitted');
  PASS();
}

await t_run('nop-result', nop_result);
await t_run('nop-batch', nop_batch);
await t_run('nop-empty-submit', nop_empty_submit);
t_exit();

// The bounded soak (test/soak/run.mjs): 200 connections x 5 s echoing through the C guest and
// the TS guest (QuickJS); every byte sent must come back intact and the host must live. And
// 1,000 connections through the C guest, where the ring's slots run out: memory stays flat.
// `just soak` runs the full 1000 x 60 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { artefact, root } from '../lib/ioring.js';

artefact('guest/build/tcp-echo.wasm');
artefact('ts/build/tcp-echo.qjs.wasm');

test('200 connections x 5 s per guest: every byte echoed, none lost, the host alive', () => {
  const r = spawnSync('node', [join(root, 'test/soak/run.mjs'), '--conns', '200', '--seconds', '5'], { encoding: 'utf8', timeout: 120_000 });
  const results = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(results.map((x) => x.guest), ['c', 'ts']);
  for (const x of results) {
    assert.is(x.loadgen_status, 0, `${x.name}: ${x.loadgen_error}`);
    assert.ok(x.host_alive, `${x.name}: ${x.host_stderr}`);
    assert.ok(x.bytes_sent > 0, `${x.name} sent nothing`);
    assert.is(x.bytes_echoed, x.bytes_sent, x.name);
    assert.is(x.bytes_lost, 0, x.name);
  }
  assert.is(r.status, 0, r.stdout);
});

test('1,000 connections x 8 s through the C guest, the ring at its in-flight limit: host memory stays flat', () => {
  // 1,000 multishot receives leave the ring 24 of its 1,024 slots, so echoes queue in the
  // guest's event loop for most of the run. CQE batches held for that queue once grew the
  // host by about 6 MiB a second (300 MiB in 60 s) because the queue never emptied.
  const r = spawnSync('node', [join(root, 'test/soak/run.mjs'), '--conns', '1000', '--seconds', '8', '--guest', 'c', '--default-limits', '--pin'], { encoding: 'utf8', timeout: 120_000 });
  const [x] = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.is(x.loadgen_status, 0, `${x.name}: ${x.loadgen_error}`);
  assert.is(x.bytes_lost, 0);
  assert.is(x.bytes_echoed, x.bytes_sent);
  const growth = x.rss_end_kib - x.rss_start_kib;
  assert.ok(growth < 8 * 1024, `host RSS grew ${growth} KiB from t=${x.rss_start_at_s} s to t=${x.rss_end_at_s} s: ${JSON.stringify(x.rss_trace_kib)}`);
});

test.run();

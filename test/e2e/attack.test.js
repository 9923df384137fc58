// The sandbox attack suite (test/attack/run.mjs) as a test: every case must be contained and
// every control must see its effect (so a check that cannot see an escape fails here too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { artefact, root } from '../lib/ioring.js';

artefact('test/guests/build/attack.wasm');
artefact('test/attack/wasi/build/wasi-attack.wasm');

test('no attack case escapes, and at least 40 were tried', () => {
  const r = spawnSync('node', [join(root, 'test/attack/run.mjs')], { encoding: 'utf8', timeout: 180_000 });
  const lines = r.stdout.trim().split('\n');
  const summary = /^(\d+) cases, (\d+) escapes/.exec(lines.at(-1) ?? '');
  assert.ok(summary, `no summary line:\n${r.stdout}\n${r.stderr}`);
  assert.equal(lines.filter((l) => l.startsWith('ESCAPED') || l.startsWith('CONTROL FAILED')), []);
  assert.is(Number(summary[2]), 0);
  assert.ok(Number(summary[1]) >= 40, `${summary[1]} cases`);
  assert.is(lines.filter((l) => l.startsWith('contained ')).length, Number(summary[1]));
  assert.is(r.status, 0, r.stderr);
});

test.run();

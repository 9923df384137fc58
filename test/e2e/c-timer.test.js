// The C timer example: a periodic timer re-armed by the SDK's loop, cancelled from its own
// callback, and a watchdog cancelled in turn. The real clock is the peer: ticks must not come
// early, and the output is exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { artefact, ioring, run } from '../lib/ioring.js';

const app = artefact('guest/build/timer.wasm');

/** Runs the timer, noting when each stdout line arrived (ms since spawn). */
function timed(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = spawn(ioring, ['run', app, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let partial = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      const at = Number(process.hrtime.bigint() - start) / 1e6;
      const parts = (partial + d).split('\n');
      partial = parts.pop();
      for (const text of parts) lines.push({ text, at });
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, lines, partial, stderr }));
  });
}

test('ticks every period, stops after the count, cancels the watchdog', async () => {
  const period = 60;
  const r = await timed([String(period), '5']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.is(r.partial, '');
  assert.equal(r.lines.map((l) => l.text), [
    'tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'stopped after 5 ticks', 'watchdog canceled',
  ]);
  // Each tick is a full period after the one before (the loop re-arms relative to expiry, so
  // periods only ever stretch); 5 periods take at least 5 * period.
  const ticks = r.lines.slice(0, 5).map((l) => l.at);
  for (let i = 1; i < ticks.length; i++) {
    assert.ok(ticks[i] - ticks[i - 1] >= period * 0.9, `tick ${i + 1} came ${ticks[i] - ticks[i - 1]} ms after tick ${i}`);
  }
  assert.ok(r.lines[6].at - ticks[0] >= 4 * period * 0.9);
  assert.ok(r.lines[6].at < 10_000, 'the run took far too long');
});

test('one tick: the first callback cancels the timer', () => {
  const r = run(['run', app, '10', '1']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'tick 1\nstopped after 1 ticks\nwatchdog canceled\n');
});

test('a zero period is refused', () => {
  const r = run(['run', app, '0']);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, 'usage: timer [PERIOD_MS [TICKS]]\n');
});

test.run();

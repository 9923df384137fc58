// The runtime on the Node backend: batching (one submit per turn), continuations between
// turns, settling by user-data, and an app's exit status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { IORing } from '@ioring/ring';
import { recordingBackend } from './helpers.js';

test('operations queued in one turn go to the host in one submit', async () => {
  const rec = recordingBackend();
  const ring = new IORing({ backend: rec.backend });
  const results = await Promise.all(Array.from({ length: 50 }, () => ring.nop()));
  assert.equal(results, new Array(50).fill(0));
  assert.equal(rec.batches, [50]);
});

test('more completions than one turn takes (256) are all delivered', async () => {
  const ring = new IORing();
  const results = await Promise.all(Array.from({ length: 1000 }, () => ring.nop()));
  assert.is(results.length, 1000);
});

test('continuations run before the next submit: each round of a loop is one batch', async () => {
  const rec = recordingBackend();
  const ring = new IORing({ backend: rec.backend });
  // Three rounds of ten, each round started by the continuations of the previous one.
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 10 }, () => ring.nop()));
  assert.equal(rec.batches, [10, 10, 10]);
});

test('operations started by many tasks in the same turn share a submit', async () => {
  const rec = recordingBackend();
  const ring = new IORing({ backend: rec.backend });
  const task = async (n) => {
    await Promise.resolve();
    await null;
    return ring.nop().then(() => n);
  };
  assert.equal(await Promise.all([task(1), task(2), task(3), task(4)]), [1, 2, 3, 4]);
  assert.equal(rec.batches, [4]);
});

test('a timed operation and its linked timeout go in the same submit, adjacent', async () => {
  const rec = recordingBackend();
  const ring = new IORing({ backend: rec.backend });
  await ring.nop({ timeoutMs: 1000 });
  assert.equal(rec.ops, [['nop', 'link-timeout']]);
});

test('separate rings each submit their own operations', async () => {
  const a = recordingBackend();
  const b = recordingBackend();
  const ra = new IORing({ backend: a.backend });
  const rb = new IORing({ backend: b.backend, entries: 8 });
  await Promise.all([ra.nop(), rb.nop(), ra.nop(), rb.sleep(5)]);
  assert.equal(a.ops, [['nop', 'nop']]);
  assert.equal(b.ops, [['nop', 'timeout']]);
});

test('IORing.shared is one ring', () => {
  assert.ok(IORing.shared === IORing.shared);
  assert.instance(IORing.shared, IORing);
});

test('new IORing rejects a nonsensical size', () => {
  assert.throws(() => new IORing({ entries: -1 }), /entries/);
  assert.throws(() => new IORing({ entries: 1.5 }), /entries/);
});

// Apps under Node: command() starts main; its failure, or a floating rejection, ends the
// process with status 1 and the error on stderr: `Name: message`, then its stack.
function app(name, body) {
  // The app must resolve @ioring/ring as an installed package would: it runs from here.
  const copy = new URL(`./.${name}.mjs`, import.meta.url);
  writeFileSync(copy, `import { command, sleep, IORingError } from '@ioring/ring';\n${body}\n`);
  const r = spawnSync(process.execPath, [copy.pathname], { timeout: 20_000 });
  spawnSync('rm', ['-f', copy.pathname]);
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** stderr as its first line and the frames after it, each `    at ...`. */
function printed(stderr) {
  const [head, ...frames] = stderr.replace(/\n$/, '').split('\n');
  for (const f of frames) assert.match(f, /^    at /);
  return { head, frames };
}

test('command(): main resolving ends the app with status 0', () => {
  const r = app('ok', `export const run = command(async () => { await sleep(5); console.log('done'); });`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'done\n');
});

test('command(): main rejecting prints the error and its stack on stderr and exits 1', () => {
  const r = app('fail', `export const run = command(async () => {\n  throw new IORingError('no-entry', 'openat');\n});`);
  assert.is(r.status, 1);
  const { head, frames } = printed(r.stderr);
  assert.is(head, 'IORingError: openat: no-entry (ENOENT)');
  assert.match(frames[0], /\.fail\.mjs:3:9\)?$/, 'the first frame is where the app threw');
});

test('command(): an unhandled rejection elsewhere ends the app with status 1, its stack printed', () => {
  const r = app('floating', `export const run = command(async () => {\n  Promise.reject(new Error('floating'));\n  await sleep(2000);\n  console.log('not reached');\n});`);
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  const { head, frames } = printed(r.stderr);
  assert.is(head, 'Error: floating');
  assert.match(frames[0], /\.floating\.mjs:3:18\)?$/);
});

test.run();

// One file on both hosts: the C SDK's core module (guest/build/<name>.core.wasm, what the
// Zephyr host loads; `just zephyr` runs the same files on native_sim) also runs under
// `ioring run`, made into a component in memory, with the same output as the component build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const dir = tempDir();
writeFileSync(join(dir.path, 'hello.txt'), 'one file, two hosts\n');
test.after(dir.cleanup);

test('cat.core.wasm prints the granted file as cat.wasm does, and refuses an escape alike', () => {
  for (const file of ['guest/build/cat.core.wasm', 'guest/build/cat.wasm']) {
    const ok = run(['run', '--dir', `${dir.path}::data`, artefact(file), 'data/hello.txt']);
    assert.is(ok.status, 0, ok.stderr);
    assert.is(ok.stdout.toString(), 'one file, two hosts\n', file);
    const escape = run(['run', '--dir', `${dir.path}::data`, artefact(file), 'data/../../etc/passwd']);
    assert.is(escape.status, 1, file);
    assert.is(escape.stdout.toString(), '', file);
  }
});

test('timer.core.wasm (no WASI beyond argv and exit) runs its ticks and cancels its watchdog', () => {
  const r = run(['run', artefact('guest/build/timer.core.wasm'), '10', '3']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'tick 1\ntick 2\ntick 3\nstopped after 3 ticks\nwatchdog canceled\n');
});

test('a core module that is not an ioring app is refused with one line', () => {
  // (module (func (export "nothing"))): valid wasm, but no wasi:cli/run export.
  const path = join(dir.path, 'not-an-app.wasm');
  writeFileSync(path, Buffer.from('0061736d0100000001040160000003020100070b01076e6f7468696e6700000a040102000b', 'hex'));
  const r = run(['run', path]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ioring: cannot make a component of core module/);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
});

test.run();

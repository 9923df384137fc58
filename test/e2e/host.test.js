// The Linux host's command line: ahead-of-time compilation, --trace, and the limits a board
// owner sets (run time, memory), driven through real guests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const limits = artefact('test/guests/build/host-limits.wasm');
const cat = artefact('guest/build/cat.wasm');
const dir = tempDir();
writeFileSync(join(dir.path, 'hello.txt'), 'compiled ahead of time\n');
test.after(dir.cleanup);

test('ioring compile makes a .cwasm that ioring run starts and that prints the same bytes', () => {
  const cwasm = join(dir.path, 'cat.cwasm');
  const c = run(['compile', cat, '-o', cwasm]);
  assert.is(c.status, 0, c.stderr);
  const r = run(['run', '--dir', `${dir.path}::data`, cwasm, 'data/hello.txt']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'compiled ahead of time\n');
});

test('a .cwasm that is not a precompiled component is refused with one line', () => {
  const bogus = join(dir.path, 'bogus.cwasm');
  writeFileSync(bogus, Buffer.from('\x7fELF not really'));
  const r = run(['run', bogus]);
  assert.is.not(r.status, 0);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
});

test('--trace logs every SQE and CQE with its operation, result and latency', () => {
  const r = run(['run', '--trace', '--dir', `${dir.path}::data`, cat, 'data/hello.txt']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /^ioring: sqe \d+ openat$/m);
  assert.match(r.stderr, /^ioring: cqe \d+ openat res=Ok\(0\) more=false \d+us$/m);
  assert.match(r.stderr, /^ioring: cqe \d+ read res=Ok\(23\) more=false \d+us$/m);
  assert.match(r.stderr, /^ioring: cqe \d+ write res=Ok\(23\) more=false \d+us$/m);
});

test('--timeout stops a guest blocked in complete()', () => {
  const start = Date.now();
  const r = run(['run', '--timeout', '0.3', limits, 'sleep']);
  assert.is.not(r.status, 0);
  assert.ok(Date.now() - start < 10_000, 'the 60 s timeout was not cut short');
  assert.match(r.stderr, /run-time bound/);
});

test('--timeout stops a guest spinning without calling the host', () => {
  const start = Date.now();
  const r = run(['run', '--timeout', '0.3', limits, 'spin']);
  assert.is.not(r.status, 0);
  assert.ok(Date.now() - start < 10_000);
  assert.match(r.stderr, /interrupt/);
});

test('--max-memory refuses growth past the bound; the guest sees memory.grow fail', () => {
  const r = run(['run', '--max-memory', String(4 << 20), limits, 'alloc']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'memory 4096 KiB\n');
});

test('a guest that traps with operations in flight exits abnormally, the host reports it', () => {
  const r = run(['run', '--listen', 'l=tcp:127.0.0.1:0', limits, 'trap-inflight']);
  assert.is(r.status, 134);
  assert.match(r.stderr, /guest trapped/);
});

test('an ungranted listener name is refused, also when a grant of another kind has it', () => {
  const r = run(['run', '--dir', `${dir.path}::l`, limits, 'trap-inflight']);
  assert.is(r.status, 1);
  // 29 is no-entry in wit/types.wit's error-code order.
  assert.is(r.stderr, 'listener l: error 29\n');
});

test('a granted device is read through the ring; an ungranted one is refused', () => {
  const ok = run(['run', '--device', 'd=/dev/zero', limits, 'device']);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout.toString(), '00000000\n');
  const refused = run(['run', '--device', 'other=/dev/zero', '--listen', 'd=tcp:127.0.0.1:0', limits, 'device']);
  assert.is(refused.status, 1);
  assert.is(refused.stderr, 'device d: error 29\n');
});

test('a --device path that cannot be opened stops the host before the guest runs', () => {
  const r = run(['run', '--device', 'd=/nonexistent/spidev0.0', limits, 'device']);
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /^ioring: --device: cannot open/);
});

test.run();

// The Linux host's command line: ahead-of-time compilation, --trace, and the limits a board
// owner sets (run time, memory), driven through real guests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { artefact, freePort, ioring, run, tempDir } from '../lib/ioring.js';

const limits = artefact('test/guests/build/host-limits.wasm');
const cat = artefact('guest/build/cat.wasm');
const dir = tempDir();
writeFileSync(join(dir.path, 'hello.txt'), 'compiled ahead of time\n');
test.after(dir.cleanup);

test('ioring compile makes a .cwasm that ioring run starts and that prints the same bytes', () => {
  const cwasm = join(dir.path, 'cat.cwasm');
  const c = run(['compile', cat, '-o', cwasm]);
  assert.is(c.status, 0, c.stderr);
  const r = run(['run', '--allow-precompiled', '--dir', `${dir.path}::data`, cwasm, 'data/hello.txt']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'compiled ahead of time\n');
});

test('precompiled native code runs only with --allow-precompiled, whatever the file is called', () => {
  const disguised = join(dir.path, 'innocent.wasm');
  assert.is(run(['compile', cat, '-o', disguised]).status, 0);
  const r = run(['run', '--dir', `${dir.path}::data`, disguised, 'data/hello.txt']);
  assert.is(r.status, 1);
  assert.is(r.stdout.toString(), '', 'nothing of the guest ran');
  assert.match(r.stderr, /^ioring: .*precompiled native code; run it with --allow-precompiled/);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
});

test('a .cwasm that is not a precompiled component is refused with one line', () => {
  const bogus = join(dir.path, 'bogus.cwasm');
  writeFileSync(bogus, Buffer.from('\x7fELF not really'));
  const r = run(['run', '--allow-precompiled', bogus]);
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

// Every way a guest can spend time: in complete(), in its own code, and blocked in WASI calls
// that no wasmtime interrupt reaches. Each ends with status 124 and one line.
// stdin stays an open pipe that never delivers a byte, so a read of it blocks.
for (const mode of ['sleep', 'spin', 'wasi-sleep', 'wasi-stdin']) {
  test(`--timeout stops a guest in mode ${mode} with one line and status 124`, async () => {
    const start = Date.now();
    const child = spawn(ioring, ['run', '--timeout', '0.3', limits, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [status] = await once(child, 'exit');
    clearTimeout(killer);
    child.stdin.destroy();
    const took = Date.now() - start;
    assert.is(status, 124, stderr);
    assert.ok(took < 5_000, `the 60 s wait was cut short (${took} ms)`);
    assert.is(stderr, 'ioring: stopped the guest: its run-time bound (--timeout 0.3) expired\n');
  });
}

test('--max-memory bounds all memories and tables together; the guest sees memory.grow fail', () => {
  const r = run(['run', '--max-memory', String(4 << 20), limits, 'alloc']);
  assert.is(r.status, 0, r.stderr);
  // The app's memory gets what the adapter's memory and the tables leave of the 4 MiB.
  const kib = Number(/^memory (\d+) KiB\n$/.exec(r.stdout.toString())?.[1]);
  assert.ok(kib > 3584 && kib < 4096, `${kib} KiB`);
});

// The rings' registered files (the listener the guest took, with a multishot accept in flight
// on it) are released before the process exits, not by the kernel's deferred ring teardown
// tens of milliseconds later: a supervisor restarting the app finds its port free at once.
test('a granted port can be bound again as soon as ioring run has exited', async () => {
  const port = await freePort();
  // On the process's exit, not its pipes' end (which spawnSync waits for, and which the
  // kernel's deferred teardown also delays).
  const child = spawn(ioring, ['run', '--listen', `l=tcp:127.0.0.1:${port}`, limits, 'trap-inflight'], { stdio: 'pipe' });
  const [status] = await once(child, 'exit');
  assert.is(status, 134);
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.close();
});

test('--max-handles past what the process may open is one line, and within it the soft limit is raised', () => {
  const sh = (hard, soft, handles) =>
    spawnSync('sh', ['-c', `ulimit -Sn ${soft} && ulimit -Hn ${hard} && exec "$0" run --max-handles ${handles} "$1" 1 1`, ioring, artefact('guest/build/timer.core.wasm')], { encoding: 'utf8' });
  const refused = sh(500, 500, 1000);
  assert.is(refused.status, 1);
  assert.is(refused.stderr, 'ioring: --max-handles 1000 needs about 1064 open files, but this process may have at most 500 (ulimit -Hn)\n');
  const raised = sh(4096, 256, 2000);
  assert.is(raised.status, 0, raised.stderr);
  assert.is(raised.stdout, 'tick 1\nstopped after 1 ticks\nwatchdog canceled\n');
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

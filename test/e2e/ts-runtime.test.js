// The TypeScript runtime's contract, checked on every runner with one conformance app
// (ts/test/apps/runtime-check.js, built here for each engine): one submit per turn, microtasks
// and timers between turns, linked timeouts and cancellation, the prelude's globals, and how an
// app ends (status and stderr) on a thrown error, an unhandled rejection, or a wait on nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ioring, root } from '../../ts/test/lib/e2e.js';
import { tempDir } from '../lib/ioring.js';

const source = join(root, 'ts/test/apps/runtime-check.js');
const out = join(root, 'ts/build/test');
const wasm = { starlingmonkey: join(out, 'runtime-check.wasm'), quickjs: join(out, 'runtime-check.qjs.wasm') };

// For the 'ops' scenario, fresh before each runner.
const data = tempDir();
test.after(data.cleanup);

test.before.each(() => writeFileSync(join(data.path, 'ten.txt'), '0123456789'));

test.before(() => {
  mkdirSync(out, { recursive: true });
  for (const [engine, file] of Object.entries(wasm)) {
    const r = spawnSync(process.execPath, [join(root, 'ts/bin/ioring-build.js'), source, '-o', file, '--engine', engine], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ioring-build --engine ${engine} failed: ${r.stderr}`);
  }
});

/** Runs a scenario with stdin an open, silent pipe; resolves { status, stdout, stderr }. */
function scenario(runner, name) {
  const net = ['--bind', 'tcp:127.0.0.1:*', '--connect', 'tcp:127.0.0.1:*'];
  const grants = name === 'multishot' ? net : name === 'ops' ? [...net, '--dir', `${data.path}::data`] : [];
  const [file, args] = runner === 'node' ? [process.execPath, [source, name]] : [ioring, ['run', ...grants, wasm[runner], name]];
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  if (runner === 'node' && name === 'ops') env.IORING_DIR = `${data.path}::data`;
  if (runner === 'node' && grants.includes('--bind')) {
    env.IORING_BIND = 'tcp:127.0.0.1:*';
    env.IORING_CONNECT = 'tcp:127.0.0.1:*';
  }
  return new Promise((resolve) => {
    // No colours from Node's console, whatever the test runner's environment asks for.
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // The first scenario of an engine compiles its component: StarlingMonkey's takes most of a
    // minute on a loaded machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ status, stdout, stderr });
    });
  });
}

const expected = {
  batching: [
    '64 nops: 64 results, submits [64]',
    '3 rounds of 3: submits [3,3,3]',
    'tasks: [1,2,3], submits [3]',
    '5000 nops: 5000 results',
    '100 chains of 5 behind 1100 nops: [["EBADF",100],["ECANCELED",400]]',
  ],
  order: ['sync, microtask, then, timer 5, sleep 20', 'interval ticked 3 times'],
  timeouts: [
    'read with timeoutMs: ETIMEDOUT, after at least 40 ms: true',
    'withTimeout: true ETIMEDOUT',
    'aborted sleep: ECANCELED',
    'AbortSignal.timeout: true',
    'fast op under a timeout: 0',
  ],
  text: ['TextEncoder: 11 bytes, TextDecoder: héllo 𝄞', 'utf8: € 3', 'console.log of {"a":1,"b":[true,null]} 42'],
  multishot: ['connection 1: hello', 'connection 2: again', 'accept loop ended after 2 connections', 'ring busy: false'],
  ops: [
    'statx: regular 10 bytes mode 644',
    'read-fixed: 10 bytes, buffer holds 0123456789',
    'write-fixed: 2 bytes, file now 01234567AB',
    'linked write then read: 2 then xy234567AB',
    'linked after a failure: EBADF then ECANCELED',
    'poll on a file: readable true',
    'cancel of nothing: ENOENT',
    'local address: IPv4 127.0.0.1 ephemeral true',
    'poll on a socket: readable true',
    'after shutdown the peer read "ping" then end of stream',
  ],
  errors: ['read of handle 999: IORingError EBADF bad-descriptor "read: bad-descriptor (EBADF)"', 'close of handle 2^20: EBADF'],
};

const failures = {
  unhandled: ['', 'IORingError: send: pipe (EPIPE)\n'],
  deadlock: ['waiting for nothing\n', 'Error: the app is waiting, but no ring operation is in flight that could wake it\n'],
  thrown: ['', 'RangeError: bad argument\n'],
};

/** stderr as its first line, the frames of a stack after it checked to name the app's file. */
function message(stderr) {
  const [head, ...frames] = stderr.replace(/\n$/, '').split('\n');
  for (const f of frames) assert.match(f, /^    at .*runtime-check\.js:\d+:\d+\)?$/);
  return { head: stderr === '' ? '' : `${head}\n`, frames };
}

for (const runner of ['starlingmonkey', 'quickjs', 'node']) {
  for (const [name, lines] of Object.entries(expected)) {
    test(`${runner}: ${name}`, async () => {
      const r = await scenario(runner, name);
      assert.is(r.stderr, '');
      assert.is(r.status, 0);
      const got = r.stdout.split('\n').slice(0, -1);
      // Each engine's console.log formats objects its own way (QuickJS's prelude prints JSON).
      if (name === 'text') got[2] = got[2].replace(/^(console\.log of ).*( 42)$/, '$1{"a":1,"b":[true,null]}$2');
      assert.equal(got, lines);
    });
  }
  for (const [name, [stdout, stderr]] of Object.entries(failures)) {
    test(`${runner}: ${name} ends the app with status 1 and the error on stderr`, async () => {
      const r = await scenario(runner, name);
      assert.is(r.status, 1);
      assert.is(r.stdout, stdout);
      const printed = message(r.stderr);
      assert.is(printed.head, stderr);
      // An error the app made (thrown, or rejected by the app itself) has its stack, naming
      // where in the app; the runtime's own has no frames of the app's to show.
      assert.is(printed.frames.length > 0, name !== 'deadlock', r.stderr);
    });
  }
}

test.run();

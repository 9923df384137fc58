// The WASI adapter (adapter/, issue 15): the C and TypeScript (QuickJS) examples composed with
// it (`just wasi-app`) run under stock `wasmtime run` and under Node through jco's transpile
// and @bytecodealliance/preview2-shim, driven by real peers over loopback: every byte is
// checked. The same cases run on each runtime, for each language.
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { artefact, echo, freePort, root, tempDir } from '../lib/ioring.js';
import { runSuite } from '../conformance/run.mjs';

const cargoBin = join(homedir(), '.cargo/bin');
const PATH = `${cargoBin}:${process.env.PATH}`;
const wasmtime = join(cargoBin, 'wasmtime');
const out = join(root, 'adapter/build/e2e');

const apps = {
  c: { cat: 'guest/build/cat.wasm', copy: 'guest/build/copy.wasm', 'tcp-echo': 'guest/build/tcp-echo.wasm', 'udp-echo': 'guest/build/udp-echo.wasm' },
  ts: { cat: 'ts/build/cat.qjs.wasm', copy: 'ts/build/copy.qjs.wasm', 'tcp-echo': 'ts/build/tcp-echo.qjs.wasm', 'udp-echo': 'ts/build/udp-echo.qjs.wasm' },
};

/** Composes every app with the adapter and transpiles it for Node, once. */
let prepared;
function prepare() {
  if (prepared) return prepared;
  mkdirSync(out, { recursive: true });
  for (const [lang, list] of Object.entries(apps)) {
    for (const [name, app] of Object.entries(list)) {
      const id = `${lang}-${name}`;
      const wasm = join(out, `${id}.wasm`);
      const r = spawnSync(join(root, 'adapter/compose.sh'), [artefact(app), wasm], { env: { ...process.env, PATH }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`compose ${app}: ${r.stderr}`);
      const t = spawnSync('npx', ['jco', 'transpile', wasm, '-o', join(out, 'node', id), '--name', id, '-q'], { cwd: root, encoding: 'utf8' });
      if (t.status !== 0) throw new Error(`jco transpile ${id}: ${t.stderr}`);
    }
  }
  return (prepared = true);
}

/**
 * A guest of adapter/test, built with the C SDK and conform.h, composed, transpiled, once:
 * limits.c, what the adapter answers where WASI cannot do what is asked (modes, statx of the
 * standard streams); enter.c, ring.enter's packed form byte for byte.
 */
const testGuestsBuilt = new Set();
function prepareTestGuest(name) {
  if (testGuestsBuilt.has(name)) return;
  const build = join(root, 'adapter/build/test');
  const make = spawnSync('make', ['-s', '-f', 'guest/ioring.mk', `IORING_APP=adapter/test/${name}.c`, `IORING_BUILD=${build}`,
    'IORING_CFLAGS=-Oz -Itest/conformance'], { cwd: root, env: { ...process.env, PATH }, encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`building adapter/test/${name}.c: ${make.stderr}`);
  const wasm = join(out, `c-${name}.wasm`);
  const r = spawnSync(join(root, 'adapter/compose.sh'), [join(build, `${name}.wasm`), wasm], { env: { ...process.env, PATH }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`compose ${name}: ${r.stderr}`);
  const t = spawnSync('npx', ['jco', 'transpile', wasm, '-o', join(out, 'node', `c-${name}`), '--name', `c-${name}`, '-q'], { cwd: root, encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`jco transpile ${name}: ${t.stderr}`);
  testGuestsBuilt.add(name);
}

/** The conformance suite's column for each runtime (test/conformance/run.mjs). */
const columns = { wasmtime: 'wasmtime run + adapter', node: 'Node (jco) + adapter' };

/** How each runtime runs a composed app with directory grants and environment. */
const runtimes = {
  wasmtime: (id, { dirs = [], env = [] }, args) => [
    wasmtime,
    ['run', '-S', 'inherit-network', '-S', 'tcp', '-S', 'udp', ...dirs.flatMap((d) => ['--dir', d]), ...env.flatMap((e) => ['--env', e]), join(out, `${id}.wasm`), ...args],
  ],
  node: (id, { dirs = [], env = [] }, args) => [
    process.execPath,
    [join(root, 'adapter/node/run.mjs'), ...dirs.flatMap((d) => ['--dir', d]), ...env.flatMap((e) => ['--env', e]), join(out, 'node', id, `${id}.js`), ...args],
  ],
};

/** Starts an app; `done` resolves with { status, stdout (Buffer), stderr } when it exits. */
function start(runtime, id, grants, args = [], timeoutMs = 60_000) {
  const [cmd, argv] = runtimes[runtime](id, grants, args);
  const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  const stdout = [];
  let stderr = '';
  p.stdout.on('data', (d) => stdout.push(d));
  p.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const done = new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(stdout), stderr });
    });
  });
  return { p, done, stderr: () => stderr, stdout: () => Buffer.concat(stdout).toString() };
}

const runApp = (runtime, id, grants, args) => start(runtime, id, grants, args).done;

/**
 * Waits until the echo server on 127.0.0.1:`port` echoes: a byte comes back (a connection
 * alone could reach a C app's granted listener before its first accept is submitted).
 */
async function tcpUp(port, app) {
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      let got = '';
      const s = net.connect(port, '127.0.0.1', () => s.end('.'));
      s.setTimeout(1000, () => s.destroy());
      s.on('data', (d) => (got += d));
      s.on('end', () => resolve(got === '.'));
      s.on('error', () => resolve(false));
      s.on('close', () => resolve(got === '.'));
    });
    if (up) return;
    if (i === 600 || app.p.exitCode !== null) throw new Error(`the server did not start: ${app.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether a UDP socket is bound to 127.0.0.1:`port` (from /proc, without touching it). */
function udpBound(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1] === local);
}

async function udpPort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Waits until the app's UDP socket is bound to 127.0.0.1:`port` and hears datagrams.
 * preview2-shim (Node) drops datagrams that arrive between the bind and the adapter's opening
 * of the socket's datagram streams, right after it, where the kernel would have queued them:
 * under Node, wait for the app's `banner` (printed once its bind completed, streams open), or
 * without one (the C app, whose socket the adapter binds before the app runs) a second more.
 */
async function udpUp(port, app, runtime, banner) {
  for (let i = 0; !udpBound(port) || (banner && !app.stdout().includes(banner)); i++) {
    if (i === 1200 || app.p.exitCode !== null) throw new Error(`never bound: ${app.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  if (runtime === 'node' && !banner) await new Promise((r) => setTimeout(r, 1000));
}

/** Sends each datagram from one socket in turn and collects the replies, in order. */
async function exchange(port, datagrams) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const replies = [];
  try {
    for (const d of datagrams) {
      const reply = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
        s.once('message', (msg) => {
          clearTimeout(t);
          resolve(msg);
        });
      });
      s.send(d, port, '127.0.0.1');
      replies.push(await reply);
    }
  } finally {
    s.close();
  }
  return replies;
}

test('wasmtime 48 is installed (`just setup`)', () => {
  assert.ok(existsSync(wasmtime), `${wasmtime} is missing: run \`just setup\``);
  const v = spawnSync(wasmtime, ['--version'], { encoding: 'utf8' });
  assert.match(v.stdout, /^wasmtime 48\./);
});

test('composing leaves no ioring:ring import: only WASI 0.2', () => {
  prepare();
  for (const id of ['c-cat', 'ts-tcp-echo']) {
    const wit = spawnSync('wasm-tools', ['component', 'wit', join(out, `${id}.wasm`)], { env: { ...process.env, PATH }, encoding: 'utf8' });
    assert.is(wit.status, 0, wit.stderr);
    const imports = wit.stdout.split('\n').filter((l) => /^\s*import /.test(l));
    assert.ok(imports.length > 0);
    for (const l of imports) assert.match(l, /import wasi:/, `${id}: ${l.trim()}`);
  }
});

test('an app that is no ioring app is refused by compose.sh', () => {
  const r = spawnSync(join(root, 'adapter/compose.sh'), [join(root, 'adapter/build/adapter.wasm'), join(out, 'nothing.wasm')], { env: { ...process.env, PATH }, encoding: 'utf8' });
  assert.is.not(r.status, 0);
});

test.run();

// ADAPTER_RUNTIMES=node (or wasmtime) runs one runtime's suites only.
const only = process.env.ADAPTER_RUNTIMES?.split(',');
for (const runtime of Object.keys(runtimes).filter((r) => !only || only.includes(r))) {
  for (const lang of Object.keys(apps)) {
    const t = suite(`adapter: ${lang} examples under ${runtime}`);
    const id = (name) => `${lang}-${name}`;
    t.before(() => {
      prepare();
    });

    t('cat prints a file from a directory grant byte for byte', async () => {
      const dir = tempDir();
      try {
        const data = randomBytes(300_001);
        writeFileSync(join(dir.path, 'file.bin'), data);
        const r = await runApp(runtime, id('cat'), { dirs: [`${dir.path}::data`] }, ['data/file.bin']);
        assert.is(r.status, 0, r.stderr);
        assert.is(r.stdout.length, data.length);
        assert.ok(r.stdout.equals(data), 'cat printed other bytes');
      } finally {
        dir.cleanup();
      }
    });

    t('cat of a missing file fails with no-entry and prints nothing', async () => {
      const dir = tempDir();
      try {
        const r = await runApp(runtime, id('cat'), { dirs: [`${dir.path}::data`] }, ['data/missing.txt']);
        assert.is.not(r.status, 0);
        assert.is(r.stdout.length, 0);
        assert.match(r.stderr, /no such file|no-entry|ENOENT/);
      } finally {
        dir.cleanup();
      }
    });

    t('copy copies 1 MiB between two directory grants', async () => {
      const src = tempDir();
      const dst = tempDir();
      try {
        const data = randomBytes((1 << 20) + 3);
        writeFileSync(join(src.path, 'source'), data);
        const r = await runApp(runtime, id('copy'), { dirs: [`${src.path}::in`, `${dst.path}::out`] }, ['in/source', 'out/copied']);
        assert.is(r.status, 0, r.stderr);
        assert.ok(readFileSync(join(dst.path, 'copied')).equals(data), 'the copy differs');
      } finally {
        src.cleanup();
        dst.cleanup();
      }
    });

    t('copy under a read-only grant (IORING_READONLY) is refused with access', async () => {
      const src = tempDir();
      const dst = tempDir();
      try {
        writeFileSync(join(src.path, 'source'), 'abc');
        const r = await runApp(runtime, id('copy'), { dirs: [`${src.path}::in`, `${dst.path}::out`], env: ['IORING_READONLY=out'] }, ['in/source', 'out/copied']);
        assert.is.not(r.status, 0);
        assert.match(r.stderr, /permission denied|access|EACCES/);
        assert.not.ok(existsSync(join(dst.path, 'copied')));
      } finally {
        src.cleanup();
        dst.cleanup();
      }
    });

    t('tcp-echo echoes a line, 1 MiB and 16 concurrent clients byte for byte', async () => {
      const port = await freePort();
      const grants = lang === 'c' ? { env: [`IORING_LISTEN=echo=tcp:127.0.0.1:${port}`] } : { env: [`IORING_BIND=tcp:127.0.0.1:${port}`] };
      const app = start(runtime, id('tcp-echo'), grants, lang === 'c' ? [] : [`127.0.0.1:${port}`]);
      let step = 'start';
      try {
        await tcpUp(port, app);
        step = 'a line';
        assert.is((await echo(port, [Buffer.from('hello through the adapter\n')])).toString(), 'hello through the adapter\n');
        step = '1 MiB';
        const big = randomBytes(1 << 20);
        const back = await echo(port, [big]);
        assert.is(back.length, big.length);
        assert.ok(back.equals(big), '1 MiB came back different');
        step = '16 clients';
        const payloads = Array.from({ length: 16 }, (_, i) => randomBytes(1000 + i * 3001));
        const backs = await Promise.all(payloads.map((p) => echo(port, [p.subarray(0, 700), p.subarray(700)])));
        backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i} got other bytes`));
        assert.is(app.p.exitCode, null, app.stderr());
      } catch (e) {
        e.message += ` (at ${step}; server: exit ${app.p.exitCode}, stderr ${JSON.stringify(app.stderr())})`;
        throw e;
      } finally {
        app.p.kill('SIGKILL');
        await app.done;
      }
    });

    if (lang === 'c') {
      t('where WASI cannot: a create or mkdirat with other bits than the runtime gives, statx of stdio: not-supported; reads and writes past 64 KiB whole', async () => {
        prepareTestGuest('limits');
        const dir = tempDir();
        // The runtime makes files 0666 and directories 0777 less its umask: the adapter's
        // model (0644, 0755) holds under 022.
        const umask = process.umask(0o022);
        try {
          const r = await runApp(runtime, 'c-limits', { dirs: [`${dir.path}::rw`] }, []);
          const lines = r.stdout.toString().trim().split('\n');
          assert.equal(lines, ['create-other-mode', 'create-given-mode', 'create-mode-not-needed', 'mkdir-other-mode',
            'mkdir-given-mode', 'file-large-io', 'statx-stdio'].map((n) => `ok ${n}`), r.stderr);
          assert.is(r.status, 0, r.stderr);
          // From outside: nothing refused was made, and what was made has the bits statx said.
          assert.equal(readdirSync(dir.path).sort(), ['big', 'd755', 'd775', 'd777', 'g644', 'g646', 'g664', 'g666', 'there']);
          for (const f of ['g644', 'g646', 'g664', 'g666']) assert.is(statSync(join(dir.path, f)).mode & 0o7777, 0o644, f);
          for (const d of ['d755', 'd775', 'd777']) assert.is(statSync(join(dir.path, d)).mode & 0o7777, 0o755, d);
          assert.is(readFileSync(join(dir.path, 'there'), 'utf8'), 'kept');
        } finally {
          process.umask(umask);
          dir.cleanup();
        }
      });

      t('ring.enter: packed SQEs decoded and CQEs encoded byte for byte; refused, cut-short and fuzzed entries complete with invalid', async () => {
        prepareTestGuest('enter');
        const dir = tempDir();
        try {
          const r = await runApp(runtime, 'c-enter', {
            dirs: [`${dir.path}::rw`],
            env: ['IORING_LISTEN=lst=tcp:127.0.0.1:0', 'IORING_BIND=tcp:127.0.0.1:*;udp:127.0.0.1:*', 'IORING_CONNECT=tcp:127.0.0.1:*;udp:127.0.0.1:*'],
          }, []);
          const lines = r.stdout.toString().trim().split('\n');
          assert.equal(lines, ['nop-round', 'max-zero-queues', 'file-round', 'refused-entries', 'cut-short', 'refused-in-chain',
            'queued-to-the-limit', 'record-then-packed', 'tcp-details', 'udp-peer', 'fuzz', 'submit-nothing'].map((n) => `ok ${n}`), r.stderr);
          assert.is(r.status, 0, r.stderr);
          assert.is(readFileSync(join(dir.path, 'packed'), 'utf8'), 'hello');
        } finally {
          dir.cleanup();
        }
      });

      t('conformance guests (files, sockets, poll): every case ok but the listed not-supported', () => {
        const guests = ['mkdirat', 'openat', 'poll', 'socket', 'statx'];
        const results = runSuite({ hosts: [columns[runtime]], only: guests });
        const column = columns[runtime];
        const cell = (name) => results.cases.find((row) => row.name === name)?.results[column];
        const problems = results.cases
          .filter((row) => !(row.results[column].status === 'ok' || (row.results[column].status === 'skip' && row.results[column].listed === 'not-supported')))
          .map((row) => `${row.name}: ${JSON.stringify(row.results[column])}`);
        assert.equal(problems, []);
        assert.ok(results.passed, JSON.stringify(results.listing));
        assert.ok(results.cases.length >= 50, `${results.cases.length} cases`);
        // Half-closed connections stay half open, and a bound socket that does not listen
        // refuses connections, under both runtimes (jco's preview2-shim: see tcp_bind_app,
        // tcp_shutdown_app in adapter/src/ops.c).
        for (const name of ['socket-shutdown', 'socket-shutdown-read', 'poll-hang-up', 'socket-connect-refused', 'socket-bind-in-use'])
          assert.is(cell(name)?.status, 'ok', name);
        for (const name of ['statx-mode', 'mkdirat-mode', 'statx-kinds'])
          assert.equal([cell(name)?.status, cell(name)?.listed], ['skip', 'not-supported'], name);
        assert.equal(cell('statx-fifo')?.status, runtime === 'wasmtime' ? 'skip' : 'ok');
      });

      t('tcp-echo without its listener grant fails as under ioring run', async () => {
        const r = await runApp(runtime, id('tcp-echo'), {}, []);
        assert.is.not(r.status, 0);
        assert.ok(r.stderr.includes('tcp-echo: listener "echo": no such file or grant\n'), r.stderr);
      });

      t('udp-echo serve answers each datagram to its sender (IORING_LISTEN udp), then exits', async () => {
        const port = await udpPort();
        const app = start(runtime, id('udp-echo'), { env: [`IORING_LISTEN=echo=udp:127.0.0.1:${port}`] }, ['serve', '3']);
        await udpUp(port, app, runtime);
        const sent = [Buffer.from('one'), randomBytes(1200), Buffer.from('three')];
        const replies = await exchange(port, sent).catch((e) => {
          app.p.kill('SIGKILL');
          throw new Error(`${e.message} (server: exit ${app.p.exitCode}, stderr ${JSON.stringify(app.stderr())})`);
        });
        replies.forEach((r, i) => assert.ok(r.equals(sent[i]), `datagram ${i} came back different`));
        const r = await app.done;
        assert.is(r.status, 0, r.stderr);
      });

      t('udp-echo send: sendmsg -> recvmsg -> link-timeout chains against a node:dgram server', async () => {
        const server = dgram.createSocket('udp4');
        server.on('message', (msg, rinfo) => server.send(Buffer.concat([Buffer.from('re: '), msg]), rinfo.port, rinfo.address));
        await new Promise((r) => server.bind(0, '127.0.0.1', r));
        try {
          const { port } = server.address();
          const r = await runApp(runtime, id('udp-echo'), { env: ['IORING_CONNECT=udp:127.0.0.1:*'] }, ['send', `127.0.0.1:${port}`, 'alpha', 'beta']);
          assert.is(r.status, 0, r.stderr);
          assert.is(r.stdout.toString(), 're: alpha\nre: beta\n');
        } finally {
          server.close();
        }
      });

      t('udp-echo send without a connect grant is refused with access', async () => {
        const r = await runApp(runtime, id('udp-echo'), {}, ['send', '127.0.0.1:9', 'x']);
        assert.is.not(r.status, 0);
        assert.match(r.stderr, /permission denied|access/);
      });
    } else {
      t('udp-echo answers each datagram to its sender until "quit"', async () => {
        const port = await udpPort();
        const app = start(runtime, id('udp-echo'), { env: [`IORING_BIND=udp:127.0.0.1:${port}`, 'IORING_CONNECT=udp:127.0.0.1:*'] }, [`127.0.0.1:${port}`]);
        await udpUp(port, app, runtime, `bound to 127.0.0.1:${port}`);
        const sent = [Buffer.from('one'), randomBytes(1200), Buffer.from('three')];
        const replies = await exchange(port, sent).catch((e) => {
          app.p.kill('SIGKILL');
          throw new Error(`${e.message} (server: exit ${app.p.exitCode}, stderr ${JSON.stringify(app.stderr())})`);
        });
        replies.forEach((r, i) => assert.ok(r.equals(sent[i]), `datagram ${i} came back different`));
        const s = dgram.createSocket('udp4');
        s.send('quit', port, '127.0.0.1', () => s.close());
        const r = await app.done;
        assert.is(r.status, 0, r.stderr);
        assert.match(r.stdout.toString(), /served 3 datagrams/);
      });
    }

    t.run();
  }
}

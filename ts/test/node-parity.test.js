// The Node backend behaving as the Linux host where issue #12 found it did not: bytes handed
// over as plain Uint8Arrays; reads of FIFOs and terminals that a timeout or an abort ends at
// once (they wait on readiness, not in libuv's thread pool); a terminal's hang-up read as end
// of file; tty-configure's raw mode through Node's tty API; UDP and unix listener grants; a
// TCP socket bound but not listening refuses connections.
//
// This file grants no more binds and connects than each test needs (not ./helpers.js's
// 127.0.0.1 for all): a granted UDP socket must answer its peers with no connect grant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { File, IORing, Socket, Tty } from '@ioring/ring';
import { backend, grantBind, grantConnect, grantDevice, grantDirectory, grantListener } from '@ioring/ring/node';
import { freePort, tempDir } from '../../test/lib/ioring.js';
import { openPty } from './lib/pty.js';

/**
 * A ring driven by hand: `cqes(n)` resolves with the next `n` completions (all of a multishot
 * operation's count).
 */
function rawRing() {
  const ring = backend.createRing(64, { busy: false, turn: () => 0 });
  let next = 1;
  return {
    ring,
    /** Submits `op` and resolves with its completions, up to the last (more: false). */
    async run(op, flags = {}) {
      const userData = next++;
      ring.submit([{ op, userData, flags }]);
      const got = [];
      for (;;) {
        for (const c of await ring.wait(1, 1, 5_000_000_000n)) {
          assert.is(c.userData, userData);
          got.push(c);
          if (!c.more) return got;
        }
      }
    },
    async one(op) {
      const [c] = await this.run(op);
      return c;
    },
  };
}

const result = (c) => c.res.val;

/** A plain Uint8Array: not a Buffer (whose toString, equals and instanceof differ), nor a view of Node's pool. */
function assertPlain(bytes, what) {
  assert.is(Object.getPrototypeOf(bytes), Uint8Array.prototype, `${what}: a ${bytes?.constructor?.name}, want a Uint8Array`);
  assert.not.ok(bytes instanceof Buffer, `${what} is a Buffer`);
  if (bytes.byteLength < 4096) assert.ok(bytes.buffer.byteLength < 8192, `${what}: a view of a shared ${bytes.buffer.byteLength}-byte pool`);
}

test('bytes reach the library as plain Uint8Arrays: file reads, receives, datagrams, fixed buffers', async () => {
  const r = rawRing();
  const dir = tempDir();
  writeFileSync(`${dir.path}/f`, 'hello file');
  grantDirectory('parity-bytes', dir.path);
  const opened = await r.one({ tag: 'openat', val: { dir: backend.grants.directory('parity-bytes'), path: 'f', flags: { read: true }, mode: 0 } });
  const file = opened.detail.val;
  const read = await r.one({ tag: 'read', val: { fd: file, len: 100 } });
  assert.is(result(read), 10);
  assertPlain(read.data, 'a file read');

  // TCP: a receive, a receive with the peer, each chunk of a multishot receive.
  const server = net.createServer((c) => c.end('over tcp'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const to = { tag: 'ipv4', val: { port: server.address().port, address: [127, 0, 0, 1] } };
  grantConnect(`tcp:127.0.0.1:${to.val.port}`);
  for (const op of ['recv', 'recvmsg', 'recv-multishot']) {
    const s = (await r.one({ tag: 'socket', val: ['ipv4', 'stream'] })).detail.val;
    assert.is(result(await r.one({ tag: 'connect', val: [s, to] })), 0);
    for (const c of await r.run({ tag: op, val: { fd: s, len: 100 } })) if (result(c) > 0) assertPlain(c.data, op);
    await r.one({ tag: 'close', val: s });
  }
  server.close();

  // UDP: a datagram and its sender.
  grantBind('udp:127.0.0.1:*');
  const u = (await r.one({ tag: 'socket', val: ['ipv4', 'datagram'] })).detail.val;
  await r.one({ tag: 'bind', val: [u, { tag: 'ipv4', val: { port: 0, address: [127, 0, 0, 1] } }] });
  const port = (await r.one({ tag: 'local-address', val: u })).detail.val.val.port;
  const peer = dgram.createSocket('udp4');
  peer.send('over udp', port, '127.0.0.1');
  const datagram = await r.one({ tag: 'recvmsg', val: { fd: u, len: 100 } });
  assert.is(result(datagram), 8);
  assertPlain(datagram.data, 'a datagram');
  peer.close();
  await r.one({ tag: 'close', val: u });
  await r.one({ tag: 'close', val: file });

  // A registered buffer read back.
  r.ring.registerBuffers(1, 16);
  r.ring.bufferWrite(0, 0, new TextEncoder().encode('fixed'));
  assertPlain(r.ring.bufferRead(0, 0, 5), 'buffer-read');
  r.ring[Symbol.dispose]();
  dir.cleanup();
});

/** How `promise` settled within `ms`: { value } or { error }, or { pending: true }; with the time it took. */
async function outcome(promise, ms) {
  const started = Date.now();
  let timer;
  const r = await Promise.race([
    promise.then((value) => ({ value }), (error) => ({ error })),
    new Promise((resolve) => (timer = setTimeout(() => resolve({ pending: true }), ms))),
  ]);
  clearTimeout(timer);
  return { ...r, ms: Date.now() - started };
}

const text = (bytes) => new TextDecoder().decode(bytes);

/** A FIFO in a fresh granted directory: { dir, path, grant }. */
function fifo(grant) {
  const dir = tempDir();
  const path = `${dir.path}/fifo`;
  assert.is(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');
  grantDirectory(grant, dir.path);
  return { dir, path, grant };
}

test('a FIFO read ends at its 500 ms timeout with ETIMEDOUT; an abort rejects that read, and the bytes go to the next', async () => {
  const f = fifo('parity-fifo');
  const file = await File.open(f.grant, 'fifo', { read: true, write: true });
  const timed = await outcome(file.read(100, undefined, { timeoutMs: 500 }), 3000);
  // (Were the read stuck in libuv's pool, bytes written from outside end it: the test ends.)
  if (timed.pending) writeFileSync(f.path, 'unstick');
  assert.is(timed.error?.code, 'ETIMEDOUT', `the read ${timed.pending ? 'was still waiting after 3 s' : `settled with ${timed.error?.code ?? text(timed.value)}`}`);
  assert.ok(timed.ms >= 450 && timed.ms < 1500, `the 500 ms timeout took ${timed.ms} ms`);

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const aborted = await outcome(file.read(100, undefined, { signal: controller.signal }), 2000);
  if (aborted.pending) writeFileSync(f.path, 'unstick');
  assert.is(aborted.error?.code, 'ECANCELED', `the aborted read ${aborted.pending ? 'was still waiting' : `settled with ${aborted.error?.code ?? text(aborted.value)}`}`);
  assert.ok(aborted.ms < 1000, `the abort took ${aborted.ms} ms`);
  writeFileSync(f.path, 'after');
  assert.is(text(await file.read(100, undefined, { timeoutMs: 2000 })), 'after');
  // Writes go out too, and the reads see them.
  assert.is(await file.write(new TextEncoder().encode('own')), 3);
  assert.is(text(await file.read(100, undefined, { timeoutMs: 2000 })), 'own');
  await file.close();
  f.dir.cleanup();
});

test('poll on a FIFO waits for bytes, as on the host, rather than reporting it ready at once', async () => {
  const f = fifo('parity-fifo-poll');
  const file = await File.open(f.grant, 'fifo', { read: true, write: true });
  const idle = await outcome(IORing.shared.poll(file.handle, { readable: true }, { timeoutMs: 300 }), 2000);
  assert.is(idle.error?.code, 'ETIMEDOUT', `poll with nothing to read: ${idle.error?.code ?? JSON.stringify(idle.value)}`);
  const ready = IORing.shared.poll(file.handle, { readable: true }, { timeoutMs: 2000 });
  writeFileSync(f.path, 'x');
  assert.is((await ready).readable, true);
  assert.is(text(await file.read(10)), 'x');
  await file.close();
  f.dir.cleanup();
});

test('a FIFO whose writers left reads end of file, and the bytes of a writer that comes later', async () => {
  const f = fifo('parity-fifo-eof');
  // A writer first, so that the read-only open does not wait for one.
  let writer = openSync(f.path, 'r+');
  const file = await File.open(f.grant, 'fifo', { read: true });
  writeSync(writer, 'one');
  assert.is(text(await file.read(100, undefined, { timeoutMs: 2000 })), 'one');
  const pending = file.read(100, undefined, { timeoutMs: 2000 });
  closeSync(writer);
  assert.is((await pending).length, 0, 'end of file once the writer left');
  assert.is((await file.read(100, undefined, { timeoutMs: 2000 })).length, 0, 'and again');
  writer = openSync(f.path, 'r+');
  writeSync(writer, 'two');
  assert.is(text(await file.read(100, undefined, { timeoutMs: 2000 })), 'two');
  closeSync(writer);
  await file.close();
  f.dir.cleanup();
});

test('a terminal read ends at its 500 ms timeout with ETIMEDOUT; an abort rejects that read; bytes come and go', async () => {
  const pty = await openPty();
  grantDevice('parity-tty', pty.path);
  const tty = Tty.open('parity-tty');
  try {
    const timed = await outcome(tty.read(100, { timeoutMs: 500 }), 3000);
    if (timed.pending) await pty.type('unstick\n');
    assert.is(timed.error?.code, 'ETIMEDOUT', `the read ${timed.pending ? 'was still waiting after 3 s' : `settled with ${timed.error?.code ?? text(timed.value)}`}`);
    assert.ok(timed.ms >= 450 && timed.ms < 1500, `the 500 ms timeout took ${timed.ms} ms`);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await outcome(tty.read(100, { signal: controller.signal }), 2000);
    if (aborted.pending) await pty.type('unstick\n');
    assert.is(aborted.error?.code, 'ECANCELED', `the aborted read ${aborted.pending ? 'was still waiting' : `settled with ${aborted.error?.code ?? text(aborted.value)}`}`);
    assert.ok(aborted.ms < 1000, `the abort took ${aborted.ms} ms`);

    // The terminal is in canonical mode: a line at a time.
    await pty.type('typed\n');
    assert.is(text(await tty.read(100, { timeoutMs: 2000 })), 'typed\n');
    await tty.write(new TextEncoder().encode('shown'));
    assert.ok((await pty.output()).toString().endsWith('shown'), 'what the app wrote reaches the other end');
  } finally {
    await tty.close().catch(() => {});
    pty.close();
  }
});

test('a terminal that hangs up reads end of file (0 bytes), as on the host, not EIO', async () => {
  const pty = await openPty();
  grantDevice('parity-hangup', pty.path);
  const tty = Tty.open('parity-hangup');
  try {
    // The read in flight, and those after it, complete with 0 bytes.
    const inFlight = tty.read(100, { timeoutMs: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pty.hangUp();
    const hung = await outcome(inFlight, 3000);
    assert.ok(hung.value?.length === 0, `the read in flight at the hang-up: ${hung.pending ? 'still waiting' : hung.error ? hung.error.code : `${hung.value.length} bytes`}, want end of file`);
    const after = await outcome(tty.read(100, { timeoutMs: 2000 }), 3000);
    assert.ok(after.value?.length === 0, `a read after the hang-up: ${after.pending ? 'still waiting' : after.error ? after.error.code : `${after.value.length} bytes`}, want end of file`);
  } finally {
    await tty.close().catch(() => {});
    pty.close();
  }
});

test('tty-configure sets raw mode through Node\'s tty API: bytes arrive unprocessed; what Node cannot set is not-supported', async () => {
  const pty = await openPty();
  grantDevice('parity-raw', pty.path);
  grantDevice('parity-null', '/dev/null');
  const tty = Tty.open('parity-raw');
  try {
    const before = await pty.attrs();
    assert.equal({ icanon: before.icanon, echo: before.echo }, { icanon: true, echo: true });
    await tty.configure();
    const after = await pty.attrs();
    // Node's raw mode (libuv's) leaves output processing (opost) on: the one flag that differs.
    assert.equal(after, { icanon: false, echo: false, isig: false, icrnl: false, opost: true, cs8: true });
    // No line discipline: control characters, CR and no newline arrive as typed, at once.
    await pty.type('a\x03\x04\r\x7f');
    assert.is(Buffer.from(await tty.read(100, { timeoutMs: 2000 })).toString('hex'), Buffer.from('a\x03\x04\r\x7f').toString('hex'));
    assert.is((await pty.output(0.2)).length, 0, 'nothing was echoed');
    // raw: false leaves the mode as it is, as on the host.
    await tty.configure({ raw: false });
    assert.is((await pty.attrs()).icanon, false);
    // What Node has no API for: not-supported; what no host takes: invalid; a non-terminal: not-a-tty.
    for (const settings of [{ baud: 115200 }, { dataBits: 7 }, { parity: 'even' }, { stopBits: 2 }, { hardwareFlowControl: true }]) {
      assert.is((await outcome(tty.configure(settings), 2000)).error?.code, 'ENOTSUP', JSON.stringify(settings));
    }
    assert.is((await outcome(tty.configure({ baud: 12345 }), 2000)).error?.code, 'EINVAL');
    assert.is((await outcome(tty.configure({ stopBits: 3 }), 2000)).error?.code, 'EINVAL');
    assert.is((await outcome(Tty.open('parity-null').configure(), 2000)).error?.code, 'ENOTTY');
  } finally {
    await tty.close().catch(() => {});
    pty.close();
  }
});

test('a UDP listener grant (udp:IP:PORT) is bound by the backend, hears anyone, and answers its peers without a connect grant', async () => {
  const port = await freePort();
  grantListener('parity-udp', `udp:127.0.0.1:${port}`);
  const udp = Socket.listener('parity-udp');
  assert.is(String(await udp.localAddress()), `127.0.0.1:${port}`);
  // The peer is on 127.0.0.2, which no connect grant covers (the other test files of a uvu run
  // grant 127.0.0.1).
  const peer = dgram.createSocket('udp4');
  await new Promise((resolve) => peer.bind(0, '127.0.0.2', resolve));
  const replies = [];
  peer.on('message', (m) => replies.push(m.toString()));
  // Nobody it has not heard from may be sent to (no connect grant here), nor may it be bound.
  assert.is((await outcome(udp.sendTo(new TextEncoder().encode('x'), `127.0.0.2:${peer.address().port}`), 2000)).error?.code, 'EACCES');
  assert.is((await outcome(udp.bind('127.0.0.1:0'), 2000)).error?.code, 'EACCES');
  peer.send('ping', port, '127.0.0.1');
  const { data, from } = await udp.receiveFrom(100, { timeoutMs: 2000 });
  assert.is(text(data), 'ping');
  assert.is(await udp.sendTo(new TextEncoder().encode('pong'), from), 4);
  for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(replies, ['pong']);
  peer.close();
  await udp.close();
});

test('a listener grant that cannot be bound fails when it is used, with the bind\'s error', async () => {
  const held = dgram.createSocket('udp4');
  await new Promise((resolve) => held.bind(0, '127.0.0.1', resolve));
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  grantListener('parity-udp-taken', `udp:127.0.0.1:${held.address().port}`);
  grantListener('parity-tcp-taken', `tcp:127.0.0.1:${server.address().port}`);
  const udp = Socket.listener('parity-udp-taken');
  assert.is((await outcome(udp.receiveFrom(100), 2000)).error?.code, 'EADDRINUSE');
  assert.is((await outcome(udp.localAddress(), 2000)).error?.code, 'EADDRINUSE');
  const tcp = Socket.listener('parity-tcp-taken');
  assert.is((await outcome(tcp.localAddress(), 2000)).error?.code, 'EADDRINUSE');
  assert.is((await outcome(tcp.accept(), 2000)).error?.code, 'EADDRINUSE');
  await udp.close();
  await tcp.close();
  held.close();
  server.close();
});

test('a unix listener grant (unix:PATH) listens at the path', async () => {
  const dir = tempDir();
  const path = `${dir.path}/sock`;
  grantListener('parity-unix', `unix:${path}`);
  const server = Socket.listener('parity-unix', { family: 'unix' });
  const client = net.connect(path);
  client.on('data', (d) => client.end(`echo ${d}`));
  const conn = await server.accept();
  await conn.sendAll(new TextEncoder().encode('hello'));
  assert.is(text(await conn.receive(100, { timeoutMs: 2000 })), 'echo hello');
  await conn.close();
  await server.close();
  dir.cleanup();
});

test('IORING_LISTEN takes tcp:, udp: and unix: listeners, as ioring run --listen; a malformed one is refused', () => {
  const dir = tempDir();
  const script = `
    import { Socket } from '@ioring/ring';
    for (const [name, family] of [['t', 'ipv4'], ['u', 'ipv4'], ['s', 'unix']]) console.log(name, String(await Socket.listener(name, { family }).localAddress()));
    process.exit(0);`;
  const env = { ...process.env, IORING_LISTEN: `t=tcp:127.0.0.1:0;u=udp:127.0.0.1:0;s=unix:${dir.path}/s` };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^t 127\.0\.0\.1:[1-9]\d*$/);
  assert.match(lines[1], /^u 127\.0\.0\.1:[1-9]\d*$/);
  assert.is(lines[2], `s ${dir.path}/s`);
  for (const bad of ['udp:', 'udp:localhost', 'unix:', 'sctp:127.0.0.1:1']) {
    assert.throws(() => grantListener('parity-bad', bad), (e) => e.code === 'EINVAL', bad);
  }
  dir.cleanup();
});

test('a TCP socket bound but not listening refuses connections; its address is held until it listens or connects', async () => {
  grantBind('tcp:127.0.0.1:*');
  grantConnect('tcp:127.0.0.1:*');
  const r = rawRing();
  const socket = async () => (await r.one({ tag: 'socket', val: ['ipv4', 'stream'] })).detail.val;
  const ip = (port) => ({ tag: 'ipv4', val: { port, address: [127, 0, 0, 1] } });
  const portOf = async (s) => (await r.one({ tag: 'local-address', val: s })).detail.val.val.port;
  const tryConnect = (port) =>
    new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), resolve('connected')));
      c.on('error', (e) => resolve(e.code));
    });

  const a = await socket();
  assert.is(result(await r.one({ tag: 'bind', val: [a, ip(0)] })), 0);
  const port = await portOf(a);
  assert.ok(port > 0);
  assert.is(await tryConnect(port), 'ECONNREFUSED', 'a connection to a bound socket that does not listen');
  // Another socket of the app cannot take the address meanwhile...
  const b = await socket();
  assert.is(result(await r.one({ tag: 'bind', val: [b, ip(port)] })), 'address-in-use');
  // ...unless both share it (reuse-address, neither listening), as Linux lets them.
  const c = await socket();
  const d = await socket();
  for (const s of [c, d]) await r.one({ tag: 'set-option', val: [s, { tag: 'reuse-address', val: true }] });
  assert.is(result(await r.one({ tag: 'bind', val: [c, ip(0)] })), 0);
  assert.is(result(await r.one({ tag: 'bind', val: [d, ip(await portOf(c))] })), 0);
  // Listening binds it for real: now connections are accepted.
  assert.is(result(await r.one({ tag: 'listen', val: [a, 8] })), 0);
  assert.is(await portOf(a), port);
  assert.is(await tryConnect(port), 'connected');
  // A connect goes out from the bound address.
  const server = net.createServer((x) => x.destroy());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const e = await socket();
  assert.is(result(await r.one({ tag: 'bind', val: [e, ip(0)] })), 0);
  const bound = await portOf(e);
  assert.is(result(await r.one({ tag: 'connect', val: [e, ip(server.address().port)] })), 0);
  assert.is(await portOf(e), bound);
  // The kernel's own users count too: a port another listener holds is in use.
  const f = await socket();
  assert.is(result(await r.one({ tag: 'bind', val: [f, ip(server.address().port)] })), 'address-in-use');
  server.close();
  for (const s of [a, b, c, d, e, f]) await r.one({ tag: 'close', val: s });
  r.ring[Symbol.dispose]();
});


test('sent bytes are copied at submit, as the host copies them: changing the array afterwards changes nothing sent', async () => {
  grantConnect('tcp:127.0.0.1:*');
  const r = rawRing();
  // The server reads nothing until every send is submitted, so the large one stays queued in
  // Node's socket (its completion comes later) while the small ones complete at once.
  let resume;
  const resumed = new Promise((resolve) => (resume = resolve));
  const server = net.createServer();
  const received = new Promise((resolve, reject) =>
    server.on('connection', (x) => {
      x.pause();
      void resumed.then(() => x.resume());
      const chunks = [];
      x.on('data', (b) => chunks.push(b));
      x.on('end', () => resolve(Buffer.concat(chunks)));
      x.on('error', reject);
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s = (await r.one({ tag: 'socket', val: ['ipv4', 'stream'] })).detail.val;
  const to = { tag: 'ipv4', val: { port: server.address().port, address: [127, 0, 0, 1] } };
  assert.is(result(await r.one({ tag: 'connect', val: [s, to] })), 0);
  const pattern = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
  const sizes = [64, 4096, 100_000, 12 << 20, 64];
  const arrays = sizes.map((n, i) => pattern(n, i));
  const expected = Buffer.concat(arrays.map((a) => Buffer.from(a)));
  r.ring.submit(arrays.map((data, i) => ({ op: { tag: 'send', val: { fd: s, data } }, userData: 100 + i, flags: {} })));
  for (const a of arrays) a.fill(0);
  resume();
  const results = new Map();
  while (results.size < sizes.length) for (const c of await r.ring.wait(1, 8, 10_000_000_000n)) results.set(c.userData, c.res);
  sizes.forEach((n, i) => assert.equal(results.get(100 + i), { tag: 'ok', val: n }, `send ${i}`));
  await r.one({ tag: 'shutdown', val: [s, 'write'] });
  const got = await received;
  assert.is(got.length, expected.length);
  assert.ok(got.equals(expected), 'the bytes as they were at submit');
  await r.one({ tag: 'close', val: s });
  server.close();
});

test.run();

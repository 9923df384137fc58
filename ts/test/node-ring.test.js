// The Node backend's ring at the WIT level (SQEs in, CQEs out): cancellation by user-data that
// several operations share, the in-flight limit, and poll waiting on readiness events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { IORing, Socket } from '@ioring/ring';
import { backend, grantDirectory, grantListener } from '@ioring/ring/node';
import { writeFileSync } from 'node:fs';
import { freePort, tempDir } from './helpers.js';

/**
 * A host ring driven by hand: `cqes(n)` resolves with the next `n` completions, collected
 * when the ring wakes its owner (as it does the runtime).
 */
function rawRing() {
  const got = [];
  let want;
  const owner = {
    busy: true,
    turn() {
      got.push(...ring.complete(0, 256, 0n));
      if (want && got.length >= want.n) want.resolve(got.splice(0, want.n));
      return 0;
    },
  };
  const ring = backend.createRing(0, owner);
  return {
    ring,
    submit: (...sqes) => ring.submit(sqes),
    cqes: (n) =>
      new Promise((resolve) => {
        want = { n, resolve };
        owner.turn();
      }),
  };
}

const sqe = (userData, op) => ({ op, userData, flags: {} });
const sleep = (userData) => sqe(userData, { tag: 'timeout', val: { durationNs: 10_000_000_000n, count: 0 } });
const cancel = (userData, target, all) => sqe(userData, { tag: 'cancel', val: { target, all } });
const result = (c) => (c.res.tag === 'ok' ? c.res.val : c.res.val);

test('cancel with all cancels every operation with that user-data; the result is the count', async () => {
  const r = rawRing();
  r.submit(sleep(7), sleep(7), sleep(8), sleep(7));
  r.submit(cancel(99, 7, true));
  const cqes = await r.cqes(4);
  assert.equal(cqes.map((c) => [c.userData, result(c)]).sort(), [[7, 'canceled'], [7, 'canceled'], [7, 'canceled'], [99, 3]].sort());
  r.submit(cancel(100, 7, true));
  assert.equal((await r.cqes(1)).map(result), ['no-entry']);
  r.submit(cancel(101, 8, false));
  const last = await r.cqes(2);
  assert.equal(last.map((c) => [c.userData, result(c)]).sort(), [[101, 1], [8, 'canceled']].sort());
  r.ring[Symbol.dispose]();
});

test('without all, only the oldest operation with that user-data is cancelled', async () => {
  const r = rawRing();
  r.submit(sleep(5), sleep(5));
  r.submit(cancel(6, 5, false));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[5, 'canceled'], [6, 1]].sort());
  r.submit(cancel(6, 5, false));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[5, 'canceled'], [6, 1]].sort());
});

test('an operation finishing does not hide another with the same user-data from cancel', async () => {
  const r = rawRing();
  r.submit(sleep(3), sqe(3, { tag: 'nop' }));
  assert.equal((await r.cqes(1)).map((c) => [c.userData, result(c)]), [[3, 0]]);
  r.submit(cancel(4, 3, true));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[3, 'canceled'], [4, 1]].sort());
});

test('wait is complete as the WIT says it: min capped at what is in flight, max honoured, timeout', async () => {
  const ring = backend.createRing(0, { busy: false, turn: () => 0 });
  // Nothing in flight: min 1 without a timeout does not wait for what cannot come.
  assert.equal(await ring.wait(1, 8), []);
  ring.submit([1, 2, 3, 4, 5].map((i) => sqe(i, { tag: 'nop' })));
  const two = await ring.wait(5, 2, 5_000_000_000n);
  assert.is(two.length, 2);
  assert.is((await ring.wait(3, 8, 5_000_000_000n)).length, 3);
  ring.submit([sqe(6, { tag: 'timeout', val: { durationNs: 200_000_000n, count: 0 } })]);
  const started = Date.now();
  assert.equal(await ring.wait(1, 8, 20_000_000n), [], 'a 20 ms wait returns nothing before a 200 ms timeout');
  assert.ok(Date.now() - started >= 15);
  assert.equal(await ring.wait(1, 8, 0n), []);
  assert.equal((await ring.wait(1, 8, 5_000_000_000n)).map((c) => [c.userData, result(c)]), [[6, 'timed-out']]);
  ring[Symbol.dispose]();
});

test('a short read or write ends a link chain, as in io_uring; a short receive does not', async () => {
  const dir = tempDir();
  writeFileSync(`${dir.path}/f`, '0123456789');
  grantDirectory('short-read', dir.path);
  const r = rawRing();
  r.submit(sqe(1, { tag: 'openat', val: { dir: backend.grants.directory('short-read'), path: 'f', flags: { read: true }, mode: 0 } }));
  const [opened] = await r.cqes(1);
  const fd = opened.detail.val;
  r.submit({ ...sqe(2, { tag: 'read', val: { fd, len: 100, offset: 5n } }), flags: { link: true } }, sqe(3, { tag: 'nop' }));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]), [[2, 5], [3, 'canceled']]);
  // Read exactly what is there: the chain goes on.
  r.submit({ ...sqe(4, { tag: 'read', val: { fd, len: 5, offset: 5n } }), flags: { link: true } }, sqe(5, { tag: 'nop' }));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]), [[4, 5], [5, 0]]);
  r.ring[Symbol.dispose]();
  dir.cleanup();
});

test('openat, socket and accept complete with 0 and the new handle in the detail (a result is a count)', async () => {
  const dir = tempDir();
  writeFileSync(`${dir.path}/f`, 'x');
  grantDirectory('handle-results', dir.path);
  grantListener('handle-results', '127.0.0.1:0');
  const r = rawRing();
  const lst = backend.grants.listener('handle-results');
  r.submit(sqe(1, { tag: 'openat', val: { dir: backend.grants.directory('handle-results'), path: 'f', flags: { read: true }, mode: 0 } }));
  r.submit(sqe(2, { tag: 'socket', val: ['ipv4', 'stream'] }), sqe(3, { tag: 'local-address', val: lst }));
  const got = await r.cqes(3);
  const by = (ud) => got.find((c) => c.userData === ud);
  for (const ud of [1, 2]) {
    assert.equal(by(ud).res, { tag: 'ok', val: 0 }, `entry ${ud}`);
    assert.is(by(ud).detail.tag, 'handle');
    assert.ok(by(ud).detail.val >= 3);
  }
  r.submit(sqe(4, { tag: 'accept', val: lst }), sqe(5, { tag: 'connect', val: [by(2).detail.val, by(3).detail.val] }));
  const accepted = (await r.cqes(2)).find((c) => c.userData === 4);
  assert.equal(accepted.res, { tag: 'ok', val: 0 });
  assert.is(accepted.detail.tag, 'accepted');
  assert.ok(accepted.detail.val[0] >= 3);
  r.submit(...[by(1).detail.val, by(2).detail.val, accepted.detail.val[0], lst].map((h, i) => sqe(10 + i, { tag: 'close', val: h })));
  await r.cqes(4);
  r.ring[Symbol.dispose]();
  dir.cleanup();
});

test('statx of a socket handle describes a socket; a path beneath it is not-directory', async () => {
  const r = rawRing();
  r.submit(sqe(1, { tag: 'socket', val: ['ipv4', 'stream'] }), sqe(2, { tag: 'socket', val: ['ipv4', 'datagram'] }));
  const handles = (await r.cqes(2)).map((c) => c.detail.val);
  for (const h of handles) {
    r.submit(sqe(3, { tag: 'statx', val: { dir: h, path: '', noFollow: false } }), sqe(4, { tag: 'statx', val: { dir: h, path: 'x', noFollow: false } }));
    const [s, beneath] = await r.cqes(2);
    assert.is(s.detail.tag, 'stat');
    assert.is(s.detail.val.type, 'socket');
    assert.equal(beneath.res, { tag: 'err', val: 'not-directory' });
    r.submit(sqe(5, { tag: 'close', val: h }));
    await r.cqes(1);
  }
  r.ring[Symbol.dispose]();
});

test('a link-timeout after an entry without a link flag is invalid and bounds nothing', async () => {
  const r = rawRing();
  r.submit(sqe(1, { tag: 'nop' }), sqe(2, { tag: 'link-timeout', val: 1_000_000n }));
  const got = await r.cqes(2);
  assert.equal(got.map((c) => [c.userData, result(c)]).sort(), [[1, 0], [2, 'invalid']]);
  // With the link flag it bounds the entry: the nop completes, the timeout is canceled.
  r.submit({ ...sqe(3, { tag: 'nop' }), flags: { link: true } }, sqe(4, { tag: 'link-timeout', val: 1_000_000_000n }));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]), [[3, 0], [4, 'canceled']]);
  r.ring[Symbol.dispose]();
});

test('ipv6-only is refused on an IPv4 socket and taken on an IPv6 one', async () => {
  const r = rawRing();
  r.submit(sqe(1, { tag: 'socket', val: ['ipv4', 'stream'] }), sqe(2, { tag: 'socket', val: ['ipv6', 'stream'] }), sqe(3, { tag: 'socket', val: ['ipv4', 'datagram'] }));
  const got = await r.cqes(3);
  const h = (ud) => got.find((c) => c.userData === ud).detail.val;
  const opt = (ud, handle) => sqe(ud, { tag: 'set-option', val: [handle, { tag: 'ipv6-only', val: true }] });
  r.submit(opt(4, h(1)), opt(5, h(2)), opt(6, h(3)));
  const res = (await r.cqes(3)).sort((a, b) => a.userData - b.userData).map(result);
  assert.equal(res, ['invalid', 0, 'invalid']);
  r.submit(...[1, 2, 3].map((ud) => sqe(10 + ud, { tag: 'close', val: h(ud) })));
  await r.cqes(3);
  r.ring[Symbol.dispose]();
});

test('a granted listener on port 0 reports its real port from the first local-address', async () => {
  grantListener('any-port', '127.0.0.1:0');
  const r = rawRing();
  r.submit(sqe(1, { tag: 'local-address', val: backend.grants.listener('any-port') }));
  const [c] = await r.cqes(1);
  assert.is(c.detail.tag, 'address');
  assert.ok(c.detail.val.val.port > 0, `port ${c.detail.val.val.port}`);
  r.submit(sqe(2, { tag: 'close', val: backend.grants.listener('any-port') }));
  await r.cqes(1);
  r.ring[Symbol.dispose]();
});

test('entries after a drain wait for it; a cancel is not held back and finds a held entry', async () => {
  const r = rawRing();
  const timeout = (ud, ms) => sqe(ud, { tag: 'timeout', val: { durationNs: BigInt(ms) * 1_000_000n, count: 0 } });
  r.submit(timeout(1, 50), sqe(2, { tag: 'nop' }), { ...sqe(3, { tag: 'nop' }), flags: { drain: true } }, sqe(4, { tag: 'nop' }));
  assert.equal((await r.cqes(4)).map((c) => c.userData), [2, 1, 3, 4]);
  r.submit(sleep(5), { ...sqe(6, { tag: 'nop' }), flags: { drain: true } });
  r.submit(cancel(7, 6, false));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[6, 'canceled'], [7, 1]].sort());
  r.submit(cancel(8, 5, false));
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[5, 'canceled'], [8, 1]].sort());
  r.ring[Symbol.dispose]();
});

test('a cancel does not count itself, even when it carries the user-data it targets', async () => {
  const r = rawRing();
  r.submit(sleep(9), cancel(9, 9, true));
  assert.equal((await r.cqes(2)).map(result).sort(), [1, 'canceled'].sort());
});

test('in flight per ring: 1024, as the Linux host by default; room comes back as completions are taken', async () => {
  const r = rawRing();
  const nops = Array.from({ length: 1500 }, (_, i) => sqe(i, { tag: 'nop' }));
  assert.is(r.ring.submit(nops), 1024);
  assert.is(r.ring.submit(nops), 0);
  await r.cqes(1024);
  assert.is(r.ring.submit(nops.slice(1024)), 476);
  await r.cqes(476);
});

test('a link chain is taken whole or not at all; one longer than the limit fails with EINVAL', async () => {
  const r = rawRing();
  const link = (userData) => ({ op: { tag: 'nop' }, userData, flags: { link: true } });
  assert.is(r.ring.submit(Array.from({ length: 1023 }, (_, i) => sleep(5000 + i))), 1023);
  assert.is(r.submit(link(1), sqe(2, { tag: 'nop' })), 0, 'two entries, one place');
  r.submit(cancel(3, 5000, false));
  await r.cqes(2);
  assert.is(r.submit(link(1), sqe(2, { tag: 'nop' })), 2);
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]), [[1, 0], [2, 0]]);
  r.ring[Symbol.dispose]();
  const long = rawRing();
  const chain = Array.from({ length: 1025 }, (_, i) => link(i));
  assert.is(long.ring.submit(chain), 1025);
  const cqes = await long.cqes(1025);
  assert.ok(cqes.every((c) => result(c) === 'invalid'));
});

test('a ring full of operations that do not end still takes a lone cancel, as the Linux host does', async () => {
  const r = rawRing();
  const sleepers = Array.from({ length: 1024 }, (_, i) => sleep(1000 + i));
  assert.is(r.ring.submit(sleepers), 1024);
  assert.is(r.submit(sqe(1, { tag: 'nop' })), 0, 'the ring is full');
  assert.is(r.submit(cancel(2, 1000, false), sqe(3, { tag: 'nop' })), 1, 'the cancel, not what follows it');
  assert.equal((await r.cqes(2)).map((c) => [c.userData, result(c)]).sort(), [[1000, 'canceled'], [2, 1]].sort());
  r.ring[Symbol.dispose]();
});

test('dropping the ring cancels what is in flight', async () => {
  const r = rawRing();
  r.submit(sleep(1), sleep(2));
  r.ring[Symbol.dispose]();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.ring.complete(0, 256, 0n).map(result), ['canceled', 'canceled']);
  assert.is(r.ring.submit([sqe(3, { tag: 'nop' })]), 0, 'takes nothing more');
});

/** Runs `body` with setTimeout and setInterval counted; resolves to how many were set. */
async function timersSetDuring(body) {
  const saved = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  let count = 0;
  globalThis.setTimeout = (...a) => (count++, saved.setTimeout(...a));
  globalThis.setInterval = (...a) => (count++, saved.setInterval(...a));
  try {
    await body();
  } finally {
    Object.assign(globalThis, saved);
  }
  return count;
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

test('poll waits on readiness events, with no timer: a listener, then a connection', async () => {
  const ring = new IORing();
  const port = await freePort();
  const server = await Socket.create('tcp', { ring });
  await server.bind(`127.0.0.1:${port}`);
  await server.listen();
  const clients = [];
  const timers = await timersSetDuring(async () => {
    // Multishot: each connection waiting to be accepted is reported, again after an accept.
    const events = ring.pollMultishot(server.handle, { readable: true });
    const first = events.next();
    clients.push(await connect(port));
    assert.is((await first).value.readable, true);
    const conn = await server.accept();
    const second = events.next();
    clients.push(await connect(port));
    assert.is((await second).value.readable, true);
    await events.return();
    // Single-shot on a connection: not ready until the peer writes.
    const readable = ring.poll(conn.handle, { readable: true });
    let settled = false;
    readable.then(() => (settled = true));
    await ring.nop();
    assert.is(settled, false, 'nothing to read yet');
    clients[0].write('x');
    assert.equal(await readable, { readable: true, writable: false, priority: false, error: false, hangUp: false, readHangUp: false });
    await conn.close();
  });
  assert.is(timers, 0);
  for (const c of clients) c.destroy();
  await server.close();
  ring.drop();
});

test('poll bits as Linux: the peer shutting its writing is read-hang-up, not hang-up; both halves shut is hang-up; a reset is error and hang-up', async () => {
  const ring = new IORing();
  const port = await freePort();
  const server = await Socket.create('tcp', { ring });
  await server.bind(`127.0.0.1:${port}`);
  await server.listen();
  const peer = await connect(port);
  const conn = await server.accept();
  peer.end();
  const half = await ring.poll(conn.handle, { readHangUp: true });
  assert.equal([half.readHangUp, half.hangUp], [true, false]);
  await ring.shutdown(conn.handle, 'write');
  const both = await ring.poll(conn.handle, { priority: true });
  assert.equal([both.hangUp, both.priority], [true, false]);
  await conn.close();
  // A reset: the peer closes with bytes unread.
  const reset = await connect(port);
  const conn2 = await server.accept();
  await ring.send(conn2.handle, new TextEncoder().encode('unread'));
  await new Promise((r) => setTimeout(r, 20));
  reset.resetAndDestroy();
  const bits = await ring.poll(conn2.handle, { readable: true });
  assert.equal([bits.error, bits.hangUp], [true, true]);
  await conn2.close();
  await server.close();
  ring.drop();
});

test('closing a connection with received bytes unread resets it, as the kernel does', async () => {
  const ring = new IORing();
  const port = await freePort();
  const server = await Socket.create('tcp', { ring });
  await server.bind(`127.0.0.1:${port}`);
  await server.listen();
  const peer = await connect(port);
  const conn = await server.accept();
  const failed = new Promise((resolve) => peer.on('error', (e) => resolve(e.code)));
  peer.write('unread');
  await new Promise((r) => setTimeout(r, 20));
  await conn.close();
  assert.is(await failed, 'ECONNRESET');
  await server.close();
  ring.drop();
});

test('poll on a UDP socket waits for a datagram rather than completing with nothing', async () => {
  const ring = new IORing();
  const udp = await Socket.create('udp', { ring });
  await udp.bind('127.0.0.1:0');
  const port = Number((await udp.localAddress()).port);
  const readable = ring.poll(udp.handle, { readable: true });
  const sender = await Socket.create('udp', { ring });
  await sender.sendTo(new Uint8Array([1]), `127.0.0.1:${port}`);
  assert.is((await readable).readable, true);
  await Promise.all([udp.close(), sender.close()]);
  ring.drop();
});

test.run();

// The C udp-echo example: its server (recvmsg -> sendmsg to the sender) driven by real
// node:dgram clients, its client (sendmsg -> recvmsg -> link-timeout chains) against a real
// node:dgram server, and the two together, all on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { artefact, ioring } from '../lib/ioring.js';

const app = artefact('guest/build/udp-echo.wasm');

/** Runs ioring asynchronously; resolves with { status, stdout, stderr, ms }. */
function runAsync(args) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const p = spawn(ioring, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: err, ms: Date.now() - start });
    });
  });
}

/** A bound node:dgram socket on 127.0.0.1 and its port. */
async function udpSocket(onMessage) {
  const s = dgram.createSocket('udp4');
  if (onMessage) s.on('message', (msg, rinfo) => onMessage(s, msg, rinfo));
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  return { s, port: s.address().port };
}

/** A port free a moment ago. */
async function freeUdpPort() {
  const { s, port } = await udpSocket();
  await new Promise((r) => s.close(r));
  return port;
}

/** Whether a UDP socket is bound to 127.0.0.1:`port` (read from /proc, without touching it). */
function udpBound(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1] === local);
}

/** Starts the echo server for `count` datagrams; resolves once the host has bound its socket. */
async function startServer(count, extra = ['--connect', 'udp:127.0.0.1:*']) {
  const port = await freeUdpPort();
  const done = runAsync(['run', '--listen', `echo=udp:127.0.0.1:${port}`, ...extra, app, 'serve', String(count)]);
  for (let i = 0; !udpBound(port); i++) {
    if (i === 400) throw new Error('the server socket was never bound');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { port, done };
}

/** Sends each datagram in turn from one socket and collects the replies, in order. */
async function exchange(port, datagrams) {
  const { s } = await udpSocket();
  const replies = [];
  try {
    for (const d of datagrams) {
      const reply = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
        s.once('message', (msg, rinfo) => {
          clearTimeout(t);
          resolve({ msg, rinfo });
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

test('server: every datagram comes back to its sender, byte for byte, empty and 64 KiB ones too', async () => {
  const sizes = [0, 1, 100, 1472, 9000, 65507, ...Array.from({ length: 20 }, (_, i) => 1 + i * 777)];
  const datagrams = sizes.map((n) => randomBytes(n));
  const { port, done } = await startServer(datagrams.length);
  const replies = await exchange(port, datagrams);
  replies.forEach(({ msg, rinfo }, i) => {
    assert.ok(msg.equals(datagrams[i]), `datagram ${i} (${sizes[i]} bytes) came back different`);
    assert.is(rinfo.port, port, 'the reply did not come from the server socket');
  });
  const r = await done;
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.length, 0);
});

test('server: three clients at once each get their own datagrams', async () => {
  const per = 40;
  const sets = [0, 1, 2].map((c) => Array.from({ length: per }, (_, i) => Buffer.from(`client ${c} datagram ${i}`)));
  const { port, done } = await startServer(per * sets.length);
  const all = await Promise.all(sets.map((set) => exchange(port, set)));
  all.forEach((replies, c) => assert.equal(replies.map((r) => r.msg.toString()), sets[c].map(String)));
  assert.is((await done).status, 0);
});

test('server: without a --connect grant it still answers the peer that wrote to it', async () => {
  const { port, done } = await startServer(1, []);
  const replies = await exchange(port, [Buffer.from('ping')]);
  assert.equal(replies.map((r) => r.msg.toString()), ['ping']);
  assert.is((await done).status, 0);
});

test('client: prints each reply of a real echo server, in order', async () => {
  const seen = [];
  const { s, port } = await udpSocket((sock, msg, rinfo) => {
    seen.push(msg.toString());
    sock.send(msg, rinfo.port, rinfo.address);
  });
  const msgs = ['first', 'second datagram', 'x'.repeat(3000), 'last'];
  const r = await runAsync(['run', '--connect', `udp:127.0.0.1:${port}`, app, 'send', `127.0.0.1:${port}`, ...msgs]);
  s.close();
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), msgs.map((m) => `${m}\n`).join(''));
  assert.equal(seen, msgs);
});

test('client: a server that never answers ends in timed-out after the 1 s linked timeout', async () => {
  const seen = [];
  const { s, port } = await udpSocket((_, msg) => seen.push(msg.toString()));
  const r = await runAsync(['run', '--connect', `udp:127.0.0.1:${port}`, app, 'send', `127.0.0.1:${port}`, 'hello?']);
  s.close();
  assert.is(r.status, 1);
  assert.is(r.stderr, 'udp-echo: reply: timed out\n');
  assert.equal(seen, ['hello?']);
  assert.ok(r.ms >= 1000 && r.ms < 10_000, `took ${r.ms} ms`);
});

test('client: sending where no --connect grant allows fails with access, nothing is sent', async () => {
  const seen = [];
  const { s, port } = await udpSocket((_, msg) => seen.push(msg));
  const r = await runAsync(['run', '--connect', 'udp:127.0.0.1:1', app, 'send', `127.0.0.1:${port}`, 'x']);
  await new Promise((res) => setTimeout(res, 100));
  s.close();
  assert.is(r.status, 1);
  assert.is(r.stderr, 'udp-echo: send: permission denied by grant\n');
  assert.is(seen.length, 0);
});

test('client and server, both under ioring', async () => {
  const { port, done } = await startServer(3);
  const r = await runAsync(['run', '--connect', `udp:127.0.0.1:${port}`, app, 'send', `127.0.0.1:${port}`, 'a', 'bb', 'ccc']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.toString(), 'a\nbb\nccc\n');
  assert.is((await done).status, 0);
});

test('server without the listener grant fails with no-entry', async () => {
  const r = await runAsync(['run', app, 'serve']);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'udp-echo: listener "echo": no such file or grant\n');
});

test.run();

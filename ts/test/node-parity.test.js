// The Node backend behaving as the Linux host where issue #12 found it did not, at the level of
// the raw ring (`backend.createRing`, the WIT `ring`): bytes handed over as plain Uint8Arrays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { backend, grantDirectory } from '@ioring/ring/node';
import { tempDir } from './helpers.js';

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
  for (const op of ['recv', 'recvmsg', 'recv-multishot']) {
    const s = (await r.one({ tag: 'socket', val: ['ipv4', 'stream'] })).detail.val;
    assert.is(result(await r.one({ tag: 'connect', val: [s, to] })), 0);
    for (const c of await r.run({ tag: op, val: { fd: s, len: 100 } })) if (result(c) > 0) assertPlain(c.data, op);
    await r.one({ tag: 'close', val: s });
  }
  server.close();

  // UDP: a datagram and its sender.
  const u = (await r.one({ tag: 'socket', val: ['ipv4', 'datagram'] })).detail.val;
  await r.one({ tag: 'bind', val: [u, { tag: 'ipv4', val: { port: 0, address: [127, 0, 0, 1] } }] });
  const port = (await r.one({ tag: 'local-address', val: u })).detail.val.val.port;
  const peer = dgram.createSocket('udp4');
  peer.send('over udp', port, '127.0.0.1');
  const datagram = await r.one({ tag: 'recvmsg', val: { fd: u, len: 100 } });
  assert.is(result(datagram), 8);
  assertPlain(datagram.data, 'a datagram');
  peer.close();

  // A registered buffer read back.
  r.ring.registerBuffers(1, 16);
  r.ring.bufferWrite(0, 0, new TextEncoder().encode('fixed'));
  assertPlain(r.ring.bufferRead(0, 0, 5), 'buffer-read');
  r.ring[Symbol.dispose]();
  dir.cleanup();
});

test.run();

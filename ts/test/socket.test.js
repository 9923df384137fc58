// Socket on the Node backend, against real sockets on 127.0.0.1 (and a unix socket in a
// temporary directory): bytes sent equal bytes received, exact error codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { join } from 'node:path';
import { IORing, IORingError, Socket, formatAddress, fromUtf8, sleep, utf8 } from '@ioring/ring';
import { freePort, recordingBackend, rejection, tempDir } from './helpers.js';
import { grantBind, grantConnect, grantListener } from '@ioring/ring/node';

async function listening(options = {}) {
  const server = await Socket.create(options.kind ?? 'tcp');
  await server.setReuseAddr();
  await server.setTcpNoDelay();
  const port = await freePort();
  await server.bind(`127.0.0.1:${port}`);
  await server.listen();
  return { server, port };
}

/** A node:net client that sends `data`, half-closes, and resolves with what came back. */
function client(port, data) {
  return new Promise((resolve, reject) => {
    const got = [];
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    s.on('data', (d) => got.push(d));
    s.on('end', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
  });
}

async function echoOnce(conn) {
  for (;;) {
    const bytes = await conn.receive(16 * 1024);
    if (bytes.length === 0) break;
    await conn.sendAll(bytes);
  }
  await conn.close();
}

/** A node:net server on 127.0.0.1 (a port of its own), `onConnection` serving each peer. */
async function nodeServer(onConnection) {
  const srv = net.createServer(onConnection);
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

test('accept(), receive() and sendAll() echo 1 MiB byte for byte to a node:net client', async () => {
  const { server, port } = await listening();
  const data = randomBytes(1 << 20);
  const back = client(port, data);
  const conn = await server.accept();
  assert.instance(conn, Socket);
  assert.is(formatAddress(conn.peer).startsWith('127.0.0.1:'), true);
  await echoOnce(conn);
  assert.ok((await back).equals(data));
  await server.close();
});

test('for await (accept()) serves several clients; break cancels the multishot accept', async () => {
  const { server, port } = await listening();
  const payloads = [randomBytes(1000), randomBytes(70000), randomBytes(5)];
  const backs = payloads.map((p) => client(port, p));
  const serving = [];
  for await (const conn of server.accept()) {
    serving.push(echoOnce(conn));
    if (serving.length === payloads.length) break;
  }
  await Promise.all(serving);
  const got = await Promise.all(backs);
  got.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i}`));
  // The listener still works: a single-shot accept after the loop.
  const later = client(port, Buffer.from('later'));
  await echoOnce(await server.accept());
  assert.is((await later).toString(), 'later');
  await server.close();
});

test('receiveStream() yields every chunk until the peer closes', async () => {
  const { server, port } = await listening();
  const data = randomBytes(300_000);
  const back = client(port, data);
  const conn = await server.accept();
  let total = 0;
  for await (const chunk of conn.receiveStream()) {
    total += chunk.length;
    await conn.sendAll(chunk);
  }
  await conn.close();
  assert.is(total, data.length);
  assert.ok((await back).equals(data));
  await server.close();
});

test('Socket.connect() to a node:net echo server; shutdown() sends end-of-file', async () => {
  const srv = await nodeServer((s) => s.pipe(s));
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  await socket.sendAll(utf8('hello, ring'));
  await socket.shutdown('write');
  const chunks = [];
  for (let b; (b = await socket.receive()).length > 0; ) chunks.push(fromUtf8(b));
  assert.is(chunks.join(''), 'hello, ring');
  await socket.close();
  srv.close();
});

test('localAddress() reports the port a bind to port 0 got', async () => {
  const server = await Socket.create('tcp');
  await server.bind('127.0.0.1:0');
  await server.listen();
  const local = await server.localAddress();
  assert.is(local.family, 'IPv4');
  assert.is(local.address, '127.0.0.1');
  assert.ok(local.port > 0);
  assert.equal(local.toWit(), { tag: 'ipv4', val: { port: local.port, address: [127, 0, 0, 1] } });
  const back = client(local.port, Buffer.from('port zero'));
  await echoOnce(await server.accept());
  assert.is((await back).toString(), 'port zero');
  await server.close();
});

test('connect to a closed port rejects with ECONNREFUSED', async () => {
  const port = await freePort();
  const e = await rejection(Socket.connect(`127.0.0.1:${port}`));
  assert.instance(e, IORingError);
  assert.is(e.code, 'ECONNREFUSED');
  assert.is(e.errorCode, 'connection-refused');
});

test('binding a port in use rejects with EADDRINUSE', async () => {
  const { server, port } = await listening();
  const other = await Socket.create('tcp');
  const e = await rejection(other.bind(`127.0.0.1:${port}`));
  assert.is(e.code, 'EADDRINUSE');
  await other.close();
  await server.close();
});

test('a receive with timeoutMs rejects with ETIMEDOUT when nothing arrives', async () => {
  const { server, port } = await listening();
  const peer = net.connect(port, '127.0.0.1');
  const conn = await server.accept();
  const started = Date.now();
  const e = await rejection(conn.receive(100, { timeoutMs: 50 }));
  assert.is(e.code, 'ETIMEDOUT');
  assert.ok(Date.now() - started >= 45);
  // The connection still works afterwards.
  peer.write('after');
  assert.is(fromUtf8(await conn.receive(100)), 'after');
  peer.destroy();
  await conn.close();
  await server.close();
});

test('aborting a signal cancels a pending accept with ECANCELED', async () => {
  const { server } = await listening();
  const ac = new AbortController();
  const pending = rejection(server.accept({ signal: ac.signal }));
  setTimeout(() => ac.abort(), 10);
  const e = await pending;
  assert.is(e.code, 'ECANCELED');
  assert.is(e.cause, ac.signal.reason);
  // An already aborted signal rejects at once.
  assert.is((await rejection(server.accept({ signal: ac.signal }))).code, 'ECANCELED');
  await server.close();
});

test('UDP: sendTo() and receiveFrom() with a node:dgram peer', async () => {
  const peer = dgram.createSocket('udp4');
  await new Promise((r) => peer.bind(0, '127.0.0.1', r));
  peer.on('message', (msg, rinfo) => peer.send(Buffer.concat([Buffer.from('re:'), msg]), rinfo.port, rinfo.address));
  const socket = await Socket.create('udp');
  await socket.bind('127.0.0.1:0');
  for (const text of ['one', 'two', '']) {
    await socket.sendTo(utf8(text), `127.0.0.1:${peer.address().port}`);
    const { data, from } = await socket.receiveFrom(100, { timeoutMs: 2000 });
    assert.is(fromUtf8(data), `re:${text}`);
    assert.is(formatAddress(from), `127.0.0.1:${peer.address().port}`);
  }
  await socket.close();
  peer.close();
});

test('UDP: a datagram without a destination on an unconnected socket is EDESTADDRREQ', async () => {
  const socket = await Socket.create('udp');
  assert.is((await rejection(socket.send(utf8('x')))).code, 'EDESTADDRREQ');
  await socket.close();
});

test('unix stream sockets: bind to a path, accept, echo', async () => {
  const dir = tempDir();
  const path = join(dir.path, 'echo.sock');
  grantBind(`unix:${path}`);
  grantConnect(`unix:${path}`);
  const server = await Socket.create('unix');
  await server.bind(path);
  await server.listen();
  const accepting = server.accept();
  const socket = await Socket.connect(path);
  const conn = await accepting;
  await socket.sendAll(utf8('over unix'));
  assert.is(fromUtf8(await conn.receive()), 'over unix');
  await Promise.all([socket.close(), conn.close(), server.close()]);
  dir.cleanup();
});

test('operations on a closed socket reject with EBADF; closing twice is harmless', async () => {
  const socket = await Socket.create('tcp');
  await socket.close();
  await socket.close();
  assert.is((await rejection(socket.ring.send(socket.handle, utf8('x')))).code, 'EBADF');
});

test('Symbol.asyncDispose (what `await using` calls) closes the socket', async () => {
  const socket = await Socket.create('tcp');
  const handle = socket.handle;
  await socket[Symbol.asyncDispose]();
  const probe = await Socket.create('tcp');
  assert.is(probe.handle, handle, 'the handle was freed and reused');
  await probe.close();
});

test('a listener granted by name (as --listen, here grantListener) accepts connections', async () => {
  const port = await freePort();
  grantListener('web', `127.0.0.1:${port}`);
  const server = Socket.listener('web');
  assert.is(server.handle, Socket.listener('web').handle, 'asking twice gives the same handle');
  const back = client(port, Buffer.from('granted'));
  await echoOnce(await server.accept());
  assert.is((await back).toString(), 'granted');
  assert.throws(() => Socket.listener('nope'), (e) => e instanceof IORingError && e.code === 'ENOENT');
  await server.close();
});

test('closing a socket ends its for await loops: the multishot operations are cancelled', async () => {
  const ring = new IORing();
  const server = await Socket.create('tcp', { ring });
  await server.bind('127.0.0.1:0');
  await server.listen();
  const { port } = await server.localAddress();
  const accepted = [];
  const loop = (async () => {
    for await (const conn of server.accept()) {
      accepted.push(conn);
      const chunks = [];
      for await (const chunk of conn.receiveStream()) {
        chunks.push(chunk);
        await conn.close(); // ends the receive stream it is iterating
      }
      accepted.push(Buffer.concat(chunks).toString());
    }
    return 'loop ended';
  })();
  const peer = net.connect(port, '127.0.0.1', () => peer.write('first'));
  peer.on('error', () => {});
  while (accepted.length < 2) await sleep(5);
  assert.is(accepted[1], 'first');
  await server.close();
  assert.is(await loop, 'loop ended');
  await sleep(5);
  assert.not.ok(ring.busy, 'nothing left in flight on the ring');
  peer.destroy();
});

/** A ring whose sends take at most `cap` bytes each, as a full socket buffer would. */
function cappedSends(cap) {
  const rec = recordingBackend();
  const backend = {
    ...rec.backend,
    createRing(entries, owner) {
      const host = rec.backend.createRing(entries, owner);
      const cut = (s) => (s.op.tag === 'send' ? { ...s, op: { tag: 'send', val: { ...s.op.val, data: s.op.val.data.subarray(0, cap) } } } : s);
      return { ...host, submit: (sqes) => host.submit(sqes.map(cut)) };
    },
  };
  return { ring: new IORing({ backend }), ops: rec.ops };
}

test('sendAll after short sends: the rest goes again until every byte is sent, in order; one promise', async () => {
  const srv = await nodeServer((s) => s.pipe(s));
  const { ring, ops } = cappedSends(3);
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`, { ring });
  const sent = ops.flat().filter((t) => t === 'send').length;
  await socket.sendAll(utf8('0123456789'));
  assert.is(ops.flat().filter((t) => t === 'send').length - sent, 4, '3 + 3 + 3 + 1 bytes');
  await socket.sendAll(new Uint8Array(0));
  // With a timeout each send carries it: the same sends, one promise each.
  await socket.sendAll(utf8('abcde'), { timeoutMs: 5000 });
  assert.is(ops.flat().filter((t) => t === 'send').length - sent, 4 + 1 + 2, 'then none more than 3 + 2');
  await socket.shutdown('write');
  const chunks = [];
  for (let b; (b = await socket.receive()).length > 0; ) chunks.push(fromUtf8(b));
  assert.is(chunks.join(''), '0123456789abcde');
  await socket.close();
  srv.close();
});

test('sendAll when a send takes nothing of what is left: EPIPE, not a loop', async () => {
  const srv = await nodeServer((s) => s.resume());
  const { ring } = cappedSends(0);
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`, { ring });
  const e = await rejection(socket.sendAll(utf8('stuck')));
  assert.instance(e, IORingError);
  assert.is(e.code, 'EPIPE');
  await socket.close();
  srv.close();
});

test('sendAll on a closed connection rejects with the send error', async () => {
  const srv = await nodeServer((s) => s.destroy());
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  await sleep(50);
  let e;
  // The first send after the peer's reset may still be taken; a later one fails.
  for (let i = 0; i < 20 && !e; i++) {
    try {
      await socket.sendAll(new Uint8Array(64 * 1024));
    } catch (err) {
      e = err;
    }
  }
  assert.instance(e, IORingError);
  assert.ok(['ECONNRESET', 'EPIPE'].includes(e.code), e.code);
  await socket.close();
  srv.close();
});

test.run();

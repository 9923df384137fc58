// toReadable / toWritable (@ioring/ring/node): a Socket, File or Tty as a node:stream, moving
// 1 MiB each way byte for byte, and a destroyed Readable cancelling its read in flight.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { File, IORing, Socket, sleep } from '@ioring/ring';
import { grantDirectory, toReadable, toWritable } from '@ioring/ring/node';
import { tempDir } from './helpers.js';

const MiB = 1 << 20;
const dir = tempDir();
grantDirectory('streams', dir.path);
test.after(dir.cleanup);

/** Collects a Readable into one Buffer. */
async function drain(readable) {
  const chunks = [];
  await pipeline(readable, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
  return Buffer.concat(chunks);
}

/** Node's 1 MiB in uneven chunks. */
function source(data) {
  return Readable.from((function* () {
    for (let i = 0, n = 1; i < data.length; i += n, n = (n * 7 + 13) % 70_000 + 1) yield data.subarray(i, i + n);
  })());
}

test('toReadable(socket): 1 MiB a node:net server sends arrives byte for byte, then ends', async () => {
  const data = randomBytes(MiB);
  const srv = net.createServer((s) => s.end(data)).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  const got = await drain(toReadable(socket, { close: true }));
  assert.is(got.length, MiB);
  assert.ok(got.equals(data), 'same bytes');
  srv.close();
});

test('toWritable(socket): 1 MiB piped in reaches a node:net server byte for byte; end() shuts down the socket', async () => {
  const data = randomBytes(MiB);
  let received;
  const done = new Promise((resolve) => {
    received = resolve;
  });
  const srv = net.createServer((s) => {
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => received(Buffer.concat(chunks)));
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  await pipeline(source(data), toWritable(socket, { close: true }));
  const got = await done;
  assert.is(got.length, MiB);
  assert.ok(got.equals(data), 'same bytes');
  srv.close();
});

test('toReadable(file) and toWritable(file): 1 MiB each way', async () => {
  const data = randomBytes(MiB);
  writeFileSync(join(dir.path, 'in.bin'), data);
  const file = await File.open('streams', 'in.bin');
  const got = await drain(toReadable(file));
  await file.close();
  assert.ok(got.equals(data), 'read byte for byte');

  const out = await File.open('streams', 'out.bin', { write: true, create: true, truncate: true });
  await pipeline(source(data), toWritable(out));
  await out.close();
  assert.ok(readFileSync(join(dir.path, 'out.bin')).equals(data), 'written byte for byte');
});

test('chunks a Readable gives are what Node gives (Buffers), from the library Uint8Arrays', async () => {
  writeFileSync(join(dir.path, 'small.txt'), 'small');
  const file = await File.open('streams', 'small.txt');
  const chunks = [];
  for await (const c of toReadable(file)) chunks.push(c);
  assert.ok(chunks.every((c) => Buffer.isBuffer(c)));
  assert.is(Buffer.concat(chunks).toString(), 'small');
  await file.close();
});

test('destroying a Readable cancels the receive in flight', async () => {
  const srv = net.createServer((s) => s.on('error', () => {})).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const ring = new IORing();
  const socket = await Socket.connect(`127.0.0.1:${srv.address().port}`, { ring });
  const readable = toReadable(socket);
  readable.on('data', () => {});
  await sleep(20);
  assert.ok(ring.busy, 'a receive waits');
  readable.destroy();
  await sleep(20);
  assert.not.ok(ring.busy, 'cancelled');
  await socket.close();
  ring.drop();
  srv.close();
});

test.run();

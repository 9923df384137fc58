// What reads and stat give, as a TypeScript user expects them: plain Uint8Arrays (never a
// Buffer, though the Node backend's are), and FileStat sizes and times as numbers unless
// bigints are asked for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import dgram from 'node:dgram';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Directory, File, IORing, Socket, utf8 } from '@ioring/ring';
import { grantDirectory } from '@ioring/ring/node';
import { tempDir } from './helpers.js';

const dir = tempDir();
writeFileSync(join(dir.path, 'ten.txt'), '0123456789');
grantDirectory('bytes', dir.path);
test.after(dir.cleanup);

/** A plain Uint8Array: not a Buffer, nor any other subclass. */
function plain(value, what) {
  assert.ok(value instanceof Uint8Array, `${what}: a Uint8Array`);
  assert.is(Object.getPrototypeOf(value), Uint8Array.prototype, `${what}: not a ${value.constructor.name}`);
  assert.not.ok(Buffer.isBuffer(value), `${what}: not a Buffer`);
}

test('file reads give plain Uint8Arrays: File.read, readAll, IORing.read, linked, bufferRead', async () => {
  const file = await File.open('bytes', 'ten.txt');
  const head = await file.read(4, 0);
  plain(head, 'File.read');
  assert.equal([...head], [...utf8('0123')]);
  plain(await file.readAll(), 'File.readAll');
  plain(await IORing.shared.read(file.handle, 3, { offset: 2 }), 'IORing.read');
  const [r] = await IORing.shared.linked([{ tag: 'read', val: { fd: file.handle, len: 5, offset: 0n } }]);
  plain(r.data, 'linked read');
  const ring = new IORing();
  ring.registerBuffers(1, 16);
  await ring.readFixed(file.handle, 0, 0, 10, { offset: 0 });
  plain(ring.bufferRead(0, 0, 10), 'bufferRead');
  ring.drop();
  await file.close();
});

test('socket reads give plain Uint8Arrays: receive, receiveStream, receiveFrom', async () => {
  const srv = net.createServer((s) => s.on('error', () => {}).end('hello stream')).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const a = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  plain(await a.receive(5), 'Socket.receive');
  await a.close();
  const b = await Socket.connect(`127.0.0.1:${srv.address().port}`);
  for await (const chunk of b.receiveStream()) plain(chunk, 'Socket.receiveStream');
  await b.close();
  srv.close();

  const peer = dgram.createSocket('udp4');
  await new Promise((r) => peer.bind(0, '127.0.0.1', r));
  peer.on('message', (m, ri) => peer.send(m, ri.port, ri.address));
  const udp = await Socket.create('udp');
  await udp.bind('127.0.0.1:0');
  await udp.sendTo(utf8('dgram'), `127.0.0.1:${peer.address().port}`);
  plain((await udp.receiveFrom()).data, 'Socket.receiveFrom');
  await udp.close();
  peer.close();
});

test('stat(): size and modifiedNs are numbers, modifiedMs as Node has it; bigint: true gives bigints', async () => {
  const path = join(dir.path, 'ten.txt');
  const file = await File.open('bytes', 'ten.txt');
  const st = await file.stat();
  assert.is(typeof st.size, 'number');
  assert.is(st.size, 10);
  assert.is(typeof st.modifiedNs, 'number');
  const node = statSync(path, { bigint: true });
  assert.ok(Math.abs(st.modifiedMs - Number(node.mtimeMs)) < 1, `${st.modifiedMs} vs ${node.mtimeMs}`);
  assert.ok(Math.abs(st.modifiedNs - Number(node.mtimeNs)) < 1024);
  const big = await file.stat({ bigint: true });
  assert.is(big.size, 10n);
  assert.is(big.modifiedNs, node.mtimeNs);
  assert.is(big.modifiedMs, st.modifiedMs);
  const viaDir = await Directory.granted('bytes').stat('ten.txt', { bigint: true });
  assert.is(viaDir.size, 10n);
  assert.is((await Directory.granted('bytes').stat('ten.txt')).size, 10);
  assert.is(typeof (await IORing.shared.statx(file.handle)).size, 'number');
  await file.close();
});

test.run();

// Addresses as a Node developer writes and reads them: `{ address, port }` objects and
// 'host:port' strings (IPv6 in brackets) wherever an address is taken, `{ address, port,
// family }` objects wherever one is given (the WIT record by toWit()), and an accepted
// connection's peer never reported as an empty unix address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import net from 'node:net';
import { IORing, NetAddress, Socket, formatAddress, fromUtf8, parseAddress, sleep, toNetAddress, utf8 } from '@ioring/ring';
import { grantBind, grantConnect } from '@ioring/ring/node';
import { freePort } from './helpers.js';

// IPv6 loopback, granted port by port: policy.test.js, in the same process, checks that
// [::1] is not granted as a whole.
grantBind('tcp:[::1]:0');

test('parseAddress takes objects, strings and ports; toNetAddress and formatAddress give them back', () => {
  const v4 = { tag: 'ipv4', val: { port: 80, address: [127, 0, 0, 1] } };
  assert.equal(parseAddress({ address: '127.0.0.1', port: 80 }), v4);
  assert.equal(parseAddress({ host: 'localhost', port: 80 }), v4);
  assert.equal(parseAddress({ address: '127.0.0.1', port: 80, family: 'IPv4' }), v4);
  assert.equal(parseAddress('127.0.0.1:80'), v4);
  const v6 = { tag: 'ipv6', val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 1], scopeId: 0 } };
  assert.equal(parseAddress({ address: '::1', port: 80 }), v6);
  assert.equal(parseAddress({ address: '[::1]', port: 80, family: 'IPv6' }), v6);
  assert.equal(parseAddress('[::1]:80'), v6);
  assert.equal(parseAddress({ address: '/run/x.sock' }), { tag: 'unix', val: '/run/x.sock' });
  const a = toNetAddress('[::1]:80');
  assert.instance(a, NetAddress);
  assert.equal({ ...a }, { address: '::1', port: 80, family: 'IPv6', flowInfo: 0, scopeId: 0 });
  assert.equal(a.toWit(), v6);
  assert.is(String(a), '[::1]:80');
  assert.is(JSON.stringify(toNetAddress('10.0.0.1:7')), '{"address":"10.0.0.1","port":7,"family":"IPv4"}');
  assert.equal(parseAddress(a), v6, 'a NetAddress is taken back');
  assert.is(formatAddress({ address: '10.1.2.3', port: 9 }), '10.1.2.3:9');
  assert.is(formatAddress(toNetAddress({ tag: 'ipv6', val: { port: 1, flowInfo: 0, address: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], scopeId: 0 } })), '[::ffff:127.0.0.1]:1');
  assert.throws(() => parseAddress({ port: 80 }), TypeError);
  assert.throws(() => parseAddress({ address: '1.2.3', port: 80 }), TypeError);
});

test('Socket methods take { address, port } objects; peer and localAddress are { address, port, family }', async () => {
  const server = await Socket.create('tcp');
  await server.bind({ address: '127.0.0.1', port: 0 });
  await server.listen();
  const local = await server.localAddress();
  assert.instance(local, NetAddress);
  assert.is(local.address, '127.0.0.1');
  assert.is(local.family, 'IPv4');
  const accepted = server.accept();
  const client = await Socket.connect({ address: '127.0.0.1', port: local.port });
  const conn = await accepted;
  const mine = await client.localAddress();
  assert.equal({ ...conn.peer }, { address: '127.0.0.1', port: mine.port, family: 'IPv4' });
  assert.is(`${conn.peer}`, `127.0.0.1:${mine.port}`);
  await Promise.all([client.close(), conn.close(), server.close()]);
});

test('IPv6: [::1]:port strings and objects, peer family IPv6', async () => {
  const server = await Socket.create('tcp6');
  await server.bind('[::1]:0');
  const { port, family, address } = await server.localAddress();
  grantBind(`tcp:[::1]:${port}`);
  grantConnect(`tcp:[::1]:${port}`);
  await server.listen();
  assert.is(family, 'IPv6');
  assert.is(address, '::1');
  const accepted = server.accept();
  const client = await Socket.connect(`[::1]:${port}`);
  const conn = await accepted;
  assert.is(conn.peer.family, 'IPv6');
  assert.is(conn.peer.address, '::1');
  await client.close();
  const again = server.accept();
  const second = await Socket.connect({ address: '::1', port });
  await (await again).close();
  await Promise.all([second.close(), conn.close(), server.close()]);
});

test('receiveFrom gives the sender as { address, port, family }; sendTo takes it back', async () => {
  const peer = dgram.createSocket('udp4');
  await new Promise((resolve) => peer.bind(0, '127.0.0.1', resolve));
  peer.on('message', (msg, rinfo) => peer.send(msg, rinfo.port, rinfo.address));
  const udp = await Socket.create('udp');
  await udp.bind({ address: '127.0.0.1', port: 0 });
  await udp.sendTo(utf8('ping'), { address: '127.0.0.1', port: peer.address().port });
  const { data, from } = await udp.receiveFrom();
  assert.is(fromUtf8(data), 'ping');
  assert.instance(from, NetAddress);
  assert.equal({ ...from }, { address: '127.0.0.1', port: peer.address().port, family: 'IPv4' });
  await udp.sendTo(utf8('again'), from);
  assert.is(fromUtf8((await udp.receiveFrom()).data), 'again');
  await udp.close();
  peer.close();
});

test('the raw ring takes any address form too', async () => {
  const ring = IORing.shared;
  const port = await freePort();
  const srv = net.createServer((s) => s.end('raw')).listen(port, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const fd = await ring.socket('ipv4', 'stream');
  await ring.connect(fd, { address: '127.0.0.1', port });
  assert.is(fromUtf8(await ring.recv(fd, 16)), 'raw');
  await ring.close(fd);
  srv.close();
});

test('a connection reset before it is accepted is dropped, and the next one names its peer', async () => {
  const server = await Socket.create('tcp');
  await server.bind('127.0.0.1:0');
  await server.listen();
  const { port } = await server.localAddress();
  // Connected and reset at once, before the app accepts: accept(2) with an address drops it.
  const early = net.connect(port, '127.0.0.1', () => early.resetAndDestroy());
  early.on('error', () => {});
  await new Promise((r) => early.on('close', r));
  await sleep(50);
  const late = net.connect(port, '127.0.0.1');
  await new Promise((r) => late.on('connect', r));
  const conn = await server.accept();
  assert.equal([conn.peer?.address, conn.peer?.port, conn.peer?.family], ['127.0.0.1', late.localPort, 'IPv4']);
  late.destroy();
  await conn.close();
  await server.close();
});

test.run();

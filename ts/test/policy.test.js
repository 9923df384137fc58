// The Node backend's network policy, as the Linux host's --bind/--connect: helpers.js grants
// binding and connecting on 127.0.0.1 (TCP and UDP) and nothing else, so each test here tries
// to get past one grant and must be refused with `access`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { Socket, fromUtf8, grants, utf8 } from '@ioring/ring';
import { grantListener } from '@ioring/ring/node';
import { freePort, rejection } from './helpers.js';

const refused = async (promise) => assert.is((await rejection(promise)).errorCode, 'access');

/** A node:dgram socket bound to `host` (any port). */
async function udpPeer(host) {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve) => s.bind(0, host, resolve));
  return s;
}

test('connect: only to a --connect address', async () => {
  const tcp = await Socket.create('tcp');
  await refused(tcp.connect('10.1.2.3:80'));
  await refused(tcp.connect('127.0.0.2:80'));
  await tcp.close();
  const tcp6 = await Socket.create('tcp6');
  await refused(tcp6.connect('[::1]:80'));
  await tcp6.close();
  const udp = await Socket.create('udp');
  await refused(udp.connect('127.0.0.2:9'));
  await udp.close();
  // The granted address still connects.
  const port = await freePort();
  const server = await Socket.create('tcp');
  await server.bind(`127.0.0.1:${port}`);
  await server.listen();
  const client = await Socket.connect(`127.0.0.1:${port}`);
  await Promise.all([client.close(), server.close()]);
});

test('bind: only to a --bind address; a granted listener not at all', async () => {
  const tcp = await Socket.create('tcp');
  await refused(tcp.bind('0.0.0.0:0'));
  await refused(tcp.bind('127.0.0.2:0'));
  await tcp.close();
  const udp = await Socket.create('udp');
  await refused(udp.bind('0.0.0.0:0'));
  await udp.close();
  grantListener('policy-lst', '127.0.0.1:0');
  const lst = new Socket(grants.listener('policy-lst'));
  await refused(lst.bind('127.0.0.1:0'));
  await lst.close();
});

test('listen: an unbound socket would listen on the wildcard address, which is not granted', async () => {
  const tcp = await Socket.create('tcp');
  await refused(tcp.listen());
  await tcp.close();
  const bound = await Socket.create('tcp');
  await bound.bind('127.0.0.1:0');
  await bound.listen();
  await bound.close();
});

test('sendmsg: only to a --connect address', async () => {
  const stranger = await udpPeer('127.0.0.2');
  const udp = await Socket.create('udp');
  await refused(udp.sendTo(utf8('x'), `127.0.0.2:${stranger.address().port}`));
  await refused(udp.sendTo(utf8('x'), '10.1.2.3:9'));
  await udp.close();
  stranger.close();
});

test('receive: a socket bound by a send hears only senders it may send to', async () => {
  const peer = await udpPeer('127.0.0.1');
  const stranger = await udpPeer('127.0.0.2');
  const udp = await Socket.create('udp');
  // recv on a socket neither bound to a granted address nor connected cannot tell the sender.
  await refused(udp.receive());
  await udp.sendTo(utf8('hi'), `127.0.0.1:${peer.address().port}`);
  const port = (await udp.localAddress()).port;
  // Bound to the wildcard address by the send: still neither, recv is refused...
  await refused(udp.receive());
  // ...and recvmsg drops what strangers send.
  const got = udp.receiveFrom();
  await new Promise((resolve) => stranger.send('evil', port, '127.0.0.1', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => peer.send('good', port, '127.0.0.1', resolve));
  const d = await got;
  assert.is(fromUtf8(d.data), 'good');
  assert.is(d.from.address, '127.0.0.1');
  await udp.close();
  // Bound to a granted address: it hears anyone.
  const bound = await Socket.create('udp');
  await bound.bind('127.0.0.1:0');
  const at = (await bound.localAddress()).port;
  const heard = bound.receive();
  await new Promise((resolve) => stranger.send('anyone', at, '127.0.0.1', resolve));
  assert.is(fromUtf8(await heard), 'anyone');
  await bound.close();
  peer.close();
  stranger.close();
});

test.run();

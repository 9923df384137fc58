// Multicast and bind-to-device on the Node backend, on the loopback interface: Socket's
// addMembership / dropMembership / setMulticast* / bindToDevice, the grants they need
// (IORING_MULTICAST, IORING_BIND_DEVICE, or grantMulticast / grantBindDevice) and the
// messages of their refusals. A node:dgram socket is the peer that sends to the group.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { Socket, fromUtf8, ipAddress, utf8 } from '@ioring/ring';
import { grantConnect, grantMulticast } from '@ioring/ring/node';
import { rejection } from './helpers.js';

/** A node:dgram sender whose datagrams to a group leave by lo and stay on this machine. */
async function sender() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  s.setMulticastInterface('127.0.0.1');
  s.setMulticastLoopback(true);
  s.setMulticastTTL(0);
  return s;
}

const send = (s, text, port, group) => new Promise((resolve, reject) => s.send(text, port, group, (e) => (e ? reject(e) : resolve())));

test('ipAddress parses the groups a membership names', () => {
  assert.equal(ipAddress('239.255.90.1'), { tag: 'ipv4', val: [239, 255, 90, 1] });
  assert.equal(ipAddress('ff02::90:1'), { tag: 'ipv6', val: [0xff02, 0, 0, 0, 0, 0, 0x90, 1] });
  assert.throws(() => ipAddress('239.255.90'), /not an IPv4 address/);
});

test('without a multicast grant: join, the options and a bind to the group are EACCES, naming the grant', async () => {
  const s = await Socket.create('udp');
  const e = await rejection(s.addMembership('239.255.90.1', 'lo'));
  assert.is(e.code, 'EACCES');
  assert.is(e.message, 'set-option 239.255.90.1: no --multicast grant covers the group (EACCES); grant it with --multicast 239.255.90.1 (IORING_MULTICAST under Node)');
  const ttl = await rejection(s.setMulticastTTL(2));
  assert.is(ttl.message, 'set-option: multicast options need a --multicast grant (EACCES); grant the groups with --multicast GROUP[/PREFIX] (IORING_MULTICAST under Node)');
  assert.is((await rejection(s.setMulticastLoopback(false))).code, 'EACCES');
  assert.is((await rejection(s.setMulticastInterface('lo'))).code, 'EACCES');
  assert.is((await rejection(s.bind('239.255.90.1:0'))).code, 'EACCES');
  const dev = await rejection(s.bindToDevice('lo'));
  assert.is(dev.message, 'set-option: no --bind-device grant names lo (EACCES); grant it with --bind-device lo (IORING_BIND_DEVICE under Node)');
  assert.is((await rejection(s.addMembership('127.0.0.1'))).code, 'EINVAL', 'no group at all');
  await s.close();
});

test('with the grant: a member bound to the group on lo receives what a node:dgram peer sends, until it leaves', async () => {
  grantMulticast('239.255.90.0/24');
  grantConnect('udp:239.255.90.1:*');
  const rx = await Socket.create('udp');
  await rx.bind('239.255.90.1:0');
  const { port } = await rx.localAddress();
  await rx.addMembership('239.255.90.1', 'lo');
  assert.is((await rejection(rx.addMembership('239.255.91.1', 'lo'))).code, 'EACCES', 'outside the grant');
  assert.is((await rejection(rx.addMembership('239.255.90.2', 'nosuchif0'))).code, 'ENODEV');
  const peer = await sender();
  await send(peer, 'from node:dgram', port, '239.255.90.1');
  const { data, from } = await rx.receiveFrom();
  assert.is(fromUtf8(data), 'from node:dgram');
  assert.is(from.port, peer.address().port);
  // The guest's own sender, through the same grant (and a --connect for the group).
  const tx = await Socket.create('udp');
  await tx.setMulticastInterface('lo');
  await tx.setMulticastLoopback(true);
  await tx.setMulticastTTL(0);
  await tx.sendTo(utf8('from the ring'), `239.255.90.1:${port}`);
  assert.is(fromUtf8((await rx.receiveFrom()).data), 'from the ring');
  await rx.dropMembership('239.255.90.1', 'lo');
  assert.is((await rejection(rx.dropMembership('239.255.90.1', 'lo'))).code, 'EADDRNOTAVAIL');
  await send(peer, 'after leaving', port, '239.255.90.1');
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 300);
  assert.is((await rejection(rx.receiveFrom(64, { signal: stop.signal }))).code, 'ECANCELED', 'nothing came after leaving');
  assert.is((await rejection(tx.setMulticastTTL(256))).code, 'EINVAL');
  assert.is((await rejection(tx.bindToDevice('lo'))).code, 'EACCES', 'still no bind-device grant');
  peer.close();
  await tx.close();
  await rx.close();
});

test.run();

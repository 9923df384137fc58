// udp: sendmsg and recvmsg between two datagram sockets of the guest on loopback: payloads,
// message boundaries, the sender's address, connected sockets, and a send with no address.
// (udp.c)
import { CHECK, E, PASS, SKIP_IF_NOTSUP, ipv4, op, startsWith, t_code, t_exit, t_one, t_port, t_run } from './conform.mjs';

/** A datagram socket bound to 127.0.0.1:0: { fd, port }, or { fd: -IOR_E* }. */
async function boundSocket(ring) {
  ring.prep(op.socket('ipv4', 'datagram'));
  let c = await t_one(ring);
  if (c.res < 0) return { fd: c.res };
  const fd = c.handle;
  ring.prep(op.bind(fd, ipv4(127, 0, 0, 1, 0)));
  c = await t_one(ring);
  if (c.res < 0) return { fd: c.res };
  ring.prep(op.localAddress(fd));
  c = await t_one(ring);
  if (c.res < 0) return { fd: c.res };
  return { fd, port: t_port(c) };
}

async function udp_sendmsg_recvmsg(ring) {
  const { fd: a, port: pa } = await boundSocket(ring);
  CHECK(a >= 0, `socket a: ${t_code(a)}`);
  const { fd: b, port: pb } = await boundSocket(ring);
  CHECK(b >= 0, `socket b: ${t_code(b)}`);
  ring.prep(op.sendmsg(b, 'datagram', ipv4(127, 0, 0, 1, pa)));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 8, `sendmsg: ${t_code(res)}, want 8`);
  ring.prep(op.recvmsg(a, 64));
  const c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 8 && c.len === 8 && startsWith(c.data, 'datagram'), `recvmsg: ${t_code(c.res)} with ${c.len} bytes, want "datagram"`);
  CHECK(c.hasAddr && c.addr.tag === 'ipv4', 'recvmsg carries no sender');
  CHECK(t_port(c) === pb && c.addr.val.address[0] === 127 && c.addr.val.address[3] === 1,
    `sender 127.0.0.1:${pb}, recvmsg says port ${t_port(c)}`);
  PASS();
}

async function udp_boundaries(ring) {
  const msgs = ['a', 'bb', '', 'dddd'];
  const { fd: a, port: pa } = await boundSocket(ring);
  const { fd: b, port: pb } = await boundSocket(ring);
  CHECK(a >= 0 && b >= 0, `sockets: ${t_code(a)} ${t_code(b)}`);
  // Four datagrams, one of them empty, each received whole and alone, in order.
  for (let i = 0; i < 4; i++) {
    ring.prep(op.sendmsg(b, msgs[i], ipv4(127, 0, 0, 1, pa)));
    const res = (await t_one(ring)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === msgs[i].length, `sendmsg ${i}: ${t_code(res)}`);
  }
  for (let i = 0; i < 4; i++) {
    ring.prep(op.recvmsg(a, 64));
    const c = await t_one(ring);
    SKIP_IF_NOTSUP(c.res);
    CHECK(c.res === msgs[i].length && c.len === msgs[i].length && c.text === msgs[i],
      `datagram ${i}: ${t_code(c.res)} with ${c.len} bytes, want "${msgs[i]}"`);
    CHECK(t_port(c) === pb, `datagram ${i}: sender port ${t_port(c)}, want ${pb}`);
  }
  PASS();
}

async function udp_connected(ring) {
  const { fd: a, port: pa } = await boundSocket(ring);
  const { fd: b, port: pb } = await boundSocket(ring);
  CHECK(a >= 0 && b >= 0, `sockets: ${t_code(a)} ${t_code(b)}`);
  ring.prep(op.connect(b, ipv4(127, 0, 0, 1, pa)));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `connect: ${t_code(res)}`);
  // A connected socket sends to its peer with no address, by sendmsg or send.
  ring.prep(op.sendmsg(b, 'one', null));
  res = (await t_one(ring)).res;
  CHECK(res === 3, `sendmsg with no address: ${t_code(res)}`);
  ring.prep(op.send(b, 'two'));
  res = (await t_one(ring)).res;
  CHECK(res === 3, `send: ${t_code(res)}`);
  ring.prep(op.recvmsg(a, 64));
  let c = await t_one(ring);
  CHECK(c.res === 3 && startsWith(c.data, 'one') && t_port(c) === pb, `first datagram: ${t_code(c.res)}`);
  ring.prep(op.recv(a, 64));
  c = await t_one(ring);
  CHECK(c.res === 3 && startsWith(c.data, 'two'), `second datagram by recv: ${t_code(c.res)}`);
  PASS();
}

async function udp_no_destination(ring) {
  ring.prep(op.socket('ipv4', 'datagram'));
  const c = await t_one(ring);
  CHECK(c.res === 0, `socket: ${t_code(c.res)}`);
  ring.prep(op.sendmsg(c.handle, 'lost', null));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.DESTADDRREQ, `sendmsg with no address, unconnected: ${t_code(res)}, want destination-address-required`);
  PASS();
}

async function udp_unbound(ring) {
  // u is created and never bound or connected: it sends with an address, so the system binds
  // it to the wildcard address, which is not granted.
  const { fd: a, port: pa } = await boundSocket(ring);
  CHECK(a >= 0, `socket a: ${t_code(a)}`);
  ring.prep(op.socket('ipv4', 'datagram'));
  let c = await t_one(ring);
  CHECK(c.res === 0, `socket u: ${t_code(c.res)}`);
  const u = c.handle;
  ring.prep(op.sendmsg(u, 'hello', ipv4(127, 0, 0, 1, pa)));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 5, `sendmsg from u: ${t_code(res)}`);
  ring.prep(op.recvmsg(a, 64));
  c = await t_one(ring);
  CHECK(c.res === 5 && c.hasAddr, `recvmsg on a: ${t_code(c.res)}`);
  const back = c.addr;
  // recv and recv-multishot cannot tell the sender: refused on such a socket...
  ring.prep(op.recv(u, 64));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `recv on u: ${t_code(res)}, want access`);
  ring.prep(op.recvMultishot(u, 64));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `recv-multishot on u: ${t_code(res)}, want access`);
  // ... while recvmsg delivers a reply from an address the guest may send to.
  ring.prep(op.sendmsg(a, 'reply', back));
  CHECK((await t_one(ring)).res === 5, 'sendmsg back');
  ring.prep(op.recvmsg(u, 64));
  c = await t_one(ring);
  CHECK(c.res === 5 && startsWith(c.data, 'reply') && t_port(c) === pa, `recvmsg on u: ${t_code(c.res)} from port ${t_port(c)}`);
  PASS();
}

await t_run('udp-sendmsg-recvmsg', udp_sendmsg_recvmsg);
await t_run('udp-boundaries', udp_boundaries);
await t_run('udp-connected', udp_connected);
await t_run('udp-no-destination', udp_no_destination);
await t_run('udp-unbound', udp_unbound);
t_exit();

// multicast: the socket options of multicast (join and leave a group, outgoing interface,
// loopback, TTL) and of binding a socket to a network interface, on the loopback interface,
// with the runner's grants (239.255.80.0/24 and ff02::80:0/112, sending to 239.255.80.1, the
// interface lo). (multicast.c)
import { CHECK, E, PASS, SKIP_IF_NOTSUP, SO, ipv4, op, startsWith, t_code, t_dir, t_exit, t_one, t_port, t_quiet, t_reap, t_run } from './conform.mjs';

async function dgram(ring, family) {
  ring.prep(op.socket(family, 'datagram'));
  const c = await t_one(ring);
  return c.res < 0 ? c.res : c.handle;
}

async function join(ring, fd, group, ifname, leave = false) {
  ring.prep(leave ? op.multicastLeave(fd, group, ifname) : op.multicastJoin(fd, group, ifname));
  return (await t_one(ring)).res;
}

async function set(ring, fd, option, value) {
  ring.prep(op.setOption(fd, option, value));
  return (await t_one(ring)).res;
}

/** A socket joined to 239.255.80.1 on lo, then bound to that address: { fd, port } or { res }. */
async function member(ring) {
  const fd = await dgram(ring, 'ipv4');
  if (fd < 0) return { res: fd };
  let res = await join(ring, fd, '239.255.80.1', 'lo');
  if (res < 0) return { res };
  ring.prep(op.bind(fd, ipv4(239, 255, 80, 1, 0)));
  res = (await t_one(ring)).res;
  if (res < 0) return { res };
  ring.prep(op.localAddress(fd));
  const c = await t_one(ring);
  if (c.res < 0) return { res: c.res };
  return { fd, port: t_port(c), res };
}

/** A sender whose multicast leaves by lo, loops back and crosses no router (TTL 0). */
async function sender(ring) {
  const fd = await dgram(ring, 'ipv4');
  if (fd < 0) return { res: fd };
  ring.prep(op.multicastIf(fd, 'lo'));
  let res = (await t_one(ring)).res;
  if (res < 0) return { res };
  if ((res = await set(ring, fd, SO.MULTICAST_LOOP, 1)) < 0) return { res };
  res = await set(ring, fd, SO.MULTICAST_TTL, 0);
  return res < 0 ? { res } : { fd, res };
}

async function multicast_join_receive(ring) {
  const m = await member(ring);
  SKIP_IF_NOTSUP(m.res);
  CHECK(m.fd !== undefined, `member of 239.255.80.1 on lo: ${t_code(m.res)}`);
  const s = await sender(ring);
  SKIP_IF_NOTSUP(s.res);
  CHECK(s.fd !== undefined, `sender: ${t_code(s.res)}`);
  ring.prep(op.sendmsg(s.fd, 'to the group', ipv4(239, 255, 80, 1, m.port)));
  let res = (await t_one(ring)).res;
  CHECK(res === 12, `sendmsg to 239.255.80.1:${m.port}: ${t_code(res)}, want 12`);
  ring.prep(op.recvmsg(m.fd, 64));
  const c = await t_one(ring);
  CHECK(c.res === 12 && c.len === 12 && startsWith(c.data, 'to the group'), `recvmsg: ${t_code(c.res)} with ${c.len} bytes, want "to the group"`);
  // Left the group: the next datagram does not come.
  res = await join(ring, m.fd, '239.255.80.1', 'lo', true);
  CHECK(res === 0, `multicast-leave: ${t_code(res)}`);
  ring.prep(op.sendmsg(s.fd, 'after', ipv4(239, 255, 80, 1, m.port)));
  res = (await t_one(ring)).res;
  CHECK(res === 5, `sendmsg after leaving: ${t_code(res)}`);
  ring.prep(op.recvmsg(m.fd, 64), 7);
  CHECK(await t_quiet(ring, 300_000_000n), 'a datagram came after multicast-leave');
  ring.prep(op.cancel(7));
  CHECK((await t_reap(ring, 2)).length === 2, 'the cancel and the receive did not both complete');
  PASS();
}

async function multicast_ungranted(ring) {
  const fd = await dgram(ring, 'ipv4');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  // 239.255.81.1 lies outside 239.255.80.0/24: neither joined nor bound.
  let res = await join(ring, fd, '239.255.81.1', 'lo');
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `join 239.255.81.1: ${t_code(res)}, want access`);
  res = await join(ring, fd, '239.255.81.1', 'lo', true);
  CHECK(res === -E.ACCES, `leave 239.255.81.1: ${t_code(res)}, want access`);
  ring.prep(op.bind(fd, ipv4(239, 255, 81, 1, 0)));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `bind 239.255.81.1:0: ${t_code(res)}, want access`);
  // Not a group at all: no grant could make it one.
  res = await join(ring, fd, '127.0.0.1', 'lo');
  CHECK(res === -E.INVAL, `join 127.0.0.1: ${t_code(res)}, want invalid`);
  PASS();
}

async function multicast_options(ring) {
  const fd = await dgram(ring, 'ipv4');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  let res = await set(ring, fd, SO.MULTICAST_LOOP, 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `multicast-loop off: ${t_code(res)}`);
  res = await set(ring, fd, SO.MULTICAST_TTL, 4);
  CHECK(res === 0, `multicast-ttl 4: ${t_code(res)}`);
  ring.prep(op.multicastIf(fd, ''));
  res = (await t_one(ring)).res;
  CHECK(res === 0, `multicast-interface "": ${t_code(res)}`);
  ring.prep(op.multicastIf(fd, 'nosuchif0'));
  res = (await t_one(ring)).res;
  CHECK(res === -E.NODEV, `multicast-interface nosuchif0: ${t_code(res)}, want no-device`);
  res = await join(ring, fd, '239.255.80.2', 'nosuchif0');
  CHECK(res === -E.NODEV, `join on nosuchif0: ${t_code(res)}, want no-device`);
  // Leaving what was never joined; a group of the other family.
  res = await join(ring, fd, '239.255.80.2', 'lo', true);
  CHECK(res === -E.ADDRNOTAVAIL, `leave a group not joined: ${t_code(res)}, want address-not-available`);
  res = await join(ring, fd, 'ff02::80:1', 'lo');
  CHECK(res === -E.INVAL, `an IPv6 group on an IPv4 socket: ${t_code(res)}, want invalid`);
  // On a directory: no socket.
  const dir = t_dir('ro');
  CHECK(dir >= 0, `grant ro: ${t_code(dir)}`);
  res = await set(ring, dir, SO.MULTICAST_LOOP, 1);
  CHECK(res === -E.BADF, `multicast-loop on a directory: ${t_code(res)}, want bad-descriptor`);
  PASS();
}

async function multicast_ipv6_join(ring) {
  const fd = await dgram(ring, 'ipv6');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  let res = await join(ring, fd, 'ff02::80:1', 'lo');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `join ff02::80:1 on lo: ${t_code(res)}`);
  res = await join(ring, fd, 'ff02::81:1', 'lo');
  CHECK(res === -E.ACCES, `join ff02::81:1 (no grant): ${t_code(res)}, want access`);
  res = await join(ring, fd, '239.255.80.1', 'lo');
  CHECK(res === -E.INVAL, `an IPv4 group on an IPv6 socket: ${t_code(res)}, want invalid`);
  res = await join(ring, fd, 'ff02::80:1', 'lo', true);
  CHECK(res === 0, `leave ff02::80:1: ${t_code(res)}`);
  res = await join(ring, fd, 'ff02::80:1', 'lo', true);
  CHECK(res === -E.ADDRNOTAVAIL, `leave again: ${t_code(res)}, want address-not-available`);
  PASS();
}

async function bindTo(ring, fd, ifname) {
  ring.prep(op.bindToDevice(fd, ifname));
  return (await t_one(ring)).res;
}

async function socket_bind_to_device(ring) {
  const a = await dgram(ring, 'ipv4');
  const b = await dgram(ring, 'ipv4');
  CHECK(a >= 0 && b >= 0, `sockets: ${t_code(a)} ${t_code(b)}`);
  let res = await bindTo(ring, a, 'lo');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `bind-to-device lo: ${t_code(res)}`);
  ring.prep(op.bind(a, ipv4(127, 0, 0, 1, 0)));
  res = (await t_one(ring)).res;
  CHECK(res === 0, `bind 127.0.0.1:0: ${t_code(res)}`);
  ring.prep(op.localAddress(a));
  let c = await t_one(ring);
  CHECK(c.res === 0, `local-address: ${t_code(c.res)}`);
  ring.prep(op.sendmsg(b, 'via lo', ipv4(127, 0, 0, 1, t_port(c))));
  res = (await t_one(ring)).res;
  CHECK(res === 6, `sendmsg: ${t_code(res)}`);
  ring.prep(op.recvmsg(a, 64));
  c = await t_one(ring);
  CHECK(c.res === 6 && startsWith(c.data, 'via lo'), `recvmsg: ${t_code(c.res)}`);
  res = await bindTo(ring, b, 'eth0');
  CHECK(res === -E.ACCES, `bind-to-device eth0: ${t_code(res)}, want access`);
  res = await bindTo(ring, b, 'nosuchif0');
  CHECK(res === -E.ACCES, `bind-to-device nosuchif0: ${t_code(res)}, want access`);
  res = await bindTo(ring, a, '');
  CHECK(res === 0, `bind-to-device "" (unbind): ${t_code(res)}`);
  PASS();
}

await t_run('multicast-join-receive', multicast_join_receive);
await t_run('multicast-ungranted', multicast_ungranted);
await t_run('multicast-options', multicast_options);
await t_run('multicast-ipv6-join', multicast_ipv6_join);
await t_run('socket-bind-to-device', socket_bind_to_device);
t_exit();

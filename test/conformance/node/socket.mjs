// socket: socket, bind, listen, set-option, local-address, connect and shutdown, the guest
// being both ends on loopback; binds and connects outside the grants are refused. (socket.c)
import {
  CHECK, E, PASS, SKIP, SKIP_IF_NOTSUP, SO, STDOUT, ipv4, op, startsWith, t_code, t_exit, t_one, t_port, t_reap, t_run,
  t_tcp_pair,
} from './conform.mjs';

/** A new IPv4 socket's handle, or -IOR_E*. */
async function newSocket(ring, type) {
  ring.prep(op.socket('ipv4', type));
  const c = await t_one(ring);
  return c.res < 0 ? c.res : c.handle;
}

/** Binds `fd` to 127.0.0.1:0 and returns the port the system chose, or -IOR_E*. */
async function bindAnyPort(ring, fd) {
  ring.prep(op.bind(fd, ipv4(127, 0, 0, 1, 0)));
  let c = await t_one(ring);
  if (c.res < 0) return c.res;
  ring.prep(op.localAddress(fd));
  c = await t_one(ring);
  if (c.res < 0) return c.res;
  return t_port(c);
}

async function socket_create(ring) {
  ring.prep(op.socket('ipv4', 'stream'));
  let c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `socket: ${t_code(c.res)}, want 0`);
  CHECK(c.handle >= 0, 'no handle in the CQE');
  const a = c.handle;
  ring.prep(op.socket('ipv4', 'datagram'));
  c = await t_one(ring);
  CHECK(c.res === 0 && c.handle >= 0, `datagram socket: ${t_code(c.res)}`);
  CHECK(a !== c.handle, `two sockets got the same handle ${a}`);
  PASS();
}

async function socket_bind_local_address(ring) {
  const fd = await newSocket(ring, 'stream');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  ring.prep(op.bind(fd, ipv4(127, 0, 0, 1, 0)));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `bind 127.0.0.1:0: ${t_code(res)}`);
  ring.prep(op.localAddress(fd));
  const c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `local-address: ${t_code(c.res)}`);
  CHECK(c.hasAddr && c.addr.tag === 'ipv4', 'local-address carries no IPv4 address');
  const a = c.addr.val.address;
  CHECK(a[0] === 127 && a[1] === 0 && a[2] === 0 && a[3] === 1, `bound to ${a.join('.')}, want 127.0.0.1`);
  CHECK(c.addr.val.port !== 0, 'port 0: the system chose none');
  PASS();
}

async function socket_bind_in_use(ring) {
  const a = await newSocket(ring, 'stream');
  const b = await newSocket(ring, 'stream');
  CHECK(a >= 0 && b >= 0, 'socket');
  const port = await bindAnyPort(ring, a);
  CHECK(port > 0, `bind: ${t_code(port)}`);
  ring.prep(op.listen(a, 4));
  let res = (await t_one(ring)).res;
  CHECK(res === 0, `listen: ${t_code(res)}`);
  ring.prep(op.bind(b, ipv4(127, 0, 0, 1, port)));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ADDRINUSE, `bind to a listening socket's port: ${t_code(res)}, want address-in-use`);
  PASS();
}

/** Sets each of `opts` on a fresh TCP socket: every one must succeed. */
async function setOptions(ring, opts) {
  const fd = await newSocket(ring, 'stream');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  for (const [opt, value, name] of opts) {
    ring.prep(op.setOption(fd, opt, value));
    const res = (await t_one(ring)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === 0, `${name}: ${t_code(res)}, want 0`);
  }
  PASS();
}

async function socket_set_option(ring) {
  // An option on something that is no socket fails.
  ring.prep(op.setOption(STDOUT, SO.TCP_NODELAY, 1));
  const res = (await t_one(ring)).res;
  CHECK(res < 0, 'tcp-no-delay on handle 1 succeeded');
  await setOptions(ring, [
    [SO.REUSEADDR, 1, 'reuse-address'],
    [SO.TCP_NODELAY, 1, 'tcp-no-delay'],
    [SO.RCVBUF, 65536, 'receive-buffer-size'],
    [SO.SNDBUF, 65536, 'send-buffer-size'],
    [SO.TCP_NODELAY, 0, 'tcp-no-delay off'],
  ]);
}

async function socket_set_option_reuse_port(ring) {
  await setOptions(ring, [[SO.REUSEPORT, 1, 'reuse-port']]);
}

async function socket_set_option_keep_alive(ring) {
  await setOptions(ring, [[SO.KEEPALIVE, 1, 'keep-alive'], [SO.KEEPALIVE, 0, 'keep-alive off']]);
}

async function socket_listen_connect(ring) {
  const l = await newSocket(ring, 'stream');
  const s = await newSocket(ring, 'stream');
  CHECK(l >= 0 && s >= 0, 'socket');
  const port = await bindAnyPort(ring, l);
  CHECK(port > 0, `bind: ${t_code(port)}`);
  ring.prep(op.listen(l, 8));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `listen: ${t_code(res)}`);
  ring.prep(op.connect(s, ipv4(127, 0, 0, 1, port)), 1);
  ring.prep(op.accept(l), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'connect and accept did not both complete');
  let la;
  for (const x of c) {
    if (x.userData === 1) {
      SKIP_IF_NOTSUP(x.res);
      CHECK(x.res === 0, `connect: ${t_code(x.res)}`);
    } else {
      CHECK(x.res === 0 && x.handle >= 0, `accept: ${t_code(x.res)}`);
      CHECK(x.hasAddr, 'accept carries no peer address');
      la = x;
    }
  }
  // The peer accept reports is the connecting socket's own address.
  ring.prep(op.localAddress(s));
  const mine = await t_one(ring);
  CHECK(mine.res === 0 && t_port(mine) > 0, `local-address of the client: ${t_code(mine.res)}`);
  CHECK(t_port(mine) === t_port(la), `accept's peer port ${t_port(la)}, the client's port ${t_port(mine)}`);
  PASS();
}

async function socket_connect_refused(ring) {
  const a = await newSocket(ring, 'stream');
  const b = await newSocket(ring, 'stream');
  CHECK(a >= 0 && b >= 0, 'socket');
  // A port bound but not listening: nothing accepts there.
  const port = await bindAnyPort(ring, a);
  CHECK(port > 0, `bind: ${t_code(port)}`);
  ring.prep(op.connect(b, ipv4(127, 0, 0, 1, port)));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.CONNREFUSED, `connect to a port nobody listens on: ${t_code(res)}, want connection-refused`);
  PASS();
}

async function socket_ungranted(ring) {
  const fd = await newSocket(ring, 'stream');
  const u = await newSocket(ring, 'datagram');
  CHECK(fd >= 0 && u >= 0, 'socket');
  // The runner grants 127.0.0.1 only.
  ring.prep(op.connect(fd, ipv4(10, 1, 2, 3, 80)));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `connect to 10.1.2.3:80: ${t_code(res)}, want access`);
  ring.prep(op.bind(fd, ipv4(0, 0, 0, 0, 0)));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `bind to 0.0.0.0:0: ${t_code(res)}, want access`);
  ring.prep(op.sendmsg(u, 'x', ipv4(10, 1, 2, 3, 53)));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `sendmsg to 10.1.2.3:53: ${t_code(res)}, want access`);
  // An unbound socket would listen on the wildcard address, which is not granted.
  ring.prep(op.listen(fd, 4));
  res = (await t_one(ring)).res;
  CHECK(res === -E.ACCES, `listen unbound: ${t_code(res)}, want access`);
  PASS();
}

async function socket_shutdown(ring) {
  const { res: pr, client, server } = await t_tcp_pair(ring);
  CHECK(pr === 0, `tcp pair: ${t_code(pr)}`);
  ring.prep(op.shutdown(client, 'write'));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `shutdown write: ${t_code(res)}`);
  // The peer reads end of stream; the shut side can no longer send.
  ring.prep(op.recv(server, 16));
  let c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `recv after the peer's shutdown: ${t_code(c.res)}, want 0`);
  ring.prep(op.send(client, 'late'));
  res = (await t_one(ring)).res;
  CHECK(res === -E.PIPE, `send after shutdown write: ${t_code(res)}, want pipe`);
  // The other direction still works.
  ring.prep(op.send(server, 'back'));
  res = (await t_one(ring)).res;
  CHECK(res === 4, `send the other way: ${t_code(res)}`);
  ring.prep(op.recv(client, 16));
  c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, 'back'), `recv the other way: ${t_code(c.res)}`);
  ring.prep(op.shutdown(server, 'both'));
  res = (await t_one(ring)).res;
  CHECK(res === 0, `shutdown both: ${t_code(res)}`);
  ring.prep(op.recv(client, 16));
  c = await t_one(ring);
  CHECK(c.res === 0, `recv after the peer's shutdown of both: ${t_code(c.res)}, want 0`);
  PASS();
}

async function socket_shutdown_unconnected(ring) {
  const fd = await newSocket(ring, 'stream');
  CHECK(fd >= 0, `socket: ${t_code(fd)}`);
  ring.prep(op.shutdown(fd, 'both'));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOTCONN, `shutdown of an unconnected socket: ${t_code(res)}, want not-connected`);
  PASS();
}

/** A socket of each kind, unbound: each reports its family's empty address. */
async function socketKinds(ring, kinds) {
  for (const [family, type, name] of kinds) {
    ring.prep(op.socket(family, type));
    let c = await t_one(ring);
    SKIP_IF_NOTSUP(c.res);
    // A host without the family says so with the family's own code.
    if (c.res === -E.AFNOSUPPORT && family === 'unix') SKIP(`socket ${name}: address-family-not-supported: the host has no unix sockets`);
    CHECK(c.res === 0 && c.handle >= 0, `socket ${name}: ${t_code(c.res)}`);
    // Unbound, each reports its family's empty address.
    ring.prep(op.localAddress(c.handle));
    c = await t_one(ring);
    CHECK(c.res === 0 && c.hasAddr, `local-address of an unbound ${name} socket: ${t_code(c.res)}`);
    if (family === 'ipv6') {
      CHECK(c.addr.tag === 'ipv6', `${name}: address kind ${c.addr.tag}, want ipv6`);
      const a = c.addr.val;
      CHECK(a.port === 0 && a.address[0] === 0 && a.address[7] === 0, `${name}: unbound, yet port ${a.port}`);
    } else {
      CHECK(c.addr.tag === 'unix', `${name}: address kind ${c.addr.tag}, want unix`);
      CHECK(c.addr.val.length === 0, `${name}: an unnamed socket's path has ${c.addr.val.length} bytes`);
    }
  }
  PASS();
}

async function socket_ipv6(ring) {
  await socketKinds(ring, [['ipv6', 'stream', 'ipv6 stream'], ['ipv6', 'datagram', 'ipv6 datagram']]);
}

async function socket_families(ring) {
  await socketKinds(ring, [
    ['unix', 'stream', 'unix stream'],
    ['unix', 'datagram', 'unix datagram'],
    ['unix', 'seqpacket', 'unix seqpacket'],
  ]);
}

async function socket_ipv6_only(ring) {
  const v4 = await newSocket(ring, 'stream');
  CHECK(v4 >= 0, `socket: ${t_code(v4)}`);
  ring.prep(op.socket('ipv6', 'stream'));
  const c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `ipv6 socket: ${t_code(c.res)}`);
  ring.prep(op.setOption(c.handle, SO.IPV6_V6ONLY, 1));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `ipv6-only on an ipv6 socket: ${t_code(res)}`);
  ring.prep(op.setOption(v4, SO.IPV6_V6ONLY, 1));
  res = (await t_one(ring)).res;
  CHECK(res < 0, 'ipv6-only on an ipv4 socket succeeded');
  PASS();
}

async function socket_shutdown_read(ring) {
  const { res: pr, client, server } = await t_tcp_pair(ring);
  CHECK(pr === 0, `tcp pair: ${t_code(pr)}`);
  ring.prep(op.shutdown(server, 'read'));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `shutdown read: ${t_code(res)}`);
  // No more receiving: a receive ends at once, with 0.
  ring.prep(op.recv(server, 16));
  let c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `recv after shutdown read: ${t_code(c.res)}, want 0`);
  // Sending still works.
  ring.prep(op.send(server, 'out'));
  CHECK((await t_one(ring)).res === 3, 'send after shutdown read');
  ring.prep(op.recv(client, 16));
  c = await t_one(ring);
  CHECK(c.res === 3 && startsWith(c.data, 'out'), `the peer's recv: ${t_code(c.res)}`);
  PASS();
}

await t_run('socket-create', socket_create);
await t_run('socket-bind-local-address', socket_bind_local_address);
await t_run('socket-bind-in-use', socket_bind_in_use);
await t_run('socket-set-option', socket_set_option);
await t_run('socket-set-option-reuse-port', socket_set_option_reuse_port);
await t_run('socket-set-option-keep-alive', socket_set_option_keep_alive);
await t_run('socket-listen-connect-accept', socket_listen_connect);
await t_run('socket-connect-refused', socket_connect_refused);
await t_run('socket-ungranted', socket_ungranted);
await t_run('socket-shutdown', socket_shutdown);
await t_run('socket-shutdown-unconnected', socket_shutdown_unconnected);
await t_run('socket-shutdown-read', socket_shutdown_read);
await t_run('socket-ipv6', socket_ipv6);
await t_run('socket-families', socket_families);
await t_run('socket-ipv6-only', socket_ipv6_only);
t_exit();

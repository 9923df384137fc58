// accept: one connection at a time, and a multishot stream of them, on the granted listener;
// each accepted handle is a working connection to the socket that connected. (accept.c)
import {
  CHECK, E, PASS, SKIP_IF_NOTSUP, ipv4, op, startsWith, t_code, t_exit, t_listener_port, t_next, t_one, t_port, t_quiet,
  t_reap, t_run,
} from './conform.mjs';

/** A new TCP socket's handle, or -IOR_E* (call with nothing else in flight). */
async function newSocket(ring) {
  ring.prep(op.socket('ipv4', 'stream'));
  const c = await t_one(ring);
  return c.res < 0 ? c.res : c.handle;
}

/** Submits a connect of `fd` to 127.0.0.1:`port`, with user data `ud`. */
function startConnect(ring, fd, port, ud) {
  ring.prep(op.connect(fd, ipv4(127, 0, 0, 1, port)), ud);
  ring.submit();
}

/** The local port of socket `fd`, or -IOR_E*. */
async function localPort(ring, fd) {
  ring.prep(op.localAddress(fd));
  const c = await t_one(ring);
  return c.res < 0 ? c.res : t_port(c);
}

async function accept_one(ring) {
  const { lst, port } = await t_listener_port(ring);
  CHECK(port > 0, `listener "lst": ${t_code(port)}`);
  const client = await newSocket(ring);
  CHECK(client >= 0, `socket: ${t_code(client)}`);
  ring.prep(op.accept(lst), 1);
  CHECK(await t_quiet(ring, 20000000), 'accept completed with nobody connecting');
  startConnect(ring, client, port, 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'accept and connect did not both complete');
  let acc = { res: 0, more: false, handle: -1, hasAddr: false };
  for (const x of c) {
    if (x.userData === 1) acc = x;
    else CHECK(x.res === 0, `connect: ${t_code(x.res)}`);
  }
  SKIP_IF_NOTSUP(acc.res);
  CHECK(acc.res === 0, `accept: ${t_code(acc.res)}, want 0`);
  CHECK(!acc.more, 'a single accept has more set');
  CHECK(acc.handle >= 0 && acc.handle !== lst && acc.handle !== client, `accept's handle ${acc.handle} is no new handle`);
  const res = await localPort(ring, client);
  CHECK(res > 0 && res === t_port(acc), `accept's peer port ${t_port(acc)}, the client's port ${t_code(res)}`);
  // The accepted handle is the connection: bytes cross both ways.
  ring.prep(op.send(client, 'hi'));
  CHECK((await t_one(ring)).res === 2, 'send');
  ring.prep(op.recv(acc.handle, 8));
  const r = await t_one(ring);
  CHECK(r.res === 2 && startsWith(r.data, 'hi'), `recv on the accepted handle: ${t_code(r.res)}`);
  PASS();
}

async function accept_multishot(ring) {
  const N = 3;
  const clients = [];
  const ports = [];
  const handles = [];
  let connected = 0;
  const { lst, port } = await t_listener_port(ring);
  CHECK(port > 0, `listener "lst": ${t_code(port)}`);
  for (let i = 0; i < N; i++) {
    clients[i] = await newSocket(ring);
    CHECK(clients[i] >= 0, `socket ${i}: ${t_code(clients[i])}`);
  }
  ring.prep(op.acceptMultishot(lst), 7);
  ring.submit();
  for (let i = 0; i < N; i++) startConnect(ring, clients[i], port, 100 + i);
  while (handles.length < N || connected < N) {
    const c = await t_next(ring);
    CHECK(c, `${handles.length} accepted and ${connected} connected of ${N}, then nothing`);
    if (c.userData !== 7) {
      CHECK(c.res === 0, `connect ${c.userData - 100}: ${t_code(c.res)}`);
      connected++;
      continue;
    }
    SKIP_IF_NOTSUP(c.res);
    CHECK(c.res === 0, `accept ${handles.length}: ${t_code(c.res)}`);
    CHECK(c.more, `accept ${handles.length}: more is not set while the stream goes on`);
    CHECK(c.handle >= 0 && t_port(c) > 0, `accept ${handles.length} carries no handle and peer`);
    ports.push(t_port(c));
    handles.push(c.handle);
  }
  // Each client is accepted exactly once, whatever the order.
  for (let i = 0; i < N; i++) {
    const p = await localPort(ring, clients[i]);
    const hits = ports.filter((x) => x === p).length;
    CHECK(hits === 1, `client ${i} (port ${p}) accepted ${hits} times`);
    for (let k = 0; k < i; k++) CHECK(handles[k] !== handles[i], `two accepts gave handle ${handles[i]}`);
  }
  // Cancel ends the stream: a last CQE without more.
  ring.prep(op.cancel(7, 0));
  let ended = false;
  let cancelSeen = false;
  while (!ended || !cancelSeen) {
    const c = await t_next(ring);
    CHECK(c, 'the stream did not end after cancel');
    if (c.userData === 7) {
      CHECK(!c.more, "the stream's last CQE has more set");
      CHECK(c.res === -E.CANCELED, `the stream ended with ${t_code(c.res)}, want canceled`);
      ended = true;
    } else {
      CHECK(c.res === 1, `cancel: ${t_code(c.res)}, want 1`);
      cancelSeen = true;
    }
  }
  CHECK(await t_quiet(ring, 20000000), "a CQE after the stream's last");
  PASS();
}

async function accept_not_listening(ring) {
  ring.prep(op.socket('ipv4', 'stream'));
  const c = await t_one(ring);
  CHECK(c.res === 0, `socket: ${t_code(c.res)}`);
  ring.prep(op.accept(c.handle));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `accept on a socket that does not listen: ${t_code(res)}, want invalid`);
  PASS();
}

await t_run('accept-one', accept_one);
await t_run('accept-multishot', accept_multishot);
await t_run('accept-not-listening', accept_not_listening);
t_exit();

// ring-drop: dropping a ring cancels what it has in flight: an accept no longer takes
// connections, a receive no longer takes bytes, and nothing linked after them runs. Other
// rings of the guest, and its handles, go on. (ring-drop.c)
import {
  CHECK, E, LINK, O, PASS, Ring, ipv4, op, startsWith, t_code, t_dir, t_exit, t_listener_port, t_next, t_one, t_open,
  t_quiet, t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

async function ring_drop_accept(ring) {
  const rw = t_dir('rw');
  const { lst, port } = await t_listener_port(ring);
  CHECK(port > 0, `listener "lst": ${t_code(port)}`);
  const fd = await t_open(ring, rw, 'after-accept', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  ring.prep(op.socket('ipv4', 'stream'));
  let c = await t_one(ring);
  CHECK(c.res === 0, `socket: ${t_code(c.res)}`);
  const client = c.handle;

  // On a second ring: accept -> write "X", both in flight when the ring goes.
  const doomed = Ring.create(4);
  CHECK(typeof doomed !== 'number', 'second ring');
  doomed.prep(op.accept(lst), 0, LINK);
  doomed.prep(op.write(fd, 'X', 0));
  CHECK(doomed.submit() === 2, 'submit on the second ring');
  CHECK(await t_quiet(doomed, 20000000), 'the accept completed with nobody connecting');
  doomed.exit();

  // Now a connection: the accept on this ring gets it, not the dropped one's.
  ring.prep(op.connect(client, ipv4(127, 0, 0, 1, port)), 1);
  ring.prep(op.accept(lst), 2);
  const cs = await t_reap(ring, 2);
  CHECK(cs.length === 2, "connect and accept did not both complete: the dropped ring's accept took the connection?");
  for (const x of cs) CHECK(x.res === 0, `${x.userData === 1 ? 'connect' : 'accept'}: ${t_code(x.res)}`);
  ring.prep(op.read(fd, 8, 0));
  c = await t_one(ring);
  CHECK(c.res === 0, `the write linked after the dropped accept ran (${t_code(c.res)} bytes)`);
  PASS();
}

async function ring_drop_recv(ring) {
  const { res, client, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  const doomed = Ring.create(4);
  CHECK(typeof doomed !== 'number', 'second ring');
  doomed.prep(op.recv(server, 64));
  doomed.prep(op.recvMultishot(server, 64));
  CHECK(doomed.submit() === 2, 'submit on the second ring');
  CHECK(await t_quiet(doomed, 20000000), 'a receive completed with nothing sent');
  doomed.exit();
  // The bytes sent now are all there for a receive on this ring.
  ring.prep(op.send(client, 'kept'));
  CHECK((await t_one(ring)).res === 4, 'send');
  ring.prep(op.recv(server, 64));
  const c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, 'kept'), `recv after the drop: ${t_code(c.res)} (the dropped ring's receives took bytes?)`);
  PASS();
}

async function ring_drop_timeout(ring) {
  // A ring dropped with a timeout in flight; this ring's timeout is unaffected, and no CQE of
  // the other ring ever shows up here.
  const doomed = Ring.create(4);
  CHECK(typeof doomed !== 'number', 'second ring');
  doomed.prep(op.timeout(30000000, 0));
  CHECK(doomed.submit() === 1, 'submit on the second ring');
  doomed.exit();
  ring.prep(op.timeout(60000000, 0), 77);
  const c = await t_next(ring);
  CHECK(c && c.userData === 77 && c.res === -E.TIMEDOUT, `this ring's timeout: ${c?.userData} ${t_code(c?.res)}`);
  CHECK(await t_quiet(ring, 50000000), 'a stray completion');
  PASS();
}

await t_run('ring-drop-accept', ring_drop_accept);
await t_run('ring-drop-recv', ring_drop_recv);
await t_run('ring-drop-timeout', ring_drop_timeout);
t_exit();

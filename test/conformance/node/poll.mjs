// poll: one-shot and multishot readiness on a TCP connection the guest made to itself; the
// result is the ready events as bits. (poll.c)
import {
  CHECK, E, FAIL, PASS, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDHUP, SKIP_IF_NOTSUP, SKIP_IF_NO_RESET, op, t_close, t_code, t_exit,
  t_next, t_one, t_quiet, t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

async function pair(ring) {
  const p = await t_tcp_pair(ring);
  CHECK(p.res === 0, `tcp pair: ${t_code(p.res)}`);
  return p;
}

async function poll_oneshot(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.poll(server, POLLIN), 1);
  CHECK(await t_quiet(ring, 30000000), 'poll for input completed with no input');
  ring.prep(op.send(client, 'wake'));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'send and poll did not both complete');
  for (const x of c) {
    if (x.userData !== 1) continue;
    SKIP_IF_NOTSUP(x.res);
    CHECK(x.res > 0 && (x.res & POLLIN), `poll: ${t_code(x.res)}, want readable`);
    CHECK(!(x.res & POLLOUT), 'poll reported writable, which was not asked for');
    CHECK(!x.more, 'a one-shot poll has more set');
  }
  // One-shot: more input, no second CQE.
  ring.prep(op.send(client, 'more'));
  CHECK((await t_one(ring)).res === 4, 'second send');
  CHECK(await t_quiet(ring, 30000000), 'a one-shot poll completed twice');
  PASS();
}

async function poll_writable(ring) {
  const { client } = await pair(ring);
  ring.prep(op.poll(client, POLLIN | POLLOUT));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res > 0 && (res & POLLOUT), `poll of a fresh connection: ${t_code(res)}, want writable`);
  CHECK(!(res & POLLIN), `readable with nothing sent (0x${res.toString(16)})`);
  PASS();
}

async function poll_multishot(ring) {
  const { client, server } = await pair(ring);
  let wakeups = 0;
  ring.prep(op.pollMultishot(server, POLLIN), 1);
  CHECK(await t_quiet(ring, 30000000), 'multishot poll completed with no input');
  // Three rounds of: input arrives, the poll reports it, the input is read away.
  for (let round = 0; round < 3; round++) {
    let polled = false;
    let sent = false;
    ring.prep(op.send(client, 'x'));
    while (!polled || !sent) {
      const c = await t_next(ring);
      CHECK(c, `round ${round}: no completion`);
      if (c.userData !== 1) {
        CHECK(c.res === 1, `send: ${t_code(c.res)}`);
        sent = true;
        continue;
      }
      SKIP_IF_NOTSUP(c.res);
      CHECK(c.res > 0 && (c.res & POLLIN), `round ${round}: ${t_code(c.res)}, want readable`);
      CHECK(c.more, `round ${round}: more is not set on a multishot poll`);
      polled = true;
      wakeups++;
    }
    ring.prep(op.recv(server, 16));
    CHECK((await t_one(ring)).res === 1, `recv in round ${round}`);
    CHECK(await t_quiet(ring, 20000000), `round ${round}: a report with nothing new to read`);
  }
  CHECK(wakeups === 3, `${wakeups} reports for 3 arrivals`);
  ring.prep(op.cancel(1, 0));
  for (let seen = 0; seen < 2; seen++) {
    const c = await t_next(ring);
    CHECK(c, 'cancel did not end the multishot poll');
    if (c.userData === 1) CHECK(c.res === -E.CANCELED && !c.more, `the last CQE: ${t_code(c.res)} more ${c.more ? 1 : 0}, want canceled`);
    else CHECK(c.res === 1, `cancel: ${t_code(c.res)}`);
  }
  PASS();
}

async function poll_hang_up(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.poll(server, POLLRDHUP), 1);
  if (!(await t_quiet(ring, 30000000))) {
    // A host without read-hang-up says so at once.
    const e = await t_next(ring);
    CHECK(e, 'lost a completion');
    SKIP_IF_NOTSUP(e.res);
    FAIL(`poll for read-hang-up completed early: ${t_code(e.res)}`);
  }
  // The peer's close shuts its writing half (as shutdown of writing would).
  ring.prep(op.close(client));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'close and poll did not both complete');
  for (const x of c) {
    if (x.userData !== 1) {
      CHECK(x.res === 0, `close: ${t_code(x.res)}`);
      continue;
    }
    SKIP_IF_NOTSUP(x.res);
    CHECK(x.res > 0 && (x.res & POLLRDHUP), `poll after the peer's close: ${t_code(x.res)}, want read-hang-up`);
  }
  PASS();
}

async function poll_hang_up_both(ring) {
  const { client, server } = await pair(ring);
  // Both directions shut: the connection is hung up, which poll reports unasked.
  ring.prep(op.shutdown(server, 'write'));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `shutdown of the server's writing: ${t_code(res)}`);
  ring.prep(op.poll(server, POLLPRI), 1);
  CHECK(await t_quiet(ring, 30000000), 'poll for priority data completed early');
  ring.prep(op.shutdown(client, 'write'));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'shutdown and poll did not both complete');
  for (const x of c) {
    if (x.userData !== 1) continue;
    SKIP_IF_NOTSUP(x.res);
    CHECK(x.res > 0 && (x.res & POLLHUP), `poll: ${t_code(x.res)}, want hang-up`);
    CHECK(!(x.res & POLLPRI), 'priority reported with no urgent data');
  }
  PASS();
}

async function poll_error(ring) {
  const { client, server } = await pair(ring);
  // Closing with unread bytes resets the connection: the peer has a pending error.
  ring.prep(op.send(client, 'unread'));
  CHECK((await t_one(ring)).res === 6, 'send');
  await t_close(ring, server);
  ring.prep(op.poll(client, POLLIN));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  if (res > 0 && !(res & POLLERR)) {
    // No error: was it a reset at all?
    ring.prep(op.recv(client, 16));
    const got = (await t_one(ring)).res;
    SKIP_IF_NO_RESET(got);
    FAIL(`poll of a reset connection: 0x${res.toString(16)}, want error (a recv then: ${t_code(got)})`);
  }
  CHECK(res > 0 && (res & POLLERR), `poll of a reset connection: ${t_code(res)}, want error`);
  CHECK(res & POLLHUP, `poll of a reset connection: 0x${res.toString(16)}, want hang-up too`);
  PASS();
}

await t_run('poll-oneshot', poll_oneshot);
await t_run('poll-writable', poll_writable);
await t_run('poll-multishot', poll_multishot);
await t_run('poll-read-hang-up', poll_hang_up);
await t_run('poll-hang-up', poll_hang_up_both);
await t_run('poll-error', poll_error);
t_exit();

// stream: send and recv on a TCP connection the guest made to itself; a multishot receive
// that ends at end of stream; a peer that resets the connection. (stream.c)
import {
  CHECK, E, PASS, SKIP_IF_NOTSUP, SKIP_IF_NO_RESET, op, startsWith, t_close, t_code, t_exit, t_next, t_one, t_quiet, t_reap, t_run,
  t_tcp_pair,
} from './conform.mjs';

async function pair(ring) {
  const p = await t_tcp_pair(ring);
  CHECK(p.res === 0, `tcp pair: ${t_code(p.res)}`);
  return p;
}

async function stream_send_recv(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.send(client, 'ping'));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 4, `send: ${t_code(res)}, want 4`);
  ring.prep(op.recv(server, 64));
  let c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 4 && c.len === 4 && startsWith(c.data, 'ping'), `recv: ${t_code(c.res)} with ${c.len} bytes, want "ping"`);
  ring.prep(op.send(server, 'pong!'));
  CHECK((await t_one(ring)).res === 5, 'send back');
  // A receive smaller than what waits takes only that much; the rest follows.
  ring.prep(op.recv(client, 2));
  c = await t_one(ring);
  CHECK(c.res === 2 && startsWith(c.data, 'po'), `recv 2: ${t_code(c.res)}`);
  ring.prep(op.recv(client, 64));
  c = await t_one(ring);
  res = c.res;
  CHECK(res === 3 && startsWith(c.data, 'ng!'), `recv the rest: ${t_code(res)}`);
  PASS();
}

// 1 MiB each way at once, every byte checked; sends may be short and are resent.
async function stream_bulk(ring) {
  const SIZE = 1 << 20;
  const out = new Uint8Array(SIZE);
  const input = new Uint8Array(SIZE);
  let sent = 0;
  let got = 0;
  let sendBusy = false;
  let recvBusy = false;
  for (let i = 0; i < SIZE; i++) out[i] = (i * 7 + (i >> 11)) & 0xff;
  const { client, server } = await pair(ring);
  while (got < SIZE) {
    if (!sendBusy && sent < SIZE) {
      const n = Math.min(SIZE - sent, 65536);
      ring.prep(op.send(client, out.subarray(sent, sent + n)), 1);
      sendBusy = true;
    }
    if (!recvBusy) {
      ring.prep(op.recv(server, 65536), 2);
      recvBusy = true;
    }
    const c = await t_next(ring);
    CHECK(c, `stalled after ${sent} bytes sent, ${got} received`);
    if (c.userData === 1) {
      sendBusy = false;
      CHECK(c.res > 0, `send at ${sent}: ${t_code(c.res)}`);
      sent += c.res;
    } else {
      recvBusy = false;
      const len = c.len;
      CHECK(c.res > 0 && c.res === len, `recv at ${got}: ${t_code(c.res)} with ${len} bytes`);
      CHECK(got + len <= SIZE, 'received more than was sent');
      CHECK(Buffer.compare(Buffer.from(c.data), Buffer.from(out.subarray(got, got + len))) === 0, `bytes differ in ${got}..${got + len}`);
      input.set(c.data, got);
      got += len;
    }
  }
  CHECK(Buffer.compare(Buffer.from(input), Buffer.from(out)) === 0, 'the stream differs');
  PASS();
}

async function stream_eof(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.send(client, 'last'));
  CHECK((await t_one(ring)).res === 4, 'send');
  await t_close(ring, client);
  // What was sent before the close arrives, then end of stream, again and again.
  ring.prep(op.recv(server, 64));
  let c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, 'last'), `recv before the end: ${t_code(c.res)}`);
  for (let i = 0; i < 2; i++) {
    ring.prep(op.recv(server, 64));
    c = await t_one(ring);
    CHECK(c.res === 0 && c.len === 0 && !c.more, `recv ${i + 1} at the end: ${t_code(c.res)}, want 0`);
  }
  PASS();
}

async function stream_recv_multishot(ring) {
  const parts = ['one', '-two', '-three'];
  let got = '';
  let arrivals = 0;
  const { client, server } = await pair(ring);
  ring.prep(op.recvMultishot(server, 1024), 9);
  CHECK(await t_quiet(ring, 20000000), 'recv-multishot completed before anything was sent');
  // Each part is received (and seen) before the next is sent: three arrivals.
  for (let i = 0; i < 3; i++) {
    const want = got.length + parts[i].length;
    ring.prep(op.send(client, parts[i]));
    while (got.length < want) {
      const c = await t_next(ring);
      CHECK(c, `part ${i}: no completion`);
      if (c.userData !== 9) {
        CHECK(c.res === parts[i].length, `send ${i}: ${t_code(c.res)}`);
        continue;
      }
      SKIP_IF_NOTSUP(c.res);
      CHECK(c.res > 0 && c.res === c.len, `arrival ${arrivals}: ${t_code(c.res)} with ${c.len} bytes`);
      CHECK(c.more, `arrival ${arrivals}: more is not set`);
      CHECK(got.length + c.len <= want, 'more bytes than sent');
      got += c.text;
      arrivals++;
    }
  }
  CHECK(got === 'one-two-three', "the stream's bytes differ");
  // The peer's end of stream (its close) ends the stream: result 0, more not set, nothing after.
  ring.prep(op.close(client));
  for (let seen = 0; seen < 2;) {
    const c = await t_next(ring);
    CHECK(c, 'no end of stream');
    seen++;
    if (c.userData !== 9) {
      CHECK(c.res === 0, `close: ${t_code(c.res)}`);
      continue;
    }
    CHECK(c.res === 0 && c.len === 0, `end of stream: ${t_code(c.res)} with ${c.len} bytes, want 0`);
    CHECK(!c.more, 'the last CQE has more set');
  }
  CHECK(await t_quiet(ring, 20000000), "a CQE after the stream's end");
  PASS();
}

async function stream_recv_multishot_cancel(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.recvMultishot(server, 1024), 9);
  CHECK(await t_quiet(ring, 20000000), 'recv-multishot completed before anything was sent');
  ring.prep(op.cancel(9, 0));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'cancel and stream did not both complete');
  for (const x of c) {
    if (x.userData === 9) {
      SKIP_IF_NOTSUP(x.res);
      CHECK(x.res === -E.CANCELED && !x.more, `the cancelled stream ended with ${t_code(x.res)} (more ${x.more ? 1 : 0}), want canceled`);
    } else {
      CHECK(x.res === 1, `cancel: ${t_code(x.res)}, want 1`);
    }
  }
  // Nothing was consumed: bytes sent now reach a plain recv.
  ring.prep(op.send(client, 'after'));
  CHECK((await t_one(ring)).res === 5, 'send');
  ring.prep(op.recv(server, 16));
  const r = await t_one(ring);
  CHECK(r.res === 5 && startsWith(r.data, 'after'), `recv after the cancel: ${t_code(r.res)}`);
  PASS();
}

// Closing a TCP socket with received bytes it never read makes the kernel reset the
// connection: the peer's receive ends with connection-reset (SKIP_IF_NO_RESET: a host whose TCP
// has no abortive close).

async function stream_reset(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.send(client, 'unread'));
  CHECK((await t_one(ring)).res === 6, 'send');
  ring.prep(op.recv(client, 64), 5);
  CHECK(await t_quiet(ring, 20000000), 'recv completed before the reset');
  ring.prep(op.close(server));
  const two = await t_reap(ring, 2);
  CHECK(two.length === 2, 'close and recv did not both complete');
  let c;
  for (const x of two) {
    if (x.userData === 5) c = x;
    else CHECK(x.res === 0, `close: ${t_code(x.res)}`);
  }
  CHECK(c, 'no recv completion');
  SKIP_IF_NO_RESET(c.res);
  CHECK(c.res === -E.CONNRESET, `recv on a reset connection: ${t_code(c?.res)}, want connection-reset`);
  // After the reset the connection is gone for sending too.
  ring.prep(op.send(client, 'x'));
  const res = (await t_one(ring)).res;
  CHECK(res === -E.PIPE || res === -E.CONNRESET, `send after the reset: ${t_code(res)}, want pipe or connection-reset`);
  PASS();
}

async function stream_reset_multishot(ring) {
  const { client, server } = await pair(ring);
  ring.prep(op.send(client, 'unread'));
  CHECK((await t_one(ring)).res === 6, 'send');
  ring.prep(op.recvMultishot(client, 64), 5);
  CHECK(await t_quiet(ring, 20000000), 'recv-multishot completed before the reset');
  ring.prep(op.close(server));
  for (let ended = false; !ended;) {
    const c = await t_next(ring);
    CHECK(c, 'the stream did not end at the reset');
    if (c.userData !== 5) continue;
    SKIP_IF_NOTSUP(c.res);
    SKIP_IF_NO_RESET(c.res);
    CHECK(c.res === -E.CONNRESET, `the stream ended with ${t_code(c.res)}, want connection-reset`);
    CHECK(!c.more, "the stream's last CQE has more set");
    ended = true;
  }
  PASS();
}

async function stream_close_inflight(ring) {
  let received = false;
  const { client, server } = await pair(ring);
  ring.prep(op.recv(server, 16), 1);
  CHECK(await t_quiet(ring, 20000000), 'recv completed with nothing sent');
  // Closing the handle does not end the receive in flight on it...
  ring.prep(op.close(server), 2);
  let c = await t_next(ring);
  CHECK(c && c.userData === 2, 'the close did not complete first');
  CHECK(c.res === 0, `close: ${t_code(c.res)}`);
  const closed = true;
  // ... which completes on its own, with what arrives.
  ring.prep(op.send(client, 'late'));
  for (let i = 0; i < 2; i++) {
    c = await t_next(ring);
    CHECK(c, 'the receive in flight never completed');
    if (c.userData !== 1) continue;
    CHECK(c.res === 4 && startsWith(c.data, 'late'), `the receive in flight on a closed handle: ${t_code(c.res)}, want the 4 bytes sent`);
    received = true;
  }
  CHECK(closed && received, 'missing completions');
  PASS();
}

await t_run('stream-send-recv', stream_send_recv);
await t_run('stream-bulk', stream_bulk);
await t_run('stream-eof', stream_eof);
await t_run('stream-recv-multishot', stream_recv_multishot);
await t_run('stream-recv-multishot-cancel', stream_recv_multishot_cancel);
await t_run('stream-reset', stream_reset);
await t_run('stream-reset-multishot', stream_reset_multishot);
await t_run('stream-close-inflight', stream_close_inflight);
t_exit();

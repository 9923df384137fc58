// cancel: by user data (the first match, or with `all` every one), of nothing (`no-entry`),
// and of something already complete. Targets are polls for input on a connection nobody
// writes to, which wait until cancelled. (cancel.c)
import {
  CANCEL_ALL, CHECK, E, PASS, POLLIN, Ring, SKIP_IF_NOTSUP, op, t_code, t_exit, t_one, t_quiet, t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

/** A poll for input on `fd` that will not complete by itself, tagged `ud`. */
const idlePoll = (ring, fd, ud) => ring.prep(op.poll(fd, POLLIN), ud);

async function cancel_user_data(ring) {
  const { res, client, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  idlePoll(ring, server, 7);
  idlePoll(ring, server, 8);
  CHECK(await t_quiet(ring, 20000000), 'a poll completed with no input');
  ring.prep(op.cancel(7, 0), 100);
  let c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'cancel and its target did not both complete');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 100) {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === 1, `cancel: ${t_code(c[i].res)}, want 1`);
    } else {
      CHECK(c[i].userData === 7, `poll ${c[i].userData} completed, want only 7`);
      CHECK(c[i].res === -E.CANCELED, `poll 7: ${t_code(c[i].res)}, want canceled`);
    }
  }
  // The other poll is untouched: still waiting, and it sees input.
  CHECK(await t_quiet(ring, 20000000), 'poll 8 completed too');
  ring.prep(op.send(client, 'x'));
  c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'send and poll 8 did not complete');
  for (let i = 0; i < 2; i++)
    if (c[i].userData === 8) CHECK(c[i].res > 0 && (c[i].res & POLLIN), `poll 8: ${t_code(c[i].res)}, want readable`);
  PASS();
}

async function cancel_all(ring) {
  let cancelled = 0;
  const { res, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  for (let i = 0; i < 3; i++) idlePoll(ring, server, 9);
  CHECK(await t_quiet(ring, 20000000), 'a poll completed with no input');
  ring.prep(op.cancel(9, CANCEL_ALL), 100);
  const c = await t_reap(ring, 4);
  CHECK(c.length === 4, 'cancel and its three targets did not complete');
  for (let i = 0; i < 4; i++) {
    if (c[i].userData === 100) {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === 3, `cancel with all: ${t_code(c[i].res)}, want 3`);
    } else {
      CHECK(c[i].userData === 9 && c[i].res === -E.CANCELED, `${c[i].userData}: ${t_code(c[i].res)}, want canceled`);
      cancelled++;
    }
  }
  CHECK(cancelled === 3, `${cancelled} polls cancelled, want 3`);
  PASS();
}

async function cancel_first_only(ring) {
  const { res, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  idlePoll(ring, server, 9);
  idlePoll(ring, server, 9);
  CHECK(await t_quiet(ring, 20000000), 'a poll completed with no input');
  // Without all, one of the two same-tagged polls goes.
  ring.prep(op.cancel(9, 0), 100);
  let c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'cancel and one target did not complete');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 100) {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === 1, `cancel without all: ${t_code(c[i].res)}, want 1`);
    } else {
      CHECK(c[i].res === -E.CANCELED, `poll: ${t_code(c[i].res)}, want canceled`);
    }
  }
  CHECK(await t_quiet(ring, 20000000), 'the second poll was cancelled too');
  ring.prep(op.cancel(9, 0));
  c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the second poll did not go with a second cancel');
  PASS();
}

async function cancel_nothing(ring) {
  ring.prep(op.cancel(12345, 0));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `cancel of nothing: ${t_code(res)}, want no-entry`);
  ring.prep(op.cancel(12345, CANCEL_ALL));
  res = (await t_one(ring)).res;
  CHECK(res === -E.NOENT, `cancel all of nothing: ${t_code(res)}, want no-entry`);
  PASS();
}

async function cancel_completed(ring) {
  ring.prep(op.nop(), 5);
  const c = await t_one(ring);
  CHECK(c.res === 0 && c.userData === 5, 'nop');
  ring.prep(op.cancel(5, 0));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `cancel of a completed nop: ${t_code(res)}, want no-entry`);
  PASS();
}

async function cancel_other_ring(ring) {
  const pair = await t_tcp_pair(ring);
  CHECK(pair.res === 0, `tcp pair: ${t_code(pair.res)}`);
  idlePoll(ring, pair.server, 9);
  CHECK(await t_quiet(ring, 20000000), 'the poll completed with no input');
  // A cancel reaches only its own ring's operations.
  const other = Ring.create(4);
  CHECK(typeof other !== 'number', 'second ring');
  other.prep(op.cancel(9, 0));
  const res = (await t_one(other)).res;
  other.exit();
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `cancel from another ring: ${t_code(res)}, want no-entry`);
  ring.prep(op.cancel(9, 0));
  CHECK((await t_reap(ring, 2)).length === 2, "the poll did not go with its own ring's cancel");
  PASS();
}

await t_run('cancel-user-data', cancel_user_data);
await t_run('cancel-all', cancel_all);
await t_run('cancel-first-only', cancel_first_only);
await t_run('cancel-nothing', cancel_nothing);
await t_run('cancel-completed', cancel_completed);
await t_run('cancel-other-ring', cancel_other_ring);
t_exit();

// link: chains. Linked entries run and complete in order; a failing entry cancels the rest of
// its chain, with no side effects; a hard link goes on whatever the result; a link flag on the
// last entry of a submit is ignored; link-timeout bounds the entry before it. (link.c)
import {
  CHECK, CURRENT_POSITION, E, HARD_LINK, LINK, O, PASS, SKIP_IF_NOTSUP, grantListener, op, t_code, t_dir, t_exit,
  t_next, t_one, t_open, t_quiet, t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

/** A write of `s` at the position of `fd`, tagged `ud`, with `flags`. */
const writeAtPos = (ring, fd, s, ud, flags) => ring.prep(op.write(fd, s, CURRENT_POSITION), ud, flags);

/** The first 63 bytes of file `fd`: { res, text }. */
async function contents(ring, fd) {
  ring.prep(op.read(fd, 63, 0));
  const c = await t_one(ring);
  return { res: c.res, text: c.res >= 0 ? c.text : '' };
}

async function link_order(ring) {
  const N = 8;
  const parts = ['a', 'bb', 'c', 'dd', 'e', 'ff', 'g', 'hh'];
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'chain', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  const { res, client, server } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  // A receive that waits for bytes, then writes at the position: none may start before the
  // receive completes, and each only after the one before it.
  ring.prep(op.recv(server, 16), 100, LINK);
  for (let i = 0; i < N; i++) writeAtPos(ring, fd, parts[i], i + 1, i < N - 1 ? LINK : 0);
  CHECK(ring.submit() === N + 1, 'submit did not take the chain');
  CHECK(await t_quiet(ring, 50000000), 'an entry completed while the head of its chain waits');
  let r = await contents(ring, fd);
  CHECK(r.res === 0, `a linked write ran before the head of its chain completed ("${r.res > 0 ? r.text : t_code(r.res)}")`);
  ring.prep(op.send(client, 'go'));
  const c = await t_reap(ring, N + 2);
  CHECK(c.length === N + 2, 'the chain did not complete');
  // The send's CQE may come anywhere; the chain's in order.
  let k = 0;
  for (let i = 0; i < N + 2; i++) {
    if (c[i].userData === 0) {
      CHECK(c[i].res === 2, `send: ${t_code(c[i].res)}`);
      continue;
    }
    const want = k === 0 ? 100 : k;
    SKIP_IF_NOTSUP(c[i].res);
    CHECK(c[i].userData === want, `chain completion ${k} is entry ${c[i].userData}, want ${want}`);
    CHECK(k === 0 ? c[i].res === 2 : c[i].res === parts[k - 1].length, `entry ${c[i].userData}: ${t_code(c[i].res)}`);
    k++;
  }
  r = await contents(ring, fd);
  CHECK(r.res === 12 && r.text === 'abbcddeffghh', `the file holds "${r.res >= 0 ? r.text : t_code(r.res)}"`);
  PASS();
}

async function link_failure_cancels(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'broken', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  // nop -> read of a bad handle -> write -> write: the writes must never happen.
  ring.prep(op.nop(), 1, LINK);
  ring.prep(op.read(999, 4, 0), 2, LINK);
  writeAtPos(ring, fd, 'never', 3, LINK);
  writeAtPos(ring, fd, 'nor this', 4, 0);
  let c = await t_reap(ring, 4);
  CHECK(c.length === 4, 'the chain did not complete');
  for (let i = 0; i < 4; i++) CHECK(c[i].userData === i + 1, `completion ${i + 1} is entry ${c[i].userData}`);
  CHECK(c[0].res === 0, `nop: ${t_code(c[0].res)}`);
  CHECK(c[1].res === -E.BADF, `read of handle 999: ${t_code(c[1].res)}, want bad-descriptor`);
  CHECK(c[2].res === -E.CANCELED && c[3].res === -E.CANCELED,
    `entries after the failure: ${t_code(c[2].res)}, ${t_code(c[3].res)}, want canceled`);
  const r = await contents(ring, fd);
  CHECK(r.res === 0, `a cancelled write happened: the file holds "${r.res > 0 ? r.text : ''}"`);
  // A chain after the broken one runs normally.
  ring.prep(op.nop(), 0, LINK);
  ring.prep(op.nop());
  c = await t_reap(ring, 2);
  CHECK(c.length === 2 && c[0].res === 0 && c[1].res === 0, `the next chain: ${t_code(c[0]?.res)} ${t_code(c[1]?.res)}`);
  PASS();
}

async function link_failure_at_head(ring) {
  // A failing first entry: everything after it is canceled.
  ring.prep(op.statx(t_dir('ro'), 'missing', false), 1, LINK);
  for (let i = 2; i <= 3; i++) ring.prep(op.nop(), i, i < 3 ? LINK : 0);
  const c = await t_reap(ring, 3);
  CHECK(c.length === 3, 'the chain did not complete');
  CHECK(c[0].userData === 1 && c[0].res === -E.NOENT, `head: ${c[0].userData} ${t_code(c[0].res)}, want no-entry`);
  for (let i = 1; i < 3; i++)
    CHECK(c[i].userData === i + 1 && c[i].res === -E.CANCELED, `entry ${c[i].userData}: ${t_code(c[i].res)}, want canceled`);
  PASS();
}

// io_uring's rule, which the WIT keeps: a transfer shorter than asked ends its chain.
async function link_short_read_breaks_chain(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  ring.prep(op.read(fd, 100, 30), 1, LINK);
  ring.prep(op.nop(), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the chain did not complete');
  CHECK(c[0].userData === 1 && c[0].res === 7, `read: ${t_code(c[0].res)}, want 7`);
  CHECK(c[1].userData === 2 && c[1].res === -E.CANCELED, `the entry linked after a short read: ${t_code(c[1].res)}, want canceled`);
  PASS();
}

async function link_hard(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'hard', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  // bad read =hard=> write "1" =hard=> write "2": both writes happen, in order.
  ring.prep(op.read(999, 4, 0), 1, HARD_LINK);
  writeAtPos(ring, fd, '1', 2, HARD_LINK);
  writeAtPos(ring, fd, '2', 3, 0);
  const c = await t_reap(ring, 3);
  CHECK(c.length === 3, 'the chain did not complete');
  for (let i = 0; i < 3; i++) CHECK(c[i].userData === i + 1, `completion ${i + 1} is entry ${c[i].userData}`);
  SKIP_IF_NOTSUP(c[1].res);
  CHECK(c[0].res === -E.BADF, `read of handle 999: ${t_code(c[0].res)}`);
  CHECK(c[1].res === 1 && c[2].res === 1, `writes after a hard link: ${t_code(c[1].res)} ${t_code(c[2].res)}, want 1 1`);
  const r = await contents(ring, fd);
  CHECK(r.res === 2 && r.text === '12', `the file holds "${r.res >= 0 ? r.text : t_code(r.res)}", want "12"`);
  PASS();
}

async function link_last_flag_ignored(ring) {
  // A link on the last entry of a submit links to nothing: the next submit's bad read does
  // not reach back, and the nop that follows it in its own submit is not cancelled.
  ring.prep(op.nop(), 1, LINK);
  CHECK(ring.submit() === 1, 'first submit');
  const first = await t_next(ring);
  CHECK(first, 'the nop with a dangling link did not complete');
  CHECK(first.userData === 1 && first.res === 0, `nop: ${t_code(first.res)}, want 0`);
  ring.prep(op.read(999, 1, 0), 2, LINK);
  CHECK(ring.submit() === 1, 'second submit');
  ring.prep(op.nop(), 3);
  CHECK(ring.submit() === 1, 'third submit');
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'no two completions');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 2) CHECK(c[i].res === -E.BADF, `bad read: ${t_code(c[i].res)}`);
    else CHECK(c[i].userData === 3 && c[i].res === 0, `the nop after a submit ending in a failed link: ${t_code(c[i].res)}, want 0`);
  }
  PASS();
}

async function link_timeout_fires(ring) {
  const lst = grantListener('lst');
  CHECK(lst >= 0, `listener "lst": ${t_code(lst)}`);
  // An accept nobody connects to, bounded by 50 ms.
  ring.prep(op.accept(lst), 1, LINK);
  ring.prep(op.linkTimeout(50000000), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the bounded accept did not complete');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 1) {
      CHECK(c[i].res === -E.TIMEDOUT, `the accept: ${t_code(c[i].res)}, want timed-out`);
    } else {
      SKIP_IF_NOTSUP(c[i].res);
      // wit/types.wit does not name this entry's own result when it fires.
      CHECK(c[i].res < 0 && c[i].res !== -E.CANCELED, `the link-timeout that fired: ${t_code(c[i].res)}, want an error other than canceled`);
    }
  }
  PASS();
}

async function link_timeout_not_fired(ring) {
  // A nop bounded by 30 s: it completes at once and the link-timeout with canceled, well
  // within the 5 s this wait allows.
  ring.prep(op.nop(), 1, LINK);
  ring.prep(op.linkTimeout(30000000000n), 2);
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the nop and its link-timeout did not complete within 5 s');
  for (let i = 0; i < 2; i++) {
    if (c[i].userData === 1) {
      CHECK(c[i].res === 0, `the nop: ${t_code(c[i].res)}, want 0`);
    } else {
      SKIP_IF_NOTSUP(c[i].res);
      CHECK(c[i].res === -E.CANCELED, `the unneeded link-timeout: ${t_code(c[i].res)}, want canceled`);
    }
  }
  PASS();
}

async function link_timeout_in_chain(ring) {
  const lst = grantListener('lst');
  CHECK(lst >= 0, `listener "lst": ${t_code(lst)}`);
  // accept (bounded, times out) -> nop: the nop is canceled with the chain.
  ring.prep(op.accept(lst), 1, LINK);
  ring.prep(op.linkTimeout(30000000), 2, LINK);
  ring.prep(op.nop(), 3);
  const c = await t_reap(ring, 3);
  CHECK(c.length === 3, 'the chain did not complete');
  for (let i = 0; i < 3; i++) {
    if (c[i].userData === 1) CHECK(c[i].res === -E.TIMEDOUT, `accept: ${t_code(c[i].res)}, want timed-out`);
    else if (c[i].userData === 3) CHECK(c[i].res === -E.CANCELED, `the nop after it: ${t_code(c[i].res)}, want canceled`);
    else SKIP_IF_NOTSUP(c[i].res);
  }
  PASS();
}

await t_run('link-order', link_order);
await t_run('link-failure-cancels-rest', link_failure_cancels);
await t_run('link-failure-at-head', link_failure_at_head);
await t_run('link-short-read-breaks-chain', link_short_read_breaks_chain);
await t_run('link-hard-continues', link_hard);
await t_run('link-last-flag-ignored', link_last_flag_ignored);
await t_run('link-timeout-fires', link_timeout_fires);
await t_run('link-timeout-not-fired', link_timeout_not_fired);
await t_run('link-timeout-in-chain', link_timeout_in_chain);
t_exit();

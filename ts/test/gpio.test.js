// GpioLine. This kernel has no GPIO chip and Node has no ioctl, so the line's operations are
// checked against a fake GPIO backend (tests named so): the request's WIT record, value, set(),
// and edges() as one multishot operation that a break or an AbortSignal cancels. The Node
// backend's answers run for real: EACCES on a handle that is no device grant, ENOTTY on a
// device that is no GPIO chip, EBADF for line operations on what is no line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpioLine, IORing } from '@ioring/ring';
import { backend, grantDevice, grantDirectory } from '@ioring/ring/node';
import { rejection, tempDir } from './helpers.js';

/**
 * A backend whose ring answers the GPIO operations as a chip with one line would, from a script:
 * `edges` are posted, one CQE each, when gpio-edges is submitted; a cancel ends the stream.
 */
function fakeGpio(edges = []) {
  const seen = [];
  let stream;
  return {
    seen,
    backend: {
      ...backend,
      createRing(entries, owner) {
        const ring = backend.createRing(entries, owner);
        const ready = [];
        const ok = (userData, val, detail = { tag: 'none' }, more = false) =>
          ready.push({ userData, res: { tag: 'ok', val }, more, data: new Uint8Array(), detail });
        return {
          submit(sqes) {
            const rest = [];
            for (const sqe of sqes) {
              const { op, userData } = sqe;
              if (op.tag.startsWith('gpio-') || op.tag === 'cancel') seen.push(op);
              if (op.tag === 'gpio-request') ok(userData, 0, { tag: 'handle', val: 42 });
              else if (op.tag === 'gpio-get') ok(userData, 1);
              else if (op.tag === 'gpio-set') ok(userData, 0);
              else if (op.tag === 'gpio-edges') {
                stream = userData;
                for (const e of edges) ok(userData, e.rising ? 1 : 0, { tag: 'gpio-edge', val: e }, true);
              } else if (op.tag === 'cancel' && op.val.target === stream) {
                ok(userData, 1);
                ready.push({ userData: stream, res: { tag: 'err', val: 'canceled' }, more: false, data: new Uint8Array(), detail: { tag: 'none' } });
                stream = undefined;
              } else if (op.tag === 'close' && op.val === 42) ok(userData, 0);
              else rest.push(sqe);
            }
            if (ready.length) backend.requestTurn(owner);
            return ring.submit(rest) + (sqes.length - rest.length);
          },
          complete: (min, max, t) => [...ready.splice(0), ...ring.complete(min, max, t)],
          registerBuffers() {},
          bufferRead: () => new Uint8Array(),
          bufferWrite() {},
        };
      },
    },
  };
}

const EDGES = [
  { rising: true, timestampNs: 1_000n, seqno: 1 },
  { rising: false, timestampNs: 2_000n, seqno: 2 },
  { rising: true, timestampNs: 3_500n, seqno: 3 },
];

test('GpioLine (fake GPIO backend, since this kernel has no GPIO chip): the request is the WIT record, value and set() go to the line', async () => {
  const fake = fakeGpio();
  const ring = new IORing({ backend: fake.backend });
  const line = await GpioLine.request(7, 17, { ring, direction: 'output', bias: 'pull-down', activeLow: true, initial: true });
  assert.is(line.handle, 42);
  assert.equal(fake.seen[0], {
    tag: 'gpio-request',
    val: { chip: 7, line: 17, direction: 'output', bias: 'pull-down', activeLow: true, edges: { rising: false, falling: false }, initial: true },
  });
  assert.is(await line.value, true);
  await line.set(false);
  assert.equal(fake.seen.slice(1), [{ tag: 'gpio-get', val: 42 }, { tag: 'gpio-set', val: [42, false] }]);
  const input = await GpioLine.request(7, 3, { ring, edges: 'both' });
  assert.equal(fake.seen.at(-1).val, { chip: 7, line: 3, direction: 'input', bias: 'as-is', activeLow: false, edges: { rising: true, falling: true }, initial: false });
  await line.close();
  await input.close();
});

test('GpioLine.edges (fake GPIO backend, since this kernel has no GPIO chip): every edge in order; a break cancels the stream', async () => {
  const fake = fakeGpio(EDGES);
  const ring = new IORing({ backend: fake.backend });
  const line = new GpioLine(42, ring);
  const got = [];
  for await (const e of line.edges()) {
    got.push(e);
    if (got.length === 3) break;
  }
  assert.equal(got, EDGES);
  assert.is(typeof got[0].timestampNs, 'bigint');
  // The break cancelled the host's stream: one cancel, aimed at the gpio-edges entry.
  await ring.nop();
  assert.equal(fake.seen.map((o) => o.tag), ['gpio-edges', 'cancel']);
});

test('GpioLine.edges (fake GPIO backend, since this kernel has no GPIO chip): aborting the signal cancels the stream and ends the loop; an aborted one rejects', async () => {
  const fake = fakeGpio(EDGES);
  const ring = new IORing({ backend: fake.backend });
  const line = new GpioLine(42, ring);
  const stop = new AbortController();
  const got = [];
  for await (const edge of line.edges({ signal: stop.signal })) {
    got.push(edge.seqno);
    stop.abort();
  }
  assert.equal(got, [1]);
  await ring.nop();
  assert.equal(fake.seen.map((o) => o.tag), ['gpio-edges', 'cancel']);
  const e = await rejection(line.edges({ signal: stop.signal }).next());
  assert.is(e.code, 'ECANCELED');
  assert.is(fake.seen.length, 2, 'nothing submitted for an aborted signal');
});

test('under Node: a GPIO request on what is no device grant is EACCES, on a device that is no GPIO chip ENOTTY; line operations on what is no line EBADF', async () => {
  const dir = tempDir();
  grantDirectory('no-chip', dir.path);
  const notDevice = backend.grants.directory('no-chip');
  for (const h of [1, notDevice]) {
    assert.is((await rejection(GpioLine.request(h, 0))).code, 'EACCES', `request on ${h}`);
  }
  const path = join(dir.path, 'gpiochip-not');
  writeFileSync(path, '');
  grantDevice('chip', path);
  const e = await rejection(GpioLine.request('chip', 0, { edges: 'both' }));
  assert.is(e.code, 'ENOTTY');
  assert.is(e.message, 'gpio-request: the device granted is no GPIO chip (ENOTTY)');
  for (const h of [0, notDevice, backend.grants.device('chip')]) {
    const line = new GpioLine(h);
    assert.is((await rejection(line.value)).code, 'EBADF', `get on ${h}`);
    assert.is((await rejection(line.set(true))).code, 'EBADF', `set on ${h}`);
    assert.is((await rejection(line.edges().next())).code, 'EBADF', `edges on ${h}`);
  }
  const none = await rejection(GpioLine.request('nothing', 0));
  assert.ok(none.code === 'ENOENT' && /--device nothing=PATH/.test(none.message), none.message);
  dir.cleanup();
});

test.run();

// The raw ring operations on the Node backend: timeouts, linked timeouts, cancellation,
// fixed buffers, poll, bad input completing with error codes, and dropping a ring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IORing, IORingError, grants, sleep, utf8, withTimeout } from '@ioring/ring';
import { grantDirectory } from '@ioring/ring/node';
import { recordingBackend, rejection, tempDir } from './helpers.js';

const dir = tempDir();
test.after(dir.cleanup);
writeFileSync(join(dir.path, 'ten.txt'), '0123456789');
grantDirectory('ringdir', dir.path);
const ring = new IORing();

test('nop resolves to 0', async () => {
  assert.is(await ring.nop(), 0);
});

test('sleep waits at least its duration; timeout(ms, count) ends early on other completions', async () => {
  const start = Date.now();
  await sleep(30);
  assert.ok(Date.now() - start >= 29);
  const early = ring.timeout(5000, 2);
  await Promise.all([ring.nop(), ring.nop()]);
  assert.is(await early, false, 'ended by the count, not the clock');
  assert.is(await ring.timeout(1), true, 'ended by the clock');
});

test('withTimeout rejects with ETIMEDOUT and cancels the work; passes results through', async () => {
  const e = await rejection(withTimeout((signal) => ring.sleep(10_000, { signal }), 20));
  assert.instance(e, IORingError);
  assert.is(e.code, 'ETIMEDOUT');
  assert.is(await withTimeout(ring.nop(), 1000), 0);
  assert.is((await rejection(withTimeout(Promise.reject(new Error('own')), 1000))).message, 'own');
});

test('a linked timeout bounds an operation: ETIMEDOUT, and a fast one is not affected', async () => {
  const listener = await ring.socket('ipv4', 'stream');
  await ring.bind(listener, { tag: 'ipv4', val: { port: 0, address: [127, 0, 0, 1] } });
  await ring.listen(listener);
  const started = Date.now();
  const e = await rejection(ring.accept(listener, { timeoutMs: 25 }));
  assert.is(e.code, 'ETIMEDOUT');
  assert.ok(Date.now() - started >= 20);
  assert.is(await ring.nop({ timeoutMs: 1000 }), 0);
  await ring.close(listener);
});

test('an aborted signal cancels a sleep with ECANCELED', async () => {
  const ac = new AbortController();
  const p = rejection(ring.sleep(10_000, { signal: ac.signal }));
  await ring.nop();
  ac.abort();
  assert.is((await p).code, 'ECANCELED');
});

test('cancel by user-data of nothing in flight is ENOENT', async () => {
  assert.is((await rejection(ring.cancel(0xdead))).code, 'ENOENT');
});

test('fixed buffers: register, read into one, copy out, write from one', async () => {
  ring.registerBuffers(2, 16);
  const fd = await ring.openat(grants.directory('ringdir'), 'ten.txt', { read: true, write: true });
  assert.is(await ring.readFixed(fd, 1, 4, 10, { offset: 0 }), 10);
  assert.equal([...ring.bufferRead(1, 0, 14)], [0, 0, 0, 0, ...utf8('0123456789')]);
  ring.bufferWrite(0, 0, utf8('AB'));
  assert.is(await ring.writeFixed(fd, 0, 0, 2, { offset: 8 }), 2);
  assert.is(new TextDecoder().decode(await ring.read(fd, 10, { offset: 0 })), '01234567AB');
  assert.throws(() => ring.bufferRead(5, 0, 1), (e) => e.code === 'EINVAL');
  assert.is((await rejection(ring.readFixed(fd, 0, 10, 10))).code, 'EINVAL');
  await ring.close(fd);
});

test('poll on a file reports it ready', async () => {
  const fd = await ring.openat(grants.directory('ringdir'), 'ten.txt');
  assert.equal(await ring.poll(fd, { readable: true }), { readable: true, writable: false, priority: false, error: false, hangUp: false, readHangUp: false });
  await ring.close(fd);
});

test('bad handles and lengths complete with error codes, never throw synchronously', async () => {
  assert.is((await rejection(ring.read(999, 10))).code, 'EBADF');
  assert.is((await rejection(ring.read(1 << 20, 10))).code, 'EBADF');
  assert.is((await rejection(ring.close(777))).code, 'EBADF');
  assert.is((await rejection(ring.read(0, 64 << 20))).code, 'EINVAL');
  assert.is((await rejection(ring.openat(1, 'x'))).code, 'ENOTDIR');
});

test('linked: a chain runs in order; a failure cancels the rest unless hard-linked', async () => {
  const fd = await ring.openat(grants.directory('ringdir'), 'ten.txt', { read: true, write: true });
  const [w, r] = await ring.linked([
    { tag: 'write', val: { fd, data: utf8('xy'), offset: 0n } },
    { tag: 'read', val: { fd, len: 4, offset: 0n } },
  ]);
  assert.is(w.ok && w.res, 2);
  assert.is(r.ok && new TextDecoder().decode(r.data), 'xy23');
  const [bad, after] = await ring.linked([{ tag: 'read', val: { fd: 999, len: 1, offset: undefined } }, { tag: 'nop' }]);
  assert.is(bad.ok ? 'ok' : bad.error.code, 'EBADF');
  assert.is(after.ok ? 'ok' : after.error.code, 'ECANCELED');
  const [bad2, after2] = await ring.linked([{ tag: 'read', val: { fd: 999, len: 1, offset: undefined } }, { tag: 'nop' }], { hardLink: true });
  assert.is(bad2.ok ? 'ok' : bad2.error.code, 'EBADF');
  assert.is(after2.ok, true);
  await ring.close(fd);
});

test('drop() and Symbol.dispose: the host ring is dropped, pending and later operations reject with ECANCELED', async () => {
  const rec = recordingBackend();
  let drops = 0;
  const backend = {
    ...rec.backend,
    createRing(entries, owner) {
      const host = rec.backend.createRing(entries, owner);
      const drop = host[Symbol.dispose];
      host[Symbol.dispose] = () => (drops++, drop());
      return host;
    },
  };
  const own = new IORing({ backend });
  const sleeping = rejection(own.sleep(10_000));
  await own.nop();
  const queued = rejection(own.nop());
  own[Symbol.dispose]();
  assert.is((await sleeping).code, 'ECANCELED', 'in the host');
  assert.is((await queued).code, 'ECANCELED', 'queued, not yet submitted');
  assert.is(drops, 1);
  assert.is(own.busy, false);
  assert.is((await rejection(own.nop())).code, 'ECANCELED');
  const stream = own.pollMultishot(0, { readable: true });
  assert.is((await rejection(stream.next())).code, 'ECANCELED');
  assert.throws(() => own.registerBuffers(1, 16), (e) => e instanceof IORingError && e.code === 'ECANCELED');
  own.drop();
  assert.is(drops, 1, 'dropping twice does nothing');
});

test('a ring never used drops without creating a host ring; IORing.shared is replaced once dropped', () => {
  let created = 0;
  const counting = { ...IORing.shared.backend, createRing: () => (created++, IORing.shared.backend.createRing(0, {})) };
  new IORing({ backend: counting }).drop();
  assert.is(created, 0);
  const shared = IORing.shared;
  shared.drop();
  assert.ok(IORing.shared !== shared);
  assert.instance(IORing.shared, IORing);
});

test.run();

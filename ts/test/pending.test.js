// The ring's table of operations waiting, by user-data (PendingTable): a slot and its generation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IORing } from '@ioring/ring';
import { backend } from '@ioring/ring/node';
import { PendingTable } from '../dist/pending.js';
import { rejection } from './helpers.js';

test('user-data of operations waiting at once are distinct and never 0', () => {
  const table = new PendingTable();
  const tags = Array.from({ length: 100 }, (_, i) => table.add({ i }));
  assert.is(new Set(tags).size, 100);
  assert.not.ok(tags.includes(0));
  assert.is(table.size, 100);
  tags.forEach((tag, i) => assert.equal(table.get(tag), { i }));
});

test('a freed slot is taken again under a new user-data; the old one finds nothing', () => {
  const table = new PendingTable();
  const first = table.add('a');
  table.delete(first);
  assert.is(table.size, 0);
  const second = table.add('b');
  assert.is.not(second, first);
  assert.is(table.get(first), undefined);
  assert.is(table.has(first), false);
  // Deleting the old user-data leaves the new operation in its slot.
  table.delete(first);
  assert.is(table.get(second), 'b');
  assert.is(table.size, 1);
});

test('a slot used 2048 times comes back to its first user-data, within 31 bits', () => {
  const table = new PendingTable();
  const first = table.add(0);
  let tag = first;
  const seen = new Set([first]);
  for (let use = 1; use < 2048; use++) {
    table.delete(tag);
    tag = table.add(use);
    assert.ok(tag > 0 && tag <= 0x7fff_ffff, `user-data ${tag}`);
    seen.add(tag);
  }
  assert.is(seen.size, 2048);
  table.delete(tag);
  assert.is(table.add('again'), first);
});

test('past 2^20 - 1 operations waiting, another is refused with ENOBUFS', () => {
  const table = new PendingTable();
  for (let i = 1; i < 1 << 20; i++) table.add(i);
  const e = (() => {
    try {
      table.add('one too many');
    } catch (err) {
      return err;
    }
  })();
  assert.is(e?.code, 'ENOBUFS');
  assert.is(table.size, (1 << 20) - 1);
});

test('takeAll hands over every waiting entry with its user-data and empties the table', () => {
  const table = new PendingTable();
  const a = table.add('a');
  const b = table.add('b');
  const c = table.add('c');
  table.delete(b);
  assert.equal(table.takeAll(), [[a, 'a'], [c, 'c']]);
  assert.is(table.size, 0);
  assert.is(table.get(a), undefined);
});

test('a raw cancel of an operation that has ended does not reach the one that took its slot', async () => {
  // Every SQE's user-data, as the Node backend's ring receives it.
  const userData = [];
  const spy = {
    ...backend,
    createRing(entries, owner) {
      const ring = backend.createRing(entries, owner);
      const submit = ring.submit.bind(ring);
      ring.submit = (sqes) => (userData.push(...sqes.map((s) => s.userData)), submit(sqes));
      return ring;
    },
  };
  const ring = new IORing({ backend: spy });
  await ring.nop();
  const ended = userData[0];
  const sleeping = ring.sleep(10_000);
  // Submitted with the sleep, which took the nop's slot.
  assert.is((await rejection(ring.cancel(ended))).code, 'ENOENT');
  const sleeper = userData[1];
  assert.is.not(sleeper, ended, 'the slot is taken again under another user-data');
  assert.is(await ring.cancel(sleeper), 1);
  assert.is((await rejection(sleeping)).code, 'ECANCELED');
  ring.drop();
});

test.run();

// The conformance suite (test/conformance) on the Linux host: every case of every guest must
// print `ok` (a skip is a failure here: the Linux host implements every operation), but for
// the GPIO cases that need a wired chip, which skip when none is given (the linux entry of
// run.mjs lists them then, and host/README.md names them); no guest may crash or touch
// anything outside its grants, and the suite must be whole. And on the
// Node backend of @ioring/ring (test/conformance/node, needs ts/dist built): every case `ok`,
// or a `skip` that ts/README.md's Conformance paragraph lists (NODE_SKIPS).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/ioring.js';
import { HOSTS, parseOutput, runSuite } from '../conformance/run.mjs';

const results = runSuite({ hosts: ['linux', 'node'] });

// The cases the Node backend skips (they complete with `not-supported` there): each is named
// in ts/README.md's Conformance paragraph.
const NODE_SKIPS = [
  'socket-families',
  'socket-bind-to-device',
  'gpio-output',
  'gpio-input-wired',
  'gpio-refusals',
  'gpio-edges',
  'gpio-active-low',
];
// The cases the Linux host skips: the GPIO ones, when no wired chip is given.
const LINUX_SKIPS = Object.keys(HOSTS.find((h) => h.name === 'linux').notSupported);
const guests = readdirSync(join(root, 'test/conformance')).filter((f) => f.endsWith('.c'));

test('the Linux host is available and every guest ran cleanly', () => {
  assert.equal(results.hosts.find((h) => h.name === 'linux'), { name: 'linux', unavailable: null });
  assert.is(results.guests.length, guests.length);
  for (const g of results.guests) assert.equal(g.runs.linux.problems, [], `${g.name}: ${g.runs.linux.problems.join('; ')}`);
});

test('the suite is whole: every guest reports cases, and the matrix has them all', () => {
  for (const g of results.guests) {
    assert.ok(g.runs.linux.cases > 0, g.name);
    assert.is(results.cases.filter((c) => c.guest === g.name).length, g.runs.linux.cases, g.name);
  }
  // Each operation of wit/types.wit has its cases; 150 is a floor, not the count.
  assert.ok(results.cases.length >= 150, `${results.cases.length} cases`);
  const names = results.cases.map((c) => c.name);
  assert.is(new Set(names).size, names.length, 'case names are unique across guests');
});

test('the runner tells ok, FAIL, skip and stray output apart', () => {
  const out = parseOutput('ok a\nFAIL b: why it failed\nskip c: not-supported on this host\n# note\nstray\n');
  assert.equal(out.cases, [
    { name: 'a', status: 'ok' },
    { name: 'b', status: 'FAIL', why: 'why it failed' },
    { name: 'c', status: 'skip', why: 'not-supported on this host' },
  ]);
  assert.equal(out.other, ['stray']);
  assert.ok(HOSTS.some((h) => h.name === 'zephyr'), 'a zephyr column');
});

for (const row of results.cases) {
  test(`${row.guest}: ${row.name}`, () => {
    const r = row.results.linux;
    const why = `${r.status} ${row.name}${r.why ? `: ${r.why}` : ''}`;
    if (r.status === 'skip') assert.ok(LINUX_SKIPS.includes(row.name) && row.name.startsWith('gpio-'), `an unlisted skip: ${why}`);
    else assert.is(r.status, 'ok', why);
  });
}

test('node: the Node backend is available, every guest is ported and ran without crashing', () => {
  assert.equal(results.hosts.find((h) => h.name === 'node'), { name: 'node', unavailable: null });
  for (const g of results.guests) assert.equal(g.runs.node.problems, [], `node ${g.name}: ${g.runs.node.problems.join('; ')}`);
});

test('node: every listed skip is named in ts/README.md', () => {
  const readme = readFileSync(join(root, 'ts/README.md'), 'utf8');
  for (const name of NODE_SKIPS) assert.ok(readme.includes(`\`${name}\``), `ts/README.md does not list ${name}`);
});

for (const row of results.cases) {
  test(`node ${row.guest}: ${row.name}`, () => {
    const r = row.results.node;
    const why = `${r.status} ${row.name}${r.why ? `: ${r.why}` : ''}`;
    if (r.status === 'skip') assert.ok(NODE_SKIPS.includes(row.name), `an unlisted skip: ${why}`);
    else assert.is(r.status, 'ok', why);
  });
}

test.run();

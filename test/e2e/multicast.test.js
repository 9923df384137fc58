// Multicast and bind-to-device grants (`ioring run --multicast`, `--bind-device`): the command
// line refuses what is no grant, and the conformance guest multicast.c, run on the loopback
// interface without the grants its cases need, is refused exactly there, each refusal naming
// (under --trace) the grant it lacked. With the grants, conformance.test.js runs it to `ok`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { artefact, root, run, tempDir } from '../lib/ioring.js';

const make = spawnSync('make', ['-s', '-C', join(root, 'test/conformance')], { stdio: 'inherit' });
if (make.status !== 0) throw new Error('building the conformance guests failed');
const guest = artefact('test/conformance/build/multicast.wasm');
const dir = tempDir();
test.after(dir.cleanup);

const FULL = [
  '--dir', `${dir.path}::ro:ro`,
  '--multicast', '239.255.80.0/24', '--multicast', 'ff02::80:0/112',
  '--bind', 'udp:127.0.0.1:*', '--connect', 'udp:127.0.0.1:*',
  '--connect', 'udp:239.255.80.1:*', '--bind-device', 'lo',
];

/** The guest's verdict lines, by case name. */
function verdicts(stdout) {
  return Object.fromEntries(
    stdout.toString().split('\n').filter(Boolean).map((l) => {
      const m = /^(ok|FAIL|skip) (\S+)(?:: (.*))?$/.exec(l);
      assert.ok(m, `not a verdict line: ${l}`);
      return [m[2], { status: m[1], why: m[3] }];
    }),
  );
}

test('--multicast takes a group, a group/prefix or *, and nothing that is no multicast address', () => {
  for (const [flag, want] of [
    ['10.0.0.1', 'not a multicast address'],
    ['239.0.0.0/33', 'not a prefix length'],
    ['ff02::1/200', 'not a prefix length'],
    ['group', 'is not an IP address'],
  ]) {
    const r = run(['run', '--multicast', flag, guest]);
    assert.is(r.status, 2, flag);
    assert.ok(r.stderr.includes(want), `${flag}: ${r.stderr}`);
  }
  const r = run(['run', '--bind-device', 'two words', guest]);
  assert.is(r.status, 2);
  assert.ok(r.stderr.includes('is not a network interface name'), r.stderr);
});

test('with every grant, every case of multicast.c is ok', () => {
  const r = run(['run', ...FULL, guest], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.is(r.stderr, '');
  const v = verdicts(r.stdout);
  assert.equal(Object.keys(v).sort(), ['multicast-ipv6-join', 'multicast-join-receive', 'multicast-options', 'multicast-ungranted', 'socket-bind-to-device']);
  for (const [name, { status, why }] of Object.entries(v)) assert.is(status, 'ok', `${name}: ${why}`);
  assert.is(r.status, 0);
});

test('without --multicast: joins, binds to the group and the multicast options are access, named in --trace', () => {
  const grants = FULL.filter((a, i) => a !== '--multicast' && FULL[i - 1] !== '--multicast');
  const r = run(['run', '--trace', ...grants, guest], { stdio: ['ignore', 'pipe', 'pipe'] });
  const v = verdicts(r.stdout);
  assert.is(v['multicast-join-receive'].status, 'FAIL');
  assert.is(v['multicast-join-receive'].why, 'member of 239.255.80.1 on lo: access');
  assert.is(v['multicast-options'].why, 'multicast-loop off: access');
  assert.is(v['multicast-ipv6-join'].why, 'join ff02::80:1 on lo: access');
  // The grant-free cases still pass: the refusals are the missing grant's, nothing else.
  assert.is(v['multicast-ungranted'].status, 'ok');
  assert.is(v['socket-bind-to-device'].status, 'ok');
  assert.is(r.status, 1);
  assert.ok(r.stderr.includes('rejected: access (no --multicast grant covers 239.255.80.1)'), r.stderr);
  assert.ok(r.stderr.includes('rejected: access (multicast options need a --multicast grant)'), r.stderr);
  assert.ok(r.stderr.includes('rejected: access (no --multicast grant covers ff02::80:1)'), r.stderr);
});

test('without --bind-device: binding a socket to lo is access, named in --trace', () => {
  const grants = FULL.filter((a, i) => a !== '--bind-device' && FULL[i - 1] !== '--bind-device');
  const r = run(['run', '--trace', ...grants, guest], { stdio: ['ignore', 'pipe', 'pipe'] });
  const v = verdicts(r.stdout);
  assert.is(v['socket-bind-to-device'].why, 'bind-to-device lo: access');
  for (const name of ['multicast-join-receive', 'multicast-ungranted', 'multicast-options', 'multicast-ipv6-join']) {
    assert.is(v[name].status, 'ok', `${name}: ${v[name].why}`);
  }
  assert.ok(r.stderr.includes('rejected: access (no --bind-device grant names lo)'), r.stderr);
  assert.is(r.status, 1);
});

test.run();

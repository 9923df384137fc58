// The C SDK's prep helpers for operations no example uses (test/guests/c/sdk-ops.c), against
// the Linux host with a real file, real loopback sockets and, as this kernel has no I2C,
// /dev/null standing in for an I2C bus (error paths only).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const app = artefact('test/guests/build/sdk-ops.wasm');
const dir = tempDir();
test.after(dir.cleanup);

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const r = run([
  'run', '--dir', `${dir.path}::d`, '--bind', 'tcp:127.0.0.1:*', '--connect', 'tcp:127.0.0.1:*',
  '--device', 'i2c=/dev/null', app, String(port),
]);
const lines = r.stdout.toString().split('\n');
const between = (from, to) => lines.slice(lines.indexOf(from), lines.indexOf(to));

test('the guest runs to completion', () => {
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('files: openat, write, fsync, statx (and its confinement), read at an offset, links, drain', () => {
  assert.equal(between('openat: handle', 'socket: handle'), [
    'openat: handle',
    'write: 11',
    'fsync: 0',
    'fdatasync: 0',
    'statx f: 0 regular=1 size=11 mode=640 links=1',
    'statx dir: 0 directory=1',
    'statx escape: permission denied by grant',
    'read at 6: 5 world',
    'chain 1: 1 ',
    'chain 2: 12 hello world!',
    'chain 3: 0 ',
    'broken link: bad handle then canceled',
    'close: 0',
  ]);
  assert.is(readFileSync(join(dir.path, 'f'), 'utf8'), 'hello world!');
  assert.is(statSync(join(dir.path, 'f')).mode & 0o777, 0o640);
});

test('sockets: socket, options, bind, listen, connect, accept with peer, send, poll, recv, shutdown', () => {
  assert.equal(between('socket: handle', 'cancel: 1').filter((l) => !l.startsWith('cancelled')), [
    'socket: handle',
    'reuseaddr: 0',
    'bind: 0',
    'listen: 0',
    'nodelay: 0',
    'rcvbuf: 0',
    'connect: 0',
    'accept: handle peer=127.0.0.1:',
    'send: 4',
    'poll: in=1 out=1',
    'recv: 4 ping',
    'shutdown: 0',
    'recv after shutdown: 0',
  ]);
});

test('cancel by user data: the target completes canceled, a second cancel finds nothing', () => {
  const from = lines.findIndex((l) => l.startsWith('cancel'));
  assert.equal(lines.slice(from, from + 2).sort(), ['cancel: 1', 'cancelled poll: canceled']);
  assert.equal(lines.slice(from + 2, from + 5), [
    'cancel again: no such file or grant',
    'connect ungranted: permission denied by grant',
    'closes: 3 0 0 0',
  ]);
});

test('devices (no I2C on this kernel): I2C and tty-configure on /dev/null fail with exact codes', () => {
  assert.equal(lines.slice(lines.indexOf('i2c on /dev/null: not a terminal')), [
    'i2c on /dev/null: not a terminal',
    'i2c with no messages: invalid argument',
    'tty-configure /dev/null: not a terminal',
    'tty-configure 9 bits: invalid argument',
    '',
  ]);
});

test.run();

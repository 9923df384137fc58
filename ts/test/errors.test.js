// Errors that say what to fix: the path or address an operation was given is in the message
// (and on the error, as Node's system errors carry it), and a refusal the grants explain names
// the grant that would allow it. `code` and `errorCode` stay what they were.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Directory, File, IORing, IORingError, Socket, grants, utf8 } from '@ioring/ring';
import { grantDirectory } from '@ioring/ring/node';
import { freePort, rejection, tempDir } from './helpers.js';

const dir = tempDir();
mkdirSync(join(dir.path, 'rw', 'logs'), { recursive: true });
mkdirSync(join(dir.path, 'ro'));
writeFileSync(join(dir.path, 'ro', 'kept.txt'), 'kept');
grantDirectory('errdata', join(dir.path, 'rw'));
grantDirectory('errro', join(dir.path, 'ro'), { readOnly: true });
test.after(dir.cleanup);

test('openat names the grant and the path: openat errdata/missing.txt: no-entry (ENOENT)', async () => {
  const e = await rejection(File.open('errdata', 'missing.txt'));
  assert.instance(e, IORingError);
  assert.is(e.message, 'openat errdata/missing.txt: no-entry (ENOENT)');
  assert.is(e.code, 'ENOENT');
  assert.is(e.errorCode, 'no-entry');
  assert.is(e.operation, 'openat');
  assert.is(e.path, 'errdata/missing.txt');
});

test('a directory opened beneath a grant names its path from the grant', async () => {
  const logs = await Directory.granted('errdata').openDirectory('logs');
  const e = await rejection(logs.open('today.log'));
  assert.is(e.message, 'openat errdata/logs/today.log: no-entry (ENOENT)');
  const s = await rejection(logs.stat('nothing'));
  assert.is(s.message, 'statx errdata/logs/nothing: no-entry (ENOENT)');
});

test('a raw openat on a handle the library knows names it too; one it does not, the path alone', async () => {
  const ring = IORing.shared;
  const e = await rejection(ring.openat(grants.directory('errdata'), 'nope'));
  assert.is(e.message, 'openat errdata/nope: no-entry (ENOENT)');
  const unknown = await rejection(ring.openat(999, 'nope'));
  assert.is(unknown.message, 'openat nope: bad-descriptor (EBADF)');
});

test('opening for writing under a read-only grant says the grant is read-only', async () => {
  const e = await rejection(File.open('errro', 'new.txt', { write: true, create: true }));
  assert.is(e.code, 'EROFS');
  assert.is(
    e.message,
    "openat errro/new.txt: read-only (EROFS); the directory grant 'errro' is read-only (--dir HOST::errro:ro); grant it without :ro to write beneath it",
  );
});

test('mkdir, remove and rename refused under a read-only grant, or out of the directory, say which', async () => {
  const ro = Directory.granted('errro');
  const m = await rejection(ro.mkdir('sub'));
  assert.is(m.code, 'EACCES');
  assert.match(m.message, /^mkdirat errro\/sub: access \(EACCES\); the directory grant 'errro' is read-only/);
  const r = await rejection(ro.rename('kept.txt', 'moved.txt'));
  assert.match(r.message, /^renameat errro\/kept\.txt -> errro\/moved\.txt: access \(EACCES\); /);
  assert.is(r.dest, 'errro/moved.txt');
  const out = await rejection(Directory.granted('errdata').open('../ro/kept.txt'));
  assert.is(out.message, "openat errdata/../ro/kept.txt: access (EACCES); the path leads out of 'errdata', which it may not");
});

test('connect names the address; refused, it names the --connect grant that would allow it', async () => {
  const port = await freePort();
  const refused = await rejection(Socket.connect(`127.0.0.1:${port}`));
  assert.is(refused.message, `connect 127.0.0.1:${port}: connection-refused (ECONNREFUSED)`);
  assert.is(refused.address, '127.0.0.1');
  assert.is(refused.port, port);
  const e = await rejection(Socket.connect('127.0.0.2:4000'));
  assert.is(e.code, 'EACCES');
  assert.is(e.errorCode, 'access');
  assert.is(e.message, 'connect 127.0.0.2:4000: no --connect grant matches (EACCES); grant it with --connect tcp:127.0.0.2:4000 (IORING_CONNECT under Node)');
});

test('sendmsg to an ungranted address names the udp grant', async () => {
  const udp = await Socket.create('udp');
  const e = await rejection(udp.sendTo(utf8('x'), { address: '127.0.0.2', port: 4000 }));
  await udp.close();
  assert.is(e.message, 'sendmsg 127.0.0.2:4000: no --connect grant matches (EACCES); grant it with --connect udp:127.0.0.2:4000 (IORING_CONNECT under Node)');
  const v6 = await Socket.create('udp6');
  const e6 = await rejection(v6.sendTo(utf8('x'), '[::1]:4000'));
  assert.is(e6.message, 'sendmsg [::1]:4000: no --connect grant matches (EACCES); grant it with --connect udp:[::1]:4000 (IORING_CONNECT under Node)');
  await v6.close();
});

test("a datagram socket's bind to a group's address names the --multicast grant", async () => {
  const udp = await Socket.create('udp');
  const e = await rejection(udp.bind('239.255.0.1:5000'));
  await udp.close();
  assert.is(e.message, 'bind 239.255.0.1:5000: no --multicast or --bind grant covers the group (EACCES); grant it with --multicast 239.255.0.1 (IORING_MULTICAST under Node)');
});

test('bind and listen refused name the --bind grant', async () => {
  const s = await Socket.create('tcp');
  const e = await rejection(s.bind(7000));
  assert.is(e.message, 'bind 0.0.0.0:7000: no --bind grant matches (EACCES); grant it with --bind tcp:0.0.0.0:7000 (IORING_BIND under Node)');
  const l = await rejection(s.listen());
  assert.is(
    l.message,
    'listen: no --bind grant matches the wildcard address an unbound socket listens on (EACCES); grant it with --bind tcp:0.0.0.0:0 (IORING_BIND under Node)',
  );
  await s.close();
});

test('grants asked for by a name never granted say how to grant one', () => {
  assert.throws(
    () => grants.directory('nowhere'),
    (e) => e.message === "directory grant 'nowhere': no-entry (ENOENT); none was granted: grant one with --dir PATH::nowhere (IORING_DIR under Node)" && e.code === 'ENOENT',
  );
  assert.throws(() => grants.listener('web2'), (e) => /--listen web2=tcp:IP:PORT/.test(e.message));
  assert.throws(() => grants.device('adc9'), (e) => /--device adc9=PATH/.test(e.message));
});

test('reads, writes and syncs of an opened file name its path; once closed, its handle no longer does', async () => {
  writeFileSync(join(dir.path, 'rw', 'only-written.txt'), 'x');
  const f = await File.open('errdata', 'only-written.txt', { write: true });
  const r = await rejection(f.read(10));
  assert.is(r.message, 'read errdata/only-written.txt: bad-descriptor (EBADF)');
  assert.is(r.path, 'errdata/only-written.txt');
  const d = await Directory.granted('errdata').openDirectory('logs');
  const w = await rejection(IORing.shared.write(d.handle, utf8('x')));
  assert.match(w.message, /^write errdata\/logs: /);
  const handle = f.handle;
  await f.close();
  const after = await rejection(IORing.shared.read(handle, 10));
  assert.is(after.path, undefined);
});

test('an operation without a path or address keeps its one-word message', async () => {
  const e = await rejection(IORing.shared.read(999, 10));
  assert.is(e.message, 'read: bad-descriptor (EBADF)');
  assert.is(e.path, undefined);
  assert.is(e.address, undefined);
});

test('IORingError built by hand: options make the message, codes as before', () => {
  const e = new IORingError('no-entry', 'openat', { path: 'data/x' });
  assert.is(e.message, 'openat data/x: no-entry (ENOENT)');
  assert.is(new IORingError('access', 'connect', { address: '::1', port: 80, reason: 'no --connect grant matches', hint: 'h' }).message, 'connect [::1]:80: no --connect grant matches (EACCES); h');
  assert.is(new IORingError('timed-out', 'recv').message, 'recv: timed-out (ETIMEDOUT)');
});

test.run();

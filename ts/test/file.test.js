// File and Directory on the Node backend, on real files in a fresh granted directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Directory, File, IORingError, copy, fromUtf8, grants, utf8 } from '@ioring/ring';
import { grantDirectory } from '@ioring/ring/node';
import { rejection, tempDir } from './helpers.js';

const dir = tempDir();
const ro = tempDir();
test.after(() => {
  dir.cleanup();
  ro.cleanup();
});
mkdirSync(join(dir.path, 'sub'));
writeFileSync(join(dir.path, 'hello.txt'), 'hello, file\n');
writeFileSync(join(ro.path, 'locked.txt'), 'read only\n');
symlinkSync('/etc/passwd', join(dir.path, 'escape'));
symlinkSync('sub', join(dir.path, 'inside'));
grantDirectory('data', dir.path);
grantDirectory('ro', ro.path, { readOnly: true });

test('File.open under a granted directory, read at offsets and at the current position', async () => {
  const file = await File.open('data', 'hello.txt');
  assert.is(fromUtf8(await file.read(5, 7)), 'file\n');
  assert.is(fromUtf8(await file.read(5)), 'hello');
  assert.is(fromUtf8(await file.read(100)), ', file\n');
  assert.is((await file.read(100)).length, 0, 'end of file');
  await file.close();
});

test('writeAll at offsets, readAll returns every byte, stat reports the size', async () => {
  const data = randomBytes(1_000_000);
  const file = await File.open('data', 'big.bin', { write: true, read: true, create: true, truncate: true });
  await file.writeAll(data.subarray(500_000), 500_000);
  await file.writeAll(data.subarray(0, 500_000), 0);
  await file.sync();
  const stat = await file.stat();
  assert.is(stat.type, 'regular');
  assert.is(stat.size, 1_000_000);
  assert.is(stat.mode, 0o644);
  assert.ok(Buffer.from(await file.readAll()).equals(data));
  await file.close();
  assert.ok(readFileSync(join(dir.path, 'big.bin')).equals(data));
});

test('copy() copies byte for byte', async () => {
  const data = randomBytes(700_001);
  writeFileSync(join(dir.path, 'src.bin'), data);
  const src = await File.open('data', 'src.bin');
  const dst = await File.open('data', 'sub/dst.bin', { write: true, create: true, truncate: true });
  assert.is(await copy(src, dst), data.length);
  await Promise.all([src.close(), dst.close()]);
  assert.ok(readFileSync(join(dir.path, 'sub/dst.bin')).equals(data));
});

test('Directory: stat of paths, a subdirectory handle, files opened beneath it', async () => {
  const data = Directory.granted('data');
  assert.is((await data.stat('sub')).type, 'directory');
  assert.is((await data.stat('escape', { noFollow: true })).type, 'symlink');
  const sub = await data.openDirectory('inside');
  const f = await sub.open('note.txt', { write: true, create: true, exclusive: true });
  await f.writeAll(utf8('note'));
  await f.close();
  assert.is(readFileSync(join(dir.path, 'sub/note.txt'), 'utf8'), 'note');
  const e = await rejection(sub.open('note.txt', { write: true, create: true, exclusive: true }));
  assert.is(e.code, 'EEXIST');
});

for (const path of ['../outside.txt', '/etc/passwd', 'escape', 'sub/../../x', 'inside/../../x']) {
  test(`paths that leave the grant fail with EACCES: ${path}`, async () => {
    const e = await rejection(File.open('data', path));
    assert.instance(e, IORingError);
    assert.is(e.code, 'EACCES');
  });
}

test('a missing file is ENOENT, a missing grant is ENOENT, a directory read is EISDIR', async () => {
  assert.is((await rejection(File.open('data', 'missing.txt'))).code, 'ENOENT');
  assert.throws(() => grants.directory('nope'), (e) => e instanceof IORingError && e.code === 'ENOENT');
  assert.is((await rejection(File.open('nope', 'x'))).code, 'ENOENT');
});

test('a read-only grant opens for reading and refuses writes with EROFS', async () => {
  const f = await File.open('ro', 'locked.txt');
  assert.is(fromUtf8(await f.readAll()), 'read only\n');
  await f.close();
  assert.is((await rejection(File.open('ro', 'locked.txt', { write: true }))).code, 'EROFS');
  assert.is((await rejection(File.open('ro', 'new.txt', { write: true, create: true }))).code, 'EROFS');
});

test('asking for a grant twice gives the same handle', () => {
  assert.is(grants.directory('data'), grants.directory('data'));
});

test('Symbol.asyncDispose closes the file; closing twice is harmless', async () => {
  const f = await File.open('data', 'hello.txt');
  await f[Symbol.asyncDispose]();
  await f.close();
  assert.is((await rejection(f.read(1))).code, 'EBADF');
});

test.run();

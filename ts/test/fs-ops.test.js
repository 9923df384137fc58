// Directory.mkdir, remove and rename and File.truncate on the Node backend, on real files:
// results, error codes, and confinement (every path stays beneath its directory handle, a
// read-only grant changes nothing), each checked from outside on the files themselves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Directory, File, IORing, IORingError, fromUtf8, grants } from '@ioring/ring';
import { grantDirectory } from '@ioring/ring/node';
import { rejection, tempDir } from './helpers.js';

const top = tempDir();
test.after(top.cleanup);
const root = join(top.path, 'granted');
const outside = join(top.path, 'outside');
const ro = join(top.path, 'ro');
for (const d of [root, outside, ro, join(root, 'sub'), join(outside, 'empty'), join(ro, 'inner')]) mkdirSync(d);
writeFileSync(join(outside, 'victim.txt'), 'outside\n');
writeFileSync(join(ro, 'locked.txt'), 'read only\n');
writeFileSync(join(ro, 'inner/deep.txt'), 'deep\n');
// Ways out of the grant: an absolute link, a relative one, and links named last.
symlinkSync(outside, join(root, 'abs'));
symlinkSync('../outside', join(root, 'rel'));
symlinkSync(join(outside, 'victim.txt'), join(root, 'victim-link'));
symlinkSync('../outside/empty', join(root, 'empty-link'));
grantDirectory('ops', root);
grantDirectory('ops-ro', ro, { readOnly: true });

const data = Directory.granted('ops');
const locked = Directory.granted('ops-ro');

/** The code an operation rejected with, checked to be an IORingError. */
async function code(promise) {
  const e = await rejection(promise);
  assert.instance(e, IORingError);
  return e.code;
}

/** Everything beneath `dir`, as sorted relative paths: what a refused operation must not change. */
function listing(dir) {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

test('mkdir creates a directory with its mode; EEXIST, ENOENT as the system says', async () => {
  await data.mkdir('made', 0o700);
  assert.is(statSync(join(root, 'made')).mode & 0o777, 0o700);
  await data.mkdir('made/default');
  assert.is(statSync(join(root, 'made/default')).mode & 0o777, 0o755 & ~process.umask());
  assert.is((await data.stat('made')).type, 'directory');
  assert.is(await code(data.mkdir('made')), 'EEXIST');
  assert.is(await code(data.mkdir('missing/x')), 'ENOENT');
  assert.is(await code(data.mkdir('victim-link')), 'EEXIST', 'a link named last is not followed');
  assert.ok(lstatSync(join(root, 'victim-link')).isSymbolicLink());
  const sub = await data.openDirectory('sub');
  await sub.mkdir('nested/');
  assert.ok(statSync(join(root, 'sub/nested')).isDirectory());
});

test('remove: files, empty directories with { directory: true }, and the errors between them', async () => {
  writeFileSync(join(root, 'gone.txt'), 'x');
  await data.remove('gone.txt');
  assert.not.ok(existsSync(join(root, 'gone.txt')));
  assert.is(await code(data.remove('gone.txt')), 'ENOENT');
  mkdirSync(join(root, 'full'));
  writeFileSync(join(root, 'full/f'), 'x');
  assert.is(await code(data.remove('full')), 'EISDIR');
  assert.is(await code(data.remove('full', { directory: true })), 'ENOTEMPTY');
  assert.is(await code(data.remove('full/f', { directory: true })), 'ENOTDIR');
  await data.remove('full/f');
  await data.remove('full', { directory: true });
  assert.not.ok(existsSync(join(root, 'full')));
});

test('remove of a symbolic link named last removes the link, never what it points to', async () => {
  assert.is(await code(data.remove('empty-link', { directory: true })), 'ENOTDIR');
  assert.ok(statSync(join(outside, 'empty')).isDirectory());
  await data.remove('victim-link');
  assert.not.ok(existsSync(join(root, 'victim-link')));
  assert.is(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'outside\n');
  symlinkSync(join(outside, 'victim.txt'), join(root, 'victim-link'));
});

test('rename: within a directory, into another with { to }, replacing what is there', async () => {
  writeFileSync(join(root, 'a.txt'), 'A');
  writeFileSync(join(root, 'b.txt'), 'B');
  await data.rename('a.txt', 'b.txt');
  assert.is(readFileSync(join(root, 'b.txt'), 'utf8'), 'A');
  assert.not.ok(existsSync(join(root, 'a.txt')));
  const sub = await data.openDirectory('sub');
  await data.rename('b.txt', 'moved.txt', { to: sub });
  assert.is(readFileSync(join(root, 'sub/moved.txt'), 'utf8'), 'A');
  assert.is(await code(sub.rename('moved.txt', '../back.txt')), 'EACCES', 'beneath the handle, not only the grant');
  await sub.rename('moved.txt', 'back.txt', { to: data });
  assert.is(readFileSync(join(root, 'back.txt'), 'utf8'), 'A');
  assert.is(await code(data.rename('nothing', 'x')), 'ENOENT');
});

test('rename of a symbolic link named last moves the link itself', async () => {
  await data.rename('victim-link', 'sub/link-moved');
  assert.ok(lstatSync(join(root, 'sub/link-moved')).isSymbolicLink());
  assert.is(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'outside\n');
  await data.rename('sub/link-moved', 'victim-link');
});

// Every way out: each refused with EACCES, the outside directory unchanged.
const escapes = ['../x', '../outside/x', `${outside}/x`, '/x', 'abs/x', 'rel/x', 'sub/../../x', 'rel/empty', 'abs/empty/'];
for (const path of escapes) {
  test(`escapes fail with EACCES and change nothing outside: ${path}`, async () => {
    const before = listing(outside);
    writeFileSync(join(root, 'mine.txt'), 'mine');
    assert.is(await code(data.mkdir(path)), 'EACCES', 'mkdir');
    assert.is(await code(data.remove(path)), 'EACCES', 'remove');
    assert.is(await code(data.remove(path, { directory: true })), 'EACCES', 'remove a directory');
    assert.is(await code(data.rename('mine.txt', path)), 'EACCES', 'rename a granted file to outside');
    assert.is(await code(data.rename(path, 'here')), 'EACCES', 'rename from outside');
    assert.is(readFileSync(join(root, 'mine.txt'), 'utf8'), 'mine');
    assert.not.ok(existsSync(join(root, 'here')));
    assert.equal(listing(outside), before);
  });
}

test('a last component of `.` or `..`, or none, is EINVAL, as on the Linux host', async () => {
  const before = listing(outside);
  for (const path of ['..', 'sub/..', 'sub/../..', '.', 'sub/.', '']) {
    assert.is(await code(data.mkdir(path)), 'EINVAL', `mkdir ${path}`);
    assert.is(await code(data.remove(path, { directory: true })), 'EINVAL', `remove ${path}`);
    assert.is(await code(data.rename(path, 'x')), 'EINVAL', `rename ${path}`);
  }
  assert.ok(statSync(join(root, 'sub')).isDirectory());
  assert.equal(listing(outside), before);
});

test('a read-only grant refuses mkdir, remove, rename and truncate with EACCES, and changes nothing', async () => {
  const before = listing(ro);
  assert.is(await code(locked.mkdir('new')), 'EACCES');
  assert.is(await code(locked.remove('locked.txt')), 'EACCES');
  assert.is(await code(locked.remove('inner', { directory: true })), 'EACCES');
  assert.is(await code(locked.rename('locked.txt', 'renamed.txt')), 'EACCES');
  assert.is(await code(locked.rename('locked.txt', 'stolen.txt', { to: data })), 'EACCES', 'out of the read-only grant');
  writeFileSync(join(root, 'planted.txt'), 'x');
  assert.is(await code(data.rename('planted.txt', 'planted.txt', { to: locked })), 'EACCES', 'into the read-only grant');
  const inner = await locked.openDirectory('inner');
  assert.is(await code(inner.mkdir('x')), 'EACCES', 'a directory opened beneath it is read-only too');
  assert.is(await code(inner.remove('deep.txt')), 'EACCES');
  const file = await locked.open('locked.txt');
  assert.is(await code(file.truncate(0)), 'EACCES');
  await file.close();
  assert.equal(listing(ro), before);
  assert.is(readFileSync(join(ro, 'locked.txt'), 'utf8'), 'read only\n');
  assert.ok(existsSync(join(root, 'planted.txt')));
});

test('truncate cuts a file and extends it with zeros; EACCES on a handle opened read-only', async () => {
  const file = await File.open('ops', 'cut.txt', { read: true, write: true, create: true, truncate: true });
  await file.writeAll(new TextEncoder().encode('0123456789'), 0);
  await file.truncate(4);
  assert.is(fromUtf8(await file.readAll()), '0123');
  await file.truncate(6n);
  assert.equal([...(await file.readAll())], [48, 49, 50, 51, 0, 0]);
  assert.is((await file.stat()).size, 6);
  const reader = await File.open('ops', 'cut.txt');
  assert.is(await code(reader.truncate(0)), 'EACCES');
  assert.is(readFileSync(join(root, 'cut.txt')).length, 6);
  await Promise.all([file.close(), reader.close()]);
});

test('the raw ring operations: bad handles, a directory handle, a file where a directory must be', async () => {
  const ring = IORing.shared;
  assert.is(await code(ring.ftruncate(999, 0)), 'EBADF');
  assert.is(await code(ring.mkdirat(999, 'x')), 'EBADF');
  assert.is(await code(ring.ftruncate(grants.directory('ops'), 0)), 'EINVAL');
  const file = await File.open('ops', 'mine.txt');
  assert.is(await code(ring.mkdirat(file.handle, 'x')), 'ENOTDIR');
  assert.is(await code(ring.unlinkat(file.handle, 'x')), 'ENOTDIR');
  assert.is(await code(ring.renameat(grants.directory('ops'), 'mine.txt', file.handle, 'x')), 'ENOTDIR');
  await file.close();
});

test.run();

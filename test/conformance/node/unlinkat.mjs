// unlinkat: files and (with remove-dir) empty directories removed beneath a directory handle;
// a symbolic link named last is removed itself; `access` under a read-only grant and for paths
// that would leave the directory (`..` and absolute paths; through the fixture's link up). (unlinkat.c)
import { AT_REMOVEDIR, CHECK, E, O, PASS, SKIP_IF_NOTSUP, SKIP_IF_NO_LINK, op, startsWith, t_code, t_dir, t_exit, t_one, t_open, t_run, t_stat } from './conform.mjs';

async function unlinkRes(ring, dir, path, flags) {
  ring.prep(op.unlinkat(dir, path, flags));
  return (await t_one(ring)).res;
}
const statRes = async (ring, dir, path) => (await t_stat(ring, dir, path)).res;
async function makeDir(ring, dir, path) {
  ring.prep(op.mkdirat(dir, path, 0o755));
  return (await t_one(ring)).res;
}

async function unlinkat_file(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'doomed', O.READ | O.WRITE | O.CREATE, 'still readable');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  let res = await unlinkRes(ring, rw, 'doomed', 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `unlinkat: ${t_code(res)}, want 0`);
  res = await statRes(ring, rw, 'doomed');
  CHECK(res === -E.NOENT, `statx after unlinkat: ${t_code(res)}, want no-entry`);
  // The name is gone; a handle still open keeps the file.
  ring.prep(op.read(fd, 64, 0));
  const c = await t_one(ring);
  CHECK(c.res === 14 && startsWith(c.data, 'still readable'), `read through the open handle: ${t_code(c.res)}`);
  res = await unlinkRes(ring, rw, 'doomed', 0);
  CHECK(res === -E.NOENT, `unlinkat again: ${t_code(res)}, want no-entry`);
  PASS();
}

async function unlinkat_dir(ring) {
  const rw = t_dir('rw');
  let res = await makeDir(ring, rw, 'empty');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat: ${t_code(res)}`);
  res = await unlinkRes(ring, rw, 'empty', AT_REMOVEDIR);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `unlinkat remove-dir: ${t_code(res)}, want 0`);
  res = await statRes(ring, rw, 'empty');
  CHECK(res === -E.NOENT, `statx after: ${t_code(res)}, want no-entry`);
  PASS();
}

async function unlinkat_dir_not_empty(ring) {
  const rw = t_dir('rw');
  let res = await makeDir(ring, rw, 'full');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat: ${t_code(res)}`);
  res = await t_open(ring, rw, 'full/file', O.WRITE | O.CREATE);
  CHECK(res >= 0, `create full/file: ${t_code(res)}`);
  res = await unlinkRes(ring, rw, 'full', AT_REMOVEDIR);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOTEMPTY, `remove-dir of a non-empty directory: ${t_code(res)}, want not-empty`);
  CHECK((await statRes(ring, rw, 'full/file')) === 0, 'full/file is gone');
  PASS();
}

async function unlinkat_wrong_kind(ring) {
  const rw = t_dir('rw');
  let res = await makeDir(ring, rw, 'adir');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat: ${t_code(res)}`);
  res = await t_open(ring, rw, 'afile', O.WRITE | O.CREATE);
  CHECK(res >= 0, `create afile: ${t_code(res)}`);
  res = await unlinkRes(ring, rw, 'afile', AT_REMOVEDIR);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOTDIR, `remove-dir of a file: ${t_code(res)}, want not-directory`);
  // POSIX says EPERM for unlink(2) of a directory, Linux EISDIR.
  res = await unlinkRes(ring, rw, 'adir', 0);
  CHECK(res === -E.ISDIR || res === -E.PERM,
    `unlinkat of a directory without remove-dir: ${t_code(res)}, want is-directory or not-permitted`);
  CHECK((await statRes(ring, rw, 'adir')) === 0 && (await statRes(ring, rw, 'afile')) === 0, 'something was removed');
  PASS();
}

async function unlinkat_symlink(ring) {
  const rw = t_dir('rw');
  // rw/up -> "..": the link goes, what it points at stays.
  await SKIP_IF_NO_LINK(ring, rw, 'rw');
  let res = await unlinkRes(ring, rw, 'up', 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `unlinkat of the link up: ${t_code(res)}, want 0`);
  res = await statRes(ring, rw, 'up');
  CHECK(res === -E.NOENT, `the link is still there (${t_code(res)})`);
  res = await statRes(ring, rw, '');
  CHECK(res === 0, `the grant itself is gone (${t_code(res)})`);
  PASS();
}

async function unlinkat_missing(ring) {
  const rw = t_dir('rw');
  let res = await unlinkRes(ring, rw, 'missing', 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `unlinkat of a missing file: ${t_code(res)}, want no-entry`);
  res = await unlinkRes(ring, rw, 'missing', AT_REMOVEDIR);
  CHECK(res === -E.NOENT, `remove-dir of a missing directory: ${t_code(res)}, want no-entry`);
  PASS();
}

async function unlinkat_read_only(ring) {
  const ro = t_dir('ro');
  // ro/up, where the host's file systems have symbolic links: it must stay (unlinkat.c).
  const link = await statRes(ring, ro, 'up');
  let res = await unlinkRes(ring, ro, 'data.txt', 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `unlinkat under the read-only grant: ${t_code(res)}, want access`);
  res = await unlinkRes(ring, ro, 'sub/inner.txt', 0);
  CHECK(res === -E.ACCES, `unlinkat of sub/inner.txt: ${t_code(res)}, want access`);
  res = await unlinkRes(ring, ro, 'up', 0);
  CHECK(res === -E.ACCES, `unlinkat of the link up: ${t_code(res)}, want access`);
  res = await unlinkRes(ring, ro, 'sub', AT_REMOVEDIR);
  CHECK(res === -E.ACCES, `remove-dir of sub: ${t_code(res)}, want access`);
  CHECK((await statRes(ring, ro, 'data.txt')) === 0 && (await statRes(ring, ro, 'sub/inner.txt')) === 0,
    'something under the read-only grant was removed');
  CHECK(link === 0 || link === -E.NOENT, `statx ro/up before: ${t_code(link)}`);
  res = await statRes(ring, ro, 'up');
  CHECK(res === link, `ro/up: statx ${t_code(link)} before the unlinks, ${t_code(res)} after`);
  PASS();
}

async function unlinkat_escape(ring) {
  const paths = ['../outside.txt', './../outside.txt', 'sub/../../outside.txt', '../rw', '/tmp/x'];
  const rw = t_dir('rw');
  let res = await makeDir(ring, rw, 'sub');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat sub: ${t_code(res)}`);
  for (const p of paths) {
    res = await unlinkRes(ring, rw, p, 0);
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `unlinkat "${p}": ${t_code(res)}, want access`);
  }
  res = await unlinkRes(ring, rw, '../ro', AT_REMOVEDIR);
  CHECK(res === -E.ACCES, `remove-dir "../ro": ${t_code(res)}, want access`);
  res = await unlinkRes(ring, rw, '/tmp', AT_REMOVEDIR);
  CHECK(res === -E.ACCES, `remove-dir "/tmp": ${t_code(res)}, want access`);
  PASS();
}

async function unlinkat_escape_symlink(ring) {
  const paths = ['up/outside.txt', 'up/rw'];
  const rw = t_dir('rw');
  await SKIP_IF_NO_LINK(ring, rw, 'rw');
  let res;
  for (const p of paths) {
    res = await unlinkRes(ring, rw, p, 0);
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `unlinkat "${p}": ${t_code(res)}, want access`);
  }
  res = await unlinkRes(ring, rw, 'up/ro', AT_REMOVEDIR);
  CHECK(res === -E.ACCES, `remove-dir "up/ro": ${t_code(res)}, want access`);
  PASS();
}

await t_run('unlinkat-file', unlinkat_file);
await t_run('unlinkat-dir', unlinkat_dir);
await t_run('unlinkat-dir-not-empty', unlinkat_dir_not_empty);
await t_run('unlinkat-wrong-kind', unlinkat_wrong_kind);
await t_run('unlinkat-missing', unlinkat_missing);
await t_run('unlinkat-read-only', unlinkat_read_only);
await t_run('unlinkat-escape', unlinkat_escape);
await t_run('unlinkat-escape-symlink', unlinkat_escape_symlink);
// Last: it removes rw/up, which the escapes above go through.
await t_run('unlinkat-symlink', unlinkat_symlink);
t_exit();

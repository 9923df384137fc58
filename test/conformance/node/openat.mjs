// openat: every open flag, directory handles, read-only grants, and paths that try to leave
// their directory (`access`); close and fsync on what was opened. (openat.c)
import {
  CHECK, CURRENT_POSITION, E, FSYNC_DATASYNC, O, PASS, SKIP_IF_NOTSUP, SKIP_IF_NO_FIFO, SKIP_IF_NO_LINK, op, startsWith, t_close, t_code, t_dir, t_exit,
  t_one, t_open, t_run,
} from './conform.mjs';

/** The open's CQE (res, handle). */
async function openRes(ring, dir, path, flags) {
  ring.prep(op.openat(dir, path, flags, 0o644));
  return t_one(ring);
}

async function sizeOf(ring, dir, path) {
  ring.prep(op.statx(dir, path, false));
  const c = await t_one(ring);
  return c.res === 0 && c.hasStat ? Number(c.stat.size) : -1;
}

async function openat_create_exclusive(ring) {
  const dir = t_dir('rw');
  let c = await openRes(ring, dir, 'new', O.WRITE | O.CREATE | O.EXCLUSIVE);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.handle >= 0, `create new: ${t_code(c.res)}, want a handle`);
  c = await openRes(ring, dir, 'new', O.WRITE | O.CREATE | O.EXCLUSIVE);
  CHECK(c.res === -E.EXIST, `create exclusive of an existing file: ${t_code(c.res)}, want exists`);
  c = await openRes(ring, dir, 'new', O.WRITE | O.CREATE);
  CHECK(c.res === 0, `create (not exclusive) of an existing file: ${t_code(c.res)}, want 0`);
  PASS();
}

async function openat_missing(ring) {
  const dir = t_dir('rw');
  let res = (await openRes(ring, dir, 'missing', O.READ)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `open of a missing file: ${t_code(res)}, want no-entry`);
  res = (await openRes(ring, dir, 'no/such/dir/file', O.WRITE | O.CREATE)).res;
  CHECK(res === -E.NOENT, `create under a missing directory: ${t_code(res)}, want no-entry`);
  PASS();
}

async function openat_truncate(ring) {
  const dir = t_dir('rw');
  const fd = await t_open(ring, dir, 'trunc', O.WRITE | O.CREATE, 'twelve bytes');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  CHECK((await sizeOf(ring, dir, 'trunc')) === 12, 'the file is not 12 bytes before');
  const res = (await openRes(ring, dir, 'trunc', O.WRITE | O.TRUNCATE)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `open with truncate: ${t_code(res)}`);
  CHECK((await sizeOf(ring, dir, 'trunc')) === 0, 'the file was not truncated to 0');
  PASS();
}

async function openat_append(ring) {
  const dir = t_dir('rw');
  let fd = await t_open(ring, dir, 'append', O.WRITE | O.CREATE, 'start');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  let c = await openRes(ring, dir, 'append', O.WRITE | O.APPEND);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `open with append: ${t_code(c.res)}`);
  // Every write of an append handle goes to the end, whatever the position.
  ring.prep(op.write(c.handle, '+end', CURRENT_POSITION));
  const res = (await t_one(ring)).res;
  CHECK(res === 4, `write: ${t_code(res)}`);
  await t_close(ring, fd);
  fd = await t_open(ring, dir, 'append', O.READ);
  ring.prep(op.read(fd, 64, 0));
  c = await t_one(ring);
  CHECK(c.res === 9 && startsWith(c.data, 'start+end'), `the file holds ${t_code(c.res)} bytes, want "start+end"`);
  PASS();
}

async function openat_read_write_modes(ring) {
  const dir = t_dir('rw');
  let fd = await t_open(ring, dir, 'modes', O.WRITE | O.CREATE, 'abc');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  // Without write the file opens read-only: writes fail, reads work.
  let c = await openRes(ring, dir, 'modes', 0);
  CHECK(c.res === 0, `open with no flags: ${t_code(c.res)}`);
  ring.prep(op.write(c.handle, 'x', 0));
  let res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `write to a read-only handle: ${t_code(res)}, want bad-descriptor`);
  // With write alone it opens write-only: reads fail.
  ring.prep(op.read(fd, 8, 0));
  res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `read from a write-only handle: ${t_code(res)}, want bad-descriptor`);
  // With both, both work on the one handle.
  c = await openRes(ring, dir, 'modes', O.READ | O.WRITE);
  CHECK(c.res === 0, `open read-write: ${t_code(c.res)}`);
  fd = c.handle;
  ring.prep(op.write(fd, 'Z', 1));
  CHECK((await t_one(ring)).res === 1, 'write on read-write');
  ring.prep(op.read(fd, 8, 0));
  c = await t_one(ring);
  CHECK(c.res === 3 && startsWith(c.data, 'aZc'), `read on read-write: ${t_code(c.res)}`);
  PASS();
}

async function openat_directory(ring) {
  const ro = t_dir('ro');
  let c = await openRes(ring, ro, 'sub', O.DIRECTORY);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `open ro/sub as a directory: ${t_code(c.res)}`);
  const sub = c.handle;
  // A directory handle opened under a grant is a directory handle too.
  c = await openRes(ring, sub, 'inner.txt', O.READ);
  CHECK(c.res === 0, `open inner.txt beneath it: ${t_code(c.res)}`);
  ring.prep(op.read(c.handle, 64, 0));
  c = await t_one(ring);
  CHECK(c.res === 6 && startsWith(c.data, 'inner\n'), `read inner.txt: ${t_code(c.res)}`);
  let res = (await openRes(ring, ro, 'data.txt', O.DIRECTORY)).res;
  CHECK(res === -E.NOTDIR, `a file with the directory flag: ${t_code(res)}, want not-directory`);
  // It stays beneath itself: its parent is outside it, even though inside the grant.
  res = (await openRes(ring, sub, '../data.txt', O.READ)).res;
  CHECK(res === -E.ACCES, `../data.txt beneath ro/sub: ${t_code(res)}, want access`);
  PASS();
}

async function openat_not_a_directory_handle(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open data.txt: ${t_code(fd)}`);
  const res = (await openRes(ring, fd, 'x', O.READ)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOTDIR, `open beneath a file handle: ${t_code(res)}, want not-directory`);
  PASS();
}

async function openat_read_only_grant(ring) {
  const writes = [O.WRITE, O.READ | O.WRITE, O.CREATE | O.WRITE, O.TRUNCATE, O.APPEND | O.WRITE];
  const ro = t_dir('ro');
  CHECK(ro >= 0, `grant "ro": ${t_code(ro)}`);
  let res;
  for (const flags of writes) {
    res = (await openRes(ring, ro, 'data.txt', flags)).res;
    SKIP_IF_NOTSUP(res);
    // wit/types.wit gives both: access ("a write under a read-only directory grant") and
    // read-only ("the grant is read-only").
    CHECK(res === -E.ACCES || res === -E.ROFS,
      `open data.txt under the read-only grant with flags 0x${flags.toString(16)}: ${t_code(res)}, want access or read-only`);
  }
  res = (await openRes(ring, ro, 'created', O.WRITE | O.CREATE)).res;
  CHECK(res === -E.ACCES || res === -E.ROFS, `create under the read-only grant: ${t_code(res)}`);
  CHECK((await sizeOf(ring, ro, 'data.txt')) === 37, 'data.txt changed');
  res = (await openRes(ring, ro, 'data.txt', O.READ)).res;
  CHECK(res === 0, `reading is allowed: ${t_code(res)}`);
  PASS();
}

async function openat_escape(ring) {
  const paths = ['../outside.txt', '/etc/passwd', './../outside.txt', '..', '../rw/escaped'];
  const rw = t_dir('rw');
  let res;
  for (const p of paths) {
    res = (await openRes(ring, rw, p, O.READ)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `open "${p}": ${t_code(res)}, want access`);
    res = (await openRes(ring, rw, p, O.WRITE | O.CREATE)).res;
    CHECK(res === -E.ACCES, `create "${p}": ${t_code(res)}, want access`);
  }
  PASS();
}

async function openat_escape_symlink(ring) {
  const paths = ['up/outside.txt', 'up'];
  const rw = t_dir('rw');
  await SKIP_IF_NO_LINK(ring, rw, 'rw');
  let res;
  for (const p of paths) {
    res = (await openRes(ring, rw, p, O.READ)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `open "${p}": ${t_code(res)}, want access`);
    res = (await openRes(ring, rw, p, O.WRITE | O.CREATE)).res;
    CHECK(res === -E.ACCES, `create "${p}": ${t_code(res)}, want access`);
  }
  res = (await openRes(ring, rw, 'up/rw/escaped', O.WRITE | O.CREATE)).res;
  CHECK(res === -E.ACCES, `create through the link back into rw: ${t_code(res)}, want access`);
  PASS();
}

async function openat_close(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  ring.prep(op.close(fd));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `close: ${t_code(res)}`);
  ring.prep(op.read(fd, 4, 0));
  res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `read on the closed handle: ${t_code(res)}, want bad-descriptor`);
  ring.prep(op.close(fd));
  res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `close again: ${t_code(res)}, want bad-descriptor`);
  PASS();
}

async function openat_fsync(ring) {
  const rw = t_dir('rw');
  const ro = t_dir('ro');
  let fd = await t_open(ring, rw, 'synced', O.WRITE | O.CREATE, 'durable');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  ring.prep(op.fsync(fd, 0));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `fsync: ${t_code(res)}`);
  ring.prep(op.fsync(fd, FSYNC_DATASYNC));
  res = (await t_one(ring)).res;
  CHECK(res === 0, `fdatasync: ${t_code(res)}`);
  fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open ro/data.txt: ${t_code(fd)}`);
  ring.prep(op.fsync(fd, 0));
  res = (await t_one(ring)).res;
  CHECK(res === 0, `fsync of a read-only handle: ${t_code(res)}`);
  PASS();
}

async function openat_nonblock(ring) {
  const rw = t_dir('rw');
  // rw/fifo, which nobody else opens. Without nonblock either open would wait for the other
  // end; with it, writing with no reader is no-such-device-or-address...
  await SKIP_IF_NO_FIFO(ring, rw);
  let c = await openRes(ring, rw, 'fifo', O.WRITE | O.NONBLOCK);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === -E.NXIO, `open a FIFO for writing, nonblock, no reader: ${t_code(c.res)}, want no-such-device-or-address`);
  // ... reading with no writer opens at once and reads end of file...
  c = await openRes(ring, rw, 'fifo', O.READ | O.NONBLOCK);
  CHECK(c.res === 0, `open a FIFO for reading, nonblock: ${t_code(c.res)}`);
  const rd = c.handle;
  // ... and with a reader, writing opens, and the bytes cross.
  c = await openRes(ring, rw, 'fifo', O.WRITE | O.NONBLOCK);
  CHECK(c.res === 0, `open the FIFO for writing with a reader: ${t_code(c.res)}`);
  const wr = c.handle;
  ring.prep(op.write(wr, 'pipe', CURRENT_POSITION));
  const res = (await t_one(ring)).res;
  CHECK(res === 4, `write to the FIFO: ${t_code(res)}`);
  ring.prep(op.read(rd, 16, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, 'pipe'), `read from the FIFO: ${t_code(c.res)}`);
  PASS();
}

async function openat_no_ctty(ring) {
  const ro = t_dir('ro');
  // no-ctty only matters for terminals; on a file it is accepted and changes nothing.
  let c = await openRes(ring, ro, 'data.txt', O.READ | O.NOCTTY);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `open with no-ctty: ${t_code(c.res)}`);
  ring.prep(op.read(c.handle, 10, 0));
  c = await t_one(ring);
  CHECK(c.res === 10 && startsWith(c.data, '0123456789'), `read: ${t_code(c.res)}`);
  PASS();
}

async function openat_directory_for_writing(ring) {
  const rw = t_dir('rw');
  const ro = t_dir('ro');
  let res = (await openRes(ring, rw, '.', O.WRITE)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ISDIR, `open "." for writing: ${t_code(res)}, want is-directory`);
  res = (await openRes(ring, ro, 'sub', O.READ)).res;
  CHECK(res === 0, `open ro/sub for reading (no directory flag): ${t_code(res)}, want 0`);
  PASS();
}

await t_run('openat-create-exclusive', openat_create_exclusive);
await t_run('openat-missing', openat_missing);
await t_run('openat-truncate', openat_truncate);
await t_run('openat-append', openat_append);
await t_run('openat-read-write-modes', openat_read_write_modes);
await t_run('openat-directory', openat_directory);
await t_run('openat-not-a-directory-handle', openat_not_a_directory_handle);
await t_run('openat-nonblock', openat_nonblock);
await t_run('openat-no-ctty', openat_no_ctty);
await t_run('openat-directory-for-writing', openat_directory_for_writing);
await t_run('openat-read-only-grant', openat_read_only_grant);
await t_run('openat-escape', openat_escape);
await t_run('openat-escape-symlink', openat_escape_symlink);
await t_run('close-then-use', openat_close);
await t_run('fsync', openat_fsync);
t_exit();

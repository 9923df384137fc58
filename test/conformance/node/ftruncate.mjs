// ftruncate: a file's length set through its handle, shorter and longer; `access` on a handle
// opened read-only, under a writable grant or a read-only one. (ftruncate.c)
import {
  CHECK, CURRENT_POSITION, E, O, PASS, SKIP_IF_NOTSUP, op, startsWith, t_code, t_dir, t_exit, t_one, t_open, t_run,
} from './conform.mjs';

async function truncRes(ring, fd, len) {
  ring.prep(op.ftruncate(fd, len));
  return (await t_one(ring)).res;
}

async function sizeOf(ring, fd) {
  ring.prep(op.statx(fd, '', false));
  const c = await t_one(ring);
  return c.res === 0 && c.hasStat ? Number(c.stat.size) : -1;
}

async function ftruncate_shrink(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'shrink', O.READ | O.WRITE | O.CREATE, '0123456789');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  let res = await truncRes(ring, fd, 4);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `ftruncate to 4: ${t_code(res)}, want 0`);
  const size = await sizeOf(ring, fd);
  CHECK(size === 4, `size ${size} after, want 4`);
  ring.prep(op.read(fd, 64, 0));
  const c = await t_one(ring);
  CHECK(c.res === 4 && startsWith(c.data, '0123'), `read after: ${t_code(c.res)}`);
  res = await truncRes(ring, fd, 0);
  CHECK(res === 0 && (await sizeOf(ring, fd)) === 0, `ftruncate to 0: ${t_code(res)}`);
  PASS();
}

async function ftruncate_extend(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'extend', O.READ | O.WRITE | O.CREATE, 'abc');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  const res = await truncRes(ring, fd, 100000);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `ftruncate to 100000: ${t_code(res)}, want 0`);
  const size = await sizeOf(ring, fd);
  CHECK(size === 100000, `size after: ${size}, want 100000`);
  // The new bytes read as zeros; the old ones are kept.
  ring.prep(op.read(fd, 8, 0));
  let c = await t_one(ring);
  CHECK(c.res === 8 && startsWith(c.data, 'abc\0\0\0\0\0'), `read at 0: ${t_code(c.res)}`);
  ring.prep(op.read(fd, 16, 99990));
  c = await t_one(ring);
  CHECK(c.res === 10, `read at 99990: ${t_code(c.res)}, want 10`);
  for (let i = 0; i < 10; i++) CHECK(c.data[i] === 0, `byte ${99990 + i} of the extension is ${c.data[i]}`);
  PASS();
}

async function ftruncate_position_kept(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'pos', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  ring.prep(op.write(fd, 'abcdef', CURRENT_POSITION));
  CHECK((await t_one(ring)).res === 6, 'write');
  const res = await truncRes(ring, fd, 2);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `ftruncate: ${t_code(res)}`);
  // The position stays at 6: the next write leaves a hole from 2 to 6.
  ring.prep(op.write(fd, 'Z', CURRENT_POSITION));
  CHECK((await t_one(ring)).res === 1, 'write after');
  ring.prep(op.read(fd, 16, 0));
  const c = await t_one(ring);
  CHECK(c.res === 7 && startsWith(c.data, 'ab\0\0\0\0Z'), `the file holds ${t_code(c.res)} other bytes`);
  PASS();
}

async function ftruncate_read_only_handle(ring) {
  const rw = t_dir('rw');
  let fd = await t_open(ring, rw, 'kept', O.WRITE | O.CREATE, 'kept bytes');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  fd = await t_open(ring, rw, 'kept', O.READ);
  CHECK(fd >= 0, `open read-only: ${t_code(fd)}`);
  const res = await truncRes(ring, fd, 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `ftruncate of a handle opened read-only: ${t_code(res)}, want access`);
  CHECK((await sizeOf(ring, fd)) === 10, 'the file was truncated');
  PASS();
}

async function ftruncate_read_only_grant(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open ro/data.txt: ${t_code(fd)}`);
  let res = await truncRes(ring, fd, 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `ftruncate under the read-only grant: ${t_code(res)}, want access`);
  res = await truncRes(ring, fd, 1000);
  CHECK(res === -E.ACCES, `ftruncate longer under the read-only grant: ${t_code(res)}, want access`);
  CHECK((await sizeOf(ring, fd)) === 37, 'data.txt changed size');
  PASS();
}

async function ftruncate_not_a_file(ring) {
  const rw = t_dir('rw');
  let res = await truncRes(ring, rw, 0);
  SKIP_IF_NOTSUP(res);
  CHECK(res < 0, 'ftruncate of a directory handle succeeded');
  res = await truncRes(ring, 999, 0);
  CHECK(res === -E.BADF, `ftruncate of handle 999: ${t_code(res)}, want bad-descriptor`);
  PASS();
}

await t_run('ftruncate-shrink', ftruncate_shrink);
await t_run('ftruncate-extend', ftruncate_extend);
await t_run('ftruncate-position-kept', ftruncate_position_kept);
await t_run('ftruncate-read-only-handle', ftruncate_read_only_handle);
await t_run('ftruncate-read-only-grant', ftruncate_read_only_grant);
await t_run('ftruncate-not-a-file', ftruncate_not_a_file);
t_exit();

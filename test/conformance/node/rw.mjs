// rw: read and write on files, at offsets and at the current position; short reads, end of
// file and zero-length reads. (rw.c)
import {
  CHECK, CURRENT_POSITION, E, O, PASS, SKIP_IF_NOTSUP, STDOUT, T_DATA, op, t_code, t_dir, t_exit, t_one, t_open, t_run,
} from './conform.mjs';

async function rw_offsets(ring) {
  const want = 'hello\0\0\0\0\0world';
  const dir = t_dir('rw');
  const fd = await t_open(ring, dir, 'offsets', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  // The second write first: a write past the end leaves a hole that reads as zeros.
  ring.prep(op.write(fd, 'world', 10));
  let res = (await t_one(ring)).res;
  CHECK(res === 5, `write at 10: ${t_code(res)}, want 5`);
  ring.prep(op.write(fd, 'hello', 0));
  res = (await t_one(ring)).res;
  CHECK(res === 5, `write at 0: ${t_code(res)}, want 5`);
  ring.prep(op.read(fd, 64, 0));
  let c = await t_one(ring);
  CHECK(c.res === 15, `read at 0: ${t_code(c.res)}, want 15`);
  CHECK(c.len === 15 && c.text === want, `read back other bytes (${c.len})`);
  ring.prep(op.read(fd, 3, 11));
  c = await t_one(ring);
  CHECK(c.res === 3 && c.len === 3 && c.text === 'orl', `read 3 at 11: ${t_code(c.res)}, want 3 bytes "orl"`);
  PASS();
}

async function rw_current_position(ring) {
  const dir = t_dir('rw');
  const fd = await t_open(ring, dir, 'position', O.WRITE | O.CREATE);
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  // Two writes at the position follow each other.
  ring.prep(op.write(fd, 'abc', CURRENT_POSITION));
  let res = (await t_one(ring)).res;
  CHECK(res === 3, `first write: ${t_code(res)}`);
  ring.prep(op.write(fd, 'def', CURRENT_POSITION));
  res = (await t_one(ring)).res;
  CHECK(res === 3, `second write: ${t_code(res)}`);
  // A fresh handle reads from 0; a read at an offset leaves the position where it was.
  const rd = await t_open(ring, dir, 'position', O.READ);
  CHECK(rd >= 0, `openat for reading: ${t_code(rd)}`);
  ring.prep(op.read(rd, 2, CURRENT_POSITION));
  let c = await t_one(ring);
  CHECK(c.res === 2 && c.text === 'ab', `first read: ${t_code(c.res)}, want "ab"`);
  ring.prep(op.read(rd, 1, 5));
  c = await t_one(ring);
  CHECK(c.res === 1 && c.text[0] === 'f', `read at 5: ${t_code(c.res)}, want "f"`);
  ring.prep(op.read(rd, 2, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 2 && c.text === 'cd',
    `read at the position after a read at an offset: ${t_code(c.res)} "${c.res > 0 ? c.text[0] : '-'}${c.res > 1 ? c.text[1] : '-'}", want "cd"`);
  ring.prep(op.read(rd, 10, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 2 && c.text === 'ef', `last read: ${t_code(c.res)}, want "ef"`);
  ring.prep(op.read(rd, 10, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `read at the end: ${t_code(c.res)}, want 0`);
  PASS();
}

async function rw_short_read(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `openat ro/data.txt: ${t_code(fd)}`);
  // 37 bytes: asking for 100 from 30 gets the last 7.
  ring.prep(op.read(fd, 100, 30));
  let c = await t_one(ring);
  CHECK(c.res === 7, `read 100 at 30: ${t_code(c.res)}, want 7`);
  CHECK(c.len === 7 && c.text === 'uvwxyz\n', `other bytes (${c.len})`);
  ring.prep(op.read(fd, 4096, 0));
  c = await t_one(ring);
  CHECK(c.res === 37 && c.len === 37 && c.text === T_DATA, `read 4096 at 0: ${t_code(c.res)}, want the 37 bytes of data.txt`);
  PASS();
}

async function rw_eof(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `openat ro/data.txt: ${t_code(fd)}`);
  ring.prep(op.read(fd, 16, 37));
  let c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `read at the end: ${t_code(c.res)}, want 0`);
  ring.prep(op.read(fd, 16, 1000000));
  c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `read past the end: ${t_code(c.res)}, want 0`);
  PASS();
}

async function rw_zero_length(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `openat ro/data.txt: ${t_code(fd)}`);
  ring.prep(op.read(fd, 0, 0));
  let c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `read of 0: ${t_code(c.res)} with ${c.len} bytes, want 0`);
  // The position did not move.
  ring.prep(op.read(fd, 0, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 0 && c.len === 0, `read of 0 at the position: ${t_code(c.res)}`);
  ring.prep(op.read(fd, 1, CURRENT_POSITION));
  c = await t_one(ring);
  CHECK(c.res === 1 && c.text[0] === '0', `read at the position: ${t_code(c.res)}, want "0"`);
  PASS();
}

async function rw_write_stdout(ring) {
  // A write to handle 1 is a real write: the runner sees this line as any other.
  ring.prep(op.write(STDOUT, '# rw: a line through handle 1\n', CURRENT_POSITION));
  const res = (await t_one(ring)).res;
  CHECK(res === 30, `write to handle 1: ${t_code(res)}, want 30`);
  PASS();
}

async function rw_directory(ring) {
  const ro = t_dir('ro');
  ring.prep(op.read(ro, 16, 0));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ISDIR, `read of a directory handle: ${t_code(res)}, want is-directory`);
  PASS();
}

async function rw_write_copied(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'copied', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  // The bytes are the host's from the submit on: changing the buffer after it does not
  // change what is written. (The raw op is given the caller's own array here, not a copy.)
  const buf = new TextEncoder().encode('before');
  ring.prep({ tag: 'write', val: { fd, data: buf, offset: 0n } });
  CHECK(ring.submit() === 1, 'submit');
  buf.set(new TextEncoder().encode('AFTER!'));
  const res = (await t_one(ring)).res;
  CHECK(res === 6, `write: ${t_code(res)}`);
  ring.prep(op.read(fd, 8, 0));
  const c = await t_one(ring);
  CHECK(c.res === 6 && c.text === 'before', `the file holds "${c.res > 0 ? c.text.slice(0, 6) : ''}", want "before"`);
  PASS();
}

await t_run('rw-offsets', rw_offsets);
await t_run('rw-current-position', rw_current_position);
await t_run('rw-short-read', rw_short_read);
await t_run('rw-eof', rw_eof);
await t_run('rw-zero-length', rw_zero_length);
await t_run('rw-write-stdout', rw_write_stdout);
await t_run('rw-directory', rw_directory);
await t_run('rw-write-copied-at-submit', rw_write_copied);
t_exit();

// fixed: registered (fixed) buffers: register-buffers, buffer-read and buffer-write, read-fixed
// and write-fixed against a file, spans outside a buffer, and `busy` while a fixed operation is
// in flight. (fixed.c)
import {
  CHECK, CURRENT_POSITION, E, O, PASS, SKIP_IF_NOTSUP, op, startsWith, t_code, t_dir, t_exit, t_one, t_open, t_quiet,
  t_reap, t_run, t_tcp_pair,
} from './conform.mjs';

/** ior_buffer_read: { res: the count or -IOR_E*, buf }. */
function bufferRead(ring, index, offset, len) {
  const r = ring.bufferRead(index, offset, len);
  return typeof r === 'number' ? { res: r, buf: new Uint8Array(0) } : { res: r.length, buf: r };
}

async function fixed_register(ring) {
  let res = ring.registerBuffers(2, 64);
  CHECK(res === 0, `register 2 x 64: ${t_code(res)}`);
  let r = bufferRead(ring, 1, 0, 64);
  CHECK(r.res === 64, `buffer-read: ${t_code(r.res)}, want 64`);
  for (let i = 0; i < 64; i++) CHECK(r.buf[i] === 0, `byte ${i} of a new buffer is ${r.buf[i]}, want 0`);
  res = ring.bufferWrite(1, 60, 'wxyz');
  CHECK(res === 0, `buffer-write: ${t_code(res)}`);
  r = bufferRead(ring, 1, 58, 6);
  CHECK(r.res === 6 && startsWith(r.buf, '\0\0wxyz'), `buffer-read after write: ${t_code(r.res)}`);
  // A second registration replaces the first, zero-filled.
  res = ring.registerBuffers(1, 16);
  CHECK(res === 0, `register again: ${t_code(res)}`);
  r = bufferRead(ring, 0, 0, 16);
  CHECK(r.res === 16, `buffer-read of the new set: ${t_code(r.res)}`);
  for (let i = 0; i < 16; i++) CHECK(r.buf[i] === 0, `byte ${i} of the replaced set is ${r.buf[i]}, want 0`);
  r = bufferRead(ring, 1, 0, 1);
  CHECK(r.res === -E.INVAL, `buffer-read of a buffer no longer registered: ${t_code(r.res)}, want invalid`);
  PASS();
}

async function fixed_buffer_bounds(ring) {
  CHECK(ring.registerBuffers(1, 32) === 0, 'register');
  let res = bufferRead(ring, 0, 30, 4).res;
  CHECK(res === -E.INVAL, `buffer-read past the end: ${t_code(res)}, want invalid`);
  res = ring.bufferWrite(0, 29, 'abcd');
  CHECK(res === -E.INVAL, `buffer-write past the end: ${t_code(res)}, want invalid`);
  res = bufferRead(ring, 3, 0, 1).res;
  CHECK(res === -E.INVAL, `buffer-read of buffer 3 of 1: ${t_code(res)}, want invalid`);
  res = bufferRead(ring, 0, 0xffffffff, 2).res;
  CHECK(res === -E.INVAL, `buffer-read at offset 2^32-1: ${t_code(res)}, want invalid`);
  PASS();
}

async function fixed_write_read(ring) {
  const dir = t_dir('rw');
  CHECK(ring.registerBuffers(2, 64) === 0, 'register');
  CHECK(ring.bufferWrite(0, 5, 'fixed!') === 0, 'buffer-write');
  const fd = await t_open(ring, dir, 'fixed', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  // write-fixed: buffer 0 bytes 5..11 to the file at offset 2.
  ring.prep(op.writeFixed(fd, 0, 5, 6, 2));
  let c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 6, `write-fixed: ${t_code(c.res)}, want 6`);
  ring.prep(op.read(fd, 64, 0));
  c = await t_one(ring);
  CHECK(c.res === 8 && startsWith(c.data, '\0\0fixed!'), `the file holds other bytes (${t_code(c.res)})`);
  // read-fixed: the file from offset 4 into buffer 1 at 10; the CQE carries no bytes.
  ring.prep(op.readFixed(fd, 1, 10, 30, 4));
  c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 4, `read-fixed of 30 at 4 in an 8-byte file: ${t_code(c.res)}, want 4`);
  CHECK(c.len === 0, `read-fixed's CQE carries ${c.len} bytes, want none`);
  const r = bufferRead(ring, 1, 9, 6);
  CHECK(r.res === 6 && startsWith(r.buf, '\0xed!\0'), 'buffer 1 holds other bytes');
  PASS();
}

async function fixed_current_position(ring) {
  const dir = t_dir('rw');
  CHECK(ring.registerBuffers(1, 16) === 0, 'register');
  CHECK(ring.bufferWrite(0, 0, '0123456789') === 0, 'buffer-write');
  const fd = await t_open(ring, dir, 'fixed-pos', O.READ | O.WRITE | O.CREATE);
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  ring.prep(op.writeFixed(fd, 0, 0, 3, CURRENT_POSITION));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 3, `first write-fixed: ${t_code(res)}`);
  ring.prep(op.writeFixed(fd, 0, 7, 3, CURRENT_POSITION));
  res = (await t_one(ring)).res;
  CHECK(res === 3, `second write-fixed: ${t_code(res)}`);
  ring.prep(op.read(fd, 16, 0));
  const c = await t_one(ring);
  CHECK(c.res === 6 && startsWith(c.data, '012789'), `writes at the position made ${t_code(c.res)} bytes, want "012789"`);
  PASS();
}

async function fixed_span_invalid(ring) {
  const dir = t_dir('rw');
  CHECK(ring.registerBuffers(1, 32) === 0, 'register');
  const fd = await t_open(ring, dir, 'fixed-span', O.READ | O.WRITE | O.CREATE, 'some bytes');
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  ring.prep(op.readFixed(fd, 0, 30, 4, 0));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `read-fixed past the buffer's end: ${t_code(res)}, want invalid`);
  ring.prep(op.writeFixed(fd, 1, 0, 4, 0));
  res = (await t_one(ring)).res;
  CHECK(res === -E.INVAL, `write-fixed from buffer 1 of 1: ${t_code(res)}, want invalid`);
  ring.prep(op.readFixed(fd, 0, 0xfffffff0, 0x20, 0));
  res = (await t_one(ring)).res;
  CHECK(res === -E.INVAL, `read-fixed with offset + len past 2^32: ${t_code(res)}, want invalid`);
  PASS();
}

async function fixed_none_registered(ring) {
  const dir = t_dir('rw');
  const fd = await t_open(ring, dir, 'fixed-none', O.READ | O.WRITE | O.CREATE, 'x');
  CHECK(fd >= 0, `openat: ${t_code(fd)}`);
  ring.prep(op.readFixed(fd, 0, 0, 1, 0));
  const res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.INVAL, `read-fixed with no buffers registered: ${t_code(res)}, want invalid`);
  PASS();
}

async function fixed_busy(ring) {
  CHECK(ring.registerBuffers(1, 64) === 0, 'register');
  const { res: pr, client, server } = await t_tcp_pair(ring);
  CHECK(pr === 0, `tcp pair: ${t_code(pr)}`);
  // A read-fixed on a socket with nothing to read stays in flight...
  ring.prep(op.readFixed(server, 0, 0, 4, CURRENT_POSITION), 1);
  CHECK(await t_quiet(ring, 50000000), 'read-fixed on an idle socket completed');
  // ... and the buffers cannot be replaced under it.
  let res = ring.registerBuffers(1, 64);
  CHECK(res === -E.BUSY, `register while read-fixed is in flight: ${t_code(res)}, want busy`);
  ring.prep(op.send(client, 'busy'));
  const two = await t_reap(ring, 2);
  CHECK(two.length === 2, 'send and read-fixed did not both complete');
  for (const x of two) {
    if (x.userData !== 1) continue;
    SKIP_IF_NOTSUP(x.res);
    CHECK(x.res === 4, `read-fixed: ${t_code(x.res)}, want 4`);
  }
  const r = bufferRead(ring, 0, 0, 4);
  CHECK(r.res === 4 && startsWith(r.buf, 'busy'), 'buffer holds other bytes');
  res = ring.registerBuffers(1, 64);
  CHECK(res === 0, `register once nothing is in flight: ${t_code(res)}`);
  PASS();
}

async function fixed_register_absurd(ring) {
  let res = ring.registerBuffers(0xffffffff, 0xffffffff);
  CHECK(res === -E.NOMEM, `register 2^32-1 buffers of 2^32-1 bytes: ${t_code(res)}, want no-memory`);
  // The ring is unharmed: a sensible set registers afterwards.
  res = ring.registerBuffers(1, 64);
  CHECK(res === 0, `register after: ${t_code(res)}`);
  PASS();
}

await t_run('fixed-register', fixed_register);
await t_run('fixed-buffer-bounds', fixed_buffer_bounds);
await t_run('fixed-write-read', fixed_write_read);
await t_run('fixed-current-position', fixed_current_position);
await t_run('fixed-span-invalid', fixed_span_invalid);
await t_run('fixed-none-registered', fixed_none_registered);
await t_run('fixed-busy', fixed_busy);
await t_run('fixed-register-absurd', fixed_register_absurd);
t_exit();

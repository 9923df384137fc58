// statx: metadata of files, directories, symbolic links and FIFOs beneath a directory handle,
// and of a handle itself (a file, handle 0, a socket); modes and times; missing paths and
// escapes (`..` and absolute paths; through the fixture's link up). (statx.c)
import {
  CHECK, E, FT, O, PASS, SKIP, SKIP_IF_NOTSUP, SKIP_IF_NO_FIFO, SKIP_IF_NO_LINK, STDIN, op, t_code, t_dir, t_exit, t_one,
  t_open, t_run, t_tcp_pair,
} from './conform.mjs';

async function statRes(ring, dir, path, noFollow) {
  ring.prep(op.statx(dir, path, noFollow));
  return t_one(ring);
}

async function statx_file(ring) {
  const rw = t_dir('rw');
  ring.prep(op.openat(rw, 'f', O.WRITE | O.CREATE, 0o644));
  let c = await t_one(ring);
  CHECK(c.res === 0, `create: ${t_code(c.res)}`);
  const fd = c.handle;
  ring.prep(op.write(fd, 'eleven byte', 0));
  CHECK((await t_one(ring)).res === 11, 'write');
  c = await statRes(ring, rw, 'f', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.hasStat, `statx: ${t_code(c.res)}, want 0 with a stat`);
  CHECK(c.stat.type === FT.REGULAR, `type ${c.stat.type}, want regular`);
  CHECK(c.stat.size === 11n, `size ${c.stat.size}, want 11`);
  CHECK(c.stat.links === 1, `links ${c.stat.links}, want 1`);
  PASS();
}

// modified-ns 0 (the epoch) is a host that keeps no permission bits or times, and a create's
// not-supported one that cannot make a file with the bits asked for (statx.c).
async function statx_mode(ring) {
  const rw = t_dir('rw');
  // A new file (statx_file made "f"): an existing one keeps its bits.
  ring.prep(op.openat(rw, 'mode', O.WRITE | O.CREATE, 0o640));
  let c = await t_one(ring);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `create: ${t_code(c.res)}`);
  c = await statRes(ring, rw, 'mode', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.hasStat, `statx: ${t_code(c.res)}, want 0 with a stat`);
  if ((c.stat.mode & 0o777) !== 0o640 && c.stat.modifiedNs === 0n)
    SKIP(`mode 0${c.stat.mode.toString(8)} for 0640 and modified-ns 0: the host's file system keeps no permission bits`);
  CHECK((c.stat.mode & 0o777) === 0o640, `mode 0${c.stat.mode.toString(8)}, want 0640`);
  PASS();
}

async function statx_modified(ring) {
  const rw = t_dir('rw');
  const fd = await t_open(ring, rw, 'm', O.WRITE | O.CREATE, '1');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  let c = await statRes(ring, rw, 'm', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0, `statx: ${t_code(c.res)}`);
  const before = c.stat.modifiedNs;
  // 20 ms later, a write moves the modification time forward.
  ring.prep(op.timeout(20000000, 0));
  await t_one(ring);
  ring.prep(op.write(fd, '2', 1));
  CHECK((await t_one(ring)).res === 1, 'write');
  c = await statRes(ring, rw, 'm', false);
  CHECK(c.res === 0 && c.stat.size === 2n, `statx after the write: ${t_code(c.res)}`);
  // modified-ns 0, the Unix epoch, before and after: the host keeps no times.
  if (before === 0n && c.stat.modifiedNs === 0n) SKIP("modified-ns 0 before and after a write: the host's file system keeps no times");
  // 2020-01-01 < mtime: a real clock, in nanoseconds.
  CHECK(before > 1577836800000000000n, `modified-ns ${before} is not a time after 2020`);
  CHECK(c.stat.modifiedNs > before, `modified-ns did not advance (${before} then ${c.stat.modifiedNs})`);
  PASS();
}

async function statx_directory(ring) {
  const ro = t_dir('ro');
  let c = await statRes(ring, ro, '', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.hasStat, `statx of the grant itself: ${t_code(c.res)}`);
  CHECK(c.stat.type === FT.DIRECTORY, `type ${c.stat.type}, want directory`);
  c = await statRes(ring, ro, 'sub', false);
  CHECK(c.res === 0 && c.stat.type === FT.DIRECTORY, `statx sub: ${t_code(c.res)} type ${c.stat?.type}`);
  c = await statRes(ring, ro, 'sub/inner.txt', false);
  CHECK(c.res === 0 && c.stat.type === FT.REGULAR && c.stat.size === 6n, `statx sub/inner.txt: ${t_code(c.res)}`);
  PASS();
}

async function statx_handle(ring) {
  const ro = t_dir('ro');
  const fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open: ${t_code(fd)}`);
  // An empty path describes the handle itself, which need not be a directory.
  const c = await statRes(ring, fd, '', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.hasStat, `statx of a file handle: ${t_code(c.res)}`);
  CHECK(c.stat.type === FT.REGULAR && c.stat.size === 37n, `type ${c.stat.type} size ${c.stat.size}, want regular, 37`);
  PASS();
}

async function statx_symlink(ring) {
  const ro = t_dir('ro');
  // ro/up is a link to "..": not followed, it is described itself...
  await SKIP_IF_NO_LINK(ring, ro, 'ro');
  let c = await statRes(ring, ro, 'up', true);
  CHECK(c.res === 0 && c.hasStat, `statx up, no-follow: ${t_code(c.res)}`);
  CHECK(c.stat.type === FT.SYMLINK, `type ${c.stat.type}, want symlink`);
  // ... followed, it leads outside the grant.
  c = await statRes(ring, ro, 'up', false);
  CHECK(c.res === -E.ACCES, `statx up, followed: ${t_code(c.res)}, want access`);
  PASS();
}

async function statx_missing(ring) {
  const ro = t_dir('ro');
  let res = (await statRes(ring, ro, 'missing', false)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `statx of a missing file: ${t_code(res)}, want no-entry`);
  res = (await statRes(ring, ro, 'data.txt/x', false)).res;
  CHECK(res === -E.NOTDIR, `statx beneath a file: ${t_code(res)}, want not-directory`);
  PASS();
}

async function statx_escape(ring) {
  const paths = ['..', '../outside.txt', '/etc/passwd', './../outside.txt', 'sub/../../outside.txt'];
  const ro = t_dir('ro');
  for (const p of paths) {
    const res = (await statRes(ring, ro, p, false)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `statx "${p}": ${t_code(res)}, want access`);
  }
  PASS();
}

async function statx_escape_symlink(ring) {
  const paths = ['up/outside.txt', 'up/ro/data.txt', 'up'];
  const ro = t_dir('ro');
  await SKIP_IF_NO_LINK(ring, ro, 'ro');
  for (const p of paths) {
    const res = (await statRes(ring, ro, p, false)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `statx "${p}": ${t_code(res)}, want access`);
  }
  PASS();
}

async function statx_fifo(ring) {
  const rw = t_dir('rw');
  // The runner makes rw/fifo a FIFO.
  await SKIP_IF_NO_FIFO(ring, rw);
  const c = await statRes(ring, rw, 'fifo', false);
  CHECK(c.res === 0 && c.stat.type === FT.FIFO, `statx rw/fifo: ${t_code(c.res)} type ${c.stat?.type}, want fifo`);
  PASS();
}

async function statx_kinds(ring) {
  const { res, client } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  let c = await statRes(ring, client, '', false);
  CHECK(c.res === 0 && c.stat.type === FT.SOCKET, `statx of a socket: ${t_code(c.res)} type ${c.stat?.type}, want socket`);
  // The runner makes handle 0 /dev/null (on Zephyr it is the console: a character device too).
  // A host that cannot tell what its standard input is says not-supported.
  c = await statRes(ring, STDIN, '', false);
  SKIP_IF_NOTSUP(c.res);
  CHECK(c.res === 0 && c.stat.type === FT.CHARACTER_DEVICE,
    `statx of handle 0 (/dev/null): ${t_code(c.res)} type ${c.stat?.type}, want character-device`);
  PASS();
}

await t_run('statx-file', statx_file);
await t_run('statx-mode', statx_mode);
await t_run('statx-modified', statx_modified);
await t_run('statx-directory', statx_directory);
await t_run('statx-handle', statx_handle);
await t_run('statx-symlink', statx_symlink);
await t_run('statx-fifo', statx_fifo);
await t_run('statx-kinds', statx_kinds);
await t_run('statx-missing', statx_missing);
await t_run('statx-escape', statx_escape);
await t_run('statx-escape-symlink', statx_escape_symlink);
t_exit();

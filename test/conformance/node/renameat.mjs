// renameat: files and directories renamed beneath one directory handle or between two; an
// existing target is replaced; `access` under a read-only grant on either side and for paths
// that would leave their directory. (renameat.c)
import { CHECK, E, O, PASS, SKIP_IF_NOTSUP, SKIP_IF_NO_LINK, op, t_close, t_code, t_dir, t_exit, t_one, t_open, t_run, t_stat } from './conform.mjs';

async function renameRes(ring, od, oldPath, nd, newPath) {
  ring.prep(op.renameat(od, oldPath, nd, newPath));
  return (await t_one(ring)).res;
}
const statRes = async (ring, dir, path) => (await t_stat(ring, dir, path)).res;

/** Up to 63 bytes of `path` beneath `dir`: { res, text }. */
async function slurp(ring, dir, path) {
  const fd = await t_open(ring, dir, path, O.READ);
  if (fd < 0) return { res: fd, text: '' };
  ring.prep(op.read(fd, 63, 0));
  const c = await t_one(ring);
  await t_close(ring, fd);
  return { res: c.res, text: c.res >= 0 ? c.text : '' };
}

async function renameat_file(ring) {
  const rw = t_dir('rw');
  let res = await t_open(ring, rw, 'old', O.WRITE | O.CREATE, 'moved bytes');
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  res = await renameRes(ring, rw, 'old', rw, 'new');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `renameat old -> new: ${t_code(res)}, want 0`);
  CHECK((await statRes(ring, rw, 'old')) === -E.NOENT, 'old is still there');
  const s = await slurp(ring, rw, 'new');
  CHECK(s.res === 11 && s.text === 'moved bytes', `new holds ${t_code(s.res)} bytes "${s.text}"`);
  PASS();
}

async function renameat_replace(ring) {
  const rw = t_dir('rw');
  let res = await t_open(ring, rw, 'src', O.WRITE | O.CREATE, 'source');
  CHECK(res >= 0, `fixture src: ${t_code(res)}`);
  res = await t_open(ring, rw, 'dst', O.WRITE | O.CREATE, 'destination');
  CHECK(res >= 0, `fixture dst: ${t_code(res)}`);
  res = await renameRes(ring, rw, 'src', rw, 'dst');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `renameat over an existing file: ${t_code(res)}, want 0`);
  const s = await slurp(ring, rw, 'dst');
  CHECK(s.res === 6 && s.text === 'source', `dst holds "${s.res >= 0 ? s.text : t_code(s.res)}", want "source"`);
  CHECK((await statRes(ring, rw, 'src')) === -E.NOENT, 'src is still there');
  PASS();
}

async function renameat_dir(ring) {
  const rw = t_dir('rw');
  ring.prep(op.mkdirat(rw, 'dir1', 0o755));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat: ${t_code(res)}`);
  res = await t_open(ring, rw, 'dir1/f', O.WRITE | O.CREATE, 'content');
  CHECK(res >= 0, `create dir1/f: ${t_code(res)}`);
  res = await renameRes(ring, rw, 'dir1', rw, 'dir2');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `renameat dir1 -> dir2: ${t_code(res)}`);
  const s = await slurp(ring, rw, 'dir2/f');
  CHECK(s.res === 7 && s.text === 'content', `dir2/f: ${t_code(s.res)}`);
  CHECK((await statRes(ring, rw, 'dir1')) === -E.NOENT, 'dir1 is still there');
  PASS();
}

async function renameat_two_handles(ring) {
  const rw = t_dir('rw');
  ring.prep(op.mkdirat(rw, 'into', 0o755));
  let res = (await t_one(ring)).res;
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat: ${t_code(res)}`);
  ring.prep(op.openat(rw, 'into', O.DIRECTORY, 0));
  const c = await t_one(ring);
  CHECK(c.res === 0, `open into: ${t_code(c.res)}`);
  const sub = c.handle;
  res = await t_open(ring, rw, 'traveller', O.WRITE | O.CREATE, 'went in');
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  // From the grant into the subdirectory's handle, and back out under another name.
  res = await renameRes(ring, rw, 'traveller', sub, 'arrived');
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `renameat rw/traveller -> into/arrived: ${t_code(res)}`);
  const s = await slurp(ring, rw, 'into/arrived');
  CHECK(s.res === 7 && s.text === 'went in', `into/arrived: ${t_code(s.res)}`);
  res = await renameRes(ring, sub, 'arrived', rw, 'back');
  CHECK(res === 0, `renameat into/arrived -> rw/back: ${t_code(res)}`);
  CHECK((await statRes(ring, rw, 'back')) === 0, 'rw/back is not there');
  PASS();
}

async function renameat_missing(ring) {
  const rw = t_dir('rw');
  const res = await renameRes(ring, rw, 'missing', rw, 'anything');
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `renameat of a missing file: ${t_code(res)}, want no-entry`);
  PASS();
}

async function renameat_read_only(ring) {
  const rw = t_dir('rw');
  const ro = t_dir('ro');
  let res = await t_open(ring, rw, 'mine', O.WRITE | O.CREATE, 'x');
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  // Out of the read-only grant, within it, and into it.
  res = await renameRes(ring, ro, 'data.txt', rw, 'taken');
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `renameat ro/data.txt -> rw/taken: ${t_code(res)}, want access`);
  res = await renameRes(ring, ro, 'data.txt', ro, 'renamed.txt');
  CHECK(res === -E.ACCES, `renameat within ro: ${t_code(res)}, want access`);
  res = await renameRes(ring, rw, 'mine', ro, 'planted');
  CHECK(res === -E.ACCES, `renameat rw/mine -> ro/planted: ${t_code(res)}, want access`);
  res = await renameRes(ring, rw, 'mine', ro, 'data.txt');
  CHECK(res === -E.ACCES, `renameat rw/mine over ro/data.txt: ${t_code(res)}, want access`);
  CHECK((await statRes(ring, ro, 'data.txt')) === 0 && (await statRes(ring, rw, 'mine')) === 0 &&
    (await statRes(ring, ro, 'planted')) === -E.NOENT && (await statRes(ring, rw, 'taken')) === -E.NOENT,
  'a refused rename moved something');
  PASS();
}

async function renameat_escape(ring) {
  const outside = ['../stolen', '/tmp/ioring-conformance-stolen', './../stolen'];
  const rw = t_dir('rw');
  let res = await t_open(ring, rw, 'stays', O.WRITE | O.CREATE, 'x');
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  for (const p of outside) {
    res = await renameRes(ring, rw, 'stays', rw, p);
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `renameat stays -> "${p}": ${t_code(res)}, want access`);
  }
  res = await renameRes(ring, rw, '../outside.txt', rw, 'inside.txt');
  CHECK(res === -E.ACCES, `renameat ../outside.txt -> inside.txt: ${t_code(res)}, want access`);
  res = await renameRes(ring, rw, '/tmp', rw, 'inside');
  CHECK(res === -E.ACCES, `renameat /tmp -> inside: ${t_code(res)}, want access`);
  CHECK((await statRes(ring, rw, 'stays')) === 0, 'stays was moved');
  CHECK((await statRes(ring, rw, 'inside.txt')) === -E.NOENT, 'outside.txt was moved in');
  PASS();
}

async function renameat_escape_symlink(ring) {
  const rw = t_dir('rw');
  await SKIP_IF_NO_LINK(ring, rw, 'rw');
  let res = await t_open(ring, rw, 'stays', O.WRITE | O.CREATE, 'x');
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  res = await renameRes(ring, rw, 'stays', rw, 'up/stolen');
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `renameat stays -> up/stolen: ${t_code(res)}, want access`);
  res = await renameRes(ring, rw, 'up/outside.txt', rw, 'inside.txt');
  CHECK(res === -E.ACCES, `renameat up/outside.txt -> inside.txt: ${t_code(res)}, want access`);
  CHECK((await statRes(ring, rw, 'stays')) === 0, 'stays was moved');
  CHECK((await statRes(ring, rw, 'inside.txt')) === -E.NOENT, 'outside.txt was moved in');
  PASS();
}

await t_run('renameat-file', renameat_file);
await t_run('renameat-replace', renameat_replace);
await t_run('renameat-dir', renameat_dir);
await t_run('renameat-two-handles', renameat_two_handles);
await t_run('renameat-missing', renameat_missing);
await t_run('renameat-read-only', renameat_read_only);
await t_run('renameat-escape', renameat_escape);
await t_run('renameat-escape-symlink', renameat_escape_symlink);
t_exit();

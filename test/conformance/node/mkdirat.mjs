// mkdirat: directories created beneath a directory handle; existing and missing paths;
// `access` under a read-only grant and for paths that would leave the directory. (mkdirat.c)
import { CHECK, E, FT, O, PASS, SKIP, SKIP_IF_NOTSUP, SKIP_IF_NO_LINK, op, t_code, t_dir, t_exit, t_one, t_open, t_run, t_stat } from './conform.mjs';

async function mkdirRes(ring, dir, path, mode) {
  ring.prep(op.mkdirat(dir, path, mode));
  return (await t_one(ring)).res;
}

async function mkdirat_create(ring) {
  const rw = t_dir('rw');
  let res = await mkdirRes(ring, rw, 'd', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat d: ${t_code(res)}, want 0`);
  let c = await t_stat(ring, rw, 'd');
  CHECK(c.res === 0 && c.stat?.type === FT.DIRECTORY, `statx d: ${t_code(c.res)} type ${c.stat?.type}`);
  // It is a directory like any other: a file can be made in it, and a directory.
  res = await t_open(ring, rw, 'd/f', O.WRITE | O.CREATE, 'in d');
  CHECK(res >= 0, `create d/f: ${t_code(res)}`);
  res = await mkdirRes(ring, rw, 'd/e', 0o755);
  CHECK(res === 0, `mkdirat d/e: ${t_code(res)}`);
  c = await t_stat(ring, rw, 'd/e');
  CHECK(c.res === 0 && c.stat?.type === FT.DIRECTORY, `statx d/e: ${t_code(c.res)}`);
  PASS();
}

// The mode asked for is the directory's (a umask of 022 or 027 takes nothing from 0750).
async function mkdirat_mode(ring) {
  const rw = t_dir('rw');
  const res = await mkdirRes(ring, rw, 'm', 0o750);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat m: ${t_code(res)}, want 0`);
  const c = await t_stat(ring, rw, 'm');
  CHECK(c.res === 0 && c.hasStat && c.stat.type === FT.DIRECTORY, `statx m: ${t_code(c.res)}`);
  // As statx-mode: modified-ns 0 (the epoch) is a host that keeps no permission bits.
  if ((c.stat.mode & 0o777) !== 0o750 && c.stat.modifiedNs === 0n)
    SKIP(`mode 0${c.stat.mode.toString(8)} for 0750 and modified-ns 0: the host's file system keeps no permission bits`);
  CHECK((c.stat.mode & 0o777) === 0o750, `mode 0${c.stat.mode.toString(8)}, want 0750`);
  PASS();
}

async function mkdirat_beneath_handle(ring) {
  const rw = t_dir('rw');
  let res = await mkdirRes(ring, rw, 'outer', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat outer: ${t_code(res)}`);
  ring.prep(op.openat(rw, 'outer', O.DIRECTORY, 0));
  let c = await t_one(ring);
  CHECK(c.res === 0, `open outer: ${t_code(c.res)}`);
  // Relative to a directory handle opened beneath the grant.
  res = await mkdirRes(ring, c.handle, 'inner', 0o755);
  CHECK(res === 0, `mkdirat inner beneath outer's handle: ${t_code(res)}`);
  c = await t_stat(ring, rw, 'outer/inner');
  CHECK(c.res === 0 && c.stat?.type === FT.DIRECTORY, `statx outer/inner: ${t_code(c.res)}`);
  PASS();
}

async function mkdirat_exists(ring) {
  const rw = t_dir('rw');
  let res = await mkdirRes(ring, rw, 'twice', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `first mkdirat: ${t_code(res)}`);
  res = await mkdirRes(ring, rw, 'twice', 0o755);
  CHECK(res === -E.EXIST, `mkdirat of an existing directory: ${t_code(res)}, want exists`);
  res = await t_open(ring, rw, 'file', O.WRITE | O.CREATE);
  CHECK(res >= 0, `create file: ${t_code(res)}`);
  res = await mkdirRes(ring, rw, 'file', 0o755);
  CHECK(res === -E.EXIST, `mkdirat over a file: ${t_code(res)}, want exists`);
  PASS();
}

async function mkdirat_missing_parent(ring) {
  const rw = t_dir('rw');
  const res = await mkdirRes(ring, rw, 'no/such', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.NOENT, `mkdirat under a missing directory: ${t_code(res)}, want no-entry`);
  PASS();
}

async function mkdirat_read_only(ring) {
  const ro = t_dir('ro');
  let res = await mkdirRes(ring, ro, 'made', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === -E.ACCES, `mkdirat under the read-only grant: ${t_code(res)}, want access`);
  res = await mkdirRes(ring, ro, 'sub/made', 0o755);
  CHECK(res === -E.ACCES, `mkdirat in a subdirectory of it: ${t_code(res)}, want access`);
  // A directory handle opened under the read-only grant is read-only too.
  ring.prep(op.openat(ro, 'sub', O.DIRECTORY, 0));
  const c = await t_one(ring);
  CHECK(c.res === 0, `open ro/sub: ${t_code(c.res)}`);
  res = await mkdirRes(ring, c.handle, 'made', 0o755);
  CHECK(res === -E.ACCES, `mkdirat beneath ro/sub's handle: ${t_code(res)}, want access`);
  res = (await t_stat(ring, ro, 'made')).res;
  CHECK(res === -E.NOENT, `ro/made exists after all (${t_code(res)})`);
  res = (await t_stat(ring, ro, 'sub/made')).res;
  CHECK(res === -E.NOENT, `ro/sub/made exists after all (${t_code(res)})`);
  PASS();
}

async function mkdirat_escape(ring) {
  const paths = ['../escaped', '/tmp/ioring-conformance-escaped', './../escaped', 'sub/../../escaped'];
  const rw = t_dir('rw');
  let res = await mkdirRes(ring, rw, 'sub', 0o755);
  SKIP_IF_NOTSUP(res);
  CHECK(res === 0, `mkdirat sub: ${t_code(res)}`);
  for (const p of paths) {
    res = await mkdirRes(ring, rw, p, 0o755);
    CHECK(res === -E.ACCES, `mkdirat "${p}": ${t_code(res)}, want access`);
  }
  res = (await t_stat(ring, rw, 'escaped')).res;
  CHECK(res === -E.NOENT, `rw/escaped exists (${t_code(res)})`);
  PASS();
}

async function mkdirat_escape_symlink(ring) {
  const paths = ['up/escaped', 'up/rw/escaped'];
  const rw = t_dir('rw');
  await SKIP_IF_NO_LINK(ring, rw, 'rw');
  for (const p of paths) {
    const res = await mkdirRes(ring, rw, p, 0o755);
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.ACCES, `mkdirat "${p}": ${t_code(res)}, want access`);
  }
  const res = (await t_stat(ring, rw, 'escaped')).res;
  CHECK(res === -E.NOENT, `rw/escaped exists (${t_code(res)})`);
  PASS();
}

await t_run('mkdirat-create', mkdirat_create);
await t_run('mkdirat-mode', mkdirat_mode);
await t_run('mkdirat-beneath-handle', mkdirat_beneath_handle);
await t_run('mkdirat-exists', mkdirat_exists);
await t_run('mkdirat-missing-parent', mkdirat_missing_parent);
await t_run('mkdirat-read-only', mkdirat_read_only);
await t_run('mkdirat-escape', mkdirat_escape);
await t_run('mkdirat-escape-symlink', mkdirat_escape_symlink);
t_exit();

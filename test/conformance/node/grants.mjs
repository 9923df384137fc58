// grants: what wit/grants.wit promises: a granted name gives a handle, the same one when asked
// twice until it is closed, and a name not granted gives `no-entry`; each kind of grant is
// asked for by its own function. (grants.c)
import {
  CHECK, E, PASS, grantDevice, grantDirectory, grantListener, op, t_close, t_code, t_exit, t_one, t_run,
} from './conform.mjs';

async function grants_same_handle() {
  const a = grantDirectory('rw'), b = grantDirectory('rw');
  const l1 = grantListener('lst'), l2 = grantListener('lst');
  CHECK(a >= 0 && b >= 0, `directory "rw": ${t_code(a)}, ${t_code(b)}`);
  CHECK(a === b, `directory "rw" asked twice: handles ${a} and ${b}`);
  CHECK(l1 >= 0 && l1 === l2, `listener "lst" asked twice: ${t_code(l1)} and ${t_code(l2)}`);
  CHECK(grantDirectory('ro') !== a, '"ro" and "rw" have one handle');
  PASS();
}

async function grants_after_close(ring) {
  const ro = grantDirectory('ro');
  CHECK(ro >= 0, `directory "ro": ${t_code(ro)}`);
  await t_close(ring, ro);
  ring.prep(op.statx(ro, 'data.txt', false));
  let res = (await t_one(ring)).res;
  CHECK(res === -E.BADF, `statx through the closed grant handle: ${t_code(res)}, want bad-descriptor`);
  // Asked again, the grant gives a working handle.
  const again = grantDirectory('ro');
  CHECK(again >= 0, `directory "ro" after closing it: ${t_code(again)}`);
  ring.prep(op.statx(again, 'data.txt', false));
  const c = await t_one(ring);
  res = c.res;
  CHECK(res === 0 && c.stat?.size === 37n, `statx through the new handle: ${t_code(res)}`);
  PASS();
}

async function grants_missing() {
  let res = grantDirectory('no-such-directory');
  CHECK(res === -E.NOENT, `directory not granted: ${t_code(res)}, want no-entry`);
  res = grantListener('no-such-listener');
  CHECK(res === -E.NOENT, `listener not granted: ${t_code(res)}, want no-entry`);
  res = grantDevice('no-such-device');
  CHECK(res === -E.NOENT, `device not granted: ${t_code(res)}, want no-entry`);
  // A name is looked up in its own kind only.
  res = grantListener('rw');
  CHECK(res === -E.NOENT, `listener "rw" (a directory's name): ${t_code(res)}, want no-entry`);
  res = grantDirectory('lst');
  CHECK(res === -E.NOENT, `directory "lst" (a listener's name): ${t_code(res)}, want no-entry`);
  PASS();
}

await t_run('grants-same-handle', grants_same_handle);
await t_run('grants-after-close', grants_after_close);
await t_run('grants-missing', grants_missing);
t_exit();

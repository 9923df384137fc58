// The TypeScript rotate example: mkdir, remove, rename and truncate through @ioring/ring, the
// same source as a component under `ioring run` (each engine) and as JavaScript under `node`.
// The archive holds exactly the expected generations after each run; a read-only grant and a
// symbolic link out of the grant are refused, and nothing outside the grant changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExample, runners } from '../../ts/test/lib/e2e.js';
import { tempDir } from '../lib/ioring.js';

const top = tempDir();
test.after(() => top.cleanup());
const outside = join(top.path, 'outside');
mkdirSync(outside);
writeFileSync(join(outside, 'app.log.1'), 'not yours\n');

for (const runner of runners) {
  const logs = join(top.path, runner);
  mkdirSync(logs);
  const grants = ['--dir', `${logs}::logs`];

  test(`${runner}: four rotations keep the last three generations, newest first`, () => {
    for (const day of ['mon', 'tue', 'wed', 'thu']) {
      writeFileSync(join(logs, 'app.log'), `${day}\n`);
      const r = runExample(runner, 'rotate', ['logs/app.log', '3'], grants);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.toString(), 'rotated 4 bytes\n');
      assert.is(readFileSync(join(logs, 'app.log'), 'utf8'), '', 'the log is emptied in place');
    }
    assert.equal(readdirSync(join(logs, 'archive')).sort(), ['app.log.1', 'app.log.2', 'app.log.3']);
    const generation = (n) => readFileSync(join(logs, 'archive', `app.log.${n}`), 'utf8');
    assert.equal([generation(1), generation(2), generation(3)], ['thu\n', 'wed\n', 'tue\n']);
  });

  test(`${runner}: a read-only grant refuses the rotation and nothing changes`, () => {
    const r = runExample(runner, 'rotate', ['logs/app.log', '3'], ['--dir', `${logs}::logs:ro`]);
    assert.is(r.status, 1);
    assert.is(r.stderr, "IORingError: mkdirat logs/archive: access (EACCES); the directory grant 'logs' is read-only (--dir HOST::logs:ro), or a symbolic link leads out of it\n");
    assert.equal(readdirSync(join(logs, 'archive')).sort(), ['app.log.1', 'app.log.2', 'app.log.3']);
  });

  test(`${runner}: an archive that is a symbolic link out of the grant is refused`, () => {
    const trap = join(top.path, `${runner}-trap`);
    mkdirSync(trap);
    symlinkSync(outside, join(trap, 'archive'));
    writeFileSync(join(trap, 'app.log'), 'secret\n');
    const r = runExample(runner, 'rotate', ['logs/app.log', '1'], ['--dir', `${trap}::logs`]);
    assert.is(r.status, 1);
    assert.match(r.stderr, /^IORingError: unlinkat logs\/archive\/app\.log\.1: access \(EACCES\); the directory grant 'logs' is read-only \(--dir HOST::logs:ro\), or a symbolic link leads out of it\n$/);
    assert.is(readFileSync(join(outside, 'app.log.1'), 'utf8'), 'not yours\n');
    assert.not.ok(existsSync(join(outside, 'app.log.2')));
  });
}

test.run();

// The TypeScript copy and cat examples, the same source run as a component under `ioring run`
// (each engine) and as JavaScript under `node`: files are copied byte for byte, a stalled
// source ends at the per-operation timeout or the copy's deadline (an AbortSignal), and every
// runner prints exactly the same, errors included (an error's message, which names the path and
// what would fix it; a stack's frames name the app's file, cat.ts or its cat.js).

/** stderr without the frames of a stack (after checking that they are frames of the app). */
function message(stderr) {
  const [head, ...frames] = stderr.replace(/\n$/, '').split('\n');
  for (const f of frames) assert.match(f, /^    at .*\bcat\.[jt]s:\d+:\d+\)?$/);
  return stderr === '' ? '' : `${head}\n`;
}
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExample, runners } from '../../ts/test/lib/e2e.js';
import { tempDir } from '../lib/ioring.js';

const src = tempDir();
const dst = tempDir();
test.after(() => {
  closeSync(stalled);
  src.cleanup();
  dst.cleanup();
});

// 256 KiB is one read of the library's copy(): none, one short, exactly one, several.
const files = {
  'empty.bin': Buffer.alloc(0),
  'small.txt': Buffer.from('small file\n'),
  'chunk.bin': randomBytes(256 * 1024),
  'large.bin': randomBytes(3 * 256 * 1024 + 12345),
};
for (const [name, bytes] of Object.entries(files)) writeFileSync(join(src.path, name), bytes);
execFileSync('mkfifo', [join(src.path, 'stalled.fifo')]);
// Read and write: opens at once, and keeps the FIFO's readers from seeing end-of-file.
const stalled = openSync(join(src.path, 'stalled.fifo'), 'r+');
const grants = ['--dir', `${src.path}::in:ro`, '--dir', `${dst.path}::out`];

const outputs = {};

for (const runner of runners) {
  mkdirSync(join(dst.path, runner));
  for (const [name, bytes] of Object.entries(files)) {
    test(`${runner}: copy ${name} (${bytes.length} bytes) byte for byte`, () => {
      const r = runExample(runner, 'copy', [`in/${name}`, `out/${runner}/${name}`], grants);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.toString(), `copied ${bytes.length} bytes\n`);
      assert.ok(readFileSync(join(dst.path, runner, name)).equals(bytes), 'the copy differs');
      (outputs[`copy ${name}`] ??= {})[runner] = r.stdout.toString() + r.stderr;
    });
  }

  test(`${runner}: copy into the read-only grant fails with EROFS and creates nothing`, () => {
    const r = runExample(runner, 'copy', ['in/small.txt', 'in/again.txt'], grants);
    assert.is(r.status, 1);
    assert.is(
      r.stderr,
      "IORingError: openat in/again.txt: read-only (EROFS); the directory grant 'in' is read-only (--dir HOST::in:ro); grant it without :ro to write beneath it\n",
    );
    (outputs['copy read-only'] ??= {})[runner] = r.stdout.toString() + r.stderr;
  });

  // A FIFO that this test holds open and never writes to: a read of it waits until a per-operation
  // timeout (ETIMEDOUT) or the whole copy's deadline, an AbortSignal (ECANCELED), ends it.
  for (const [flag, expected] of [
    ['--op-timeout', 'IORingError: read in/stalled.fifo: timed-out (ETIMEDOUT)\n'],
    ['--deadline', 'IORingError: read in/stalled.fifo: canceled (ECANCELED)\n'],
  ]) {
    test(`${runner}: copy ${flag} 300 from a stalled FIFO fails with the error the limit says`, () => {
      const r = runExample(runner, 'copy', [flag, '300', 'in/stalled.fifo', `out/${runner}/stalled${flag}`], grants);
      assert.is(r.status, 1);
      assert.is(r.stdout.length, 0);
      assert.is(r.stderr, expected);
      assert.is(readFileSync(join(dst.path, runner, `stalled${flag}`)).length, 0, 'nothing was written');
      (outputs[`copy ${flag}`] ??= {})[runner] = r.stdout.toString() + r.stderr;
    });
  }

  for (const [args, expected] of [
    [['in/large.bin'], null],
    [['in/missing.txt'], 'IORingError: openat in/missing.txt: no-entry (ENOENT)\n'],
    [['in/../../etc/passwd'], "IORingError: openat in/../../etc/passwd: access (EACCES); the path leads out of 'in', which it may not\n"],
    // Thrown where the app asks for the grant: a stack's frame names cat.
    [['nothere/x'], "IORingError: directory grant 'nothere': no-entry (ENOENT); none was granted: grant one with --dir PATH::nothere (IORING_DIR under Node)\n"],
  ]) {
    test(`${runner}: cat ${args[0]}`, () => {
      const r = runExample(runner, 'cat', args, grants);
      if (expected === null) {
        assert.is(r.status, 0, r.stderr);
        assert.ok(r.stdout.equals(files['large.bin']), 'cat printed other bytes');
      } else {
        assert.is(r.status, 1);
        assert.is(r.stdout.length, 0);
        assert.is(message(r.stderr), expected);
      }
      (outputs[`cat ${args[0]}`] ??= {})[runner] = Buffer.concat([r.stdout, Buffer.from(message(r.stderr))]).toString('hex');
    });
  }
}

test('node and the components print exactly the same, case by case', () => {
  for (const [what, byRunner] of Object.entries(outputs)) {
    assert.equal(Object.keys(byRunner), runners, what);
    for (const runner of runners) assert.is(byRunner[runner], byRunner.node, `${what}: ${runner} differs from node`);
  }
});

test.run();

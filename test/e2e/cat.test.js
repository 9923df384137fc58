// The cat example, in C and in TypeScript, under `ioring run` with a fresh granted directory:
// stdout must hold the file's exact bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const apps = {
  c: artefact('guest/build/cat.wasm'),
  ts: artefact('ts/build/cat.wasm'),
};

// One read is 64 KiB in both examples: these sizes cover none, less than one, exactly one and
// several reads with a short last one.
const files = {
  'empty.txt': Buffer.alloc(0),
  'hello.txt': Buffer.from('hello, ioring\n'),
  'one-read.bin': randomBytes(64 * 1024),
  'many-reads.bin': randomBytes(5 * 64 * 1024 + 4321),
};

const dir = tempDir();
mkdirSync(join(dir.path, 'sub'));
for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir.path, name), bytes);
writeFileSync(join(dir.path, 'sub', 'nested.txt'), 'nested\n');
symlinkSync('/etc/passwd', join(dir.path, 'escape'));
test.after(dir.cleanup);

for (const [lang, app] of Object.entries(apps)) {
  const cat = (path, grant = `${dir.path}::data`) => run(['run', '--dir', grant, app, path]);

  for (const [name, bytes] of Object.entries(files)) {
    test(`${lang} cat prints ${name} (${bytes.length} bytes) exactly`, () => {
      const r = cat(`data/${name}`);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.length, bytes.length);
      assert.ok(r.stdout.equals(bytes), 'stdout differs from the file');
    });
  }

  test(`${lang} cat reads beneath a subdirectory and under a read-only grant`, () => {
    const r = cat('data/sub/nested.txt', `${dir.path}::data:ro`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.toString(), 'nested\n');
  });

  test(`${lang} cat of a missing file fails with no-entry and prints nothing`, () => {
    const r = cat('data/missing.txt');
    assert.is.not(r.status, 0);
    assert.is(r.stdout.length, 0);
    assert.match(r.stderr, /no[- ]entry|no such file/);
  });

  for (const path of ['data/../../../etc/passwd', 'data//etc/passwd', 'data/escape', 'data//proc/self/fd/1']) {
    test(`${lang} cat cannot leave the granted directory: ${path}`, () => {
      const r = cat(path);
      assert.is.not(r.status, 0);
      assert.is(r.stdout.length, 0, 'bytes from outside the grant were printed');
      assert.match(r.stderr, /access|permission denied/);
    });
  }

  test(`${lang} cat of an ungranted directory name fails`, () => {
    const r = cat('other/hello.txt');
    assert.is.not(r.status, 0);
    assert.is(r.stdout.length, 0);
    assert.match(r.stderr, /no[- ]entry|no such file or grant/);
  });
}

test.run();

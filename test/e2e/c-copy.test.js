// The C copy example (linked read-fixed -> write-fixed chains over registered buffers) under
// `ioring run` with real files in granted directories: the copy must be byte-equal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const app = artefact('guest/build/copy.wasm');
const CHUNK = 128 * 1024; // one fixed buffer; four of them in flight

const dir = tempDir();
const src = join(dir.path, 'in');
const dst = join(dir.path, 'out');
mkdirSync(src);
mkdirSync(dst);
test.after(dir.cleanup);

const copy = (...paths) => run(['run', '--dir', `${src}::in:ro`, '--dir', `${dst}::out`, app, ...paths]);

// None, less than one chunk, exactly one, exactly one per buffer, one more than the buffers
// hold (a slot takes a second chunk), and a large file with a short tail.
const sizes = [0, 1, 100_000, CHUNK, 4 * CHUNK, 5 * CHUNK + 1, 3 * 1024 * 1024 + 777];

for (const size of sizes) {
  test(`copies ${size} bytes byte for byte`, () => {
    const bytes = randomBytes(size);
    writeFileSync(join(src, `f${size}`), bytes);
    const r = copy(`in/f${size}`, `out/f${size}`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
    const out = readFileSync(join(dst, `f${size}`));
    assert.is(out.length, size);
    assert.ok(out.equals(bytes), 'the copy differs');
  });
}

test('truncates a longer existing destination', () => {
  writeFileSync(join(src, 'short'), 'short\n');
  writeFileSync(join(dst, 'short'), randomBytes(1 << 20));
  const r = copy('in/short', 'out/short');
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(join(dst, 'short'), 'utf8'), 'short\n');
});

test('a missing source fails with no-entry and creates nothing', () => {
  const r = copy('in/missing', 'out/never');
  assert.is(r.status, 1);
  assert.is(r.stderr, 'in/missing: no such file or grant\n');
  assert.not.ok(existsSync(join(dst, 'never')));
});

test('a destination under a read-only grant fails with read-only', () => {
  writeFileSync(join(src, 'x'), 'x');
  const r = copy('in/x', 'in/y');
  assert.is(r.status, 1);
  assert.is(r.stderr, 'in/y: read-only\n');
  assert.not.ok(existsSync(join(src, 'y')));
});

test('a destination outside its grant fails with access', () => {
  writeFileSync(join(src, 'x'), 'x');
  const r = copy('in/x', 'out/../escaped');
  assert.is(r.status, 1);
  assert.is(r.stderr, 'out/../escaped: permission denied by grant\n');
  assert.not.ok(existsSync(join(dir.path, 'escaped')));
});

test('usage: two paths', () => {
  const r = copy('in/x');
  assert.is(r.status, 1);
  assert.is(r.stderr, 'usage: copy GRANT/SOURCE GRANT/DESTINATION\n');
});

test.run();

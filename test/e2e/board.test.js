// The board build (`cargo build --release --no-default-features`, `just build-board`: no
// compiler, runs only .cwasm files) and `ioring compile --target`: an app precompiled for
// this machine runs on the board build byte for byte; one compiled for another machine, or not
// precompiled at all, is refused with one line and a non-zero status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, root, run, tempDir } from '../lib/ioring.js';

const board = join(root, 'host/target/board/board/ioring');
const cat = artefact('guest/build/cat.wasm');
const dir = tempDir();
test.after(() => dir.cleanup());
writeFileSync(join(dir.path, 'hello.txt'), 'hello from a board\n');
const out = (name) => join(dir.path, name);

function runBoard(args) {
  const r = spawnSync(artefact('host/target/board/board/ioring'), args, { timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The ELF machine of a .cwasm (wasmtime writes ELF objects). */
function elfMachine(path) {
  const bytes = readFileSync(path);
  assert.equal([...bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${path} is no ELF object`);
  return bytes.readUInt16LE(18);
}

test('ioring compile --target makes code for aarch64 and for Pulley, and knows no other', () => {
  assert.is(run(['compile', '--target', 'aarch64-unknown-linux-gnu', cat, '-o', out('cat.aarch64.cwasm')]).status, 0);
  assert.is(elfMachine(out('cat.aarch64.cwasm')), 183, 'EM_AARCH64');
  assert.is(run(['compile', '--target', 'pulley32', cat, '-o', out('cat.pulley32.cwasm')]).status, 0);
  assert.ok(statSync(out('cat.pulley32.cwasm')).size > 0);
  const bad = run(['compile', '--target', 'sparc-sun-solaris', cat, '-o', out('x.cwasm')]);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^ioring: --target sparc-sun-solaris: [^\n]+\n$/);
});

test('the full build refuses a .cwasm made for another machine with one line', () => {
  const r = run(['run', '--allow-precompiled', out('cat.aarch64.cwasm')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ioring: [^\n]*compiled for architecture 'aarch64'\n$/);
});

test('the board build runs a .cwasm compiled for this machine, byte for byte', () => {
  assert.is(run(['compile', cat, '-o', out('cat.cwasm')]).status, 0);
  const r = runBoard(['run', '--allow-precompiled', '--dir', `${dir.path}::d`, out('cat.cwasm'), 'd/hello.txt']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'hello from a board\n');
});

test('the board build refuses other machines\' code, plain .wasm and compiling, each with one line', () => {
  const foreign = runBoard(['run', '--allow-precompiled', out('cat.aarch64.cwasm')]);
  assert.is(foreign.status, 1);
  assert.match(foreign.stderr, /^ioring: [^\n]*compiled for architecture 'aarch64'\n$/);
  const plain = runBoard(['run', cat]);
  assert.is(plain.status, 1);
  assert.match(plain.stderr, /^ioring: [^\n]*is not precompiled: this board build runs only `\.cwasm` files[^\n]*\n$/);
  const compile = runBoard(['compile', cat, '-o', out('y.cwasm')]);
  assert.is(compile.status, 1);
  assert.match(compile.stderr, /^ioring: this ioring is a board build, without a compiler[^\n]*\n$/);
});

test('the board build is smaller than the full one and under 8 MB', () => {
  const full = statSync(join(root, 'host/target/release/ioring')).size;
  const small = statSync(board).size;
  console.log(`  full build ${(full / 1e6).toFixed(1)} MB, board build ${(small / 1e6).toFixed(1)} MB`);
  assert.ok(small < full);
  assert.ok(small < 8e6, `board build ${small} bytes`);
});

test.run();

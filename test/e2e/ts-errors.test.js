// An app's failure under `ioring run`, on each engine: the error and its stack, the stack's
// frames mapped back through the source map ioring-build embeds in the bundle to the app's own
// .ts file and lines (ts/test/apps/throws.ts), without the frames of the runtime's machinery.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ioring, root } from '../../ts/test/lib/e2e.js';

const app = 'ts/test/apps/throws.ts';
const out = join(root, 'ts/build/test');

function build(engine, file, extra = []) {
  mkdirSync(out, { recursive: true });
  // From the repository's root: the map names sources relative to where ioring-build ran.
  const r = spawnSync(process.execPath, ['ts/bin/ioring-build.js', app, '-o', file, '--engine', engine, '--no-check', ...extra], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
}

function run(file, args = []) {
  // A first run compiles the component (StarlingMonkey's takes a while on a busy machine).
  const r = spawnSync(ioring, ['run', file, ...args], { encoding: 'utf8', timeout: 180_000 });
  const [head, ...frames] = r.stderr.replace(/\n$/, '').split('\n');
  return { status: r.status, head, frames };
}

for (const engine of ['quickjs', 'starlingmonkey']) {
  const file = join(out, `throws.${engine}.wasm`);

  test(`${engine}: a thrown error prints its stack with the app's file and lines`, () => {
    build(engine, file);
    const r = run(file);
    assert.is(r.status, 1);
    assert.is(r.head, 'RangeError: too big: 7');
    assert.ok(r.frames.length >= 2, r.frames.join('\n'));
    for (const f of r.frames) assert.match(f, /^    at /);
    assert.match(r.frames[0], new RegExp(`^    at check \\(${app}:7:\\d+\\)$`));
    // The async function's frame, named or not as the engine names it.
    assert.match(r.frames[1], new RegExp(`^    at (?:\\S+ \\()?${app}:17:\\d+\\)?$`));
    assert.not.match(r.frames.join('\n'), /app\.js|throws\.js|dist\/runtime|initializer/, 'no bundle or runtime frames');
  });

  test(`${engine}: an unhandled rejection names where it was made`, () => {
    const r = run(file, ['floating']);
    assert.is(r.status, 1);
    assert.is(r.head, 'TypeError: nobody waits for this');
    assert.match(r.frames[0], new RegExp(`^    at (?:\\S+ \\()?${app}:14:\\d+\\)?$`));
  });
}

test('quickjs --no-source-map: the frames name the bundle', () => {
  const file = join(out, 'throws.nomap.wasm');
  build('quickjs', file, ['--no-source-map']);
  const r = run(file);
  assert.is(r.head, 'RangeError: too big: 7');
  assert.match(r.frames[0], /^    at check \(\/?throws\.js:\d+:\d+\)$/);
});

test.run();

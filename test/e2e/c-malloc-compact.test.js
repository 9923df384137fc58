// The C SDK's compact allocator (IORING_MALLOC=compact; test/guests/c/malloc-compact.c links
// it in place of dlmalloc) under a random malloc/calloc/realloc/free workload with every byte
// checked, then under the ring's own allocations; the examples built with it run the same
// end-to-end tests as the default build (see c-tcp-echo.test.js).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { artefact, run } from '../lib/ioring.js';

test('no corruption, no overlap, 16-byte alignment, zeroed calloc, heap coalesces back to one block', () => {
  const r = run(['run', artefact('test/guests/build/malloc-compact.wasm')]);
  assert.is(r.status, 0, r.stderr);
  assert.is(
    r.stdout.toString(),
    [
      'random: ops=20000 corrupt=0 unzeroed=0 misaligned=0 overlaps=0 free-blocks=1',
      'ring: 3200 nops',
      'after: free-blocks=1',
      'huge: refused',
      'aligned 64: refused',
      '',
    ].join('\n'),
  );
});

test('the compact build of every example exists and has no dlmalloc', () => {
  for (const name of ['cat', 'copy', 'spi-transfer', 'tcp-echo', 'timer', 'tty-spy', 'udp-echo']) {
    const core = artefact(`guest/build/compact/${name}.core.wasm`);
    const plain = artefact(`guest/build/${name}.core.wasm`);
    // dlmalloc is about 9.5 KB of code at -Oz and the compact allocator about 1.5 KB: the
    // compact build is at least 7 KB smaller (7.3 KB for timer on a clean build).
    const { size: a } = statSync(core);
    const { size: b } = statSync(plain);
    assert.ok(b - a > 7_000, `${name}: ${b} B with dlmalloc, ${a} B compact`);
  }
});

test.run();

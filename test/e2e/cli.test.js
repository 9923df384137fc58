// Bad command lines get one line on stderr and a non-zero exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const cases = {
  'an unknown flag': ['run', '--bogus', 'x.wasm'],
  'a malformed --dir': ['run', '--dir', 'nocolons', 'x.wasm'],
  'a --dir that does not exist': ['run', '--dir', '/nonexistent/ioring::d', artefact('guest/build/cat.wasm')],
  'a missing component': ['run', '/nonexistent/app.wasm'],
  'a file that is not wasm': ['run', '/etc/hostname'],
  'an out-of-range limit': ['run', '--ring-entries', '0', 'x.wasm'],
  'a byte count with an unknown unit': ['run', '--max-memory', '16MB', 'x.wasm'],
  'a byte count past the address space': ['run', '--max-inflight-bytes', '99999999999999999999GiB', 'x.wasm'],
  'no command': [],
};

for (const [name, args] of Object.entries(cases)) {
  test(`${name}: one line, non-zero exit`, () => {
    const r = run(args);
    assert.is.not(r.status, 0);
    const lines = r.stderr.trimEnd().split('\n');
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0], /^ioring: /);
  });
}

test('byte counts take K/KiB, M/MiB and G/GiB: 64 KiB of memory is too little for cat, 16 MiB enough', () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'f'), 'hi\n');
  const cat = (value) => run(['run', '--max-memory', value, '--max-inflight-bytes', '512MiB', '--dir', `${dir.path}::d`, artefact('guest/build/cat.wasm'), 'd/f']);
  try {
    for (const value of ['64KiB', '64K', '65536']) {
      const r = cat(value);
      assert.is(r.status, 1, value);
      assert.match(r.stderr, /memory minimum size of \d+ pages exceeds memory limits/, `${value}: ${r.stderr}`);
    }
    for (const value of ['16MiB', '16M', '1G', String(16 << 20)]) {
      const r = cat(value);
      assert.is(r.status, 0, `${value}: ${r.stderr}`);
      assert.is(r.stdout.toString(), 'hi\n');
    }
  } finally {
    dir.cleanup();
  }
});

test('--help documents run and its grants', () => {
  const r = run(['run', '--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout.toString(), /--dir <HOST::GUEST\[:ro\]>/);
});

test.run();

// Bad command lines get one line on stderr and a non-zero exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { artefact, run } from '../lib/ioring.js';

const cases = {
  'an unknown flag': ['run', '--bogus', 'x.wasm'],
  'a malformed --dir': ['run', '--dir', 'nocolons', 'x.wasm'],
  'a --dir that does not exist': ['run', '--dir', '/nonexistent/ioring::d', artefact('guest/build/cat.wasm')],
  'a missing component': ['run', '/nonexistent/app.wasm'],
  'a file that is not wasm': ['run', '/etc/hostname'],
  'an out-of-range limit': ['run', '--ring-entries', '0', 'x.wasm'],
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

test('--help documents run and its grants', () => {
  const r = run(['run', '--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout.toString(), /--dir <HOST::GUEST\[:ro\]>/);
});

test.run();

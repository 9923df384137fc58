// Every test file runs all of its tests: a test() registered after uvu's test.run() runs or
// not depending on how the file is loaded (socket.test.js run alone ran 16 of its 19 tests,
// until this check; node-parity.test.js 12 of 13), and nothing says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('no test is registered after test.run(), in ts/test and test/e2e', () => {
  const late = [];
  for (const dir of ['ts/test', 'test/e2e']) {
    for (const name of readdirSync(join(root, dir)).filter((f) => f.endsWith('.test.js'))) {
      const lines = readFileSync(join(root, dir, name), 'utf8').split('\n');
      const run = lines.findLastIndex((l) => /^\s*test\.run\(\);/.test(l));
      const last = lines.findLastIndex((l) => /^\s*test\(/.test(l));
      if (run >= 0 && last > run) late.push(`${dir}/${name}:${last + 1}`);
    }
  }
  assert.equal(late, []);
});

test.run();

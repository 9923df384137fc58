// The guest-level ring fuzzer (test/guests/c/fuzz-ring.c): random operation batches from
// inside a component, through the raw bindings, against the Linux host with a directory, a
// listener and a device grant. The host must exit 0 with the guest's counts printed, the
// guest must have seen no protocol violation, and nothing outside the granted directory may
// change. Seed 3 used to hold the host's thread in a synchronous cancel forever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const fuzz = artefact('test/guests/build/fuzz-ring.wasm');

/** Every path under `dir` with its size and content, except under `skip`. */
function snapshot(dir, skip) {
  const out = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    const st = statSync(path);
    out[path] = st.isDirectory() ? snapshot(path, skip) : readFileSync(path).toString('hex');
  }
  return out;
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`fuzz-ring seed ${seed}: the host survives 150 random batches and nothing outside the grant changes`, () => {
    const dir = tempDir();
    try {
      const grant = join(dir.path, 'grant');
      mkdirSync(grant);
      mkdirSync(join(dir.path, 'outside'));
      writeFileSync(join(dir.path, 'outside', 'keep'), 'keep');
      writeFileSync(join(grant, 'a'), 'a'.repeat(4096));
      const before = snapshot(dir.path, grant);
      const r = run(['run', '--timeout', '60', '--dir', `${grant}::d`, '--listen', 'l=tcp:127.0.0.1:0', '--device', 'dev=/dev/null', fuzz, String(seed), '150'], { stdio: ['ignore', 'pipe', 'pipe'] });
      assert.is(r.status, 0, r.stderr);
      const line = r.stdout.toString().trim().split('\n').pop();
      assert.match(line, new RegExp(`^fuzz-ring: seed ${seed} batches 150 sqes \\d+ taken \\d+ cqes \\d+ left \\d+ errors 0$`), `${line}\n${r.stderr.slice(-2000)}`);
      assert.equal(snapshot(dir.path, grant), before);
    } finally {
      dir.cleanup();
    }
  });
}

test.run();

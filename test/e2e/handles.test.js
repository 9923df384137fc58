// A guest naming handles it was never granted gets error codes back; the host survives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { artefact, run } from '../lib/ioring.js';

test('forged, out-of-range and closed handles complete with bad-descriptor', () => {
  const r = run(['run', artefact('test/guests/build/forged-handle.wasm')]);
  assert.is(r.status, 0, r.stderr);
  assert.is(
    r.stdout.toString(),
    [
      'read 3: bad handle',
      'read 1023: bad handle',
      'read 1024: bad handle',
      'read 2147483647: bad handle',
      'close 77: bad handle',
      'directory nope: no such file or grant',
      '',
    ].join('\n'),
  );
});

test('the handle table size is a limit the guest cannot read past', () => {
  const r = run(['run', '--max-handles', '8', artefact('test/guests/build/forged-handle.wasm')]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout.toString(), /read 1023: bad handle/);
});

test.run();

// How an error that ends an app is printed (src/runtime/report.ts): its stack, with a
// component's bundle frames mapped back through the source map ioring-build embeds, decoded by
// the runtime's own VLQ decoder. The engines' frames are checked end to end in
// test/e2e/ts-errors.test.js; here, the decoder and the mapping on stacks shaped as each engine
// writes them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMappings, describeError, stackFrames } from '../dist/runtime/report.js';

test('decodeMappings: relative fields across segments and lines, multi-digit and negative values', () => {
  assert.equal(decodeMappings('AAAA;AACA,IAAI'), [[[0, 0, 0, 0]], [[0, 0, 1, 0], [4, 0, 1, 4]]]);
  // 'gB' is 16; 'D' is -1.
  assert.equal(decodeMappings('AAgBA;AAAD'), [[[0, 0, 16, 0]], [[0, 0, 16, -1]]]);
  assert.equal(decodeMappings(';;A'), [[], [], []], 'empty lines, and a segment of one field maps nothing');
  assert.throws(() => decodeMappings('A!A'), /not a source map/);
});

function withMap(map, fn) {
  globalThis.__ioringSourceMap = map;
  try {
    return fn();
  } finally {
    delete globalThis.__ioringSourceMap;
  }
}

// Bundle line 2 is app.ts line 2 (column 4 from bundle column 4); bundle line 3 is the
// library's runtime; bundle line 4 is not mapped (the bundler's helpers).
const MAP = { file: 'app.js', sources: ['src/app.ts', 'node_modules/@ioring/ring/dist/runtime/driver.js'], mappings: 'AAAA;AACA,IAAI;ACAA;' };

test('stackFrames: QuickJS frames map to the app, the runtime and the unmapped helpers are left out', () => {
  const stack = ['    at inner (/app.js:2:6)', '    at next (native)', '    at asyncGeneratorStep (/app.js:4:3)', '    at run (/app.js:3:1)', '    at <anonymous> (/app.js:2:1)', ''].join('\n');
  assert.equal(withMap(MAP, () => stackFrames(stack)), ['    at inner (src/app.ts:2:5)', '    at src/app.ts:2:1']);
});

test('stackFrames: SpiderMonkey frames map the same, written as Node writes them', () => {
  const stack = ['inner@app.js:2:6', 'run<@app.js:2:1', 'run@app.js:3:1', 'export_run_0_2_0$run@/tmp/x/sources/initializer.js:3184:28', ''].join('\n');
  assert.equal(withMap(MAP, () => stackFrames(stack)), ['    at inner (src/app.ts:2:5)', '    at run (src/app.ts:2:1)']);
});

test('stackFrames without a map: V8 frames as they are', () => {
  const stack = 'Error: x\n    at f (file:///a.js:1:2)\n    at async Promise.all (index 0)';
  assert.equal(stackFrames(stack), ['    at f (file:///a.js:1:2)', '    at async Promise.all (index 0)']);
});

test('stackFrames: the library\'s own frames and Node\'s internals are left out, installed or in this repository', () => {
  const stack = [
    'IORingError: read: bad-descriptor (EBADF)',
    '    at IORing.settle (file:///x/node_modules/@ioring/ring/dist/ring.js:1:2)',
    '    at Immediate.<anonymous> (file:///work/ts/dist/backends/node/index.js:1:1)',
    '    at process.processImmediate (node:internal/timers:483:21)',
    '    at process.emit (node:events:518:28)',
    '    at main (file:///app.js:3:3)',
  ].join('\n');
  assert.equal(stackFrames(stack), ['    at main (file:///app.js:3:3)']);
  const mapped = withMap({ ...MAP, sources: ['src/app.ts', 'node_modules/@ioring/ring/dist/ring.js'] }, () => stackFrames('complete@app.js:3:1\ninner@app.js:2:6'));
  assert.equal(mapped, ['    at inner (src/app.ts:2:5)']);
});

test('describeError: Name: message, then the frames; a code the message lacks is added', () => {
  const e = new RangeError('too big');
  e.stack = 'inner@app.js:2:6\n';
  assert.is(withMap(MAP, () => describeError(e)), 'RangeError: too big\n    at inner (src/app.ts:2:5)');
  const coded = Object.assign(new Error('boom'), { code: 'EBOOM' });
  coded.stack = undefined;
  assert.is(describeError(coded), 'Error: boom (EBOOM)');
  assert.is(describeError('text'), 'error: text');
  const broken = new Error('map');
  broken.stack = 'inner@app.js:2:6';
  assert.is(withMap({ ...MAP, mappings: '!!' }, () => describeError(broken)), 'Error: map', 'a bad map never hides the message');
});

test.run();

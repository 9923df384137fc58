// Every operation in wit/types.wit has a place in every layer that must know it: a new WIT
// case fails here, by name, until the Linux host, the Node backend, the C SDK, the TypeScript
// library and each README's operation table have it. (The compilers catch some of this on
// their own: Rust's and TypeScript's exhaustive matches. The rest is what drifts silently.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path) => readFileSync(root + path, 'utf8');

/** The case names of `variant op` in wit/types.wit, in order. */
function witOps() {
  const wit = read('wit/types.wit');
  const body = wit.slice(wit.indexOf('variant op {'));
  const cases = [];
  for (const line of body.slice(0, body.indexOf('\n    }')).split('\n').slice(1)) {
    const m = line.match(/^\s+([a-z][a-z0-9-]*)\s*[(,]/);
    if (m) cases.push(m[1]);
  }
  return cases;
}

const pascal = (op) => op.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const snake = (op) => op.replaceAll('-', '_');

/** Rows of the markdown tables in `path` whose first cells name operations, as one text. */
const tableCells = (path) =>
  read(path)
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .join('\n');

const ops = witOps();

test('the WIT names the operations this test checks', () => {
  assert.ok(ops.length >= 34, `found ${ops.length}: ${ops.join(', ')}`);
  for (const op of ['nop', 'read', 'cancel', 'local-address', 'ftruncate', 'renameat']) assert.ok(ops.includes(op), op);
});

test('the Linux host prepares every operation and names it for --trace', () => {
  const dispatch = read('host/src/ring/ops/mod.rs');
  const names = read('host/src/ring/mod.rs');
  const missing = ops.filter((op) => !dispatch.includes(`Op::${pascal(op)}`) || !names.includes(`"${op}"`));
  assert.equal(missing, [], 'no arm in host/src/ring/ops/mod.rs or no name in op_name');
});

test('the Node backend starts every operation', () => {
  const start = read('ts/src/backends/node/ring.ts');
  assert.equal(ops.filter((op) => !start.includes(`case '${op}'`)), []);
});

test('the C SDK has an ior_prep_ helper for every operation', () => {
  const header = read('guest/include/ioring.h');
  assert.equal(ops.filter((op) => !header.includes(`ior_prep_${snake(op)}(`)), []);
});

test('the TypeScript library builds every operation', () => {
  const ring = read('ts/src/ring.ts');
  assert.equal(ops.filter((op) => !ring.includes(`tag: '${op}'`)), []);
});

test("each README's operation table has a row for every operation", () => {
  const host = tableCells('host/README.md');
  const guest = tableCells('guest/README.md');
  const ts = tableCells('ts/README.md');
  // The host's table names WIT ops; the C SDK's its helpers; the TypeScript one its methods,
  // except link-timeout, which TypeScript offers as every operation's `timeoutMs` option.
  const camel = (op) => op.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
  assert.equal(ops.filter((op) => !new RegExp(`[|/] ${op}[ |/]`).test(host)), [], 'host/README.md');
  assert.equal(ops.filter((op) => !guest.includes(`ior_prep_${snake(op)}(`)), [], 'guest/README.md');
  const tsMissing = ops.filter((op) => op !== 'link-timeout' && !ts.includes(`\`${camel(op)}`));
  assert.equal(tsMissing, [], 'ts/README.md');
  assert.ok(read('ts/README.md').includes('timeoutMs'), 'ts/README.md documents timeoutMs');
});

test('the largest single transfer is the same on the host and the Node backend', () => {
  const host = read('host/src/ring/ops/mod.rs').match(/MAX_IO_LEN: u32 = ([^;]+);/)[1];
  const node = read('ts/src/backends/node/ring.ts').match(/MAX_IO_LEN = ([^;]+);/)[1];
  assert.is(eval(node), eval(host.replace(/_/g, '')));
});

test.run();

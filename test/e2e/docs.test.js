// Documentation is a promise: every file a README names exists, and no README points outside
// the repository (its readers have nothing else).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { root } from '../lib/ioring.js';

const TOP = ['host', 'guest', 'ts', 'wit', 'zephyr', 'test', '.ci'];
const SKIP = new Set(['node_modules', 'target', 'build', 'dist', '.git']);

function readmes(dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return readmes(path);
    return e.name.endsWith('.md') ? [path] : [];
  });
}

/**
 * Paths a markdown file in `dir` names: relative link targets, and `code` spans shaped like
 * paths under a top-level folder or under a folder beside the file (no placeholder or glob).
 */
export function namedPaths(text, dir) {
  const links = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((p) => !/^[a-z]+:/.test(p));
  const spans = [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1])
    .filter((p) => p.includes('/') && !/[*<>{}$=:]/.test(p) && !p.includes('...'))
    .filter((p) => {
      const first = p.split('/')[0];
      return TOP.includes(first) || (first !== '' && first !== '.' && first !== '..' && existsSync(join(dir, first)));
    });
  return { links, spans };
}

const files = readmes();

test('there are READMEs to check, and the check sees a missing file', () => {
  assert.ok(files.length >= 5, files.join(', '));
  const { links, spans } = namedPaths('see [x](nowhere.md) and `host/src/nothing.rs` and `src/ring/`', join(root, 'host'));
  assert.equal(links, ['nowhere.md']);
  assert.equal(spans, ['host/src/nothing.rs', 'src/ring/']);
});

for (const file of files) {
  const name = relative(root, file);
  test(`${name}: every file it names exists`, () => {
    const { links, spans } = namedPaths(readFileSync(file, 'utf8'), dirname(file));
    const missing = [
      ...links.filter((p) => !existsSync(join(dirname(file), p))),
      // A span is a path from the repository root or from the README's own folder.
      ...spans.filter((p) => !existsSync(join(root, p)) && !existsSync(join(dirname(file), p))),
    ].filter((p) => !/^(?:host\/target|guest\/build|test\/guests\/build|ts\/build|ts\/dist)\b/.test(p));
    assert.equal(missing, [], `${name} names files that do not exist`);
  });

  test(`${name}: points at nothing outside the repository`, () => {
    const text = readFileSync(file, 'utf8');
    const outside = [...text.matchAll(/\.\.\/shared|TOOLCHAIN\.md|DESIGN\.md|IORINGSWIFT\.md|\]\((\.\.\/)+\.\.\//g)].map((m) => m[0]);
    assert.equal(outside, [], `${name} refers outside the repository`);
  });
}

test.run();

#!/usr/bin/env node
// ioring-build: turns a TypeScript (or JavaScript) app into an `ioring:ring/app` component.
//
//   ioring-build app.ts -o app.wasm
//
// Steps: type-check with tsc, bundle with rolldown (the ring and WASI imports stay external:
// they are the component's imports), then componentize with componentize-js.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = 'usage: ioring-build APP.ts -o APP.wasm [--no-check]';
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const WIT = here('../../wit');

function fail(message) {
  console.error(`ioring-build: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      'no-check': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(e.message.split('\n')[0]);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (positionals.length !== 1 || !values.out) fail(usage);
const input = resolve(positionals[0]);
const output = resolve(values.out);

if (!values['no-check']) typeCheck(input);
const work = mkdtempSync(join(tmpdir(), 'ioring-build-'));
try {
  const bundle = await bundleApp(input, join(work, `${basename(input).replace(/\.[cm]?[jt]s$/, '')}.js`));
  await componentize(bundle, output);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function typeCheck(file) {
  const tsc = here('../../node_modules/typescript/bin/tsc');
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022', '--types', '', '--skipLibCheck', file];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) fail('type errors (see above); --no-check skips the check');
}

async function bundleApp(file, out) {
  const { rolldown } = await import('rolldown');
  const build = await rolldown({
    input: file,
    // Interface imports are the component's imports, resolved by componentize-js.
    external: [/^ioring:/, /^wasi:/],
    platform: 'neutral',
    logLevel: 'warn',
  });
  await build.write({ file: out, format: 'esm' });
  await build.close();
  return out;
}

async function componentize(sourcePath, out) {
  // componentize-js reads the WIT through preview2-shim, which since 0.26 has no default '/'
  // preopen (TOOLCHAIN.md): grant it before the splicer runs.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  _setPreopens({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath,
    witPath: WIT,
    worldName: 'app',
    // The app talks to the world through the ring; it needs no HTTP.
    disableFeatures: ['http', 'fetch-event'],
  });
  writeFileSync(out, component);
}

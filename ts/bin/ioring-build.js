#!/usr/bin/env node
// ioring-build: turns a TypeScript (or JavaScript) app into an `ioring:ring/app` component.
//
//   ioring-build app.ts -o app.wasm [--engine quickjs|starlingmonkey] [--project tsconfig.json] [--no-check] [--js-out bundle.js]
//
// Steps:
//   1. type-check the app with tsc (skip with --no-check): with the project's tsconfig.json (the
//      nearest one above the app, or --project), as `tsc -p tsconfig.json --noEmit` checks it,
//      when that project includes the app; otherwise the app alone, against @ioring/ring's
//      declarations and the engine's globals, ignoring any tsconfig.json (TypeScript 6 and
//      later refuse files on the command line beside one unless told --ignoreConfig);
//   2. bundle it with rolldown behind the prelude (@ioring/ring/prelude), with `async`/`await`
//      lowered to generators so that its promises run on the ring's job queue (neither engine
//      runs microtasks while a component blocks in the ring), the WIT interfaces left as
//      imports, and package.json conditions that pick the component backend; the bundle's
//      source map goes into the bundle itself (its first line), so that the stack of an error
//      that ends the app names the app's own files and lines (src/runtime/report.ts maps it);
//   3. componentize the bundle: QuickJS through componentize-qjs (the default: without
//      component-model async, which the Linux host does not enable), or StarlingMonkey through
//      componentize-js. QuickJS is smaller, builds and starts faster, and echoes faster under
//      the Linux host (ts/README.md has the figures).
//
// jco pitfalls worked around here: componentize-js reads the WIT through
// preview2-shim, which since 0.26 has no '/' preopen, so one is granted first; multi-file apps
// are bundled before componentizing; the world is passed to the API, not the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { embedSourceMap } from './source-map.js';

const usage = `usage: ioring-build APP.ts -o APP.wasm [options]

Options:
  -o, --out FILE        the component to write
  --engine NAME         quickjs (default) or starlingmonkey; or ioring-qjs, QuickJS-ng built
                        as a C guest with the app as bytecode (the fastest; from a checkout)
  -p, --project FILE    the tsconfig.json to type-check with (default: the nearest one
                        above the app, if it includes the app)
  --no-check            skip the type check
  --js-out FILE         also write the bundled JavaScript
  --no-source-map       do not embed the bundle's source map (stacks then name the bundle)
  --timings             print how long each step took
  -h, --help            this text`;

const ENGINES = { starlingmonkey: 'starlingmonkey', sm: 'starlingmonkey', quickjs: 'quickjs', qjs: 'quickjs', 'ioring-qjs': 'ioring-qjs' };
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const require = createRequire(import.meta.url);

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
      engine: { type: 'string', default: 'quickjs' },
      project: { type: 'string', short: 'p' },
      'no-check': { type: 'boolean' },
      'js-out': { type: 'string' },
      'no-source-map': { type: 'boolean' },
      timings: { type: 'boolean' },
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
if (positionals.length !== 1 || !values.out) fail(usage.split('\n')[0]);
const engine = ENGINES[values.engine];
if (!engine) fail(`unknown engine '${values.engine}': starlingmonkey, quickjs or ioring-qjs`);
const input = resolve(positionals[0]);
if (!existsSync(input)) fail(`no such file: ${positionals[0]}`);
const output = resolve(values.out);
let project = null;
if (values.project) {
  project = resolve(values.project);
  if (existsSync(project) && statSync(project).isDirectory()) project = join(project, 'tsconfig.json');
  if (!existsSync(project)) fail(`no such file: ${values.project}`);
}
const wit = [here('../wit'), here('../../wit')].find((p) => existsSync(p) && statSync(p).isDirectory());
if (!wit) fail('cannot find the ioring WIT (ts/wit or the repository wit/)');

const timings = [];
const step = async (name, fn) => {
  const start = performance.now();
  const result = await fn();
  timings.push(`${name} ${Math.round(performance.now() - start)} ms`);
  return result;
};

// JavaScript apps have no types to check.
if (!values['no-check'] && /\.[cm]?tsx?$/.test(input)) await step('check', () => typeCheck(input));
if (engine === 'ioring-qjs') {
  // ts/engine bundles (native async/await, no Promise prelude), compiles and links by itself,
  // with the C SDK beside it in the checkout: a packed @ioring/ring has neither.
  if (!existsSync(here('../engine/Makefile')) || !existsSync(here('../../guest/ioring.mk'))) {
    fail('--engine ioring-qjs builds from a checkout of the ioring repository (ts/engine and the C SDK in guest/): install @ioring/ring with `npm install $IORING/ts`, not from a packed .tgz');
  }
  const { buildApp } = await import('../engine/build.mjs');
  await step(engine, () => buildApp({ input, output, jsOut: values['js-out'], sourceMap: !values['no-source-map'] }).catch((e) => fail(e.message)));
  if (values.timings) console.error(`ioring-build: ${timings.join(', ')}`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'ioring-build-'));
try {
  const bundle = await step('bundle', () => bundleApp(input, join(work, `${basename(input).replace(/\.[cm]?[jt]s$/, '')}.js`)));
  if (values['js-out']) writeFileSync(resolve(values['js-out']), bundle.code);
  const component = await step(engine, () => (engine === 'quickjs' ? componentizeQuickJS(bundle) : componentizeStarlingMonkey(bundle)));
  writeFileSync(output, component);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (values.timings) console.error(`ioring-build: ${timings.join(', ')}`);

function typeCheck(file) {
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
  const tsMajor = Number(require('typescript/package.json').version.split('.')[0]);
  const config = project ?? nearestConfig(dirname(file));
  if (config) {
    const files = projectFiles(tsc, config);
    if (files.has(realpathSync(file))) {
      // The project's own check: its options, its files (the app among them), its globals.
      const r = spawnSync(process.execPath, [tsc, '-p', config, '--noEmit'], { stdio: 'inherit' });
      if (r.status !== 0) fail(`type errors (see above) in the project ${config}; --no-check skips the check`);
      return;
    }
    if (project) fail(`${config} does not include ${file}: add it to the project's "include" or "files"`);
  }
  // The app alone, against the library's declarations and what every engine provides.
  const globals = here('../types/app-globals.d.ts');
  const args = [
    tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--lib', 'es2022,esnext.disposable', '--types', '', '--skipLibCheck', file, globals,
  ];
  // TypeScript 6 and later refuse files on the command line when a tsconfig.json is in the
  // current directory or above it (TS5112) unless told to ignore it.
  if (tsMajor >= 6) args.splice(1, 0, '--ignoreConfig');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) fail('type errors (see above); --no-check skips the check');
}

/** The tsconfig.json in `dir` or the nearest directory above it, or null. */
function nearestConfig(dir) {
  for (;;) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dir === parse(dir).root) return null;
    dir = dirname(dir);
  }
}

/**
 * The files (real paths) the project `config` compiles. A config tsc cannot read fails the build
 * when it was named with --project; one found above the app is then passed over, with a note.
 */
function projectFiles(tsc, config) {
  const r = spawnSync(process.execPath, [tsc, '-p', config, '--listFilesOnly'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    if (project) fail(`cannot read the project ${config} (see above)`);
    console.error(`ioring-build: cannot read ${config} (see above): checking ${basename(input)} on its own`);
    return new Set();
  }
  const files = new Set();
  for (const line of r.stdout.split('\n')) {
    const path = line.trim();
    if (path && existsSync(path)) files.add(realpathSync(path));
  }
  return files;
}

async function bundleApp(file, out) {
  const { rolldown } = await import('rolldown');
  // The entry evaluates the prelude first, then re-exports the app (its `run`).
  const entry = join(dirname(out), 'ioring-entry.js');
  writeFileSync(entry, `import ${JSON.stringify(here('../dist/runtime/prelude.js'))};\nexport * from ${JSON.stringify(file)};\n`);
  const build = await rolldown({
    input: entry,
    // Interface imports are the component's imports, resolved by the componentizer.
    external: [/^ioring:/, /^wasi:/],
    platform: 'neutral',
    // No 'node' condition: @ioring/ring's '#backend' is then the component backend.
    resolve: { conditionNames: ['import', 'default'], mainFields: ['module', 'main'] },
    // async/await and async generators become generators driven by the global Promise, which the
    // prelude replaces with the ring's.
    // Class fields become assignments rather than Object.defineProperty calls, which cost
    // interpreted engines dearly.
    transform: { target: 'es2016', assumptions: { setPublicClassFields: true } },
    logLevel: 'warn',
    onLog(level, log, handler) {
      if (log.code === 'UNRESOLVED_IMPORT') fail(log.message);
      // BigInt literals and the like: both engines have them natively.
      if (log.code === 'TOLERATED_TRANSFORM') return;
      handler(level, log);
    },
  });
  const { output } = await build.write({ file: out, format: 'esm', sourcemap: values['no-source-map'] ? false : 'hidden' });
  await build.close();
  let code = output[0].code;
  if (output[0].map) {
    code = embedSourceMap(code, output[0].map, out);
    writeFileSync(out, code);
  }
  return { path: out, code };
}

async function componentizeStarlingMonkey(bundle) {
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  _setPreopens({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath: bundle.path,
    witPath: wit,
    worldName: 'app',
    // The app talks to the world through the ring; it needs no HTTP.
    disableFeatures: ['http', 'fetch-event'],
  });
  return component;
}

async function componentizeQuickJS(bundle) {
  let qjs;
  try {
    qjs = await import('componentize-qjs');
  } catch {
    fail('the quickjs engine needs the componentize-qjs package (npm install componentize-qjs)');
  }
  const { component } = await (qjs.componentize ?? qjs.default.componentize)({
    witPath: wit,
    jsSource: bundle.code,
    jsPath: bundle.path,
    world: 'app',
    // The Linux host runs WASI 0.2 components without component-model async.
    sync: true,
    optSize: true,
  });
  return component;
}

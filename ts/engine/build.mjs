// Builds an app for the ioring-qjs engine (engine.c): bundle, compile to bytecode, link.
//
//   node ts/engine/build.mjs APP.ts|APP.js -o APP.wasm [--js-out bundle.js] [--no-source-map]
//
// or, from ioring-build (`--engine ioring-qjs`, after its type check), buildApp().
//
// The bundle is made as ioring-build makes it for the other engines (rolldown, the WIT
// interfaces left as imports, the library's component build), but QuickJS-ng has native
// promises and async functions, run by engine.c's loop: so async/await is not lowered (target
// ES2022), and the prelude's Promise is not installed (its runtime/promise.js is replaced by
// js/promise.js, and the component backend by js/backend.js). The rest of the prelude (timers on
// the ring, console through the ring, TextEncoder/TextDecoder, AbortController) stays.
// Then qjsc (native, built from the same QuickJS sources) compiles the bundle to bytecode and
// the Makefile links it with the engine into APP.wasm (component) and APP.core.wasm (core module).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { embedSourceMap } from '../bin/source-map.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '../dist');
const substitutes = {
  [join(dist, 'backends/component.js')]: join(here, 'js/backend.js'),
  [join(dist, 'runtime/promise.js')]: join(here, 'js/promise.js'),
};

/** Bundles `input` (with the prelude) into `out`; returns the code. */
export async function bundle(input, out, { sourceMap = true } = {}) {
  const { rolldown } = await import('rolldown');
  const entry = join(dirname(out), 'ioring-entry.js');
  writeFileSync(entry, `import ${JSON.stringify(join(dist, 'runtime/prelude.js'))};\nexport * from ${JSON.stringify(input)};\n`);
  const build = await rolldown({
    input: entry,
    external: [/^ioring:/, /^wasi:/],
    platform: 'neutral',
    resolve: { conditionNames: ['import', 'default'], mainFields: ['module', 'main'] },
    // ES2022 keeps async functions and generators native; later syntax (`using`) is lowered.
    transform: { target: 'es2022', assumptions: { setPublicClassFields: true } },
    plugins: [
      {
        name: 'ioring-qjs',
        async resolveId(source, importer, options) {
          if (source.startsWith('ioring:') || source.startsWith('wasi:')) return null;
          const r = await this.resolve(source, importer, { ...options, skipSelf: true });
          const id = r && typeof r === 'object' ? r.id : null;
          return id && substitutes[id] ? substitutes[id] : null;
        },
      },
    ],
    logLevel: 'warn',
    onLog(level, log, handler) {
      if (log.code === 'UNRESOLVED_IMPORT') throw new Error(log.message);
      if (log.code === 'TOLERATED_TRANSFORM') return;
      handler(level, log);
    },
  });
  const { output } = await build.write({ file: out, format: 'esm', sourcemap: sourceMap ? 'hidden' : false });
  await build.close();
  let code = output[0].code;
  if (output[0].map) code = embedSourceMap(code, output[0].map, out);
  writeFileSync(out, code);
  return code;
}

/** Runs the Makefile; its output is shown only when it fails (the first engine build takes minutes). */
function make(args) {
  const r = spawnSync('make', ['-s', '-C', here, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`make: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`building with the ioring-qjs engine failed (make -C ${here} ${args.join(' ')})`);
  }
}

/**
 * Builds `input` into `output` (a component) and the core module beside it
 * (`output` with .core.wasm). Returns the bundle's code.
 */
export async function buildApp({ input, output, jsOut, sourceMap = true }) {
  const work = mkdtempSync(join(tmpdir(), 'ioring-qjs-'));
  try {
    const name = 'app';
    const js = join(work, `${basename(input).replace(/\.[cm]?[jt]sx?$/, '')}.js`);
    const code = await bundle(resolve(input), js, { sourceMap });
    if (jsOut) writeFileSync(resolve(jsOut), code);
    make(['engine']);
    make(['app', `APP=${name}`, `APP_JS=${js}`, `OUT=${work}`]);
    mkdirSync(dirname(resolve(output)), { recursive: true });
    copyFileSync(join(work, `${name}.wasm`), resolve(output));
    copyFileSync(join(work, `${name}.core.wasm`), resolve(output).replace(/(\.wasm)?$/, '.core.wasm'));
    return code;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, 'js-out': { type: 'string' }, 'no-source-map': { type: 'boolean' } },
  });
  if (positionals.length !== 1 || !values.out) {
    console.error('usage: node ts/engine/build.mjs APP.ts -o APP.wasm [--js-out bundle.js] [--no-source-map]');
    process.exit(2);
  }
  if (!existsSync(positionals[0])) {
    console.error(`no such file: ${positionals[0]}`);
    process.exit(2);
  }
  try {
    await buildApp({ input: positionals[0], output: values.out, jsOut: values['js-out'], sourceMap: !values['no-source-map'] });
  } catch (e) {
    console.error(`ioring-qjs: ${e.message}`);
    process.exit(1);
  }
}

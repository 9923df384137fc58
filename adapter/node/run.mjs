#!/usr/bin/env node
// Runs an app composed with the WASI adapter (`just wasi-app`) and transpiled by jco
// (`jco transpile app.wasm -o DIR`) under Node, on @bytecodealliance/preview2-shim, with the
// grants `wasmtime run` would give it:
//
//   node adapter/node/run.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... DIR/app.js [ARGS...]
//
// --dir preopens HOST as GUEST (the app's directory grant GUEST); --env sets the app's
// environment (IORING_LISTEN, IORING_BIND, IORING_CONNECT, IORING_READONLY, ...), which is
// otherwise empty, as under wasmtime. The exit status is the app's.
import { resolve } from 'node:path';
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { _setArgs, _setEnv } from '@bytecodealliance/preview2-shim/cli';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--dir' || a === '--env') {
    const v = argv[++i];
    if (v === undefined) usage(`${a} needs a value`);
    if (a === '--dir') {
      const cut = v.indexOf('::');
      const host = cut < 0 ? v : v.slice(0, cut);
      preopens[cut < 0 ? v : v.slice(cut + 2)] = resolve(host);
    } else {
      const eq = v.indexOf('=');
      if (eq <= 0) usage(`--env ${v}: expected NAME=VALUE`);
      env[v.slice(0, eq)] = v.slice(eq + 1);
    }
  } else if (a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else break;
}
const app = argv[i];
if (!app) usage('no app');
_setPreopens(preopens);
_setEnv(env);
_setArgs([app, ...argv.slice(i + 1)]);

// QuickJS components use extended constant expressions, behind a flag in Node 20's V8.
if (Number(process.versions.node.split('.')[0]) < 22) v8.setFlagsFromString('--experimental-wasm-extended-const');
const mod = await import(pathToFileURL(resolve(app)).href);
const run = mod.run ?? mod['wasi:cli/run@0.2.0'];
try {
  run.run();
  process.exitCode = 0;
} catch (e) {
  // wasi:cli/run returned an error: the app failed (it has said why on stderr).
  if (e && e.constructor && e.constructor.name === 'ComponentError') process.exitCode = 1;
  else throw e;
}

function usage(why) {
  process.stderr.write(`run.mjs: ${why}\nusage: node adapter/node/run.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... APP.js [ARGS...]\n`);
  process.exit(2);
}

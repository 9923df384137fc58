// Helpers for the TypeScript examples' end-to-end tests (test/e2e/ts-*.test.js): the examples
// as components (one per engine) under `ioring run`, and as plain JavaScript under `node`.
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { artefact, ioring } from '../../../test/lib/ioring.js';

export { freePort, ioring, root } from '../../../test/lib/ioring.js';

/** The ways an example runs: `ioring run` on each engine's component, and `node`. */
export const runners = ['starlingmonkey', 'quickjs', 'node'];

/** The command line that runs example `name` with `args`: `grants` are `ioring run` flags. */
export function command(runner, name, args = [], grants = []) {
  if (runner === 'node') {
    return { file: process.execPath, args: [artefact(`ts/build/node/${name}.js`), ...args], env: nodeEnv(grants) };
  }
  const wasm = artefact(`ts/build/${runner === 'quickjs' ? `${name}.qjs.wasm` : `${name}.wasm`}`);
  return { file: ioring, args: ['run', ...grants, wasm, ...args], env: process.env };
}

/** `ioring run` grant flags as the Node backend's environment variables. */
export function nodeEnv(grants) {
  const lists = { IORING_DIR: [], IORING_LISTEN: [], IORING_DEVICE: [], IORING_BIND: [], IORING_CONNECT: [] };
  for (let i = 0; i < grants.length; i += 2) {
    const [flag, value] = [grants[i], grants[i + 1]];
    if (flag === '--dir') lists.IORING_DIR.push(value);
    else if (flag === '--listen') lists.IORING_LISTEN.push(value);
    else if (flag === '--device') lists.IORING_DEVICE.push(value);
    else if (flag === '--bind') lists.IORING_BIND.push(value);
    else if (flag === '--connect') lists.IORING_CONNECT.push(value);
  }
  // No colours from Node's console, whatever the test runner's environment asks for.
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  // Only what the flags grant: none of the test runner's own IORING_* variables.
  for (const k of Object.keys(lists)) delete env[k];
  for (const [k, v] of Object.entries(lists)) if (v.length) env[k] = v.join(';');
  return env;
}

/** Runs an example to its end: { status, stdout (Buffer), stderr (string) }. */
export function runExample(runner, name, args, grants, options = {}) {
  const c = command(runner, name, args, grants);
  const r = spawnSync(c.file, c.args, { env: c.env, timeout: 60_000, maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** As `runExample`, without blocking this process (for peers that live in the test). */
export function runExampleAsync(runner, name, args, grants) {
  const c = command(runner, name, args, grants);
  const child = spawn(c.file, c.args, { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  let err = '';
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: err });
    }),
  );
}

/**
 * Starts a long-running example and resolves once its stdout has printed a line matching
 * `ready`. The result has `stdout()`, `stderr()`, `exited` (a promise of the status) and `kill()`.
 */
export function startExample(runner, name, args, grants, ready) {
  return start(command(runner, name, args, grants), `${name} (${runner})`, ready);
}

/** As `startExample`, for any command `{ file, args, env }`, called `label` in errors. */
export function start(c, label, ready) {
  const child = spawn(c.file, c.args, { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (d) => (err += d));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before it was ready: ${err}`));
    });
  });
  return started.then(() => ({
    stdout: () => out,
    stderr: () => err,
    exited,
    pid: child.pid,
    kill: () => child.kill('SIGKILL'),
  }));
}

/** A node:dgram socket bound to a free port on 127.0.0.1. */
export function udpSocket() {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

/** Sends `data` from `sock` to `port` on 127.0.0.1 and resolves with the reply. */
export function udpRoundTrip(sock, port, data) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply')), 10_000);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
    sock.send(data, port, '127.0.0.1');
  });
}

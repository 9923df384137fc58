#!/usr/bin/env node
// Measures the engines ioring-build builds with (two componentizers, and ioring-qjs, QuickJS-ng
// built as a C guest), and Node running the same app:
// component size, build time, start-up time under `ioring run`, and tcp-echo throughput under
// the Linux host (64-byte ping-pong round trips, 1 and 16 connections; bulk MiB/s on one).
//
//   node ts/scripts/measure-engines.js [--seconds 3]   (needs `just build-host`)
//
// Prints a Markdown table (the one in ts/README.md).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const root = fileURLToPath(new URL('../..', import.meta.url));
const ioring = join(root, 'host/target/release/ioring');
const build = join(root, 'ts/bin/ioring-build.js');
const work = mkdtempSync(join(tmpdir(), 'ioring-measure-'));
const engines = ['starlingmonkey', 'quickjs', 'ioring-qjs'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function componentize(app, engine, out) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [build, app, '-o', out, '--engine', engine, '--no-check'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - start;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts the echo server and resolves once it accepts connections. */
async function startEcho(argv, env = process.env) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return child;
}

/** `conns` connections each doing 64-byte round trips for `seconds`; returns round trips per second. */
async function pingPong(port, conns) {
  const message = Buffer.alloc(64, 0x61);
  const deadline = performance.now() + seconds * 1000;
  let trips = 0;
  await Promise.all(
    Array.from({ length: conns }, () => new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => s.write(message));
      let got = 0;
      s.on('data', (d) => {
        got += d.length;
        while (got >= 64) {
          got -= 64;
          trips++;
          if (performance.now() > deadline) {
            s.destroy();
            resolve();
            return;
          }
          s.write(message);
        }
      });
      s.on('error', reject);
    })),
  );
  return trips / seconds;
}

/** Streams 64 MiB through one connection while reading the echo; returns MiB/s. */
function bulk(port) {
  const total = 64 << 20;
  const chunk = Buffer.alloc(1 << 16, 0x62);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let received = 0;
    const s = net.connect(port, '127.0.0.1', async () => {
      for (let sent = 0; sent < total; sent += chunk.length) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
    });
    s.on('data', (d) => {
      received += d.length;
      if (received >= total) {
        s.destroy();
        resolve(total / (1 << 20) / ((performance.now() - start) / 1000));
      }
    });
    s.on('error', reject);
  });
}

const rows = [];
try {
  // An empty app, beside the examples so that it resolves @ioring/ring.
  const helloApp = join(root, 'ts/examples/.measure-hello.mjs');
  writeFileSync(helloApp, "import { command } from '@ioring/ring';\nexport const run = command(async () => {});\n");
  const echoApp = join(root, 'ts/examples/tcp-echo.ts');
  const results = {};
  for (const engine of engines) {
    const echoWasm = join(work, `echo-${engine}.wasm`);
    const helloWasm = join(work, `hello-${engine}.wasm`);
    const buildMs = median([0, 1, 2].map(() => componentize(echoApp, engine, echoWasm)));
    componentize(helloApp, engine, helloWasm);
    spawnSync(ioring, ['run', helloWasm]); // fills the compilation cache
    const startMs = median(Array.from({ length: 9 }, () => {
      const t = performance.now();
      spawnSync(ioring, ['run', helloWasm]);
      return performance.now() - t;
    }));
    const port = await freePort();
    const server = await startEcho([ioring, 'run', '--bind', `tcp:0.0.0.0:${port}`, echoWasm, String(port)]);
    const rt1 = await pingPong(port, 1);
    const rt16 = await pingPong(port, 16);
    const mib = await bulk(port);
    server.kill('SIGKILL');
    results[engine] = { size: statSync(echoWasm).size, buildMs, startMs, rt1, rt16, mib };
  }
  // Node running the same example's JavaScript, for scale.
  {
    const port = await freePort();
    const nodeEcho = join(root, 'ts/build/node/tcp-echo.js');
    const startMs = median(Array.from({ length: 9 }, () => {
      const t = performance.now();
      spawnSync(process.execPath, [helloApp]);
      return performance.now() - t;
    }));
    const server = await startEcho([process.execPath, nodeEcho, String(port)], { ...process.env, IORING_BIND: `tcp:0.0.0.0:${port}` });
    results.node = { size: NaN, buildMs: NaN, startMs, rt1: await pingPong(port, 1), rt16: await pingPong(port, 16), mib: await bulk(port) };
    server.kill('SIGKILL');
  }
  rmSync(helloApp);
  const fmt = (n, d = 0) => (Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  rows.push('| | StarlingMonkey | QuickJS (default) | ioring-qjs | Node (same app) |', '| --- | ---: | ---: | ---: | ---: |');
  const line = (label, f) => rows.push(`| ${label} | ${[...engines, 'node'].map((e) => f(results[e])).join(' | ')} |`);
  line('component size', (r) => (Number.isNaN(r.size) ? '–' : `${fmt(r.size / 1e6, 1)} MB`));
  line('build time (ioring-build, no type check)', (r) => (Number.isNaN(r.buildMs) ? '–' : `${fmt(r.buildMs / 1000, 1)} s`));
  line('start-up (empty app, cached compile)', (r) => `${fmt(r.startMs)} ms`);
  line('echo round trips/s, 1 connection (64 B)', (r) => fmt(r.rt1));
  line('echo round trips/s, 16 connections (64 B)', (r) => fmt(r.rt16));
  line('echo bulk, 1 connection', (r) => `${fmt(r.mib)} MiB/s`);
  console.log(rows.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}

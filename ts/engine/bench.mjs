// Echo benchmark of the ioring-qjs engine against the other servers, as test/bench/run.mjs
// measures them: server pinned to CPU 0, loadgen to CPU 1, server CPU per message from
// /proc/PID/stat (utime + stime, threads included) around the load. Best of N rounds, the
// servers alternating within each round.
//
//   node ts/engine/bench.mjs [--rounds 3] [--seconds 3] [--size 64] [--conns 50,1] [--only name,...]
//
// Servers: tcp-echo.ts on this engine, as the QuickJS component (ts/build/tcp-echo.qjs.wasm,
// `just build-ts`) and under Node on the Node backend (ts/build/node/tcp-echo.js), Node's net
// echo and the C guest (test/bench's), and, to tell the engine's
// cost from the library's and the host's: bench/tcp-echo-stream.ts (a multishot receive in
// place of a 64 KiB receive per message) on this engine and as a QuickJS component, and
// bench/raw-echo.js (the ring with no library) with a multishot receive or 64 KiB receives.
// What is missing under build/bench is built first. Needs /tmp/loadgen (gcc -O2 -o /tmp/loadgen
// test/bench/loadgen.c), the host (host/target/release/ioring) and guest/build/tcp-echo.wasm.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMicros } from '../../test/lib/cpu.js';
import { waitForPort } from '../../test/lib/ioring.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    conns: { type: 'string', default: '50,1' },
    only: { type: 'string' },
    loadgen: { type: 'string', default: '/tmp/loadgen' },
  },
});
const ioring = join(root, 'host/target/release/ioring');

const bench = join(root, 'ts/engine/build/bench');
const app = (wasm, ...args) => (port) => [ioring, ['run', '--bind', `tcp:*:${port}`, wasm, String(port), ...args]];
// The same app under Node, on @ioring/ring's Node backend (`npm run build:examples` in ts/).
const onNode = (js) => (port) => [process.execPath, [js, String(port)], { IORING_BIND: `tcp:*:${port}` }];
const servers = {
  'ioring-qjs': app(join(bench, 'tcp-echo.wasm')),
  'QuickJS component': app(join(root, 'ts/build/tcp-echo.qjs.wasm')),
  Node: (port) => [process.execPath, [join(root, 'test/bench/native/echo-node.mjs'), String(port)]],
  'Node backend': onNode(join(root, 'ts/build/node/tcp-echo.js')),
  'C guest': (port) => [ioring, ['run', '--listen', `echo=tcp:127.0.0.1:${port}`, join(root, 'guest/build/tcp-echo.wasm')]],
  'ioring-qjs stream': app(join(bench, 'tcp-echo-stream.wasm')),
  'QuickJS component stream': app(join(bench, 'tcp-echo-stream.qjs.wasm')),
  'ioring-qjs raw': app(join(bench, 'raw-echo.wasm')),
  'ioring-qjs raw 64 KiB recv': app(join(bench, 'raw-echo.wasm'), 'once'),
};
// Builds to compare, alternating with the rest: BENCH_WASM_<name>=app.wasm (on the host) and
// BENCH_NODE_<name>=app.js (on the Node backend), each a tcp-echo taking its port.
for (const [key, path] of Object.entries(process.env)) {
  if (key.startsWith('BENCH_WASM_')) servers[key.slice(11)] = app(path);
  if (key.startsWith('BENCH_NODE_')) servers[key.slice(11)] = onNode(path);
}
const only = values.only?.split(',');

// Build what is missing, or older than the contract, the library, the engine or its app: a
// build from before a change to wit/ no longer instantiates.
const build = join(root, 'ts/bin/ioring-build.js');
const newest = (path) => {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).filter((f) => f !== 'build').map((f) => newest(join(path, f))));
};
const sources = Math.max(...['wit', 'ts/dist', 'ts/engine/engine.c', 'ts/engine/js', 'ts/engine/bench', 'ts/examples/tcp-echo.ts'].map((p) => newest(join(root, p))));
const made = (file, args) => {
  if (existsSync(file) && statSync(file).mtimeMs >= sources) return;
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`building ${file} failed`);
};
made(join(bench, 'tcp-echo.wasm'), [process.execPath, build, join(root, 'ts/examples/tcp-echo.ts'), '-o', join(bench, 'tcp-echo.wasm'), '--engine', 'ioring-qjs']);
made(join(bench, 'tcp-echo-stream.wasm'), [process.execPath, build, join(root, 'ts/engine/bench/tcp-echo-stream.ts'), '-o', join(bench, 'tcp-echo-stream.wasm'), '--engine', 'ioring-qjs']);
made(join(bench, 'tcp-echo-stream.qjs.wasm'), [process.execPath, build, join(root, 'ts/engine/bench/tcp-echo-stream.ts'), '-o', join(bench, 'tcp-echo-stream.qjs.wasm')]);
made(join(bench, 'raw-echo.wasm'), ['make', '-s', '-C', join(root, 'ts/engine'), 'app', 'APP=raw-echo', `APP_JS=${join(root, 'ts/engine/bench/raw-echo.js')}`, `OUT=${bench}`]);

let port = 19500 + Math.floor(Math.random() * 2000);

async function once(name, conns) {
  const p = port++;
  const [cmd, args, env] = servers[name](p);
  const server = spawn('taskset', ['-c', '0', cmd, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  try {
    await waitForPort(p);
    const before = cpuMicros(server.pid);
    const r = spawnSync('taskset', ['-c', '1', values.loadgen, '127.0.0.1', String(p), String(conns), '1', values.size, values.seconds], { encoding: 'utf8' });
    const cpu = cpuMicros(server.pid) - before;
    if (r.status !== 0) throw new Error(`loadgen against ${name}: ${r.status} ${r.stdout}${r.stderr}`);
    const load = JSON.parse(r.stdout.trim().split('\n').pop());
    return { rate: load.msgs_per_sec, cpu: cpu / load.messages, messages: load.messages };
  } finally {
    server.kill('SIGKILL');
  }
}

for (const conns of values.conns.split(',').map(Number)) {
  const best = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of Object.keys(servers)) {
      if (only && !only.includes(name)) continue;
      const r = await once(name, conns);
      console.error(`  ${values.size} B x${conns} ${name}: ${Math.round(r.rate)} msgs/s, ${r.cpu.toFixed(2)} µs/msg`);
      const b = (best[name] ??= { rate: 0, cpu: Infinity });
      b.rate = Math.max(b.rate, r.rate);
      b.cpu = Math.min(b.cpu, r.cpu);
    }
  }
  for (const [name, b] of Object.entries(best)) {
    console.log(JSON.stringify({ size: Number(values.size), conns, server: name, msgs_per_sec: Math.round(b.rate), cpu_us_per_msg: Number(b.cpu.toFixed(2)) }));
  }
}

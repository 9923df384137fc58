#!/usr/bin/env node
// The benchmarks: every workload runs side by side with its native baselines in this one
// process tree, alternating, median of RUNS runs; servers pinned to CPU 0, load generators
// and single-process benchmarks to CPU 1 where they drive a server. Loopback only; every
// run is bounded in time. Prints a table and writes results.json (name, value, unit,
// baseline, baseline_value, ratio = value / baseline_value).
//
// BENCH_ONLY=GROUP,... runs some workloads only: echo, nop, pingpong, files, startup, sizes,
// or adapter (the WASI adapter's rows alone: the C tcp-echo and file reads composed with
// adapter/ under stock wasmtime, beside the same guests under `ioring run`, no other server).
// Such a run prints its table and writes test/bench/build/results.partial.json, leaving
// results.json and the tables it makes alone (they are one whole run's).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, homedir, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTables } from './table.mjs';
import { cpuMicros } from '../lib/cpu.js';
import { waitForPort } from '../lib/ioring.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const out = join(here, 'build');
const ioring = join(root, 'host/target/release/ioring');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const results = [];
const GROUPS = ['echo', 'nop', 'pingpong', 'files', 'startup', 'sizes', 'adapter'];
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((g) => g.trim()) : null;
for (const g of only ?? []) if (!GROUPS.includes(g)) throw new Error(`BENCH_ONLY: no group ${g} (${GROUPS.join(', ')})`);
/** Whether a run includes group @g: every group in a whole run; `adapter` alone runs the adapter's rows of echo and files. */
const runs = (g) => !only || only.includes(g) || (only.includes('adapter') && (g === 'echo' || g === 'files'));
const adapterOnly = only && only.includes('adapter') && !only.includes('echo') && !only.includes('files');

mkdirSync(out, { recursive: true });
const native = {};
for (const [name, libs] of [['loadgen', []], ['echo-uring', ['-luring']], ['echo-epoll', []], ['nop', ['-luring']], ['pingpong', ['-luring']], ['first-op', ['-luring']]]) {
  const src = name === 'loadgen' ? join(here, 'loadgen.c') : join(here, 'native', `${name}.c`);
  native[name] = join(out, name);
  execFileSync('gcc', ['-O2', '-o', native[name], src, ...libs]);
}
const guest = (name) => join(here, 'guests/build', `${name}.wasm`);
// The host ring driven from Rust, without a guest: what a NOP costs the host before any
// crossing (host/examples/ring_nop.rs).
execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'ring_nop', '--manifest-path', join(root, 'host/Cargo.toml')], { stdio: 'inherit' });
const ringNop = join(root, 'host/target/release/examples/ring_nop');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pinned = (cpu, cmd, args) => ['taskset', ['-c', String(cpu), cmd, ...args]];

function runJson(cpu, cmd, args) {
  const [bin, argv] = pinned(cpu, cmd, args);
  const r = spawnSync(bin, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  // Our programs print one JSON line last; fio prints one JSON document.
  const text = r.stdout.trim();
  return JSON.parse(text.startsWith('{\n') ? text : text.split('\n').pop());
}

function record(name, value, unit, baseline, baselineValue) {
  results.push({ name, value, unit, baseline, baseline_value: baselineValue, ratio: value / baselineValue });
}

/**
 * Runs each candidate `runs` times, alternating; returns name -> median of `measure`. A
 * measure that returns an object of figures gets the median of each figure.
 */
async function alternate(candidates, measure) {
  const samples = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, candidate] of Object.entries(candidates)) samples[name].push(await measure(candidate, name));
  }
  const middle = (v) =>
    typeof v[0] === 'number' ? median(v) : Object.fromEntries(Object.keys(v[0]).map((f) => [f, median(v.map((x) => x[f]))]));
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, middle(v)]));
}

let nextPort = 19000;

/** TCP echo servers, each started on a fresh port. */
const echoServers = {
  'ioring C guest': (port) => [ioring, ['run', '--listen', `echo=tcp:127.0.0.1:${port}`, join(root, 'guest/build/tcp-echo.wasm')]],
  'native liburing': (port) => [native['echo-uring'], [String(port)]],
  'native epoll': (port) => [native['echo-epoll'], [String(port)]],
  'Node net': (port) => [process.execPath, [join(here, 'native/echo-node.mjs'), String(port)]],
};
const wasiEcho = join(here, 'wasi-sockets/build/echo.wasm');
echoServers['wasi:sockets guest'] = (port) => [ioring, ['run', '--bind', `tcp:127.0.0.1:${port}`, '--env', `PORT=${port}`, wasiEcho]];
// The TS example binds the port itself (Socket.bind), so it gets a --bind grant.
for (const [engine, file] of [['StarlingMonkey', 'tcp-echo.wasm'], ['QuickJS', 'tcp-echo.qjs.wasm']]) {
  const app = join(root, 'ts/build', file);
  if (existsSync(app)) echoServers[`ioring TS guest (${engine})`] = (port) => [ioring, ['run', '--bind', `tcp:*:${port}`, app, String(port)]];
}
// The same example on ioring-qjs, the engine built as a C guest (ts/engine), built on each run
// from the library as it is (the engine itself, QuickJS-ng from its crate, takes a few minutes
// the first time).
const qjsEcho = join(out, 'tcp-echo.ioring-qjs.wasm');
{
  const built = spawnSync(process.execPath, [join(root, 'ts/bin/ioring-build.js'), join(root, 'ts/examples/tcp-echo.ts'), '-o', qjsEcho, '--engine', 'ioring-qjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('ioring-build --engine ioring-qjs could not build the TS echo example');
}
echoServers['ioring TS guest (ioring-qjs)'] = (port) => [ioring, ['run', '--bind', `tcp:*:${port}`, qjsEcho, String(port)]];
// The same example under Node, on @ioring/ring's Node backend (`just build-ts` compiles it).
echoServers['ioring TS app under Node (Node backend)'] = (port) => [
  process.execPath,
  [join(root, 'ts/build/node/tcp-echo.js'), String(port)],
  { IORING_BIND: `tcp:*:${port}` },
];

// The C guest composed with the WASI adapter (adapter/, `just wasi-app`), under stock
// wasmtime: what io_uring buys over WASI 0.2's streams and pollables, same app.
const wasmtimeBin = join(homedir(), '.cargo/bin/wasmtime');
const adapterEcho = join(out, 'tcp-echo.adapter.wasm');
if (existsSync(wasmtimeBin)) {
  const composed = spawnSync(join(root, 'adapter/compose.sh'), [join(root, 'guest/build/tcp-echo.wasm'), adapterEcho], { stdio: 'inherit' });
  if (composed.status === 0) {
    echoServers['C guest, wasmtime + WASI adapter'] = (port) => [
      wasmtimeBin,
      ['run', '-S', 'inherit-network', '--env', `IORING_LISTEN=echo=tcp:127.0.0.1:${port}`, adapterEcho],
    ];
  }
}

// The file-read guest composed likewise, for the same comparison on files.
const adapterRead = existsSync(wasmtimeBin) ? join(out, 'fileread.adapter.wasm') : null;
if (adapterRead && spawnSync(join(root, 'adapter/compose.sh'), [guest('fileread'), adapterRead], { stdio: 'inherit' }).status !== 0) {
  throw new Error('adapter/compose.sh could not compose the file-read guest');
}

async function echo(size, conns, only) {
  const servers = Object.fromEntries(
    Object.entries(echoServers).filter(([name]) =>
      adapterOnly ? name === 'ioring C guest' || name.includes('WASI adapter') : !only || only.includes(name),
    ),
  );
  const medians = await alternate(servers, async (start) => {
    const port = nextPort++;
    const [cmd, args, env] = start(port);
    const [bin, argv] = pinned(0, cmd, args);
    // taskset execs the server, so this pid is the server's own.
    const server = spawn(bin, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
    try {
      // A 12 MB StarlingMonkey component compiles for seconds on its first run.
      await waitForPort(port);
      const before = cpuMicros(server.pid);
      const load = runJson(1, native.loadgen, ['127.0.0.1', String(port), String(conns), '1', String(size), String(SECONDS)]);
      const cpu = cpuMicros(server.pid) - before;
      return { rate: load.msgs_per_sec, cpu: cpu / load.messages };
    } finally {
      server.kill('SIGKILL');
    }
  });
  for (const [name, { rate, cpu }] of Object.entries(medians)) {
    const baselines = name === 'native liburing' ? ['native liburing']
      : name.includes('WASI adapter') ? ['ioring C guest']
      : name === 'Node net' || name.startsWith('ioring TS') ? ['Node net']
      : ['native liburing'];
    if (name.startsWith('ioring')) baselines.push('wasi:sockets guest');
    for (const baseline of baselines.filter((b) => medians[b])) {
      record(`echo ${size} B x${conns}: ${name}`, rate, 'msgs/s', baseline, medians[baseline].rate);
      record(`echo ${size} B x${conns} server CPU: ${name}`, cpu, 'µs/msg', baseline, medians[baseline].cpu);
    }
    if (name.startsWith('ioring TS') && medians['native liburing']) {
      record(`echo ${size} B x${conns} server CPU: ${name}`, cpu, 'µs/msg', 'native liburing', medians['native liburing'].cpu);
    }
  }
  return medians;
}

/**
 * Each server's CPU per message at one connection against its own at 50: what waiting for every
 * message costs (one sleep and wake-up each), which no batching spreads.
 */
function oneAgainstMany(size, one, many) {
  for (const [name, { cpu }] of Object.entries(one)) {
    if (many[name]) record(`echo ${size} B x1 server CPU: ${name}`, cpu, 'µs/msg', 'the same server at x50', many[name].cpu);
  }
}

async function nops(batch) {
  const iterations = String(Math.floor(400_000 / batch));
  const medians = await alternate(
    {
      guest: [ioring, ['run', guest('nop'), String(batch), iterations]],
      records: [ioring, ['run', guest('nop'), String(batch), iterations, 'records']],
      host: [ringNop, [String(batch), iterations]],
      native: [native.nop, [String(batch), iterations]],
    },
    ([cmd, args]) => runJson(1, cmd, args).ns_per_op,
  );
  record(`nop batch ${batch}: ioring C guest`, medians.guest, 'ns/op', 'native liburing', medians.native);
  // The split: native to host ring is the host's validation and shaping, host ring to guest
  // the crossing (the call, the packed SQEs and CQEs each way) and the SDK.
  record(`nop batch ${batch}: host ring, no wasm`, medians.host, 'ns/op', 'native liburing', medians.native);
  record(`nop batch ${batch}: ioring C guest`, medians.guest, 'ns/op', 'host ring, no wasm', medians.host);
  // The same round in the record form (ring.submit, ring.complete), against the packed one.
  record(`nop batch ${batch}: ioring C guest, record form`, medians.records, 'ns/op', 'native liburing', medians.native);
  record(`nop batch ${batch}: ioring C guest`, medians.guest, 'ns/op', 'record form', medians.records);
}

async function pingpong() {
  const trips = '100000';
  const medians = await alternate(
    {
      guest: () => {
        const port = nextPort++;
        return runJson(0, ioring, ['run', '--listen', `pp=tcp:127.0.0.1:${port}`, '--connect', `tcp:127.0.0.1:${port}`, guest('pingpong'), `127.0.0.1:${port}`, trips]);
      },
      native: () => runJson(0, native.pingpong, [trips]),
    },
    (f) => f().round_trips_per_sec,
  );
  record('ping-pong 64 B, one CPU: ioring C guest', medians.guest, 'round trips/s', 'native liburing', medians.native);
}

async function fileReads() {
  const dir = join(out, 'files');
  const file = join(dir, 'data.bin');
  const size = 1 << 30;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file) || statSync(file).size !== size) {
    // Written, not sparse, so every read finds real pages.
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1024; i++) {
      chunk.fill(i & 0xff);
      writeSync(fd, chunk);
    }
    closeSync(fd);
  }
  // All read from the page cache: warm it, and tell fio not to drop it.
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 0 });
  const fileread = (cmd, prefix, mode, bs, depth) => () =>
    runJson(1, cmd, [...prefix, 'data/data.bin', String(size), mode, String(bs), String(depth), String(SECONDS)]).reads_per_sec;
  for (const [mode, bs, depth, label] of [['rand', 4096, 1, '4 KiB random QD1'], ['rand', 4096, 32, '4 KiB random QD32'], ['seq', 131072, 4, '128 KiB sequential QD4']]) {
    const candidates = {
      guest: fileread(ioring, ['run', '--dir', `${dir}::data`, guest('fileread')], mode, bs, depth),
    };
    if (!adapterOnly) {
      candidates.fio = () => {
        const r = runJson(1, 'fio', ['--name=r', `--filename=${file}`, `--rw=${mode === 'rand' ? 'randread' : 'read'}`, `--bs=${bs}`, `--iodepth=${depth}`, '--ioengine=io_uring', '--invalidate=0', '--time_based', `--runtime=${SECONDS}`, '--output-format=json']);
        return r.jobs[0].read.iops;
      };
    }
    // The same guest composed with the WASI adapter under stock wasmtime (its reads are
    // wasi:filesystem's, one at a time: the depth is the ring's, not the runtime's).
    if (adapterRead) candidates.adapter = fileread(wasmtimeBin, ['run', '--dir', `${dir}::data`, adapterRead], mode, bs, depth);
    const medians = await alternate(candidates, (f) => f());
    if (medians.fio) record(`file read ${label}: ioring C guest`, medians.guest, 'reads/s', 'fio io_uring', medians.fio);
    if (medians.adapter) record(`file read ${label}: C guest, wasmtime + WASI adapter`, medians.adapter, 'reads/s', 'ioring C guest', medians.guest);
  }
}

/**
 * Start-up, from exec to the app's last completion, timed two ways: until the process exits,
 * and until its stdout and stderr pipes reach end-of-file, which is what a shell pipeline or a
 * supervisor waits for (a descriptor the host leaves behind shows only in the second).
 */
async function startup() {
  const cwasm = join(out, 'first-op.cwasm');
  execFileSync(ioring, ['compile', guest('first-op'), '-o', cwasm]);
  const time = (cmd, args) => () => new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let exit;
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', () => { exit = ms(); });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${status}: ${stderr}`));
      else resolve({ exit, eof: ms() });
    });
  });
  const candidates = {
    'C first-op .wasm': time(ioring, ['run', guest('first-op')]),
    'C first-op .cwasm': time(ioring, ['run', '--allow-precompiled', cwasm]),
    native: time(native['first-op'], []),
  };
  // Whole apps, C and TS, printing a one-line file: start-up plus four operations.
  const dir = join(out, 'startup');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  for (const [name, file] of [['C cat', 'guest/build/cat.wasm'], ['TS cat (StarlingMonkey)', 'ts/build/cat.wasm'], ['TS cat (QuickJS)', 'ts/build/cat.qjs.wasm']]) {
    const app = join(root, file);
    if (!existsSync(app)) continue;
    const cw = join(out, `${name.replace(/\W+/g, '-')}.cwasm`);
    execFileSync(ioring, ['compile', app, '-o', cw]);
    candidates[`${name} .wasm`] = time(ioring, ['run', '--dir', `${dir}::data`, app, 'data/hello.txt']);
    candidates[`${name} .cwasm`] = time(ioring, ['run', '--allow-precompiled', '--dir', `${dir}::data`, cw, 'data/hello.txt']);
  }
  // The first run of a .wasm compiles it into the cache; the medians are warm starts.
  for (const f of Object.values(candidates)) await f();
  const medians = await alternate(candidates, (f) => f());
  for (const [name, { exit, eof }] of Object.entries(medians)) {
    if (name === 'native') continue;
    record(`start-up to exit: ${name}`, exit, 'ms', 'native liburing process', medians.native.exit);
    record(`start-up to pipe EOF: ${name}`, eof, 'ms', 'native liburing process', medians.native.eof);
  }
}

function sizes() {
  const nativeEcho = statSync(native['echo-uring']).size;
  for (const name of ['cat', 'tcp-echo', 'udp-echo']) {
    for (const kind of ['core.wasm', 'wasm']) {
      const file = join(root, 'guest/build', `${name}.${kind}`);
      if (existsSync(file)) record(`size: C ${name}.${kind}`, statSync(file).size, 'bytes', 'native echo-uring binary', nativeEcho);
    }
  }
  for (const file of ['cat.wasm', 'cat.qjs.wasm', 'tcp-echo.wasm', 'tcp-echo.qjs.wasm']) {
    const app = join(root, 'ts/build', file);
    if (existsSync(app)) record(`size: TS ${file}`, statSync(app).size, 'bytes', 'native echo-uring binary', nativeEcho);
  }
}

const started = Date.now();
if (runs('echo')) for (const size of [64, 4096]) oneAgainstMany(size, await echo(size, 1), await echo(size, 50));
// Near the host's default limits (1,024 handles and operations in flight per ring), where a
// server with a receive and a send per connection runs out of slots and work queues in the guest.
if (runs('echo') && !adapterOnly) await echo(64, 1000, ['native liburing', 'ioring C guest', 'Node net', 'ioring TS guest (ioring-qjs)']);
if (runs('nop')) for (const batch of [1, 32]) await nops(batch);
if (runs('pingpong')) await pingpong();
if (runs('files')) await fileReads();
if (runs('startup')) await startup();
if (runs('sizes')) sizes();

const fmt = (v) => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2));
console.log(`${'benchmark'.padEnd(52)} ${'value'.padStart(14)}  ${'unit'.padEnd(14)} ${'baseline'.padEnd(26)} ${'baseline value'.padStart(14)}  ratio`);
for (const r of results) {
  console.log(`${r.name.padEnd(52)} ${fmt(r.value).padStart(14)}  ${r.unit.padEnd(14)} ${r.baseline.padEnd(26)} ${fmt(r.baseline_value).padStart(14)}  ${r.ratio.toFixed(2)}`);
}
const machine = `${cpus().length} × ${cpus()[0].model.trim()}, Linux ${release()}`;
const record_ = JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, only: only ?? undefined, results }, null, 2) + '\n';
const took = `${Math.round((Date.now() - started) / 1000)} s, ${RUNS} runs each`;
if (only) {
  writeFileSync(join(out, 'results.partial.json'), record_);
  console.log(`\n${results.length} results of ${only.join(', ')} in test/bench/build/results.partial.json (results.json and the tables untouched), ${took}`);
} else {
  writeFileSync(join(here, 'results.json'), record_);
  writeTables();
  console.log(`\n${results.length} results in test/bench/results.json (tables: README.md, test/bench/results.md), ${took}`);
}

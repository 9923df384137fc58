// Load and soak: many concurrent TCP connections echoing through the C guest
// (guest/build/tcp-echo.wasm) and the TS guest (ts/build/tcp-echo.qjs.wasm, QuickJS) under
// `ioring run`, driven by test/bench/loadgen.c, which checks every echoed byte. Loopback only.
//
//   node test/soak/run.mjs [--conns N] [--seconds S] [--size B] [--guest c|ts|both] [--json FILE]
//                          [--default-limits] [--pin]
//
// --default-limits runs the host with its own limits (1,024 handles and 1,024 operations in
// flight) rather than raised ones, so that 1,000 connections fill the ring; --pin puts the host
// on CPU 0 and the load generator on CPU 1, so that the host cannot keep up and work queues.
//
// Defaults: 1000 connections, 60 s, 64-byte messages (one in flight per connection), both
// guests. Per guest it prints one line (throughput, bytes sent/echoed/lost, host RSS idle,
// at the start of the measured load and at its end) and, last, one JSON line with all of it.
// Host RSS "start" is sampled once the connections have run a quarter of the time (at least
// 1 s): per-connection state must exist first, and the TS guest's JS heap takes about 10 s of
// a 1000-connection load on a busy 2-core machine to reach its working size. "end" is the last
// sample before the load stops; the JSON has every 5th sample (rss_trace_kib). Exit status 1 when a byte was lost or wrong, or the host died under load.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    conns: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    size: { type: 'string', default: '64' },
    guest: { type: 'string', default: 'both' },
    json: { type: 'string' },
    'default-limits': { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
  },
});
const pinned = (cpu, argv) => (opt.pin ? ['taskset', '-c', String(cpu), ...argv] : argv);
const conns = Number(opt.conns);
const seconds = Number(opt.seconds);
const size = Number(opt.size);
const ioring = join(root, 'host/target/release/ioring');
const build = join(root, 'test/soak/build');
const loadgen = join(build, 'loadgen');
// The host and the load generator each hold a descriptor per connection, and more.
const NOFILE = '--nofile=16384:16384';

mkdirSync(build, { recursive: true });
execFileSync('gcc', ['-O2', '-o', loadgen, join(root, 'test/bench/loadgen.c')]);

const guests = {
  c: {
    name: 'C guest (guest/build/tcp-echo.wasm)',
    wasm: join(root, 'guest/build/tcp-echo.wasm'),
    args: (port, wasm) => ['--listen', `echo=tcp:127.0.0.1:${port}`, wasm],
  },
  ts: {
    name: 'TS guest (ts/build/tcp-echo.qjs.wasm, QuickJS)',
    wasm: join(root, 'ts/build/tcp-echo.qjs.wasm'),
    // One 64 KiB receive in flight per connection: 1000 connections hold 64 MiB of receive
    // buffers, the whole default budget, so the budget is raised for it.
    args: (port, wasm) => ['--bind', `tcp:127.0.0.1:${port}`, '--max-inflight-bytes', String(512 << 20), wasm, `127.0.0.1:${port}`],
  },
};

const rssKiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return 0;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitReachable(port, host) {
  for (let i = 0; i < 200; i++) {
    if (host.exitCode !== null) return false;
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

async function soak(key) {
  const g = guests[key];
  if (!existsSync(g.wasm)) throw new Error(`${g.wasm} is not built (just build)`);
  const port = await freePort();
  const limits = opt['default-limits'] ? [] : ['--max-handles', '4096', '--max-inflight', '8192'];
  const hostArgs = ['run', ...limits, ...g.args(port, g.wasm)];
  // prlimit and taskset exec what they run: the host's pid is the spawned one.
  const [hostCmd, ...hostArgv] = pinned(0, ['prlimit', NOFILE, ioring, ...hostArgs]);
  const host = spawn(hostCmd, hostArgv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let hostErr = '';
  host.stderr.on('data', (d) => (hostErr += d));
  if (!(await waitReachable(port, host))) throw new Error(`${g.name} did not start listening: ${hostErr}`);
  await sleep(200);
  const pid = host.pid;
  const rssIdle = rssKiB(pid);

  const [lgCmd, ...lgArgv] = pinned(1, ['prlimit', NOFILE, loadgen, '127.0.0.1', String(port), String(conns), '1', String(size), String(seconds)]);
  const lg = spawn(lgCmd, lgArgv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  lg.stdout.on('data', (d) => (out += d));
  lg.stderr.on('data', (d) => (err += d));
  // Samples once a second; "start" once the load has run a quarter of the time.
  const samples = [];
  const t0 = Date.now();
  const timer = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, kib: rssKiB(pid) }), 1000);
  const [status] = await once(lg, 'close');
  clearInterval(timer);
  const alive = host.exitCode === null && host.signalCode === null;
  const rssAfter = rssKiB(pid);
  host.kill('SIGKILL');
  await once(host, 'close');

  const warm = Math.max(1, seconds * 0.25);
  const during = samples.filter((s) => s.t <= seconds && s.kib > 0);
  const start = during.find((s) => s.t >= warm) ?? during[0];
  const end = during.at(-1);
  let r;
  try {
    r = JSON.parse(out.trim().split('\n').pop());
  } catch {
    r = { msgs_per_sec: 0, bytes_sent: 0, bytes_echoed: 0, bytes_lost: null };
  }
  return {
    guest: key,
    name: g.name,
    conns,
    seconds,
    size,
    loadgen_status: status,
    loadgen_error: err.trim(),
    host_alive: alive,
    host_stderr: hostErr.trim(),
    msgs_per_sec: r.msgs_per_sec,
    messages: r.messages,
    bytes_sent: r.bytes_sent,
    bytes_echoed: r.bytes_echoed,
    bytes_lost: r.bytes_lost,
    rss_idle_kib: rssIdle,
    rss_start_kib: start?.kib ?? 0,
    rss_start_at_s: start?.t ?? 0,
    rss_end_kib: end?.kib ?? 0,
    rss_end_at_s: end?.t ?? 0,
    rss_after_kib: rssAfter,
    rss_growth_pct: start && end ? ((end.kib - start.kib) / start.kib) * 100 : null,
    // Every 5th sample: whether growth levels off or goes on.
    rss_trace_kib: during.filter((_, i) => i % 5 === 0).map((s) => [Math.round(s.t), s.kib]),
  };
}

const mib = (kib) => (kib / 1024).toFixed(1);
const results = [];
let failed = false;
for (const key of opt.guest === 'both' ? ['c', 'ts'] : [opt.guest]) {
  const r = await soak(key);
  results.push(r);
  const ok = r.loadgen_status === 0 && r.host_alive && r.bytes_lost === 0 && r.bytes_sent > 0 && r.bytes_echoed === r.bytes_sent;
  failed ||= !ok;
  console.log(
    `${ok ? 'ok' : 'FAILED'} ${r.name}: ${conns} connections x ${seconds} s, ${size} B messages: ` +
      `${Math.round(r.msgs_per_sec).toLocaleString('en')} msgs/s, ${r.bytes_sent} bytes sent, ${r.bytes_echoed} echoed intact, ` +
      `${r.bytes_lost} lost; host RSS idle ${mib(r.rss_idle_kib)} MiB, start ${mib(r.rss_start_kib)} MiB (t=${r.rss_start_at_s.toFixed(0)} s), ` +
      `end ${mib(r.rss_end_kib)} MiB (t=${r.rss_end_at_s.toFixed(0)} s), ${r.rss_growth_pct?.toFixed(2)}%` +
      `${r.loadgen_error ? `; loadgen: ${r.loadgen_error}` : ''}${r.host_alive ? '' : `; host died: ${r.host_stderr}`}`,
  );
}
console.log(JSON.stringify(results));
if (opt.json) writeFileSync(opt.json, `${JSON.stringify(results, null, 2)}\n`);
process.exit(failed ? 1 : 0);

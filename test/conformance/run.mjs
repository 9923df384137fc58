#!/usr/bin/env node
// The conformance runner: builds the guests (test/conformance/*.c), runs each on every host
// that is available, and prints a matrix of case x host (ok / FAIL / skip / n/a), then the
// reasons of every failure. Writes the same to test/conformance/results.json. Exits 1 if any
// case FAILs, is missing on a host that ran its guest, skips where its host does not list it
// as not-supported, or is listed but does not skip (a stale listing), or a guest crashes or
// touches what it was not granted.
//
//   node test/conformance/run.mjs [--host NAME]... [--only GUEST]... [--json PATH] [--no-build]
//
// A host is one entry of HOSTS below: a name, why it is unavailable (or null), the command line
// that runs one guest against a fixture, and the cases it may skip (notSupported). Every other
// case must pass. See README.md, "Adding a host".
import { spawnSync } from 'node:child_process';
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const build = join(here, 'build');
const ioring = process.env.IORING ?? join(root, 'host/target/release/ioring');

// How long one guest may run, in seconds, before it counts as crashed (the suite takes a few).
const GUEST_TIMEOUT = 120;

// What every guest may rely on (conform.h says the same): the grants and the files in them.
export const FIXTURE = {
  data: '0123456789abcdefghijklmnopqrstuvwxyz\n', // ro/data.txt
  inner: 'inner\n', // ro/sub/inner.txt
  outside: 'outside the grants\n', // outside.txt, beside rw/ and ro/
  // Paths an escaping guest would create outside every grant (absolute-path escapes).
  absolute: ['/tmp/ioring-conformance-escaped', '/tmp/ioring-conformance-stolen'],
};

/** A fresh fixture: a directory holding rw/ (a FIFO and the link up -> ..), ro/ and outside.txt. */
export function makeFixture() {
  const top = mkdtempSync(join(tmpdir(), 'ioring-conformance-'));
  const rw = join(top, 'rw');
  const ro = join(top, 'ro');
  mkdirSync(rw);
  mkdirSync(join(ro, 'sub'), { recursive: true });
  writeFileSync(join(ro, 'data.txt'), FIXTURE.data);
  writeFileSync(join(ro, 'sub/inner.txt'), FIXTURE.inner);
  writeFileSync(join(top, 'outside.txt'), FIXTURE.outside);
  symlinkSync('..', join(rw, 'up'));
  if (spawnSync('mkfifo', [join(rw, 'fifo')]).status !== 0) throw new Error('mkfifo failed');
  symlinkSync('..', join(ro, 'up'));
  for (const p of FIXTURE.absolute) rmSync(p, { recursive: true, force: true });
  return { top, rw, ro, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

/** What a guest changed outside rw/: an empty list when it kept to its grants. */
export function fixtureViolations(fx) {
  const problems = [];
  const list = (dir) => readdirSync(dir).sort().join(' ');
  if (list(fx.top) !== 'outside.txt ro rw') problems.push(`the fixture's top holds: ${list(fx.top)}`);
  const read = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null);
  if (read(join(fx.top, 'outside.txt')) !== FIXTURE.outside) problems.push('outside.txt changed');
  if (list(fx.ro) !== 'data.txt sub up') problems.push(`ro/ holds: ${list(fx.ro)}`);
  if (read(join(fx.ro, 'data.txt')) !== FIXTURE.data) problems.push('ro/data.txt changed');
  if (list(join(fx.ro, 'sub')) !== 'inner.txt' || read(join(fx.ro, 'sub/inner.txt')) !== FIXTURE.inner)
    problems.push('ro/sub changed');
  if (!lstatSync(join(fx.ro, 'up')).isSymbolicLink() || readlinkSync(join(fx.ro, 'up')) !== '..')
    problems.push('ro/up changed');
  for (const p of FIXTURE.absolute) if (existsSync(p)) problems.push(`${p} exists`);
  return problems;
}

// The multicast guest's grants (multicast.c): two groups on the loopback interface, sending
// to one of them, and binding sockets to lo.
const MULTICAST_GRANTS = [
  '--multicast', '239.255.80.0/24', '--multicast', 'ff02::80:0/112',
  '--connect', 'udp:239.255.80.1:*', '--bind-device', 'lo',
];

// The GPIO cases (gpio.c) that need a chip whose lines 0 -> 1 and 2 -> 3 are wired. The Zephyr
// image has one (gpio_emul); on Linux, IORING_CONFORMANCE_GPIO may name one (/dev/gpiochipN),
// granted as "gpio"; without, these skip (no-entry for the grant).
const GPIO_CASES = ['gpio-output', 'gpio-input-wired', 'gpio-refusals', 'gpio-edges', 'gpio-active-low'];
const gpioChip = process.env.IORING_CONFORMANCE_GPIO;
const noChip = (why) => Object.fromEntries(GPIO_CASES.map((c) => [c, why]));

// The hosts, one column each. `unavailable()` says why a column is empty (null: it runs);
// `command(guest, fx)` is the command line running one guest, where guest.core and
// guest.component are its two builds and fx the fixture's directories (fx.rw, fx.ro); a host
// that runs the guests elsewhere than on this file system sets `fixture: false`.
//
// `notSupported` names each case the host may skip, with why it cannot do it: such a case must
// print `skip` (shown as n/a), and any other skip fails the run, as does a listed case that
// passes or fails (a stale listing: take it off), but for the cases `racy` names, which may
// also pass: the outcome is a race in the runtime, not the adapter.
// `listedIn` is the README that must name every listed case (it mirrors the table here).
export const HOSTS = [
  {
    name: 'linux',
    fixture: true,
    // The Linux host implements every operation: it may skip only the GPIO cases, and only
    // when no wired chip is given (this machine's kernel has no GPIO chip).
    notSupported: gpioChip ? {} : noChip('no GPIO chip on this machine (IORING_CONFORMANCE_GPIO unset): the grant "gpio" is no-entry'),
    listedIn: 'host/README.md',
    unavailable: () => (existsSync(ioring) ? null : `${relative(root, ioring)} is not built (just build-host)`),
    command: (guest, fx) => [
      ioring, 'run',
      '--dir', `${fx.rw}::rw`, '--dir', `${fx.ro}::ro:ro`,
      '--listen', 'lst=tcp:127.0.0.1:0',
      '--bind', 'tcp:127.0.0.1:*', '--bind', 'udp:127.0.0.1:*',
      '--connect', 'tcp:127.0.0.1:*', '--connect', 'udp:127.0.0.1:*',
      ...MULTICAST_GRANTS,
      ...(gpioChip ? ['--device', `gpio=${gpioChip}`] : []),
      '--timeout', String(GUEST_TIMEOUT),
      guest.component,
    ],
  },
  {
    // The TypeScript port of the suite on @ioring/ring's Node backend: its own programs, one
    // per guest name, printing the same lines.
    name: 'node',
    fixture: true,
    listedIn: 'ts/README.md',
    notSupported: {
      'socket-families': 'node:dgram and node:net have no unix datagram or seqpacket sockets (unix datagram: not-supported)',
      'socket-bind-to-device': 'node:dgram and node:net have no SO_BINDTODEVICE (bind-to-device: not-supported)',
      ...noChip('no GPIO chip is granted to the Node backend, which has no ioctl to drive one (gpio-request on a chip: not-supported)'),
    },
    unavailable: () =>
      existsSync(join(root, 'ts/dist/backends/node/index.js'))
        ? null
        : 'not available (ts/dist is not built: npm run build -w @ioring/ring)',
    // test/conformance/node/<guest>.mjs, granted through the environment what the linux entry
    // grants with flags.
    command: (guest, fx) => [
      'env',
      `IORING_DIR=${fx.rw}::rw;${fx.ro}::ro:ro`,
      'IORING_LISTEN=lst=tcp:127.0.0.1:0',
      'IORING_BIND=tcp:127.0.0.1:*;udp:127.0.0.1:*',
      'IORING_CONNECT=tcp:127.0.0.1:*;udp:127.0.0.1:*;udp:239.255.80.1:*',
      'IORING_MULTICAST=239.255.80.0/24;ff02::80:0/112',
      'IORING_BIND_DEVICE=lo',
      process.execPath,
      join(here, 'node', `${guest.name}.mjs`),
    ],
  },
  (() => {
    // zephyr/tests/conformance on native_sim_64 (WAMR + RTIO): one image, built once per run
    // (cmake + ninja, into $IORING_ZEPHYR_BUILD or $TMPDIR/ioring-zephyr), that makes the
    // fixture on an ext2 RAM disk, grants rw, ro, lst and binds and connects to 127.0.0.1 (TCP,
    // UDP, any port) from its devicetree, and runs the guest's core module named after
    // -testargs. The image checks the fixture itself and
    // prints what changed outside rw/ (fixture: false: nothing here is on this file system).
    let built; // undefined: not tried; null: built; a string: why not
    const dir = join(process.env.IORING_ZEPHYR_BUILD ?? join(tmpdir(), 'ioring-zephyr'), 'conformance-native_sim_64');
    const build = () => {
      if (built !== undefined) return built;
      mkdirSync(dir, { recursive: true });
      const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH}`, ZEPHYR_TOOLCHAIN_VARIANT: process.env.ZEPHYR_TOOLCHAIN_VARIANT ?? 'host' };
      const steps = [
        ['cmake', ['-GNinja', '-B', dir, '-DBOARD=native_sim_64', `-DZEPHYR_MODULES=${root}`,
          `-DWAMR_ROOT=${process.env.WAMR_ROOT}`, '-DPython3_EXECUTABLE=/usr/bin/python3', '-DBUILD_VERSION=ioring',
          join(root, 'zephyr/tests/conformance')]],
        ['ninja', ['-C', dir]],
      ];
      built = null;
      for (const [cmd, args] of steps) {
        const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
        if (r.status !== 0) {
          writeFileSync(`${dir}.log`, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}`);
          built = `not available (${cmd} failed building zephyr/tests/conformance: see ${dir}.log)`;
          break;
        }
      }
      return built;
    };
    // What Zephyr (3.4, native_sim) cannot do; zephyr/README.md ("The conformance column")
    // mirrors this list.
    const noLinks = "Zephyr's file systems have no symbolic links: the fixture has no rw/up or ro/up";
    const noAbort = "Zephyr 3.4's TCP has no abortive close: closing a socket with unread bytes sends FIN, not RST, so the peer reads end of stream";
    const noMulticast = "Zephyr 3.4's sockets have no multicast options (IP_ADD_MEMBERSHIP and its kin): set-option not-supported";
    return {
      name: 'zephyr',
      fixture: false,
      listedIn: 'zephyr/README.md',
      notSupported: {
        'mkdirat-escape-symlink': noLinks,
        'openat-escape-symlink': noLinks,
        'renameat-escape-symlink': noLinks,
        'statx-escape-symlink': noLinks,
        'statx-symlink': noLinks,
        'unlinkat-escape-symlink': noLinks,
        'unlinkat-symlink': noLinks,
        'openat-nonblock': "Zephyr's file systems have no FIFOs: the fixture has no rw/fifo",
        'statx-fifo': "Zephyr's file systems have no FIFOs: the fixture has no rw/fifo",
        'mkdirat-mode': "Zephyr's file systems keep no permission bits (fs_stat gives type and size): statx reports 0755 for a directory, modified-ns 0",
        'statx-mode': "Zephyr's file systems keep no permission bits (fs_stat gives type and size): statx reports 0644 for a file, modified-ns 0",
        'statx-modified': "Zephyr's file systems keep no modification times: statx reports modified-ns 0",
        'socket-families': 'Zephyr has no unix-domain sockets (socket: address-family-not-supported)',
        'socket-set-option-keep-alive': "Zephyr 3.4's sockets have no SO_KEEPALIVE (set-option: not-supported)",
        'socket-set-option-reuse-port': "Zephyr 3.4's sockets have no SO_REUSEPORT (set-option: not-supported)",
        'socket-shutdown': "Zephyr 3.4's zsock_shutdown implements only the reading side (shutdown of writing: not-supported)",
        'poll-hang-up': "a hang-up needs the server's shutdown of writing, which Zephyr 3.4 lacks (not-supported)",
        'poll-error': noAbort,
        'stream-reset': noAbort,
        'stream-reset-multishot': noAbort,
        'multicast-join-receive': noMulticast,
        'multicast-ungranted': noMulticast,
        'multicast-options': noMulticast,
        'multicast-ipv6-join': noMulticast,
      },
      unavailable: () =>
        !process.env.ZEPHYR_BASE || !process.env.WAMR_ROOT ? 'not available (set ZEPHYR_BASE and WAMR_ROOT)' : build(),
      command: (guest) => [join(dir, 'zephyr/zephyr.exe'), '-testargs', guest.core],
    };
  })(),
  // The WASI adapter (adapter/, issue 15): each guest composed with it (adapter/compose.sh)
  // and run by stock wasmtime, or transpiled by jco and run by Node on preview2-shim, granted
  // what the linux entry grants: preopens rw and ro, and through the environment ro's
  // read-only mark, the listener lst, binds and connects (README.md, "Running under stock
  // wasmtime and Node").
  ...(() => {
    const out = join(root, 'adapter/build/conformance');
    const cargoBin = join(homedir(), '.cargo/bin');
    const wasmtime = join(cargoBin, 'wasmtime');
    const composed = (guest) => {
      mkdirSync(out, { recursive: true });
      const wasm = join(out, `${guest.name}.wasm`);
      const r = spawnSync(join(root, 'adapter/compose.sh'), [guest.component, wasm], {
        encoding: 'utf8', env: { ...process.env, PATH: `${cargoBin}:${process.env.PATH}` },
      });
      if (r.status !== 0) throw new Error(`adapter/compose.sh ${guest.name}: ${r.stderr}`);
      return wasm;
    };
    const transpiled = (guest) => {
      const wasm = composed(guest);
      const dir = join(out, 'node', guest.name);
      const r = spawnSync('npx', ['jco', 'transpile', wasm, '-o', dir, '--name', guest.name, '-q'], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`jco transpile ${guest.name}: ${r.stderr}`);
      return join(dir, `${guest.name}.js`);
    };
    const grants = (fx) => [
      '--dir', `${fx.rw}::rw`, '--dir', `${fx.ro}::ro`,
      '--env', 'IORING_READONLY=ro',
      '--env', 'IORING_LISTEN=lst=tcp:127.0.0.1:0',
      '--env', 'IORING_BIND=tcp:127.0.0.1:*;udp:127.0.0.1:*',
      '--env', 'IORING_CONNECT=tcp:127.0.0.1:*;udp:127.0.0.1:*',
    ];
    const noAbort = 'WASI 0.2 has no abortive close (SO_LINGER 0): a close with unread bytes ends the stream in order';
    const noFifo = "wasmtime 48 calls a FIFO's type unknown: statx of rw/fifo completes with not-supported (the adapter cannot say what it is)";
    const noMulticast = 'WASI 0.2 has no multicast socket options';
    // Every case either passes or is one of these, which the adapter completes with
    // not-supported.
    const notSupported = {
      'socket-families': 'WASI 0.2 has no unix sockets and no seqpacket',
      'socket-set-option-reuse-port': 'WASI 0.2.0 has no SO_REUSEPORT',
      'multicast-join-receive': noMulticast,
      'multicast-ungranted': noMulticast,
      'multicast-options': noMulticast,
      'multicast-ipv6-join': noMulticast,
      'socket-bind-to-device': 'WASI 0.2 has no SO_BINDTODEVICE',
      ...noChip('no GPIO chip is granted under the adapter, and WASI 0.2 has no GPIO (gpio-request on a device grant: not-supported)'),
      'stream-reset': noAbort,
      'stream-reset-multishot': noAbort,
      'poll-error': noAbort,
      'statx-mode': "WASI 0.2 has no permission bits: the runtime makes a file 0644 (0666 less its umask), so a create asking for 0640 completes with not-supported",
      'mkdirat-mode': "WASI 0.2 has no permission bits: the runtime makes a directory 0755 (0777 less its umask), so a mkdirat asking for 0750 completes with not-supported",
      'statx-kinds': 'WASI does not say what standard input is (a terminal, a file, a pipe, /dev/null): statx of handle 0 completes with not-supported',
    };
    return [
      {
        name: 'wasmtime run + adapter',
        fixture: true,
        listedIn: 'README.md',
        notSupported: {
          ...notSupported,
          'statx-fifo': noFifo,
          'openat-nonblock': `${noFifo}; nor is a FIFO opened`,
        },
        unavailable: () => (existsSync(wasmtime) ? null : `not available (${wasmtime} is missing: just setup)`),
        command: (guest, fx) => [wasmtime, 'run', '-S', 'inherit-network', ...grants(fx), composed(guest)],
      },
      {
        name: 'Node (jco) + adapter',
        fixture: true,
        listedIn: 'README.md',
        notSupported: {
          ...notSupported,
          'openat-nonblock': 'a FIFO is not opened (not-supported): its open would hold the runtime\'s one thread (O_NONBLOCK has no WASI form)',
        },
        // Listed, yet sometimes ok: whether a close with unread bytes resets the connection
        // here depends on whether Node has already read them from the kernel into the socket's
        // stream (then the kernel sees nothing unread, and ends the stream in order), a race
        // between the guest's close and Node's event loop. Either outcome is accepted.
        racy: ['stream-reset', 'stream-reset-multishot', 'poll-error'],
        unavailable: () => null,
        command: (guest, fx) => [process.execPath, join(root, 'adapter/node/run.mjs'), ...grants(fx), transpiled(guest)],
      },
    ];
  })(),
];

/** Parses a guest's output: its verdict lines, and anything else it printed. */
export function parseOutput(text) {
  const cases = [];
  const other = [];
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^ok (\S+)$/.exec(line))) cases.push({ name: m[1], status: 'ok' });
    else if ((m = /^FAIL (\S+): (.*)$/.exec(line))) cases.push({ name: m[1], status: 'FAIL', why: m[2] });
    else if ((m = /^skip (\S+): (.*)$/.exec(line))) cases.push({ name: m[1], status: 'skip', why: m[2] });
    else if (line !== '' && !line.startsWith('#')) other.push(line);
  }
  return { cases, other };
}

/** Runs guest `guest` on `host`; returns { cases, problems } (problems: why the run is broken). */
export function runGuest(host, guest) {
  const fx = host.fixture ? makeFixture() : null;
  try {
    const [cmd, ...args] = host.command(guest, fx);
    const r = spawnSync(cmd, args, {
      cwd: fx?.top ?? root,
      // Handle 0 is /dev/null: statx-stdin expects a character device.
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: (GUEST_TIMEOUT + 10) * 1000,
      maxBuffer: 16 << 20,
    });
    const out = parseOutput(r.stdout?.toString() ?? '');
    const failed = out.cases.some((c) => c.status === 'FAIL');
    const problems = [];
    if (r.error) problems.push(`could not run: ${r.error.message}`);
    else if (r.signal) problems.push(`killed by ${r.signal}`);
    // A guest returns 1 when a case failed, 0 otherwise: any other status is a crash.
    else if (r.status !== (failed ? 1 : 0)) problems.push(`exit status ${r.status}`);
    if (out.cases.length === 0) problems.push('no case reported');
    const seen = new Set();
    for (const c of out.cases) {
      if (seen.has(c.name)) problems.push(`case ${c.name} reported twice`);
      seen.add(c.name);
    }
    for (const line of out.other) problems.push(`stdout: ${line}`);
    const stderr = r.stderr?.toString().trim();
    if (stderr) problems.push(...stderr.split('\n').slice(0, 10).map((l) => `stderr: ${l}`));
    if (fx) problems.push(...fixtureViolations(fx).map((p) => `outside its grants: ${p}`));
    return { cases: out.cases, problems };
  } finally {
    fx?.cleanup();
  }
}

function parseArgs(argv) {
  const opts = { hosts: [], only: [], json: join(here, 'results.json'), build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--host') opts.hosts.push(argv[++i]);
    else if (a === '--only') opts.only.push(argv[++i]);
    else if (a === '--json') opts.json = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else {
      console.error(`usage: run.mjs [--host NAME]... [--only GUEST]... [--json PATH] [--no-build]`);
      process.exit(2);
    }
  }
  return opts;
}

/** The guests: every test/conformance/*.c, sorted, with the paths of their two builds. */
export function guests(only = []) {
  return readdirSync(here)
    .filter((f) => f.endsWith('.c'))
    .map((f) => basename(f, '.c'))
    .filter((name) => only.length === 0 || only.includes(name))
    .sort()
    .map((name) => ({ name, core: join(build, `${name}.core.wasm`), component: join(build, `${name}.wasm`) }));
}

/** Runs the suite; returns the results object that results.json holds. */
export function runSuite({ hosts = [], only = [], build: doBuild = true } = {}) {
  if (doBuild) {
    const make = spawnSync('make', ['-s', '-C', here], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (make.status !== 0) throw new Error('building the conformance guests failed');
  }
  const selected = HOSTS.filter((h) => hosts.length === 0 || hosts.includes(h.name));
  if (hosts.length && selected.length !== hosts.length) throw new Error(`unknown host in ${hosts.join(', ')}`);
  const list = guests(only);
  const results = {
    hosts: selected.map((h) => ({ name: h.name, unavailable: h.unavailable() })),
    // Every guest ran: a listed case that no guest reported is then a stale listing.
    complete: only.length === 0,
    guests: [],
  };
  for (const guest of list) {
    const entry = { name: guest.name, runs: {} };
    for (const host of selected) {
      if (host.unavailable()) continue;
      const started = Date.now();
      entry.runs[host.name] = { ...runGuest(host, guest), seconds: (Date.now() - started) / 1000 };
    }
    results.guests.push(entry);
  }
  return summarise(results);
}

/** Adds the matrix (one row per case, union over hosts), the listings and the counts to `results`. */
function summarise(results) {
  const ran = results.hosts.filter((h) => !h.unavailable).map((h) => h.name);
  results.cases = [];
  for (const g of results.guests) {
    const names = [];
    for (const host of ran) for (const c of g.runs[host]?.cases ?? []) if (!names.includes(c.name)) names.push(c.name);
    for (const name of names) {
      const row = { guest: g.name, name, results: {} };
      for (const host of ran) {
        const c = g.runs[host]?.cases.find((x) => x.name === name);
        row.results[host] = c ? { status: c.status, ...(c.why ? { why: c.why } : {}) } : { status: 'missing' };
        const entry = HOSTS.find((h) => h.name === host);
        const notSupported = entry?.notSupported?.[name];
        if (notSupported) Object.assign(row.results[host], { listed: 'not-supported', reason: notSupported });
      }
      results.cases.push(row);
    }
  }
  results.counts = {};
  results.listing = {};
  for (const host of ran) {
    const n = { ok: 0, FAIL: 0, skip: 0, notSupported: 0, stale: 0, missing: 0, crashed: 0 };
    const problems = [];
    const entry = HOSTS.find((h) => h.name === host);
    for (const row of results.cases) {
      const r = row.results[host];
      const why = r.why ? `: ${r.why}` : '';
      if (r.status === 'missing') n.missing++;
      else if (r.status === 'ok') n.ok++;
      else if (r.status === 'skip' && r.listed === 'not-supported') n.notSupported++;
      else if (r.status === 'skip') {
        n.skip++;
        problems.push(`SKIP ${host} ${row.name}: a skip run.mjs does not list as not-supported on ${host}${why}`);
      } else n.FAIL++;
      const racy = entry?.racy?.includes(row.name);
      if (r.listed === 'not-supported' && ((r.status === 'ok' && !racy) || r.status === 'FAIL')) {
        n.stale++;
        problems.push(r.status === 'ok'
          ? `STALE ${host} ${row.name}: listed as not-supported, but ok: a stale listing, take it off`
          : `STALE ${host} ${row.name}: listed as not-supported, but FAILs instead of skipping${why}`);
      }
    }
    const listed = Object.keys(entry?.notSupported ?? {});
    if (results.complete) {
      for (const name of listed) {
        if (results.cases.some((row) => row.name === name)) continue;
        n.stale++;
        problems.push(`STALE ${host} ${name}: listed, but no guest has such a case`);
      }
    }
    if (entry?.listedIn) {
      const readme = readFileSync(join(root, entry.listedIn), 'utf8');
      for (const name of listed) {
        if (readme.includes(`\`${name}\``)) continue;
        n.stale++;
        problems.push(`STALE ${host} ${name}: listed here, but not in ${entry.listedIn}, which mirrors the list`);
      }
    }
    n.crashed = results.guests.filter((g) => g.runs[host]?.problems.length).length;
    results.counts[host] = n;
    results.listing[host] = problems;
  }
  // The rows hold each case's result; a run keeps how many it reported, its time and problems.
  for (const g of results.guests) for (const run of Object.values(g.runs)) run.cases = run.cases.length;
  results.passed = ran.length > 0 && ran.every((h) => {
    const n = results.counts[h];
    return n.FAIL === 0 && n.skip === 0 && n.stale === 0 && n.missing === 0 && n.crashed === 0;
  });
  return results;
}

/** A result as the matrix shows it: a listed skip is n/a. */
function cell(r) {
  if (r.status === 'skip' && r.listed === 'not-supported') return 'n/a';
  return r.status;
}

/** A host's counts, as one line. */
export function countsLine(name, n) {
  return `${name}: ${n.ok} ok, ${n.FAIL} FAIL, ${n.skip} skip` +
    (n.notSupported ? `, ${n.notSupported} not-supported` : '') +
    (n.stale ? `, ${n.stale} stale listing${n.stale === 1 ? '' : 's'}` : '') +
    (n.missing ? `, ${n.missing} missing` : '') + (n.crashed ? `, ${n.crashed} guests crashed` : '');
}

/** The matrix and the reasons, as text. */
export function report(results) {
  const lines = [];
  const hosts = results.hosts.map((h) => h.name);
  const width = Math.max(4, ...results.cases.map((r) => r.name.length));
  const col = Math.max(results.hosts.some((h) => h.unavailable) ? 13 : 7, ...hosts.map((h) => h.length));
  lines.push(`${'case'.padEnd(width)}  ${hosts.map((h) => h.padEnd(col)).join('  ')}`.trimEnd());
  let guest = null;
  for (const row of results.cases) {
    if (row.guest !== guest) {
      guest = row.guest;
      lines.push(`# ${guest}.c`);
    }
    const cells = results.hosts.map((h) => (h.unavailable ? 'not available' : cell(row.results[h.name])));
    lines.push(`${row.name.padEnd(width)}  ${cells.map((c) => c.padEnd(col)).join('  ')}`.trimEnd());
  }
  lines.push('');
  for (const h of results.hosts) {
    if (h.unavailable) {
      lines.push(`${h.name}: ${h.unavailable}`);
      continue;
    }
    lines.push(countsLine(h.name, results.counts[h.name]));
  }
  const listed = [];
  for (const row of results.cases) {
    for (const [host, r] of Object.entries(row.results)) {
      if (cell(r) === 'n/a') listed.push(`n/a ${host} ${row.name}: ${r.reason}`);
    }
  }
  if (listed.length) lines.push('', ...listed);
  const details = [];
  for (const row of results.cases) {
    for (const [host, r] of Object.entries(row.results)) {
      if (r.status === 'FAIL' && !r.listed) details.push(`FAIL ${host} ${row.name}: ${r.why}`);
      if (r.status === 'missing') details.push(`FAIL ${host} ${row.name}: not reported`);
    }
  }
  for (const problems of Object.values(results.listing ?? {})) details.push(...problems);
  for (const g of results.guests) {
    for (const [host, run] of Object.entries(g.runs)) {
      for (const p of run.problems) details.push(`CRASH ${host} ${g.name}: ${p}`);
    }
  }
  if (details.length) lines.push('', ...details);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = parseArgs(process.argv.slice(2));
  const results = runSuite(opts);
  console.log(report(results));
  writeFileSync(opts.json, `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
  process.exit(results.passed ? 0 : 1);
}

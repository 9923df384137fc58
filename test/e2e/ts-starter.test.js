// The TypeScript starter (ts/starter) as a user sets it up, from a clean directory outside the
// repository: copy it, install @ioring/ring from a tarball of ts/ (`npm pack`), then build and
// run its app both ways, `npx ioring-build` + `ioring run` and `npx tsc` + `node`, on real files.
// ioring-build type-checks with the project's tsconfig.json, and still checks an app that no
// tsconfig.json includes (TypeScript 7 refuses files beside one unless told --ignoreConfig).
//
// The install is `npm install --offline`: it needs the packages in npm's cache. When the cache
// lacks them (a fresh machine that installed this repository from a lock file may), the test
// says so and installs the tarball by hand instead: unpacked into node_modules, its
// dependencies linked to this repository's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { artefact, echo, freePort, ioring, root, tempDir } from '../lib/ioring.js';
import { nodeEnv, start, udpRoundTrip, udpSocket } from '../../ts/test/lib/e2e.js';

const work = tempDir();
test.after(() => work.cleanup());
const app = join(work.path, 'my-app');
const data = join(app, 'in');
const out = join(app, 'out');
// As ts/README.md has them: relative to the project's directory, where everything runs.
const grants = ['--dir', 'in::in:ro', '--dir', 'out::out'];
// npm and npx without update checks, audits or funding messages; tsc without colours.
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', FORCE_COLOR: '0', NO_COLOR: '1' };

function sh(file, args, options = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20, env: npmEnv, ...options });
  if (r.error) throw r.error;
  return r;
}
const ok = (r, what) => assert.is(r.status, 0, `${what}: ${r.stdout}${r.stderr}`);

const files = { 'data.bin': randomBytes(300 * 1024 + 7), 'empty.txt': Buffer.alloc(0) };

test('setup: a directory outside the repository, the starter copied into it, a tarball of ts/ packed there', () => {
  artefact('ts/dist/index.js');
  assert.ok(relative(root, work.path).startsWith('..'), `${work.path} is inside the repository`);
  cpSync(join(root, 'ts/starter'), app, { recursive: true });
  // `npm pack $IORING/ts` from the project, as the README has it; without scripts, so that the
  // repository's ts/dist, built already, is packed as it is and not rebuilt under other tests.
  ok(sh('npm', ['pack', '--ignore-scripts', join(root, 'ts')], { cwd: app }), 'npm pack');
  mkdirSync(data);
  mkdirSync(out);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(data, name), bytes);
});

test('install: npm install the tarball (offline), typescript and ioring-build in node_modules/.bin', () => {
  const tarball = join(app, 'ioring-ring-0.1.0.tgz');
  assert.ok(existsSync(tarball), 'npm pack wrote no ioring-ring-0.1.0.tgz');
  const r = sh('npm', ['install', '--offline', './ioring-ring-0.1.0.tgz'], { cwd: app });
  if (r.status === 0) {
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    assert.is(pkg.dependencies['@ioring/ring'], 'file:ioring-ring-0.1.0.tgz');
  } else {
    console.log(`\nts-starter: npm install --offline failed (${r.stderr.match(/npm error code \w+/)?.[0] ?? r.status}); installing the tarball by hand, dependencies linked to the repository's`);
    installByHand(tarball);
  }
  for (const bin of ['ioring-build', 'tsc']) assert.ok(existsSync(join(app, 'node_modules/.bin', bin)), `no node_modules/.bin/${bin}`);
});

function installByHand(tarball) {
  const pkgDir = join(app, 'node_modules/@ioring/ring');
  mkdirSync(pkgDir, { recursive: true });
  ok(sh('tar', ['xzf', tarball, '-C', pkgDir, '--strip-components=1']), 'tar');
  const { dependencies } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(dependencies)) {
    mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  }
  mkdirSync(join(app, 'node_modules/.bin'));
  symlinkSync('../@ioring/ring/bin/ioring-build.js', join(app, 'node_modules/.bin/ioring-build'));
  symlinkSync('../typescript/bin/tsc', join(app, 'node_modules/.bin/tsc'));
}

function runBoth(what, wasm, js) {
  for (const [name, bytes] of Object.entries(files)) {
    const runners = [['ioring run', ioring, ['run', ...grants, wasm, name], process.env]];
    if (js) runners.push(['node', process.execPath, [js, name], nodeEnv(grants)]);
    for (const [runner, file, args, env] of runners) {
      rmSync(join(out, name), { force: true });
      const r = spawnSync(file, args, { cwd: app, env, timeout: 60_000 });
      assert.is(r.status, 0, `${what}, ${runner} ${name}: ${r.stderr}`);
      assert.is(r.stdout.toString(), `copied ${bytes.length} bytes to out/${name}\n`, `${what}, ${runner}`);
      assert.is(r.stderr.toString(), '');
      assert.ok(readFileSync(join(out, name)).equals(bytes), `${what}, ${runner}: out/${name} differs from in/${name}`);
    }
  }
}

test('build both ways beside the tsconfig.json, run both ways: the same bytes copied', () => {
  const build = sh('npx', ['ioring-build', 'app.ts', '-o', 'app.wasm'], { cwd: app });
  ok(build, 'npx ioring-build');
  assert.not.match(build.stdout + build.stderr, /TS5112/);
  ok(sh('npx', ['tsc'], { cwd: app }), 'npx tsc');
  assert.ok(existsSync(join(app, 'app.js')), 'tsc wrote no app.js');
  runBoth('starter', join(app, 'app.wasm'), join(app, 'app.js'));
  // A missing file: the same error both ways.
  const wasm = spawnSync(ioring, ['run', ...grants, 'app.wasm', 'missing'], { cwd: app, encoding: 'utf8' });
  const node = spawnSync(process.execPath, ['app.js', 'missing'], { cwd: app, env: nodeEnv(grants), encoding: 'utf8' });
  assert.is(wasm.status, 1);
  assert.is(wasm.stderr, 'IORingError: openat in/missing: no-entry (ENOENT)\n');
  assert.is(node.status, 1);
  assert.is(node.stderr, wasm.stderr);
});

// The four apps ts/README.md walks through ("Four apps, both ways"), copied from ts/examples into
// the project as a reader would, built both ways there and run both ways against real peers.
const apps = ['tcp-echo', 'udp-echo', 'copy', 'tty-monitor'];
const ways = {
  component: (name, args, grants) => ({ file: ioring, args: ['run', ...grants, join(app, `${name}.wasm`), ...args], env: process.env }),
  node: (name, args, grants) => ({ file: process.execPath, args: [join(app, `${name}.js`), ...args], env: nodeEnv(grants) }),
};

test("the four apps of ts/README.md, copied into the project, build both ways", () => {
  for (const name of apps) cpSync(join(root, 'ts/examples', `${name}.ts`), join(app, `${name}.ts`));
  ok(sh('npx', ['tsc'], { cwd: app }), 'npx tsc');
  for (const name of apps) {
    assert.ok(existsSync(join(app, `${name}.js`)), `tsc wrote no ${name}.js`);
    ok(sh('npx', ['ioring-build', `${name}.ts`, '-o', `${name}.wasm`], { cwd: app }), `npx ioring-build ${name}.ts`);
  }
});

for (const [way, command] of Object.entries(ways)) {
  test(`${way}: tcp-echo echoes 1 MiB to each of 8 clients, udp-echo a 65,507-byte datagram, copy copies`, async () => {
    const tcpPort = await freePort();
    const tcp = await start(command('tcp-echo', [`127.0.0.1:${tcpPort}`], ['--bind', `tcp:127.0.0.1:${tcpPort}`]), `tcp-echo (${way})`, /listening on port/);
    try {
      const payloads = Array.from({ length: 8 }, () => randomBytes(1 << 20));
      const backs = await Promise.all(payloads.map((p) => echo(tcpPort, [p])));
      backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `tcp client ${i} got ${b.length} other bytes`));
    } finally {
      tcp.kill();
    }
    const udpPort = await freePort();
    const udpGrants = ['--bind', `udp:127.0.0.1:${udpPort}`, '--connect', 'udp:127.0.0.1:*'];
    const udp = await start(command('udp-echo', [`127.0.0.1:${udpPort}`], udpGrants), `udp-echo (${way})`, /bound to/);
    const sock = await udpSocket();
    try {
      const big = randomBytes(65_507);
      assert.ok((await udpRoundTrip(sock, udpPort, big)).equals(big), 'the datagram came back changed');
      sock.send('quit', udpPort, '127.0.0.1');
      assert.is(await udp.exited, 0, udp.stderr());
    } finally {
      sock.close();
      udp.kill();
    }
    const c = command('copy', ['--op-timeout', '5000', 'in/data.bin', `out/copy-${way}.bin`], grants);
    const r = spawnSync(c.file, c.args, { cwd: app, env: c.env, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `copied ${files['data.bin'].length} bytes\n`);
    assert.ok(readFileSync(join(out, `copy-${way}.bin`)).equals(files['data.bin']), 'the copy differs');
  });
}

test("ioring-build checks with the project's tsconfig.json: a type error fails the build", () => {
  writeFileSync(join(app, 'broken.ts'), "import { args } from '@ioring/ring';\nexport const n: number = args()[0];\n");
  try {
    const r = sh('npx', ['ioring-build', 'broken.ts', '-o', 'broken.wasm'], { cwd: app });
    assert.is(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /broken\.ts\(2,14\): error TS2322/, r.stdout);
    assert.match(r.stderr, /type errors \(see above\) in the project .*tsconfig\.json/);
    assert.not.ok(existsSync(join(app, 'broken.wasm')));
  } finally {
    rmSync(join(app, 'broken.ts'));
  }
});

test('ioring-build checks an app the tsconfig.json above it does not include, and one with none', () => {
  // Under the project, outside its "include" (*.ts): checked on its own, run from its folder.
  mkdirSync(join(app, 'tools'));
  cpSync(join(app, 'app.ts'), join(app, 'tools/copy.ts'));
  const sub = sh('npx', ['ioring-build', 'copy.ts', '-o', 'copy.wasm'], { cwd: join(app, 'tools') });
  ok(sub, 'ioring-build tools/copy.ts');
  assert.not.match(sub.stdout + sub.stderr, /TS5112/);
  // No tsconfig.json at all: the app beside the installed node_modules, the config moved away.
  renameSync(join(app, 'tsconfig.json'), join(app, 'tsconfig.json.off'));
  try {
    ok(sh('npx', ['ioring-build', 'app.ts', '-o', 'plain.wasm'], { cwd: app }), 'ioring-build without a tsconfig.json');
  } finally {
    renameSync(join(app, 'tsconfig.json.off'), join(app, 'tsconfig.json'));
  }
  runBoth('tools/copy.wasm', join(app, 'tools/copy.wasm'), null);
  runBoth('plain.wasm', join(app, 'plain.wasm'), null);
});

test("ts/README.md's starter files are ts/starter's", () => {
  const readme = readFileSync(join(root, 'ts/README.md'), 'utf8');
  for (const [file, lang] of [['package.json', 'json'], ['tsconfig.json', 'jsonc'], ['app.ts', 'ts']]) {
    const text = readFileSync(join(root, 'ts/starter', file), 'utf8');
    assert.ok(readme.includes('```' + lang + '\n' + text + '```\n'), `ts/README.md's copy of ts/starter/${file} is out of date`);
  }
});

test.run();

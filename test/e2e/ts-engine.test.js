// The ioring-qjs engine (ts/engine: QuickJS-ng built as a C guest, the app linked in as
// bytecode): the TypeScript tcp-echo example built with `ioring-build --engine ioring-qjs`, run
// under `ioring run` as the component and as the core module beside it (what the Zephyr host
// loads); real node:net clients over loopback get back exactly the bytes they send. And the
// loop's ends: main's rejection and a rejection nobody handles end the app with status 1 and
// the error on stderr, main's return ends it with 0.
//
// The first build of the engine fetches QuickJS-ng's sources through cargo (the rquickjs-sys
// crate) and compiles them: minutes on a small machine; later builds only link.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, echo, freePort, idleTicks, ioring, root, tempDir } from '../lib/ioring.js';

const work = tempDir();
test.after(() => work.cleanup());
const build = join(root, 'ts/bin/ioring-build.js');
const echoApp = join(work.path, 'tcp-echo.wasm');

function ioringBuild(input, output) {
  const r = spawnSync(process.execPath, [build, input, '-o', output, '--engine', 'ioring-qjs'], {
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  assert.is(r.status, 0, `ioring-build --engine ioring-qjs ${input}: ${r.stdout}${r.stderr}`);
}

/** Starts `ioring run` on `wasm`; resolves once it prints its banner. */
function start(wasm, port) {
  const child = spawn(ioring, ['run', '--bind', `tcp:0.0.0.0:${port}`, wasm, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${wasm} did not start: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/listening on port/.test(out)) {
        clearTimeout(timer);
        resolve({ stdout: () => out, stderr: () => err, pid: child.pid, kill: () => child.kill('SIGKILL') });
      }
    });
    child.on('exit', (code) => reject(new Error(`${wasm} exited (${code}) before listening: ${err}`)));
  });
}

test('build: ioring-build --engine ioring-qjs makes a component and a core module', () => {
  artefact('ts/dist/index.js');
  ioringBuild(join(root, 'ts/examples/tcp-echo.ts'), echoApp);
  const component = readFileSync(echoApp);
  const core = readFileSync(echoApp.replace(/\.wasm$/, '.core.wasm'));
  // A component's layer field is 1, a core module's 0 (bytes 6-7 of the preamble).
  assert.is(component.readUInt16LE(6), 1, 'the .wasm is not a component');
  assert.is(core.readUInt16LE(6), 0, 'the .core.wasm is not a core module');
});

for (const kind of ['component', 'core module']) {
  let server;
  let port;

  test(`${kind}: starts`, async () => {
    port = await freePort();
    server = await start(kind === 'component' ? echoApp : echoApp.replace(/\.wasm$/, '.core.wasm'), port);
  });

  test(`${kind}: idle with a client connected, it uses no CPU (it waits in the kernel, not in a loop)`, async () => {
    const ticks = await idleTicks(server.pid, port);
    assert.ok(ticks <= 2, `${ticks} ticks of CPU in 1 s with nothing to do`);
  });

  test(`${kind}: echoes a line exactly`, async () => {
    assert.is((await echo(port, [Buffer.from('hello, engine\n')])).toString(), 'hello, engine\n');
  });

  test(`${kind}: an empty connection gets end-of-stream and nothing else`, async () => {
    assert.is((await echo(port, [])).length, 0);
  });

  test(`${kind}: echoes 4 MiB byte for byte`, async () => {
    const data = randomBytes(4 << 20);
    const back = await echo(port, [data]);
    assert.is(back.length, data.length);
    assert.ok(back.equals(data), 'echoed bytes differ');
  });

  test(`${kind}: serves 16 concurrent clients, each its own bytes`, async () => {
    const payloads = Array.from({ length: 16 }, (_, i) => randomBytes(1000 + i * 7919));
    const backs = await Promise.all(payloads.map((p) => echo(port, [p.subarray(0, 300), p.subarray(300)])));
    backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i} got other bytes`));
  });

  test(`${kind}: the server printed only its banner`, () => {
    server.kill();
    assert.is(server.stdout(), `echo: listening on port ${port}\n`);
    assert.is(server.stderr(), '');
  });
}

// One app for every ending, picked by its argument: each new module costs the host a compile.
const endingsApp = join(work.path, 'endings.wasm');
const endings = {
  returns: ['main returns: status 0, its output', 0, /^done\n$/, /^$/],
  rejects: ['main rejects: status 1, the error on stderr', 1, /^$/, /Error: boom/],
  unhandled: ['an unhandled rejection: status 1, its reason on stderr', 1, /^$/, /nobody handles this/],
  stuck: ['nothing in flight to wake it: status 1, said so', 1, /^$/, /no ring operation is in flight/],
};

// The app imports @ioring/ring as a project of its own would: from its node_modules.
test('loop: an app of its own, @ioring/ring linked into its node_modules, built', () => {
  mkdirSync(join(work.path, 'node_modules/@ioring'), { recursive: true });
  symlinkSync(join(root, 'ts'), join(work.path, 'node_modules/@ioring/ring'));
  const src = join(work.path, 'endings.js');
  writeFileSync(
    src,
    `import { args, command, sleep } from '@ioring/ring';
export const run = command(async () => {
  switch (args()[0]) {
    case 'returns': await sleep(1); console.log('done'); return;
    case 'rejects': await sleep(1); throw new Error('boom');
    case 'unhandled': Promise.reject(new Error('nobody handles this')); await sleep(50); console.log('too late'); return;
    case 'stuck': await new Promise(() => {});
  }
});
`,
  );
  ioringBuild(src, endingsApp);
  assert.ok(existsSync(endingsApp));
});

for (const [arg, [name, status, stdout, stderr]] of Object.entries(endings)) {
  test(`loop: ${name}`, () => {
    const r = spawnSync(ioring, ['run', endingsApp, arg], { encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, status, `status: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, stdout);
    assert.match(r.stderr, stderr);
  });
}

test.run();

// The package as a user gets it: `npm pack` produces a tarball that installs with its types
// (a consumer type-checks against it, and its @ts-expect-error lines must be errors), runs
// under Node, and carries the WIT and the build tool. The README shows the echo example as it is.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const repoModules = join(pkg, '../node_modules');

test('README.md shows examples/tcp-echo.ts as it is', () => {
  const source = readFileSync(join(pkg, 'examples/tcp-echo.ts'), 'utf8');
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  assert.ok(readme.includes('```ts\n' + source + '```\n'), "the README's copy of tcp-echo.ts is out of date");
});

const consumer = `
import { File, IORing, IORingError, Socket, command, sleep, withTimeout, utf8 } from '@ioring/ring';
import type { Accepted, FileStat, OperationOptions, SocketAddress } from '@ioring/ring';
import { grantDirectory, toErrorCode } from '@ioring/ring/node';

const ring: IORing = IORing.shared;
export function uses() {
  const n: Promise<number> = ring.nop({ timeoutMs: 10 });
  const s: Promise<Socket> = Socket.create('tcp');
  const a: Promise<Accepted> = ring.accept(3);
  const st: Promise<FileStat> = File.open('d', 'p').then((f) => f.stat());
  const addr: SocketAddress = { tag: 'ipv4', val: { port: 1, address: [127, 0, 0, 1] } };
  const opts: OperationOptions = { signal: new AbortController().signal, timeoutMs: 5 };
  void [n, s, a, st, addr, opts, grantDirectory, toErrorCode, command, withTimeout, utf8];
}
export function misuses() {
  // @ts-expect-error: a kind of socket that does not exist
  void Socket.create('carrier-pigeon');
  // @ts-expect-error: data is bytes, not a string
  void ring.write(1, 'text');
  // @ts-expect-error: error codes are typed
  const wrong: IORingError['errorCode'] = 'ENOENT';
  void wrong;
}

// \`using\` drops a ring of its own at the end of the scope: its operations then reject.
let scoped: IORing;
{
  using own = new IORing();
  scoped = own;
  await own.nop();
}
const afterScope = await scoped.nop().then(() => 'still open', (e: IORingError) => e.code);

console.log([String(await ring.nop()), String(await sleep(1)), new IORingError('timed-out', 'x').code, afterScope].join(' '));
`;

test('npm pack: the tarball installs with its types, type-checks a consumer, and runs under Node', () => {
  const dir = tempDir();
  try {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], { cwd: pkg, encoding: 'utf8' });
    const [{ filename, files }] = JSON.parse(out);
    const paths = files.map((f) => f.path);
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/backends/node/index.js', 'dist/runtime/prelude.js', 'types/wit/app.d.ts', 'types/engine.d.ts', 'wit/types.wit', 'bin/ioring-build.js', 'README.md', 'package.json']) {
      assert.ok(paths.includes(needed), `the tarball lacks ${needed}`);
    }
    assert.not.ok(paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'sources and tests are not shipped');
    // Install: unpack into node_modules, with the dependencies this repository already has.
    const modules = join(dir.path, 'app/node_modules');
    mkdirSync(join(modules, '@ioring/ring'), { recursive: true });
    execFileSync('tar', ['xzf', join(dir.path, filename), '-C', join(modules, '@ioring/ring'), '--strip-components=1']);
    mkdirSync(join(modules, '@types'), { recursive: true });
    for (const dep of ['typescript', 'rolldown', '@types/node']) symlinkSync(join(repoModules, dep), join(modules, dep));
    const app = join(dir.path, 'app');
    writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(app, 'consumer.ts'), consumer);
    const tsc = join(repoModules, 'typescript/bin/tsc');
    const check = spawnSync(process.execPath, [tsc, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--outDir', app, 'consumer.ts'], { cwd: app, encoding: 'utf8' });
    assert.is(check.status, 0, check.stdout + check.stderr);
    const run = spawnSync(process.execPath, [join(app, 'consumer.js')], { encoding: 'utf8' });
    assert.is(run.status, 0, run.stderr);
    assert.is(run.stdout, '0 undefined ETIMEDOUT ECANCELED\n');
  } finally {
    dir.cleanup();
  }
});

test.run();

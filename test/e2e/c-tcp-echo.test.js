// The C tcp-echo example under `ioring run --listen`, driven by real node:net clients over
// loopback: every client gets back exactly the bytes it sent, then end-of-stream. Run for the
// default build and for the one with the SDK's compact allocator (IORING_MALLOC=compact).
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, echo, freePort, ioring, root, run } from '../lib/ioring.js';

const builds = {
  dlmalloc: artefact('guest/build/tcp-echo.wasm'),
  compact: artefact('guest/build/compact/tcp-echo.wasm'),
};
const app = builds.dlmalloc;

for (const [name, wasm] of Object.entries(builds)) {
  const t = suite(`tcp-echo (${name})`);
  let server;
  let port;
  let serverErr = '';

  t.before(async () => {
    port = await freePort();
    server = spawn(ioring, ['run', '--listen', `echo=tcp:127.0.0.1:${port}`, wasm], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr.on('data', (d) => (serverErr += d));
    // The host binds the listener before the guest starts: wait until it accepts.
    for (let i = 0; ; i++) {
      const up = await new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.end(() => resolve(true)));
        s.on('error', () => resolve(false));
      });
      if (up) break;
      if (i === 200 || server.exitCode !== null) throw new Error(`server did not start: ${serverErr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  t.after(() => {
    server.kill('SIGKILL');
  });

  t('echoes a line exactly, then closes when the client closes', async () => {
    const back = await echo(port, [Buffer.from('hello, ioring\n')]);
    assert.is(back.toString(), 'hello, ioring\n');
  });

  t('an empty connection gets end-of-stream and nothing else', async () => {
    const back = await echo(port, []);
    assert.is(back.length, 0);
  });

  t('echoes 4 MiB byte for byte (short sends, flow control)', async () => {
    const data = randomBytes(4 << 20);
    const back = await echo(port, [data]);
    assert.is(back.length, data.length);
    assert.ok(back.equals(data), 'echoed bytes differ');
  });

  t('a burst of 1,000 connections at once: each is echoed, then every descriptor is back', async () => {
    // Every connection holds a multishot receive, so the ring's slots (1,024 in flight by
    // default) are nearly all taken and the echoes queue in the guest for the few left.
    const open = () => readdirSync(`/proc/${server.pid}/fd`).map((f) => {
      try {
        return readlinkSync(`/proc/${server.pid}/fd/${f}`);
      } catch {
        return 'gone';
      }
    });
    const fds = () => open().length;
    const before = open();
    const clients = await Promise.all(
      Array.from({ length: 1000 }, () => new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      })),
    );
    const echoed = await Promise.all(clients.map((s, i) => new Promise((resolve) => {
      const want = `client ${i}\n`;
      let got = '';
      s.setTimeout(20_000, () => resolve(`timed out with '${got}'`));
      s.on('data', (d) => {
        got += d;
        if (got.length >= want.length) resolve(got === want ? null : `got '${got}'`);
      });
      s.write(want);
    })));
    const wrong = echoed.map((e, i) => e && `client ${i}: ${e}`).filter(Boolean);
    assert.equal(wrong.slice(0, 5), [], `${wrong.length} of 1000 not echoed`);
    await Promise.all(clients.map((s) => new Promise((resolve) => s.end(resolve))));
    for (let i = 0; fds() > before.length && i < 600; i++) await new Promise((r) => setTimeout(r, 25));
    const extra = open().filter((l) => !before.includes(l));
    assert.equal(extra, [], 'descriptors still held 15 s after every client closed');
  });

  t('echoes 2000 small writes in order', async () => {
    const chunks = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + (i % 97)));
    const back = await echo(port, chunks, { pauseEvery: 100 });
    assert.ok(back.equals(Buffer.concat(chunks)), 'echoed stream differs or is out of order');
  });

  t('serves 32 concurrent clients, each its own bytes', async () => {
    const payloads = Array.from({ length: 32 }, (_, i) => randomBytes(1000 + i * 4099));
    const backs = await Promise.all(payloads.map((p) => echo(port, [p.subarray(0, 500), p.subarray(500)])));
    backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i} got other bytes`));
  });

  t('a client that resets mid-stream does not take the server down', async () => {
    await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(randomBytes(256 << 10));
        setTimeout(() => sock.resetAndDestroy(), 5);
      });
      sock.on('error', () => {});
      sock.on('close', resolve);
    });
    const back = await echo(port, [Buffer.from('still here')]);
    assert.is(back.toString(), 'still here');
    assert.is(server.exitCode, null, serverErr);
  });

  t.run();
}

test('a client that writes 64 MiB before reading any is paused, not buffered: the server, held to 16 MiB of memory, serves others meanwhile and echoes it all', async () => {
  const port = await freePort();
  const server = spawn(ioring, ['run', '--max-memory', String(16 << 20), '--listen', `echo=tcp:127.0.0.1:${port}`, app], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  try {
    for (let i = 0; !(await echo(port, []).then(() => true, () => false)); i++) {
      if (i === 200) throw new Error(`server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const data = randomBytes(64 << 20);
    const got = [];
    let received = 0;
    const hog = net.connect(port, '127.0.0.1');
    hog.pause(); // reads nothing until the other client is served
    hog.on('data', (d) => {
      got.push(d);
      received += d.length;
    });
    const done = new Promise((resolve) => {
      hog.on('end', () => resolve(null));
      hog.on('error', resolve);
    });
    hog.write(data);
    hog.end();
    await new Promise((r) => setTimeout(r, 1000));
    const other = await echo(port, [Buffer.from('still served\n')]).catch((e) => e.message);
    assert.is(other.toString(), 'still served\n', `the other client: ${other}; server: ${stderr.split('\n')[0]}`);
    hog.resume();
    const failed = await done;
    assert.is(failed, null, `the writing client: ${failed?.message}; server: ${stderr.split('\n')[0]}`);
    assert.is(received, data.length, `echoed ${received} of ${data.length} bytes; server: ${stderr}`);
    assert.ok(Buffer.concat(got).equals(data), 'echoed bytes differ');
    assert.is(server.exitCode, null, `the server ended: ${stderr}`);
  } finally {
    server.kill('SIGKILL');
  }
});

test('guest/README.md shows this example as it is', () => {
  const source = readFileSync(join(root, 'guest/examples/tcp-echo.c'), 'utf8');
  const readme = readFileSync(join(root, 'guest/README.md'), 'utf8');
  assert.ok(readme.includes('```c\n' + source + '```\n'), 'the README\'s copy of tcp-echo.c is out of date');
});

test('without the listener grant it fails with no-entry', () => {
  const r = run(['run', app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, 'tcp-echo: listener "echo": no such file or grant\n');
});

test.run();

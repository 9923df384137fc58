// A guest that uses wasi:sockets directly (the benchmark's baseline echo server) is confined
// by the same --bind grant as ring sockets: without it, or with another port, it cannot
// bind; with it, it serves real clients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { artefact, echo as echoClient, ioring, run } from '../lib/ioring.js';

const echo = artefact('test/bench/wasi-sockets/build/echo.wasm');
const port = 20000 + (process.pid % 10000);

test('wasi:sockets bind without a --bind grant is refused', () => {
  const r = run(['run', '--env', `PORT=${port}`, echo]);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'echo: start-bind: error 1\n', 'access-denied');
});

test('wasi:sockets bind to a port other than the granted one is refused', () => {
  const r = run(['run', '--bind', `tcp:127.0.0.1:${port + 1}`, '--env', `PORT=${port}`, echo]);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'echo: start-bind: error 1\n');
});

test('with the grant, it echoes a real client byte for byte', async () => {
  const server = spawn(ioring, ['run', '--bind', `tcp:127.0.0.1:${port}`, '--env', `PORT=${port}`, echo], { stdio: 'ignore' });
  try {
    const sent = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13) & 0xff));
    const got = await new Promise((resolve, reject) => {
      const attempt = (tries) => {
        const s = connect(port, '127.0.0.1');
        const chunks = [];
        s.on('connect', () => s.write(sent));
        s.on('data', (d) => {
          chunks.push(d);
          if (Buffer.concat(chunks).length >= sent.length) {
            s.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        s.on('error', (e) => (tries > 0 ? setTimeout(() => attempt(tries - 1), 50) : reject(e)));
      };
      attempt(100);
    });
    assert.ok(got.equals(sent), 'echoed bytes differ');
  } finally {
    server.kill('SIGKILL');
  }
});

// Many connections closing while others are ready once made the server use a dropped
// connection's handle (wasi:io/poll's ready list is not in index order): it must outlive
// rounds of 50 concurrent clients that each echo and hang up.
test('it outlives rounds of 50 concurrent connections closing at once', async () => {
  const p = port + 2;
  const server = spawn(ioring, ['run', '--bind', `tcp:127.0.0.1:${p}`, '--env', `PORT=${p}`, echo], { stdio: 'ignore' });
  let exited = null;
  server.on('exit', (code, signal) => (exited = { code, signal }));
  try {
    const once = (payload) => echoClient(p, [payload]);
    const ready = async (tries) => {
      try {
        await once(Buffer.from('up?'));
      } catch (e) {
        if (tries === 0) throw e;
        await new Promise((r) => setTimeout(r, 50));
        await ready(tries - 1);
      }
    };
    await ready(100);
    for (let round = 0; round < 6; round++) {
      const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, round * 50 + i));
      const got = await Promise.all(payloads.map(once));
      got.forEach((g, i) => assert.ok(g.equals(payloads[i]), `round ${round} connection ${i}`));
    }
    assert.is(exited, null, 'the server is still running');
  } finally {
    server.kill('SIGKILL');
  }
});

test.run();

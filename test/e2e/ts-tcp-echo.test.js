// The TypeScript tcp-echo example (ts/examples/tcp-echo.ts), componentized with each engine and
// run under `ioring run`, and run as JavaScript under `node`: real node:net clients over
// loopback get back exactly the bytes they send.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { runners, startExample } from '../../ts/test/lib/e2e.js';
import { echo, freePort, idleTicks } from '../lib/ioring.js';

for (const runner of runners) {
  let server;
  let port;

  test.before(async () => {
    port = await freePort();
    server = await startExample(runner, 'tcp-echo', [String(port)], ['--bind', `tcp:0.0.0.0:${port}`], /listening on port/);
  });
  test.after(() => server?.kill());

  test(`${runner}: idle with a client connected, it uses no CPU (it waits in the kernel, not in a loop)`, async () => {
    const ticks = await idleTicks(server.pid, port);
    assert.ok(ticks <= 2, `${ticks} ticks of CPU in 1 s with nothing to do`);
  });

  test(`${runner}: echoes a line exactly`, async () => {
    assert.is((await echo(port, [Buffer.from('hello, ioring\n')])).toString(), 'hello, ioring\n');
  });

  test(`${runner}: an empty connection gets end-of-stream and nothing else`, async () => {
    assert.is((await echo(port, [])).length, 0);
  });

  test(`${runner}: echoes 4 MiB byte for byte`, async () => {
    const data = randomBytes(4 << 20);
    const back = await echo(port, [data]);
    assert.is(back.length, data.length);
    assert.ok(back.equals(data), 'echoed bytes differ');
  });

  test(`${runner}: serves 16 concurrent clients, each its own bytes`, async () => {
    const payloads = Array.from({ length: 16 }, (_, i) => randomBytes(1000 + i * 7919));
    const backs = await Promise.all(payloads.map((p) => echo(port, [p.subarray(0, 300), p.subarray(300)])));
    backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i} got other bytes`));
  });

  test(`${runner}: serves 50 concurrent clients 1 MiB each, byte for byte`, async () => {
    const payloads = Array.from({ length: 50 }, () => randomBytes(1 << 20));
    const backs = await Promise.all(payloads.map((p) => echo(port, [p])));
    backs.forEach((b, i) => assert.ok(b.equals(payloads[i]), `client ${i} got ${b.length} other bytes`));
  });

  test(`${runner}: a client that resets mid-stream does not take the server down`, async () => {
    await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(randomBytes(256 << 10));
        setTimeout(() => sock.resetAndDestroy(), 5);
      });
      sock.on('error', () => {});
      sock.on('close', resolve);
    });
    assert.is((await echo(port, [Buffer.from('still here')])).toString(), 'still here');
  });

  test(`${runner}: the server printed only its banner`, () => {
    assert.is(server.stdout(), `echo: listening on port ${port}\n`);
  });
}

test.run();

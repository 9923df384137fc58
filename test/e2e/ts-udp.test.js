// The TypeScript UDP examples under `ioring run` (each engine) and `node`: udp-echo answers
// node:dgram datagrams byte for byte; udp-client prints a node:dgram server's replies and
// reports a reply that never comes (a linked timeout). Every runner prints the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { freePort, runExampleAsync, runners, startExample, udpRoundTrip, udpSocket } from '../../ts/test/lib/e2e.js';

const clientOutputs = {};

for (const runner of runners) {
  test(`${runner}: udp-echo returns every datagram byte for byte, then ends on "quit"`, async () => {
    const port = await freePort();
    const server = await startExample(runner, 'udp-echo', [`127.0.0.1:${port}`], ['--bind', `udp:127.0.0.1:${port}`, '--connect', 'udp:127.0.0.1:*'], /bound to/);
    try {
      const sock = await udpSocket();
      // 65,507 bytes: the most one IPv4 datagram carries.
      const datagrams = [Buffer.from('hello'), randomBytes(1), randomBytes(1400), randomBytes(9000), randomBytes(65_507), Buffer.alloc(0)];
      for (const d of datagrams) assert.ok((await udpRoundTrip(sock, port, d)).equals(d), `a ${d.length}-byte datagram`);
      sock.send('quit', port, '127.0.0.1');
      assert.is(await server.exited, 0, server.stderr());
      assert.is(server.stdout(), `udp-echo: bound to 127.0.0.1:${port}\nudp-echo: served ${datagrams.length} datagrams\n`);
      sock.close();
    } finally {
      server.kill();
    }
  });

  test(`${runner}: udp-client prints each reply and reports one that never comes`, async () => {
    const peer = await udpSocket();
    // Answers everything but "silence", upper-cased.
    peer.on('message', (msg, rinfo) => {
      if (msg.toString() !== 'silence') peer.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address);
    });
    const port = peer.address().port;
    const r = await runExampleAsync(runner, 'udp-client', [`127.0.0.1:${port}`, 'hello', 'silence', 'world'], ['--connect', `udp:127.0.0.1:${port}`]);
    peer.close();
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.toString(), 'reply: HELLO\nno reply to silence\nreply: WORLD\n');
    clientOutputs[runner] = r.stdout.toString();
  });
}

test('udp-client prints the same under every runner', () => {
  const outputs = Object.values(clientOutputs);
  assert.is(outputs.length, runners.length);
  for (const o of outputs) assert.is(o, outputs[0]);
});

test.run();

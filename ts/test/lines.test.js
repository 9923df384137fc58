// lines(): a Socket's, a File's and a Tty's bytes as lines of text: `\n` and `\r\n` ends, a
// last line without an end delivered, characters cut between reads whole again, and an
// AbortSignal that stops the loop with the read in flight cancelled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { File, IORing, IORingError, Socket, Tty, sleep } from '@ioring/ring';
import { grantDevice, grantDirectory } from '@ioring/ring/node';
import { rejection, tempDir } from './helpers.js';

const dir = tempDir();
grantDirectory('lines', dir.path);
test.after(dir.cleanup);

const TEXT = 'first\r\nsecond\n\nélan 𝄞 vital\r\nno end';
const LINES = ['first', 'second', '', 'élan 𝄞 vital', 'no end'];

async function collect(iterable) {
  const out = [];
  for await (const line of iterable) out.push(line);
  return out;
}

/** A server that writes `parts` one by one, a little apart, then ends. */
async function server(parts) {
  const srv = net.createServer(async (s) => {
    s.on('error', () => {});
    for (const p of parts) {
      s.write(p);
      await new Promise((r) => setTimeout(r, 5));
    }
    s.end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: srv.address().port };
}

test('Socket.lines(): \\n and \\r\\n, an empty line, the last line without an end', async () => {
  const { srv, port } = await server([TEXT]);
  const socket = await Socket.connect(`127.0.0.1:${port}`);
  assert.equal(await collect(socket.lines()), LINES);
  await socket.close();
  srv.close();
});

test('Socket.lines(): lines and characters cut across arrivals come whole', async () => {
  const bytes = Buffer.from(TEXT);
  // Arrivals of 1 to 3 bytes: '\r' apart from its '\n', multi-byte characters cut.
  const parts = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + (i % 3);
    parts.push(bytes.subarray(i, i + n));
    i += n;
  }
  const { srv, port } = await server(parts);
  const socket = await Socket.connect(`127.0.0.1:${port}`);
  assert.equal(await collect(socket.lines({ chunkSize: 2 })), LINES);
  await socket.close();
  srv.close();
});

test('File.lines(): from the current position to the end, in small reads', async () => {
  writeFileSync(join(dir.path, 'text.txt'), TEXT);
  const file = await File.open('lines', 'text.txt');
  assert.equal(await collect(file.lines({ chunkSize: 3 })), LINES);
  await file.close();
  writeFileSync(join(dir.path, 'ended.txt'), 'a\nb\n');
  const ended = await File.open('lines', 'ended.txt');
  assert.equal(await collect(ended.lines()), ['a', 'b'], 'no empty line after the last end');
  await ended.close();
});

test('Tty.lines(): what the line delivers, line by line', async () => {
  writeFileSync(join(dir.path, 'serial.log'), 'AT\r\nOK\r\n');
  grantDevice('lines-tty', join(dir.path, 'serial.log'));
  const tty = Tty.open('lines-tty');
  assert.equal(await collect(tty.lines()), ['AT', 'OK']);
  await tty.close();
});

test('lines() honours an AbortSignal: the receive in flight is cancelled, the loop throws ECANCELED', async () => {
  const { srv, port } = await server(['one\n']);
  // The server writes one line and then waits; keep the connection open past it.
  const quiet = net.createServer((s) => {
    s.on('error', () => {});
    s.write('hello\npartial');
  });
  await new Promise((r) => quiet.listen(0, '127.0.0.1', r));
  const ring = new IORing();
  const socket = await Socket.connect(`127.0.0.1:${quiet.address().port}`, { ring });
  const controller = new AbortController();
  const got = [];
  const loop = (async () => {
    for await (const line of socket.lines({ signal: controller.signal })) {
      got.push(line);
    }
  })();
  await sleep(30);
  assert.equal(got, ['hello']);
  controller.abort();
  const e = await rejection(loop);
  assert.instance(e, IORingError);
  assert.is(e.code, 'ECANCELED');
  await sleep(5);
  assert.not.ok(ring.busy, 'nothing left in flight');
  const aborted = await rejection(collect(socket.lines({ signal: controller.signal })));
  assert.is(aborted.code, 'ECANCELED', 'an aborted signal stops at once');
  await socket.close();
  ring.drop();
  quiet.close();
  srv.close();
});

test('lines(): a break stops reading, the socket stays usable', async () => {
  const { srv, port } = await server(['a\nb\nc\n']);
  const socket = await Socket.connect(`127.0.0.1:${port}`);
  for await (const line of socket.lines()) {
    assert.is(line, 'a');
    break;
  }
  await socket.close();
  srv.close();
});

test.run();

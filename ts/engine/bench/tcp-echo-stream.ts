// tcp-echo-stream: ts/examples/tcp-echo.ts with a multishot receive (`receiveStream`) in place of
// one 64 KiB `receive` per message, for bench.mjs: the host fills provided buffers rather than
// allocating and zeroing 64 KiB per receive.
import { Socket, args, command, formatAddress } from '@ioring/ring';

export const run = command(async () => {
  const where = args()[0] ?? '7000';
  const port = /^\d+$/.test(where) ? Number(where) : where;
  const server = await Socket.create('tcp');
  await server.setReuseAddr();
  await server.setTcpNoDelay();
  await server.bind(port);
  await server.listen();
  console.log(`echo: listening on port ${typeof port === 'number' ? port : where.slice(where.lastIndexOf(':') + 1)}`);
  for await (const client of server.accept()) {
    serve(client).catch((e) => console.error(`echo: ${formatAddress(client.peer!)}: ${e.message}`));
  }
});

async function serve(client: Socket): Promise<void> {
  await using conn = client;
  for await (const chunk of conn.receiveStream()) await conn.sendAll(chunk);
}

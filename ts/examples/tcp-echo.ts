// tcp-echo: a TCP echo server. Every client gets back exactly the bytes it sends.
//
//   ioring run --bind 'tcp:*:7000' tcp-echo.wasm 7000
//   ioring run --bind tcp:127.0.0.1:7000 tcp-echo.wasm 127.0.0.1:7000   (loopback only)
//   IORING_BIND='tcp:*:7000' node tcp-echo.js 7000
import { Socket, args, command, formatAddress } from '@ioring/ring';

export const run = command(async () => {
  // A port (every interface) or HOST:PORT.
  const where = args()[0] ?? '7000';
  const port = /^\d+$/.test(where) ? Number(where) : where;
  const server = await Socket.create('tcp');
  await server.setReuseAddr();
  await server.setTcpNoDelay();
  await server.bind(port);
  await server.listen();
  console.log(`echo: listening on port ${typeof port === 'number' ? port : where.slice(where.lastIndexOf(':') + 1)}`);
  for await (const client of server.accept()) {
    // Each client is served on its own; the loop goes straight back to accepting.
    serve(client).catch((e) => console.error(`echo: ${formatAddress(client.peer!)}: ${e.message}`));
  }
});

async function serve(client: Socket): Promise<void> {
  await using conn = client;
  for (;;) {
    const bytes = await conn.receive(64 * 1024);
    if (bytes.length === 0) break; // the client closed its end
    await conn.sendAll(bytes);
  }
}

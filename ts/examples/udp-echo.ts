// udp-echo: a UDP server that sends every datagram back to where it came from, until it gets
// one that says "quit".
//
//   ioring run --bind 'udp:127.0.0.1:9000' --connect 'udp:127.0.0.1:*' udp-echo.wasm 127.0.0.1:9000
//   IORING_BIND='udp:127.0.0.1:9000' IORING_CONNECT='udp:127.0.0.1:*' node udp-echo.js 127.0.0.1:9000
import { Socket, args, command, fromUtf8 } from '@ioring/ring';

export const run = command(async () => {
  const address = args()[0] ?? '127.0.0.1:9000';
  await using socket = await Socket.create('udp');
  await socket.setReuseAddr();
  await socket.bind(address);
  console.log(`udp-echo: bound to ${address}`);
  for (let served = 0; ; served++) {
    const { data, from } = await socket.receiveFrom(64 * 1024);
    if (fromUtf8(data) === 'quit') {
      console.log(`udp-echo: served ${served} datagrams`);
      return;
    }
    await socket.sendTo(data, from);
  }
});

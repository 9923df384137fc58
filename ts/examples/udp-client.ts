// udp-client: sends each argument as one datagram to a UDP echo server and prints the replies,
// with a timeout on each (a linked timeout in the ring).
//
//   ioring run --connect 'udp:127.0.0.1:9000' udp-client.wasm 127.0.0.1:9000 hello world
//   IORING_CONNECT='udp:127.0.0.1:9000' node udp-client.js 127.0.0.1:9000 hello world
import { IORingError, Socket, args, command, fromUtf8, utf8 } from '@ioring/ring';

export const run = command(async () => {
  const [server = '127.0.0.1:9000', ...messages] = args();
  await using socket = await Socket.create('udp');
  for (const message of messages) {
    await socket.sendTo(utf8(message), server);
    try {
      const { data } = await socket.receiveFrom(64 * 1024, { timeoutMs: 2000 });
      console.log(`reply: ${fromUtf8(data)}`);
    } catch (e) {
      if (e instanceof IORingError && e.code === 'ETIMEDOUT') console.log(`no reply to ${message}`);
      else throw e;
    }
  }
});

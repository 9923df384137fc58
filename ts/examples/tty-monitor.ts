// tty-monitor: puts a serial line in raw mode (8N1 at the given speed) and copies everything
// that arrives on it to stdout, until the line hangs up.
//
//   ioring run --device tty=/dev/ttyUSB0 tty-monitor.wasm [BAUD]
import { IORing, Tty, args, command, stdout } from '@ioring/ring';

export const run = command(async () => {
  const baud = Number(args()[0] ?? 0);
  await using tty = Tty.open('tty');
  await tty.configure({ raw: true, baud, dataBits: 8, parity: 'none', stopBits: 1 });
  for (;;) {
    let bytes: Uint8Array;
    try {
      bytes = await tty.read(4096);
    } catch (e) {
      // A pseudo-terminal whose other end closed reports EIO: the line hung up.
      if ((e as { code?: string }).code === 'EIO') break;
      throw e;
    }
    if (bytes.length === 0) break;
    await IORing.shared.writeAll(stdout, bytes);
  }
});

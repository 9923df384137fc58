// spi-poll: reads a 12-bit sample from an MCP3008-style ADC over SPI every 100 ms and prints it.
// Each sample is one full-duplex transaction (start bit, channel, then two bytes clocked in).
//
//   ioring run --device adc=/dev/spidev0.0 spi-poll.wasm [CHANNEL] [COUNT]
import { SpiDevice, args, command, sleep } from '@ioring/ring';

export const run = command(async () => {
  const channel = Number(args()[0] ?? 0);
  const count = Number(args()[1] ?? 10);
  await using adc = SpiDevice.open('adc');
  for (let i = 0; i < count; i++) {
    const [rx] = await adc.transfer([{ tx: [0x01, 0x80 | (channel << 4), 0x00], rxLength: 3, speedHz: 1_000_000 }]);
    const sample = ((rx[1] & 0x03) << 8) | rx[2];
    console.log(`channel ${channel}: ${sample}`);
    await sleep(100);
  }
});

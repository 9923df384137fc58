// button-led: a button drives an LED. The button's edges come as a stream (one multishot
// operation in the host); each edge sets the LED to the button's state. Every edge is
// checked for its sequence number: a gap means edges were lost. Stops once the button has had
// COUNT edges (0: never; lost ones included) and prints how many came and how many were lost.
//
//   ioring run --device gpio=/dev/gpiochip0 button-led.wasm [BUTTON_LINE] [LED_LINE] [COUNT]
//   IORING_DEVICE='gpio=/dev/gpiochip0' node button-led.js ...   (the Node backend: not-supported)
import { GpioLine, args, command } from '@ioring/ring';

export const run = command(async () => {
  const [button = 1, led = 0, count = 0] = args().map(Number);
  await using input = await GpioLine.request('gpio', button, { edges: 'both', bias: 'pull-up' });
  await using output = await GpioLine.request('gpio', led, { direction: 'output', initial: await input.value });
  let edges = 0;
  let lost = 0;
  let last = 0;
  let first = 0n;
  let latest = 0n;
  for await (const edge of input.edges()) {
    await output.set(edge.rising);
    if (edges === 0) first = edge.timestampNs;
    latest = edge.timestampNs;
    lost += edge.seqno - last - 1;
    last = edge.seqno;
    edges++;
    if (count && last >= count) break; // COUNT edges happened, those lost included
  }
  const span = (latest - first) / 1000n;
  console.log(`button-led: ${edges} edges, seqno ${edges ? 1 : 0}..${last}, ${lost} lost, ${span} us from first to last`);
});

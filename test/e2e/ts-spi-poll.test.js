// The TypeScript spi-poll example. This machine's kernel has no SPI subsystem, so only the
// error paths can run for real: a granted device that is not spidev fails the transfer with
// ENOTTY (the SPI_IOC_MESSAGE ioctl's answer), a missing grant with ENOENT, and Node, which has
// no ioctl, reports ENOTSUP. The transfer's shape is covered by ts/test/devices.test.js.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample } from '../../ts/test/lib/e2e.js';

for (const runner of ['starlingmonkey', 'quickjs']) {
  test(`${runner}: no SPI on this kernel: a non-spidev device fails the transfer with ENOTTY`, () => {
    const r = runExample(runner, 'spi-poll', ['0', '1'], ['--device', 'adc=/dev/null']);
    assert.is(r.status, 1);
    assert.is(r.stdout.length, 0);
    assert.is(r.stderr, 'IORingError: spi-transfer: not-a-tty (ENOTTY)\n');
  });
}

for (const runner of ['starlingmonkey', 'quickjs', 'node']) {
  test(`${runner}: without the device grant it fails with ENOENT`, () => {
    const r = runExample(runner, 'spi-poll', [], []);
    assert.is(r.status, 1);
    const [head, ...frames] = r.stderr.replace(/\n$/, '').split('\n');
    assert.is(head, "IORingError: device grant 'adc': no-entry (ENOENT); none was granted: grant one with --device adc=PATH (IORING_DEVICE under Node)");
    // Thrown where the app asks for the grant: the stack names the app's file.
    assert.ok(frames.length > 0);
    for (const f of frames) assert.match(f, /^    at .*spi-poll\.[jt]s:\d+:\d+\)?$/);
  });
}

test('node: no SPI in Node: ENOTSUP', () => {
  const r = runExample('node', 'spi-poll', ['0', '1'], ['--device', 'adc=/dev/null']);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'IORingError: spi-transfer: not-supported (ENOTSUP)\n');
});

test.run();

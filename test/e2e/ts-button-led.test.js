// The TypeScript button-led example. This machine's kernel has no GPIO chip, so only the error
// paths run for real: a granted device that is no GPIO chip fails the line request with ENOTTY
// (GPIO_V2_GET_LINE_IOCTL's answer on the host; the Node backend tells it from the device's
// sysfs node), a missing grant with ENOENT. GpioLine's operations are covered against a fake
// GPIO backend by ts/test/gpio.test.js; the C example runs on native_sim.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample } from '../../ts/test/lib/e2e.js';

for (const runner of ['starlingmonkey', 'quickjs', 'node']) {
  test(`${runner}: no GPIO chip on this kernel: a device that is none fails the request with ENOTTY`, () => {
    const r = runExample(runner, 'button-led', ['1', '0', '5'], ['--device', 'gpio=/dev/null']);
    assert.is(r.status, 1);
    assert.is(r.stdout.length, 0);
    assert.is(r.stderr, 'IORingError: gpio-request: the device granted is no GPIO chip (ENOTTY)\n');
  });

  test(`${runner}: without the device grant it fails with ENOENT`, () => {
    const r = runExample(runner, 'button-led', [], []);
    assert.is(r.status, 1);
    const [head, ...frames] = r.stderr.replace(/\n$/, '').split('\n');
    assert.is(head, "IORingError: device grant 'gpio': no-entry (ENOENT); none was granted: grant one with --device gpio=PATH (IORING_DEVICE under Node)");
    assert.ok(frames.length > 0);
    for (const f of frames) assert.match(f, /^    at .*button-led\.[jt]s:\d+:\d+\)?$/);
  });
}

test.run();

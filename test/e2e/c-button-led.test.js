// The C button-led example on the Linux host. This machine's kernel has no GPIO chip, so the
// error paths run, for real: a grant of a GPIO chip that does not exist, or of a node named as
// one that is none, stops `ioring run` before the guest starts, naming the device; a device
// that is no GPIO chip fails the request with not-a-tty (GPIO_V2_GET_LINE_IOCTL's ENOTTY); a
// missing grant with no-entry. The example itself runs on native_sim's emulated GPIO
// controller (zephyr/scripts/native_sim.sh: 2000 edges at 10 kHz, a burst, none lost).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const app = artefact('guest/build/button-led.wasm');
const dir = tempDir();
test.after(dir.cleanup);

test('a GPIO chip that does not exist is refused on the command line', () => {
  let n = 0;
  while (existsSync(`/dev/gpiochip${n}`)) n++;
  const r = run(['run', '--device', `gpio=/dev/gpiochip${n}`, app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, `ioring: --device: cannot open \`/dev/gpiochip${n}\`: No such file or directory (os error 2)\n`);
});

test('a node named as a GPIO chip that is none is refused on the command line', () => {
  const fake = join(dir.path, 'gpiochip7');
  symlinkSync('/dev/null', fake);
  const r = run(['run', '--device', `gpio=${fake}`, app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, `ioring: --device gpio=${fake}: not a GPIO chip (GPIO_GET_CHIPINFO_IOCTL: Inappropriate ioctl for device (os error 25))\n`);
});

test('a device that is no GPIO chip fails the line request with not-a-tty, under --trace too', () => {
  const r = run(['run', '--trace', '--device', 'gpio=/dev/null', app, '1', '0', '10']);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.ok(r.stderr.includes("button-led: request the button's line: not a terminal\n"), r.stderr);
  assert.ok(r.stderr.includes('ioring: sqe 0 gpio-request rejected: not-a-tty\n'), r.stderr);
  assert.not.match(r.stderr, /gpio-get|gpio-edges/, 'nothing after the refused request');
});

test('without the device grant it fails with no-entry', () => {
  const r = run(['run', app]);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'button-led: device "gpio": no such file or grant\n');
});

test.run();

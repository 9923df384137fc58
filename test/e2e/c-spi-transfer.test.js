// The C spi-transfer example. This kernel has no SPI subsystem (no spidev), so only the error
// paths can run here: a device that is not SPI must fail the transfer with not-a-tty (the
// SPI_IOC_MESSAGE ioctl's ENOTTY), and a missing grant with no-entry; neither prints data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artefact, run, tempDir } from '../lib/ioring.js';

const app = artefact('guest/build/spi-transfer.wasm');
const dir = tempDir();
test.after(dir.cleanup);

test('no SPI on this kernel: /dev/null as the device fails the transfer with not-a-tty', () => {
  const r = run(['run', '--device', 'spi=/dev/null', app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, 'spi-transfer: transfer: not a terminal\n');
});

test('no SPI on this kernel: a regular file as the device fails with not-a-tty', () => {
  const file = join(dir.path, 'not-spi');
  writeFileSync(file, 'data');
  const r = run(['run', '--device', `spi=${file}`, app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, 'spi-transfer: transfer: not a terminal\n');
});

test('without the device grant it fails with no-entry', () => {
  const r = run(['run', app]);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'spi-transfer: device "spi": no such file or grant\n');
});

test.run();

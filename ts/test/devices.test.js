// SpiDevice, I2cDevice and Tty. This kernel has no SPI or I2C subsystem and Node has no ioctl,
// so the transfer shapes are checked against a fake device backend (tests named so), and the
// Node backend's answer for real device operations against a real file: ENOTSUP for transfers,
// ENOTTY for tty-configure, as on the host (EACCES on handles that are no device grant).
// ts/test/node-parity.test.js configures a real pseudo-terminal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { I2cDevice, IORing, SpiDevice, Tty } from '@ioring/ring';
import { backend, grantDevice, grantDirectory } from '@ioring/ring/node';
import { rejection, tempDir } from './helpers.js';

/** A backend whose ring answers device transfers with `reply(op)`, everything else as Node's. */
function fakeDevices(reply) {
  const seen = [];
  return {
    seen,
    backend: {
      ...backend,
      createRing(entries, owner) {
        const ring = backend.createRing(entries, owner);
        const ready = [];
        return {
          submit(sqes) {
            const rest = [];
            for (const sqe of sqes) {
              if (sqe.op.tag === 'spi-transfer' || sqe.op.tag === 'i2c-transfer' || sqe.op.tag === 'tty-configure') {
                seen.push(sqe.op);
                ready.push({ userData: sqe.userData, res: { tag: 'ok', val: 0 }, more: false, data: reply(sqe.op), detail: { tag: 'none' } });
              } else rest.push(sqe);
            }
            if (ready.length) backend.requestTurn(owner);
            return ring.submit(rest) + (sqes.length - rest.length);
          },
          complete: (min, max, t) => [...ready.splice(0), ...ring.complete(min, max, t)],
          registerBuffers() {},
          bufferRead: () => new Uint8Array(),
          bufferWrite() {},
        };
      },
    },
  };
}

test('spi (fake device backend): segments become WIT records, received bytes split per segment', async () => {
  const fake = fakeDevices(() => Uint8Array.from([1, 2, 3, 4, 5]));
  const spi = new SpiDevice(7, new IORing({ backend: fake.backend }));
  const rx = await spi.transfer([{ tx: [0x9f] }, { rxLength: 3, speedHz: 500_000 }, { tx: Uint8Array.of(1, 2), rxLength: 2, csChange: true, delayUs: 10, bitsPerWord: 8 }]);
  assert.equal(rx.map((r) => [...r]), [[], [1, 2, 3], [4, 5]]);
  assert.equal(fake.seen[0], {
    tag: 'spi-transfer',
    val: {
      fd: 7,
      segments: [
        { tx: Uint8Array.of(0x9f), rxLen: 0, speedHz: 0, bitsPerWord: 0, csChange: false, delayUs: 0 },
        { tx: new Uint8Array(), rxLen: 3, speedHz: 500_000, bitsPerWord: 0, csChange: false, delayUs: 0 },
        { tx: Uint8Array.of(1, 2), rxLen: 2, speedHz: 0, bitsPerWord: 8, csChange: true, delayUs: 10 },
      ],
    },
  });
});

test('i2c (fake device backend): messages default to the device address, reads split per message', async () => {
  const fake = fakeDevices(() => Uint8Array.from([0xaa, 0xbb, 0xcc]));
  const bus = new I2cDevice(9, new IORing({ backend: fake.backend }), 0x48);
  const [a, b] = await bus.transfer([{ write: [0x01] }, { readLength: 2 }, { address: 0x50, readLength: 1, tenBit: true }]);
  assert.equal([...a], [0xaa, 0xbb]);
  assert.equal([...b], [0xcc]);
  assert.equal(fake.seen[0].val.messages, [
    { address: 0x48, write: Uint8Array.of(1), readLen: 0, tenBit: false },
    { address: 0x48, write: new Uint8Array(), readLen: 2, tenBit: false },
    { address: 0x50, write: new Uint8Array(), readLen: 1, tenBit: true },
  ]);
  assert.equal([...(await bus.readRegister(0x10, 2))], [0xaa, 0xbb]);
});

test('tty (fake device backend): configure fills 8N1 raw defaults', async () => {
  const fake = fakeDevices(() => new Uint8Array());
  const tty = new Tty(4, new IORing({ backend: fake.backend }));
  await tty.configure({ baud: 115200, parity: 'even' });
  assert.equal(fake.seen[0], {
    tag: 'tty-configure',
    val: [4, { raw: true, baud: 115200, dataBits: 8, parity: 'even', stopBits: 1, hardwareFlowControl: false }],
  });
});

test('under Node, device transfers on a granted device reject with ENOTSUP, configuring a file as a tty with ENOTTY; the device reads and writes', async () => {
  const dir = tempDir();
  const path = join(dir.path, 'device');
  writeFileSync(path, 'data');
  grantDevice('dev', path);
  const spi = SpiDevice.open('dev');
  assert.is((await rejection(spi.transfer([{ rxLength: 1 }]))).code, 'ENOTSUP');
  assert.is((await rejection(new I2cDevice(spi.handle).transfer([{ readLength: 1 }]))).code, 'ENOTSUP');
  const tty = new Tty(spi.handle);
  assert.is((await rejection(tty.configure())).code, 'ENOTTY');
  assert.is(new TextDecoder().decode(await tty.read(4)), 'data');
  await spi.close();
  dir.cleanup();
});

test('under Node, device transfers on a handle that is no device grant (stdio, a directory) reject with EACCES', async () => {
  const dir = tempDir();
  grantDirectory('not-a-device', dir.path);
  const handle = backend.grants.directory('not-a-device');
  for (const h of [0, 1, handle]) {
    assert.is((await rejection(new SpiDevice(h).transfer([{ rxLength: 1 }]))).code, 'EACCES', `spi on ${h}`);
    assert.is((await rejection(new I2cDevice(h).transfer([{ readLength: 1 }]))).code, 'EACCES', `i2c on ${h}`);
    assert.is((await rejection(new Tty(h).configure())).code, 'EACCES', `tty on ${h}`);
  }
  dir.cleanup();
});

test('a device that was not granted is ENOENT', () => {
  assert.throws(() => SpiDevice.open('nothing'), (e) => e.code === 'ENOENT');
});

test.run();

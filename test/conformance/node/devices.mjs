// devices: spi-transfer, i2c-transfer and tty-configure are taken only on device grants:
// on stdio, a file, a directory or a socket they complete with `access`; on a handle that is
// not open, with `bad-descriptor`. (The runner grants no device: what a device does with
// them is for the device examples' tests.) (devices.c)
import {
  CHECK, E, O, PASS, SKIP_IF_NOTSUP, STDERR, STDIN, STDOUT, grantListener, i2cRead, i2cWrite, op, spiSegment,
  t_code, t_dir, t_exit, t_one, t_open, t_run, t_tcp_pair, ttyRaw,
} from './conform.mjs';

/** The three device operations on `fd`, each with well-formed arguments: their results. */
async function deviceOps(ring, fd) {
  const res = [];
  ring.prep(op.spiTransfer(fd, [spiSegment(Uint8Array.of(0x9f), 3)]));
  res.push((await t_one(ring)).res);
  ring.prep(op.i2cTransfer(fd, [i2cWrite(0x50, Uint8Array.of(0x10)), i2cRead(0x50, 2)]));
  res.push((await t_one(ring)).res);
  ring.prep(op.ttyConfigure(fd, ttyRaw(115200)));
  res.push((await t_one(ring)).res);
  return res;
}

const OP_NAMES = ['spi-transfer', 'i2c-transfer', 'tty-configure'];

/** FAIL unless each device operation on `fd` completed with `want` (not-supported skips). */
async function expectAll(ring, fd, want, what) {
  const res = await deviceOps(ring, fd);
  for (let i = 0; i < 3; i++) {
    SKIP_IF_NOTSUP(res[i]);
    CHECK(res[i] === want, `${OP_NAMES[i]} on ${what}: ${t_code(res[i])}, want ${t_code(want)}`);
  }
}

async function device_stdio(ring) {
  await expectAll(ring, STDIN, -E.ACCES, 'handle 0');
  await expectAll(ring, STDOUT, -E.ACCES, 'handle 1');
  await expectAll(ring, STDERR, -E.ACCES, 'handle 2');
  PASS();
}

async function device_file(ring) {
  const rw = t_dir('rw');
  const ro = t_dir('ro');
  let fd = await t_open(ring, rw, 'not-a-device', O.READ | O.WRITE | O.CREATE, 'x');
  CHECK(fd >= 0, `fixture: ${t_code(fd)}`);
  await expectAll(ring, fd, -E.ACCES, 'a file opened read-write');
  fd = await t_open(ring, ro, 'data.txt', O.READ);
  CHECK(fd >= 0, `open ro/data.txt: ${t_code(fd)}`);
  await expectAll(ring, fd, -E.ACCES, 'a file under the read-only grant');
  PASS();
}

async function device_directory(ring) {
  const rw = t_dir('rw');
  CHECK(rw >= 0, `grant "rw": ${t_code(rw)}`);
  await expectAll(ring, rw, -E.ACCES, 'a directory grant');
  PASS();
}

async function device_socket(ring) {
  const lst = grantListener('lst');
  CHECK(lst >= 0, `listener: ${t_code(lst)}`);
  await expectAll(ring, lst, -E.ACCES, 'the listener grant');
  const { res, client } = await t_tcp_pair(ring);
  CHECK(res === 0, `tcp pair: ${t_code(res)}`);
  await expectAll(ring, client, -E.ACCES, 'a connected socket');
  PASS();
}

async function device_bad_handle(ring) {
  await expectAll(ring, 999, -E.BADF, 'handle 999');
  PASS();
}

await t_run('device-ops-on-stdio', device_stdio);
await t_run('device-ops-on-file', device_file);
await t_run('device-ops-on-directory', device_directory);
await t_run('device-ops-on-socket', device_socket);
await t_run('device-ops-bad-handle', device_bad_handle);
t_exit();

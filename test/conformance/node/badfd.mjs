// badfd: every operation that names a handle completes with `bad-descriptor` on a handle that
// was never opened (999), on one that was opened and closed, and on the largest handle
// (2^32-1), whatever else it asks. One case per operation; the other arguments are valid
// (granted addresses, registered buffers), so only the handle is wrong. (badfd.c)
import {
  CHECK, E, O, PASS, POLLIN, SKIP_IF_NOTSUP, SO, ipv4, op, t_close, t_code, t_dir, t_exit, t_one, t_open, t_run,
} from './conform.mjs';

const loopback = ipv4(127, 0, 0, 1, 9); // 127.0.0.1:9
let dirHandle = -1; // the "rw" grant, for operations with two handles
const byte = new Uint8Array([0]);

/** The operation `name` on handle `h`. */
function prepOp(name, h) {
  switch (name) {
    case 'read': return op.read(h, 4, 0);
    case 'write': return op.write(h, byte, 0);
    case 'read-fixed': return op.readFixed(h, 0, 0, 4, 0);
    case 'write-fixed': return op.writeFixed(h, 0, 0, 4, 0);
    case 'send': return op.send(h, byte);
    case 'recv': return op.recv(h, 4);
    case 'recv-multishot': return op.recvMultishot(h, 4);
    case 'recvmsg': return op.recvmsg(h, 4);
    case 'sendmsg': return op.sendmsg(h, byte, loopback);
    case 'accept': return op.accept(h);
    case 'accept-multishot': return op.acceptMultishot(h);
    case 'connect': return op.connect(h, loopback);
    case 'bind': return op.bind(h, loopback);
    case 'listen': return op.listen(h, 4);
    case 'set-option': return op.setOption(h, SO.KEEPALIVE, 1);
    case 'shutdown': return op.shutdown(h, 'both');
    case 'openat': return op.openat(h, 'x', O.READ, 0);
    case 'close': return op.close(h);
    case 'fsync': return op.fsync(h, 0);
    case 'ftruncate': return op.ftruncate(h, 0);
    case 'mkdirat': return op.mkdirat(h, 'x', 0o755);
    case 'unlinkat': return op.unlinkat(h, 'x', 0);
    case 'renameat-old': return op.renameat(h, 'x', dirHandle, 'y');
    case 'renameat-new': return op.renameat(dirHandle, 'x', h, 'y');
    case 'statx': return op.statx(h, '', false);
    case 'poll': return op.poll(h, POLLIN);
    case 'local-address': return op.localAddress(h);
  }
  throw new Error(`no operation ${name}`);
}

const ops = [
  'read', 'write', 'read-fixed', 'write-fixed', 'send', 'recv', 'recv-multishot', 'recvmsg',
  'sendmsg', 'accept', 'accept-multishot', 'connect', 'bind', 'listen', 'set-option',
  'shutdown', 'openat', 'close', 'fsync', 'ftruncate', 'mkdirat', 'unlinkat', 'renameat-old',
  'renameat-new', 'statx', 'poll', 'local-address',
];

const badfdCase = (current) => async (ring) => {
  CHECK(ring.registerBuffers(1, 16) === 0, 'register');
  dirHandle = t_dir('rw');
  // For renameat-new, a file to move, so only the new side is wrong.
  let res = await t_open(ring, dirHandle, 'x', O.WRITE | O.CREATE);
  CHECK(res >= 0, `fixture: ${t_code(res)}`);
  await t_close(ring, res);
  const closed = await t_open(ring, dirHandle, 'closed', O.WRITE | O.CREATE);
  CHECK(closed >= 0, `fixture: ${t_code(closed)}`);
  await t_close(ring, closed);
  const handles = [999, closed, 0xffffffff];
  const what = ['never opened', 'closed', '2^32-1'];
  for (let i = 0; i < 3; i++) {
    ring.prep(prepOp(current, handles[i]));
    res = (await t_one(ring)).res;
    SKIP_IF_NOTSUP(res);
    CHECK(res === -E.BADF, `${current} on handle ${handles[i]} (${what[i]}): ${t_code(res)}, want bad-descriptor`);
  }
  PASS();
};

for (const name of ops) await t_run(`badfd-${name}`, badfdCase(name));
t_exit();

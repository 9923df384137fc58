// The C tty-spy example against a real pseudo-terminal: python3's pty module makes the pair,
// the spy is granted the terminal end (--device tty=/dev/pts/N), and the test writes to the
// other end. Raw mode must be set (no canonical mode, echo, signals or CR translation) and
// every byte must come out of the spy's stdout exactly as written; hanging up ends it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { artefact, ioring, run } from '../lib/ioring.js';

const app = artefact('guest/build/tty-spy.wasm');

// Opens a pty pair, runs the spy on the terminal end, waits for it to leave canonical mode,
// writes the bytes (its stdin) to the controller end from a thread, collects the spy's
// stdout until all have come, checks nothing was echoed back, hangs up, and reports as JSON.
const harness = String.raw`
import json, os, pty, select, subprocess, sys, termios, threading, time
ioring, app, data = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
master, slave = pty.openpty()
before = termios.tcgetattr(slave)
spy = subprocess.Popen([ioring, 'run', '--device', 'tty=' + os.ttyname(slave), app],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
deadline = time.time() + 20
while termios.tcgetattr(slave)[3] & termios.ICANON and spy.poll() is None and time.time() < deadline:
    time.sleep(0.01)
after = termios.tcgetattr(slave)
def write_all():
    view = memoryview(data)
    while view:
        view = view[os.write(master, view[:1024]):]
threading.Thread(target=write_all, daemon=True).start()
out = b''
while len(out) < len(data) and spy.poll() is None and time.time() < deadline:
    if select.select([spy.stdout], [], [], 0.1)[0]:
        chunk = os.read(spy.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
echoed = os.read(master, 65536) if select.select([master], [], [], 0.2)[0] else b''
os.close(slave)
os.close(master)
rest, err = spy.communicate(timeout=20)
flag = lambda attrs, i, bit: bool(attrs[i] & bit)
print(json.dumps({
    'status': spy.returncode, 'out': (out + rest).hex(), 'err': err.decode(), 'echoed': echoed.hex(),
    'before': {'icanon': flag(before, 3, termios.ICANON), 'echo': flag(before, 3, termios.ECHO)},
    'after': {'icanon': flag(after, 3, termios.ICANON), 'echo': flag(after, 3, termios.ECHO),
              'isig': flag(after, 3, termios.ISIG), 'icrnl': flag(after, 0, termios.ICRNL),
              'opost': flag(after, 1, termios.OPOST), 'cs8': (after[2] & termios.CSIZE) == termios.CS8},
}))
`;

function spy(bytes) {
  const r = spawnSync('python3', ['-c', harness, ioring, app], { input: bytes, timeout: 60_000 });
  assert.is(r.status, 0, `harness failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout.toString());
  return { ...res, out: Buffer.from(res.out, 'hex'), echoed: Buffer.from(res.echoed, 'hex') };
}

test('raw mode: control characters, CR, NUL and 0xff arrive unchanged, without a newline', () => {
  // Canonical mode would eat ^C (a signal), ^D (end of file), DEL and ^U (editing), turn CR
  // into NL, and hold everything back until a newline; echo would send it all back.
  const bytes = Buffer.from('abc\x03\x04\x1a\r\x7f\x15\x00\xff', 'latin1');
  const r = spy(bytes);
  assert.is(r.status, 0, r.err);
  assert.is(r.err, '');
  assert.equal(r.before, { icanon: true, echo: true });
  assert.equal(r.after, { icanon: false, echo: false, isig: false, icrnl: false, opost: false, cs8: true });
  assert.is(r.out.toString('hex'), bytes.toString('hex'));
  assert.is(r.echoed.length, 0, 'the terminal echoed input back');
});

test('64 KiB of random bytes come through in order', () => {
  const bytes = randomBytes(64 * 1024);
  const r = spy(bytes);
  assert.is(r.status, 0, r.err);
  assert.is(r.out.length, bytes.length);
  assert.ok(r.out.equals(bytes), 'the spied bytes differ');
});

test('a device that is not a terminal cannot be put in raw mode: not-a-tty', () => {
  const r = run(['run', '--device', 'tty=/dev/null', app]);
  assert.is(r.status, 1);
  assert.is(r.stdout.length, 0);
  assert.is(r.stderr, 'tty-spy: raw mode: not a terminal\n');
});

test('without the device grant it fails with no-entry', () => {
  const r = run(['run', app]);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'tty-spy: device "tty": no such file or grant\n');
});

test.run();

// The TypeScript tty-monitor example against a real pseudo-terminal (python3's pty module makes
// the pair): under `ioring run` it sets raw mode through the ring's tty-configure and copies
// every byte to stdout unchanged, ending when the other side hangs up. Under Node raw mode is
// set through Node's tty API (setRawMode), which leaves output processing on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { command } from '../../ts/test/lib/e2e.js';

// argv: the command line, with TTY where the terminal's path goes; stdin: the bytes to type.
// Prints JSON: the monitor's status, stdout and stderr, and the terminal flags it left.
const harness = String.raw`
import json, os, pty, select, subprocess, sys, termios, threading, time
argv, data = json.loads(sys.argv[1]), sys.stdin.buffer.read()
master, slave = pty.openpty()
name = os.ttyname(slave)
proc = subprocess.Popen([a.replace('TTY', name) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
deadline = time.time() + 20
while termios.tcgetattr(slave)[3] & termios.ICANON and proc.poll() is None and time.time() < deadline:
    time.sleep(0.01)
attrs = termios.tcgetattr(slave)
if proc.poll() is None:
    def typing():
        view = memoryview(data)
        while view:
            view = view[os.write(master, view[:512]):]
    threading.Thread(target=typing, daemon=True).start()
out = b''
while len(out) < len(data) and proc.poll() is None and time.time() < deadline:
    if select.select([proc.stdout], [], [], 0.1)[0]:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
os.close(slave)
os.close(master)
rest, err = proc.communicate(timeout=20)
print(json.dumps({'status': proc.returncode, 'out': (out + rest).hex(), 'err': err.decode(),
                  'icanon': bool(attrs[3] & termios.ICANON), 'echo': bool(attrs[3] & termios.ECHO),
                  'opost': bool(attrs[1] & termios.OPOST), 'cs8': (attrs[2] & termios.CSIZE) == termios.CS8}))
`;

function monitor(runner, bytes) {
  const c = command(runner, 'tty-monitor', [], ['--device', 'tty=TTY']);
  const env = { ...c.env };
  if (runner === 'node') env.IORING_DEVICE = 'tty=TTY';
  // The harness substitutes the terminal's path into the command line (and the Node grant).
  const argv = runner === 'node' ? ['env', `IORING_DEVICE=tty=TTY`, c.file, ...c.args] : [c.file, ...c.args];
  const r = spawnSync('python3', ['-c', harness, JSON.stringify(argv)], { input: bytes, timeout: 60_000 });
  assert.is(r.status, 0, `harness failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout.toString());
  return { ...res, out: Buffer.from(res.out, 'hex') };
}

for (const runner of ['starlingmonkey', 'quickjs']) {
  test(`${runner}: raw 8N1 mode is set, and every byte (controls, CR, NUL, 0xff) arrives unchanged`, () => {
    const bytes = Buffer.concat([Buffer.from('line one\r\n\x03\x04\x1a\x00\xff\x7f'), randomBytes(4000)]);
    const r = monitor(runner, bytes);
    assert.is(r.status, 0, r.err);
    assert.is(r.err, '');
    assert.equal({ icanon: r.icanon, echo: r.echo, opost: r.opost, cs8: r.cs8 }, { icanon: false, echo: false, opost: false, cs8: true });
    assert.ok(r.out.equals(bytes), `got ${r.out.length} of ${bytes.length} bytes, or other bytes`);
  });
}

test('node: raw mode is set (output processing stays on), and every byte (controls, CR, NUL, 0xff) arrives unchanged', () => {
  const bytes = Buffer.concat([Buffer.from('line one\r\n\x03\x04\x1a\x00\xff\x7f'), randomBytes(4000)]);
  const r = monitor('node', bytes);
  assert.is(r.status, 0, r.err);
  assert.is(r.err, '');
  assert.equal({ icanon: r.icanon, echo: r.echo, opost: r.opost, cs8: r.cs8 }, { icanon: false, echo: false, opost: true, cs8: true });
  assert.ok(r.out.equals(bytes), `got ${r.out.length} of ${bytes.length} bytes, or other bytes`);
});

test.run();

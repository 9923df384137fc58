// A pseudo-terminal pair for the Node backend's tests. Node cannot make one (no openpty, no
// ioctl), so python3's pty module does, in a helper process that keeps the controlling end
// (and a terminal end, to read its settings) and acts on one JSON command per line.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const helper = String.raw`
import json, os, pty, select, sys, termios
master, slave = pty.openpty()
print(json.dumps({'path': os.ttyname(slave)}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    reply = {}
    if cmd['op'] == 'type':
        os.write(master, bytes.fromhex(cmd['hex']))
    elif cmd['op'] == 'output':
        out = b''
        while select.select([master], [], [], cmd['wait'])[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            cmd['wait'] = 0.05
        reply['hex'] = out.hex()
    elif cmd['op'] == 'attrs':
        a = termios.tcgetattr(slave)
        reply = {'icanon': bool(a[3] & termios.ICANON), 'echo': bool(a[3] & termios.ECHO),
                 'isig': bool(a[3] & termios.ISIG), 'icrnl': bool(a[0] & termios.ICRNL),
                 'opost': bool(a[1] & termios.OPOST), 'cs8': (a[2] & termios.CSIZE) == termios.CS8}
    elif cmd['op'] == 'hangup':
        os.close(master)
        os.close(slave)
    print(json.dumps(reply), flush=True)
`;

/**
 * Opens a pseudo-terminal: resolves with `{ path, type(bytes), output(waitS), attrs(), hangUp(),
 * close() }`, where `path` is the terminal end (`/dev/pts/N`) to grant, `type` writes to the
 * controlling end (what the app reads), `output` reads what the app wrote, `attrs` reports the
 * terminal's flags and `hangUp` closes the controlling end.
 */
export async function openPty() {
  const child = spawn('python3', ['-c', helper], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value);
  const { path } = await next();
  const ask = (cmd) => {
    child.stdin.write(`${JSON.stringify(cmd)}\n`);
    return next();
  };
  return {
    path,
    type: (bytes) => ask({ op: 'type', hex: Buffer.from(bytes).toString('hex') }),
    output: async (wait = 1) => Buffer.from((await ask({ op: 'output', wait })).hex, 'hex'),
    attrs: () => ask({ op: 'attrs' }),
    hangUp: () => ask({ op: 'hangup' }),
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

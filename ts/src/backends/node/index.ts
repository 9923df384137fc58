// The Node backend: the same ring contract over libuv, so an app written against
// @ioring/ring runs unmodified under `node`. Grants come from the environment, shaped like
// `ioring run`'s flags:
//
//   IORING_DIR='HOST::GUEST[:ro];...'   IORING_LISTEN='NAME=tcp:ADDR;NAME=udp:ADDR;NAME=unix:PATH;...'
//   IORING_DEVICE='NAME=PATH;...'
//   IORING_BIND='PATTERN;...'   IORING_CONNECT='PATTERN;...'   (PATTERN: tcp:IP:PORT, udp:IP:PORT, unix:PATH)
//   IORING_MULTICAST='GROUP[/PREFIX];...'   IORING_BIND_DEVICE='IFNAME;...'
//
// or from `grantDirectory`, `grantListener`, `grantDevice`, `grantBind`, `grantConnect`,
// `grantMulticast` and `grantBindDevice` (tests, embedding). Without IORING_BIND/IORING_CONNECT
// the app's own sockets may bind, listen on, connect and send to nothing (see policy.ts).
import * as fs from 'node:fs';
import type { Backend, Turnable } from '../../backend.js';
import { IORingError } from '../../errors.js';
import { WAITING_FOR_NOTHING, describeError } from '../../runtime/report.js';
import { fail } from './errno.js';
import { DirectoryDescriptor, FileDescriptor, openedFile, streamKind } from './fs.js';
import { DatagramSocket, StreamSocket } from './net.js';
import { NodeRing, stdio } from './ring.js';
import { Table } from './table.js';
import { parseAddress, unixAddress } from '../../address.js';
import type { SocketAddress } from 'ioring:ring/types@0.1.0';

export { toErrorCode } from './errno.js';
export { grantBind, grantBindDevice, grantConnect, grantMulticast } from './policy.js';
export { toReadable, toWritable } from './streams.js';
export type { ByteStream, ToReadableOptions, ToWritableOptions } from './streams.js';

/** Size of the guest's descriptor table, as the Linux host's default. */
const MAX_HANDLES = 1024;
/** Operations in flight per ring, as the Linux host's default (`ioring run --max-inflight`). */
const MAX_INFLIGHT = 1024;

const table = new Table(MAX_HANDLES);
table.set(0, stdio(0));
table.set(1, stdio(1));
table.set(2, stdio(2));

type Grant =
  | { kind: 'directory'; path: string; readOnly: boolean }
  | { kind: 'listener'; transport: 'tcp' | 'udp' | 'unix'; address: SocketAddress }
  | { kind: 'device'; path: string };

const grants = new Map<string, Grant>();
/** Handles already given out per grant, so asking twice returns the same one. */
const given = new Map<string, number>();
let fromEnvironment = false;

function loadEnvironment(): void {
  if (fromEnvironment) return;
  fromEnvironment = true;
  const list = (name: string) => (process.env[name] ?? '').split(';').filter((s) => s.trim() !== '');
  for (const spec of list('IORING_DIR')) {
    const m = /^(.*)::([^:]+)(:ro)?$/.exec(spec);
    if (!m) throw new IORingError('invalid', `IORING_DIR: expected HOST::GUEST[:ro], got ${spec}`);
    grantDirectory(m[2], m[1], { readOnly: m[3] !== undefined });
  }
  for (const spec of list('IORING_LISTEN')) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new IORingError('invalid', `IORING_LISTEN: expected NAME=tcp:ADDR, NAME=udp:ADDR or NAME=unix:PATH, got ${spec}`);
    grantListener(m[1], m[2]);
  }
  for (const spec of list('IORING_DEVICE')) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new IORingError('invalid', `IORING_DEVICE: expected NAME=PATH, got ${spec}`);
    grantDevice(m[1], m[2]);
  }
}

/**
 * Grants the host directory `path` to the app as `name`, as `ioring run --dir PATH::NAME`.
 *
 * @example
 * import { grantDirectory } from '@ioring/ring/node';
 * grantDirectory('data', '/srv/data', { readOnly: true });
 */
export function grantDirectory(name: string, path: string, options: { readOnly?: boolean } = {}): void {
  grants.set(`directory:${name}`, { kind: 'directory', path: fs.realpathSync(path), readOnly: options.readOnly ?? false });
}

/**
 * Grants a socket as `name`, bound by the backend (and listening, for TCP and unix), as
 * `ioring run --listen NAME=ADDR`: `address` is `tcp:IP:PORT` (or just `IP:PORT`),
 * `udp:IP:PORT` or `unix:PATH`. A granted UDP socket may answer the peers it has received
 * from (recvmsg) without a connect grant, as on the host.
 *
 * @example
 * grantListener('http', 'tcp:127.0.0.1:8080');
 * grantListener('dns', 'udp:127.0.0.1:5353');
 */
export function grantListener(name: string, address: string): void {
  const m = /^(tcp|udp|unix):(.*)$/.exec(address);
  const transport = (m?.[1] ?? 'tcp') as 'tcp' | 'udp' | 'unix';
  const rest = m ? m[2] : address;
  let parsed: SocketAddress;
  try {
    if (rest === '') throw new TypeError('the address is missing');
    parsed = transport === 'unix' ? unixAddress(rest) : parseAddress(rest);
    if (transport !== 'unix' && parsed.tag === 'unix') throw new TypeError('expected IP:PORT');
  } catch (e) {
    throw new IORingError('invalid', `listener grant '${name}': \`${address}\`: ${(e as Error).message}`);
  }
  grants.set(`listener:${name}`, { kind: 'listener', transport, address: parsed });
}

/** Grants the device node `path` as `name`, as `ioring run --device NAME=PATH`. */
export function grantDevice(name: string, path: string): void {
  grants.set(`device:${name}`, { kind: 'device', path });
}

function grant(kind: Grant['kind'], name: string): number {
  loadEnvironment();
  const key = `${kind}:${name}`;
  const what = `${kind} grant '${name}'`;
  const g = grants.get(key);
  if (!g) throw new IORingError('no-entry', what);
  const handle = given.get(key);
  if (handle !== undefined) {
    try {
      table.get(handle);
      return handle;
    } catch {
      given.delete(key);
    }
  }
  let h: number;
  try {
    if (g.kind === 'directory') h = table.add(new DirectoryDescriptor(g.path, g.readOnly));
    else if (g.kind === 'device') {
      const d = openDevice(g.path);
      d.device = true;
      d.devicePath = g.path;
      h = table.add(d);
    }
    else if (g.transport === 'udp') h = table.add(DatagramSocket.granted(g.address.tag as 'ipv4' | 'ipv6', g.address));
    else h = table.add(StreamSocket.granted(table, g.address.tag, g.address));
  } catch (e) {
    throw new IORingError(e instanceof IORingError ? e.errorCode : 'io', what);
  }
  given.set(key, h);
  return h;
}

/**
 * Opens a device grant read-write, as the host does: non-blocking, so that a serial line
 * without carrier does not hold the open. A terminal or FIFO is then read and written on
 * readiness (a StreamFile, through a descriptor of its own); any other device is opened again,
 * blocking, for node:fs, as the host makes its descriptor blocking again.
 */
function openDevice(path: string): FileDescriptor {
  const C = fs.constants;
  const fd = fs.openSync(path, C.O_RDWR | C.O_NOCTTY | C.O_NONBLOCK);
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (streamKind(fd, stat)) return openedFile(fd, { read: true, write: true }, false, stat);
  fs.closeSync(fd);
  return new FileDescriptor(fs.openSync(path, C.O_RDWR | C.O_NOCTTY));
}

let unhandledHooked = false;

/** Turns requested per ring, run once the current microtasks have (setImmediate). */
const scheduled = new Set<Turnable>();

export const backend: Backend = {
  name: 'node',
  createRing(entries, owner) {
    if (entries > 32768) throw new IORingError('invalid', 'ring create');
    return new NodeRing(table, MAX_INFLIGHT, () => backend.requestTurn(owner));
  },
  grants: {
    directory: (name) => grant('directory', name),
    listener: (name) => grant('listener', name),
    device: (name) => grant('device', name),
  },
  args: () => process.argv.slice(2),
  requestTurn(ring) {
    if (scheduled.has(ring)) return;
    scheduled.add(ring);
    setImmediate(() => {
      scheduled.delete(ring);
      ring.turn(false);
    });
  },
  command(main) {
    if (!unhandledHooked) {
      unhandledHooked = true;
      process.on('unhandledRejection', (e) => {
        console.error(describeError(e));
        process.exit(1);
      });
    }
    let settled = false;
    // Node ends a process with nothing left to wait for, silently: say so, as a component does.
    process.on('beforeExit', () => {
      if (settled) return;
      console.error(describeError(new Error(WAITING_FOR_NOTHING)));
      process.exit(1);
    });
    setImmediate(() => {
      main().then(
        () => {
          settled = true;
          process.exit(0);
        },
        (e) => {
          settled = true;
          console.error(describeError(e));
          process.exit(1);
        },
      );
    });
    return {
      run() {
        throw new IORingError('not-supported', 'run() under Node, where the app started when command() was called');
      },
    };
  },
  u64: (value) => value,
};

/**
 * What an error message says beyond the error code: the path or address the operation was
 * given, and, for a refusal the grants explain, the grant that would allow it.
 *
 * The library remembers a little about handles for this (the name of each directory handle,
 * the transport of each socket it created, the address a socket was bound to); the host tells
 * the guest none of it. Nothing here runs unless an operation fails.
 */
import type { IpAddress, Op, SocketAddress } from 'ioring:ring/types@0.1.0';
import type { ErrorCode, IORingErrorOptions } from './errors.js';
import { ipText, ipv6Text, isMulticast } from './address.js';

type Transport = 'tcp' | 'udp' | 'unix';

interface DirectoryInfo {
  /** As the app sees it: the grant's name, then the path opened beneath it (`'data/logs'`). */
  name: string;
  /** The name of the directory grant it lies beneath. */
  grant: string;
}

interface SocketInfo {
  transport: Transport;
  /** An IPv6 socket. */
  ipv6?: boolean;
  /** A granted listener (`--listen`): the host bound it. */
  listener?: boolean;
  /** The address the app bound it to. */
  bound?: SocketAddress;
}

const directories = new Map<number, DirectoryInfo>();
const sockets = new Map<number, SocketInfo>();
/** Files the app opened, by handle: as the app sees them (`'data/notes.txt'`). */
const files = new Map<number, string>();

/** Remembers that `handle` is the directory grant `name`. */
export function grantedDirectory(handle: number, name: string): void {
  directories.set(handle, { name, grant: name });
}

/** Remembers that `handle` is `path`, a file or a directory opened beneath the directory handle `parent`. */
export function opened(handle: number, parent: number, path: string, directory: boolean): void {
  const p = directories.get(parent);
  const name = joinPath(p?.name, path);
  if (directory) directories.set(handle, { name, grant: p?.grant ?? path });
  else files.set(handle, name);
}

/** Remembers the family and type of a socket the app created. */
export function socketCreated(handle: number, family: string, type: string): void {
  sockets.set(handle, { transport: family === 'unix' ? 'unix' : type === 'datagram' ? 'udp' : 'tcp', ipv6: family === 'ipv6' });
}

/** Remembers that `handle` is a granted listener. */
export function grantedListener(handle: number): void {
  sockets.set(handle, { transport: 'tcp', listener: true });
}

/** Remembers the address a socket was bound to. */
export function socketBound(handle: number, address: SocketAddress): void {
  const s = sockets.get(handle);
  if (s) s.bound = address;
}

/** Forgets a handle being closed: its number may name something else next. */
export function forget(handle: number): void {
  directories.delete(handle);
  sockets.delete(handle);
  files.delete(handle);
}

function joinPath(dir: string | undefined, path: string): string {
  if (dir === undefined || path.startsWith('/')) return path;
  if (path === '' || path === '.') return dir;
  return `${dir}/${path}`;
}

/** An address as an error's `address` and `port`. */
function addressOf(a: SocketAddress): { address: string; port?: number } {
  switch (a.tag) {
    case 'ipv4':
      return { address: a.val.address.join('.'), port: a.val.port };
    case 'ipv6':
      return { address: ipv6Text(a.val.address), port: a.val.port };
    case 'unix':
      return { address: a.val };
  }
}

/** A `--bind`/`--connect` pattern for `address`, `port` replaced when given. */
function pattern(transport: Transport, a: SocketAddress, port?: string): string {
  if (a.tag === 'unix') return `unix:${a.val}`;
  const p = port ?? String(a.val.port);
  return a.tag === 'ipv6' ? `${transport}:[${ipv6Text(a.val.address)}]:${p}` : `${transport}:${a.val.address.join('.')}:${p}`;
}

/** The group an address names, as text, if it is a multicast one. */
function multicastGroup(a: SocketAddress): string | undefined {
  if (a.tag === 'unix') return undefined;
  const ip: IpAddress = a.tag === 'ipv4' ? { tag: 'ipv4', val: a.val.address } : { tag: 'ipv6', val: a.val.address };
  return isMulticast(ip) ? ipText(ip) : undefined;
}

/** The wildcard address, port 0, of an address's family: where an unbound socket listens. */
function unbound(ipv6: boolean | undefined): SocketAddress {
  if (ipv6) return { tag: 'ipv6', val: { port: 0, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 0], scopeId: 0 } };
  return { tag: 'ipv4', val: { port: 0, address: [0, 0, 0, 0] } };
}

function grantHint(flag: '--bind' | '--connect', p: string): string {
  return `grant it with ${flag} ${p} (${flag === '--bind' ? 'IORING_BIND' : 'IORING_CONNECT'} under Node)`;
}

/** Whether a path names something outside its directory: absolute, or `..` above it. */
function leaves(path: string): boolean {
  if (path.startsWith('/')) return true;
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** What a failed operation on an opened file or directory says: its path. */
function fileError(handle: number): IORingErrorOptions | undefined {
  const path = files.get(handle) ?? directories.get(handle)?.name;
  return path === undefined ? undefined : { path };
}

/** What a failed path operation says: the path, and why a refusal was one. */
function pathError(code: ErrorCode, dir: number, path: string, writes: boolean): IORingErrorOptions {
  const d = directories.get(dir);
  const o: IORingErrorOptions = { path: joinPath(d?.name, path) };
  const grant = d ? `'${d.grant}'` : 'the directory';
  if (code === 'read-only' && writes) {
    o.hint = `the directory grant ${grant} is read-only (--dir HOST::${d?.grant ?? 'NAME'}:ro); grant it without :ro to write beneath it`;
  } else if (code === 'access') {
    o.hint = leaves(path)
      ? `the path leads out of ${grant}, which it may not`
      : writes
        ? `the directory grant ${grant} is read-only (--dir HOST::${d?.grant ?? 'NAME'}:ro), or a symbolic link leads out of it`
        : `a symbolic link leads out of ${grant}`;
  }
  return o;
}

/**
 * What the failure `code` of `op` on socket or directory handles says beyond the code, or
 * `undefined` when it has nothing to add. `op` is the operation as submitted.
 */
export function explain(op: Op, code: ErrorCode): IORingErrorOptions | undefined {
  switch (op.tag) {
    case 'openat': {
      const f = op.val.flags;
      return pathError(code, op.val.dir, op.val.path, !!(f.write || f.create || f.truncate || f.append));
    }
    case 'mkdirat':
      return pathError(code, op.val.dir, op.val.path, true);
    case 'unlinkat':
      return pathError(code, op.val.dir, op.val.path, true);
    case 'statx':
      if (op.val.path === '' && !directories.has(op.val.dir)) return fileError(op.val.dir);
      return pathError(code, op.val.dir, op.val.path, false);
    case 'renameat': {
      const o = pathError(code, op.val.oldDir, op.val.oldPath, true);
      o.dest = joinPath(directories.get(op.val.newDir)?.name, op.val.newPath);
      if (code === 'access' && leaves(op.val.newPath)) o.hint = 'the new path leads out of its directory, which it may not';
      return o;
    }
    case 'connect': {
      const [fd, to] = op.val;
      const o: IORingErrorOptions = addressOf(to);
      if (code === 'access') {
        o.reason = 'no --connect grant matches';
        o.hint = grantHint('--connect', pattern(sockets.get(fd)?.transport ?? 'tcp', to));
      }
      return o;
    }
    case 'sendmsg': {
      const { fd, to } = op.val;
      if (!to) return undefined;
      const o: IORingErrorOptions = addressOf(to);
      if (code === 'access') {
        o.reason = 'no --connect grant matches';
        o.hint = grantHint('--connect', pattern(sockets.get(fd)?.transport ?? 'udp', to));
      }
      return o;
    }
    case 'bind': {
      const [fd, to] = op.val;
      const s = sockets.get(fd);
      const o: IORingErrorOptions = addressOf(to);
      if (code === 'access') {
        if (s?.listener) o.reason = 'a granted listener is bound by the host';
        else if (s?.transport === 'udp' && multicastGroup(to)) {
          // A datagram socket may bind to a group's address under a grant of the group.
          const group = multicastGroup(to);
          o.reason = 'no --multicast or --bind grant covers the group';
          o.hint = `grant it with --multicast ${group} (IORING_MULTICAST under Node)`;
        } else {
          o.reason = 'no --bind grant matches';
          o.hint = grantHint('--bind', pattern(s?.transport ?? 'tcp', to));
        }
      }
      return o;
    }
    case 'listen': {
      if (code !== 'access') return undefined;
      const s = sockets.get(op.val[0]);
      if (s?.listener) return { reason: 'a granted listener that stopped listening' };
      if (!s?.bound) {
        // The kernel binds an unbound socket to the wildcard address, port 0.
        const at = unbound(s?.ipv6);
        return { reason: `no --bind grant matches the wildcard address an unbound socket listens on`, hint: grantHint('--bind', pattern(s?.transport ?? 'tcp', at)) };
      }
      const at = s.bound;
      const o: IORingErrorOptions = addressOf(at);
      o.reason = 'no --bind grant matches';
      // Bound to port 0, it listens on the port the system chose, which only a `*` port matches.
      o.hint = grantHint('--bind', pattern(s.transport, at, at.tag !== 'unix' && at.val.port === 0 ? '*' : undefined));
      return o;
    }
    case 'gpio-request':
      if (code === 'not-a-tty') return { reason: 'the device granted is no GPIO chip' };
      if (code === 'access') return { reason: 'the handle is no device grant', hint: 'grant the chip with --device NAME=/dev/gpiochipN (IORING_DEVICE under Node)' };
      return undefined;
    case 'set-option': {
      if (code !== 'access') return undefined;
      const option = op.val[1];
      switch (option.tag) {
        case 'multicast-join':
        case 'multicast-leave': {
          const group = ipText(option.val.group);
          return {
            address: group,
            reason: 'no --multicast grant covers the group',
            hint: `grant it with --multicast ${group} (IORING_MULTICAST under Node)`,
          };
        }
        case 'multicast-interface':
        case 'multicast-loop':
        case 'multicast-ttl':
          return { reason: 'multicast options need a --multicast grant', hint: 'grant the groups with --multicast GROUP[/PREFIX] (IORING_MULTICAST under Node)' };
        case 'bind-to-device':
          return {
            reason: `no --bind-device grant names ${option.val}`,
            hint: `grant it with --bind-device ${option.val} (IORING_BIND_DEVICE under Node)`,
          };
        default:
          return undefined;
      }
    }
    case 'write':
    case 'fsync':
      return fileError(op.tag === 'write' ? op.val.fd : op.val[0]);
    case 'recv':
    case 'recv-multishot':
    case 'read': {
      if (op.tag === 'read' && !sockets.has(op.val.fd)) return fileError(op.val.fd);
      if (code !== 'access' || sockets.get(op.val.fd)?.transport !== 'udp') return undefined;
      return {
        hint: 'a UDP socket bound by a send hears only the addresses it may send to, which only receiveFrom (recvmsg) can tell: use it, or connect the socket, or bind it to a --bind address',
      };
    }
    default:
      return undefined;
  }
}

// The network policy a Node app runs under, as the Linux host's `--bind`/`--connect` grants:
// which addresses a socket the app created may bind (or listen on) and which it may connect,
// send to and hear from, and (`--multicast`, `--bind-device`) which multicast groups it may
// join and which interfaces bind a socket to. Nothing is granted unless IORING_BIND /
// IORING_CONNECT / IORING_MULTICAST / IORING_BIND_DEVICE (or `grantBind`, `grantConnect`,
// `grantMulticast`, `grantBindDevice`) say so; listeners granted by name need nothing more.
import type { IpAddress, SocketAddress } from 'ioring:ring/types@0.1.0';
import { ipv4, ipv6, isMulticast } from '../../address.js';
import { IORingError } from '../../errors.js';

/** The transport an address pattern applies to. */
export type Transport = 'tcp' | 'udp' | 'unix';

interface Pattern {
  transport: Transport;
  /** IPv4 octets or IPv6 groups; undefined for `*`. */
  host?: { tag: 'ipv4' | 'ipv6'; groups: number[] };
  /** undefined for `*`. */
  port?: number;
  path: string;
}

const bindPatterns: Pattern[] = [];
const connectPatterns: Pattern[] = [];

/** A multicast grant: a group, or a prefix of groups (`prefix` leading bits); none: every group. */
interface GroupPattern {
  net?: { tag: 'ipv4' | 'ipv6'; bits: number[]; prefix: number };
}

const multicastPatterns: GroupPattern[] = [];
const bindDevices: string[] = [];
let fromEnvironment = false;

/**
 * `tcp:IP:PORT`, `udp:IP:PORT` or `unix:PATH`, where IP and PORT may be `*` (an IPv6 IP may be
 * in brackets), as `ioring run --bind`/`--connect` take them.
 */
export function parsePattern(text: string): Pattern {
  const bad = (why: string) => new IORingError('invalid', `\`${text}\`: ${why}`);
  const colon = text.indexOf(':');
  const t = colon < 0 ? '' : text.slice(0, colon);
  if (t !== 'tcp' && t !== 'udp' && t !== 'unix') throw bad('expected tcp:, udp: or unix:');
  const rest = text.slice(colon + 1);
  if (rest === '') throw bad('the address is missing');
  if (t === 'unix') return { transport: t, path: rest };
  const cut = rest.lastIndexOf(':');
  if (cut < 0) throw bad('expected HOST:PORT');
  const h = rest.slice(0, cut).replace(/^\[/, '').replace(/\]$/, '');
  const p = rest.slice(cut + 1);
  let host: Pattern['host'];
  if (h !== '*') {
    try {
      const a = h.includes(':') ? ipv6(h, 0) : ipv4(h, 0);
      host = a.tag === 'ipv4' ? { tag: 'ipv4', groups: [...a.val.address] } : { tag: 'ipv6', groups: [...(a.val as { address: number[] }).address] };
    } catch {
      throw bad(`\`${h}\` is not an IP address or *`);
    }
  }
  let port: number | undefined;
  if (p !== '*') {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw bad(`\`${p}\` is not a port or *`);
    port = Number(p);
  }
  return { transport: t, host, port, path: '' };
}

function matches(p: Pattern, transport: Transport, a: SocketAddress): boolean {
  if (p.transport !== transport) return false;
  if (a.tag === 'unix') return transport === 'unix' && a.val === p.path;
  if (transport === 'unix') return false;
  if (p.host) {
    const groups: number[] = a.tag === 'ipv4' ? [...a.val.address] : [...(a.val.address as unknown as number[])];
    if (p.host.tag !== a.tag || p.host.groups.some((g, i) => g !== groups[i])) return false;
  }
  return p.port === undefined || p.port === a.val.port;
}

/** An address's bits, most significant first: 32 for IPv4, 128 for IPv6. */
function bitsOf(tag: 'ipv4' | 'ipv6', groups: ArrayLike<number>): number[] {
  const width = tag === 'ipv4' ? 8 : 16;
  const bits: number[] = [];
  for (const g of Array.from(groups)) for (let i = width - 1; i >= 0; i--) bits.push((g >> i) & 1);
  return bits;
}

/** `GROUP`, `GROUP/PREFIX` or `*`, as `ioring run --multicast` takes them. */
export function parseGroupPattern(text: string): GroupPattern {
  const bad = (why: string) => new IORingError('invalid', `\`${text}\`: ${why}`);
  if (text === '*') return {};
  const [ip, prefix, extra] = text.split('/');
  if (extra !== undefined) throw bad('expected GROUP, GROUP/PREFIX or *');
  let a: IpAddress;
  try {
    const h = ip.replace(/^\[/, '').replace(/\]$/, '');
    const s = h.includes(':') ? ipv6(h, 0) : ipv4(h, 0);
    a = { tag: s.tag, val: (s.val as unknown as { address: never }).address } as IpAddress;
  } catch {
    throw bad(`\`${ip}\` is not an IP address`);
  }
  if (!isMulticast(a)) throw bad(`${ip} is not a multicast address (224.0.0.0/4, ff00::/8)`);
  const width = a.tag === 'ipv4' ? 32 : 128;
  const n = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(n >= 0 && n <= width)) throw bad(`\`${prefix}\` is not a prefix length of 0 to ${width}`);
  return { net: { tag: a.tag, bits: bitsOf(a.tag, a.val), prefix: n } };
}

function covers(p: GroupPattern, a: IpAddress): boolean {
  if (!isMulticast(a)) return false;
  if (!p.net) return true;
  if (p.net.tag !== a.tag) return false;
  const bits = bitsOf(a.tag, a.val);
  for (let i = 0; i < p.net.prefix; i++) if (bits[i] !== p.net.bits[i]) return false;
  return true;
}

function loadEnvironment(): void {
  if (fromEnvironment) return;
  fromEnvironment = true;
  const list = (name: string) => (process.env[name] ?? '').split(';').filter((s) => s.trim() !== '');
  for (const spec of list('IORING_BIND')) bindPatterns.push(parseWith('IORING_BIND', spec));
  for (const spec of list('IORING_CONNECT')) connectPatterns.push(parseWith('IORING_CONNECT', spec));
  for (const spec of list('IORING_MULTICAST')) {
    try {
      multicastPatterns.push(parseGroupPattern(spec.trim()));
    } catch (e) {
      throw new IORingError('invalid', `IORING_MULTICAST: ${(e as Error).message}`);
    }
  }
  for (const name of list('IORING_BIND_DEVICE')) bindDevices.push(name.trim());
}

function parseWith(variable: string, spec: string): Pattern {
  try {
    return parsePattern(spec.trim());
  } catch (e) {
    throw new IORingError('invalid', `${variable}: ${(e as Error).message}`);
  }
}

/**
 * Lets the app's sockets bind (and listen on) addresses matching `pattern`, as
 * `ioring run --bind PATTERN`.
 *
 * @example
 * import { grantBind } from '@ioring/ring/node';
 * grantBind('tcp:127.0.0.1:*');
 */
export function grantBind(pattern: string): void {
  const p = parsePattern(pattern);
  loadEnvironment();
  bindPatterns.push(p);
}

/** Lets the app's sockets connect and send to addresses matching `pattern`, as `ioring run --connect PATTERN`. */
export function grantConnect(pattern: string): void {
  const p = parsePattern(pattern);
  loadEnvironment();
  connectPatterns.push(p);
}

/**
 * Lets the app's sockets join and leave the multicast groups `pattern` covers (`GROUP`,
 * `GROUP/PREFIX` or `*`) and bind datagram sockets to them, as `ioring run --multicast`; any
 * such grant also lets a socket set its multicast interface, loopback and TTL.
 *
 * @example
 * import { grantMulticast } from '@ioring/ring/node';
 * grantMulticast('239.255.0.0/16');
 */
export function grantMulticast(pattern: string): void {
  const p = parseGroupPattern(pattern);
  loadEnvironment();
  multicastPatterns.push(p);
}

/** Lets the app bind sockets to network interface `name` (SO_BINDTODEVICE), as `ioring run --bind-device`. */
export function grantBindDevice(name: string): void {
  loadEnvironment();
  bindDevices.push(name);
}

/** Whether a multicast grant covers group `a`. */
export function mayJoin(a: IpAddress): boolean {
  loadEnvironment();
  return multicastPatterns.some((p) => covers(p, a));
}

/** Whether the app holds any multicast grant. */
export function anyMulticast(): boolean {
  loadEnvironment();
  return multicastPatterns.length > 0;
}

/** Whether a bind-device grant names interface `name`. */
export function mayBindDevice(name: string): boolean {
  loadEnvironment();
  return bindDevices.includes(name);
}

/** A bind to `a`: a bind grant, or for a datagram socket a multicast grant covering `a`. */
export function mayBind(transport: Transport, a: SocketAddress): boolean {
  loadEnvironment();
  if (bindPatterns.some((p) => matches(p, transport, a))) return true;
  return transport === 'udp' && a.tag !== 'unix' && mayJoin({ tag: a.tag, val: a.val.address } as IpAddress);
}

export function mayConnect(transport: Transport, a: SocketAddress): boolean {
  loadEnvironment();
  return connectPatterns.some((p) => matches(p, transport, a));
}

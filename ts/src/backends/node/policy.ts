// The network policy a Node app runs under, as the Linux host's `--bind`/`--connect` grants:
// which addresses a socket the app created may bind (or listen on) and which it may connect,
// send to and hear from. Nothing is granted unless IORING_BIND / IORING_CONNECT (or
// `grantBind` / `grantConnect`) say so; listeners granted by name need nothing more.
import type { SocketAddress } from 'ioring:ring/types@0.1.0';
import { ipv4, ipv6 } from '../../address.js';
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

function loadEnvironment(): void {
  if (fromEnvironment) return;
  fromEnvironment = true;
  const list = (name: string) => (process.env[name] ?? '').split(';').filter((s) => s.trim() !== '');
  for (const spec of list('IORING_BIND')) bindPatterns.push(parseWith('IORING_BIND', spec));
  for (const spec of list('IORING_CONNECT')) connectPatterns.push(parseWith('IORING_CONNECT', spec));
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

export function mayBind(transport: Transport, a: SocketAddress): boolean {
  loadEnvironment();
  return bindPatterns.some((p) => matches(p, transport, a));
}

export function mayConnect(transport: Transport, a: SocketAddress): boolean {
  loadEnvironment();
  return connectPatterns.some((p) => matches(p, transport, a));
}

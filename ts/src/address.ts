import type { IpAddress, SocketAddress } from 'ioring:ring/types@0.1.0';

export type { IpAddress, SocketAddress };

/** An address family as Node names it (`socket.remoteFamily`), or `'unix'`. */
export type AddressFamilyName = 'IPv4' | 'IPv6' | 'unix';

/**
 * An address as an object, the way Node's `server.address()` gives one: `{ address: '127.0.0.1',
 * port: 7000 }`. Without `family`, an address containing `:` is IPv6, one containing `/` (or
 * starting with NUL) a unix path, anything else IPv4; `host` may stand for `address`, and
 * `'localhost'` is 127.0.0.1.
 */
export interface AddressInit {
  address?: string;
  /** As `address` (`net.connect({ host, port })`). */
  host?: string;
  port?: number;
  family?: AddressFamilyName | 'ipv4' | 'ipv6' | 4 | 6;
  /** IPv6 only: the scope (interface) of a link-local address. */
  scopeId?: number;
  /** IPv6 only: the flow label. */
  flowInfo?: number;
}

/**
 * What every method that takes an address accepts: a port (every address of the socket's
 * family), `'host:port'`, `'[v6]:port'`, a unix path, an `{ address, port }` object (a
 * `NetAddress` among them), or the WIT record.
 */
export type AddressLike = SocketAddress | AddressInit | string | number;

/**
 * An address the library gives out (`Socket.peer`, `localAddress()`, `receiveFrom()`'s `from`):
 * `{ address, port, family }` as Node gives them, `'127.0.0.1:7000'` as a string, and the WIT
 * record by `toWit()`. Anything that takes an address takes it back.
 *
 * @example
 * const { address, port, family } = client.peer!;   // '127.0.0.1', 53412, 'IPv4'
 * console.log(`connection from ${client.peer}`);    // 127.0.0.1:53412
 */
export class NetAddress {
  /** The IP address (`'127.0.0.1'`, `'::1'`), or the unix path (empty for an unnamed unix socket). */
  readonly address: string;
  /** The port; 0 for a unix address. */
  readonly port: number;
  /** `'IPv4'`, `'IPv6'` or `'unix'`. */
  readonly family: AddressFamilyName;
  /** IPv6 only: the flow label. */
  readonly flowInfo?: number;
  /** IPv6 only: the scope (interface) of a link-local address. */
  readonly scopeId?: number;

  constructor(address: string, port: number, family: AddressFamilyName, v6?: { flowInfo?: number; scopeId?: number }) {
    this.address = address;
    this.port = port;
    this.family = family;
    if (family === 'IPv6') {
      this.flowInfo = v6?.flowInfo ?? 0;
      this.scopeId = v6?.scopeId ?? 0;
    }
  }

  /** The address as the WIT `socket-address` record. */
  toWit(): SocketAddress {
    if (this.family === 'unix') return unixAddress(this.address);
    if (this.family === 'IPv6') return ipv6(this.address, this.port, this.scopeId, this.flowInfo);
    return ipv4(this.address, this.port);
  }

  /** `'127.0.0.1:7000'`, `'[::1]:7000'`, or the unix path. */
  toString(): string {
    return this.family === 'unix' ? this.address : this.family === 'IPv6' ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }
}

/**
 * Any address (see `AddressLike`) as a `NetAddress`.
 *
 * @example
 * toNetAddress('[::1]:80');  // NetAddress { address: '::1', port: 80, family: 'IPv6', ... }
 */
export function toNetAddress(address: AddressLike, family: 'ipv4' | 'ipv6' | 'unix' = 'ipv4'): NetAddress {
  if (address instanceof NetAddress) return address;
  const a = parseAddress(address, family);
  switch (a.tag) {
    case 'ipv4':
      return new NetAddress(a.val.address.join('.'), a.val.port, 'IPv4');
    case 'ipv6':
      return new NetAddress(ipv6Text(a.val.address), a.val.port, 'IPv6', a.val);
    case 'unix':
      return new NetAddress(a.val, 0, 'unix');
  }
}

/**
 * An IPv4 address record.
 *
 * @example
 * await socket.connect(ipv4('127.0.0.1', 7000));
 */
export function ipv4(host: string, port: number): SocketAddress {
  const parts = host.split('.');
  const octets = parts.map(Number);
  if (parts.length !== 4 || octets.some((o, i) => !/^\d{1,3}$/.test(parts[i]) || o > 255)) {
    throw new TypeError(`not an IPv4 address: ${host}`);
  }
  return { tag: 'ipv4', val: { port: checkPort(port), address: octets as [number, number, number, number] } };
}

/** An IPv6 address record (`'::1'`, `'fe80::1'`, `'::ffff:127.0.0.1'`). */
export function ipv6(host: string, port: number, scopeId = 0, flowInfo = 0): SocketAddress {
  // A zone ('fe80::1%2') is the scope id, when numeric.
  const zone = /%(\d+)$/.exec(host);
  if (zone) scopeId = Number(zone[1]);
  let text = zone ? host.slice(0, zone.index) : host;
  // An embedded IPv4 tail ('::ffff:127.0.0.1') is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = (ipv4(v4[1], 0).val as { address: number[] }).address;
    text = `${text.slice(0, -v4[1].length)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const bad = () => new TypeError(`not an IPv6 address: ${host}`);
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const parse = (s: string) =>
    s === ''
      ? []
      : s.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
          return parseInt(g, 16);
        });
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const zeros = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (zeros < 0 || (halves.length === 2 && zeros === 0)) throw bad();
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  if (groups.length !== 8) throw bad();
  return { tag: 'ipv6', val: { port: checkPort(port), flowInfo, address: groups as never, scopeId } };
}

/**
 * An IP address without a port, as the WIT `ip-address` record (a multicast group):
 * `'239.255.0.1'`, `'ff02::fb'`, or a record already.
 *
 * @example
 * await socket.addMembership(ipAddress('239.255.0.1'), 'lo');
 */
export function ipAddress(address: string | IpAddress): IpAddress {
  if (typeof address !== 'string') return address;
  if (address.includes(':')) {
    const { val } = ipv6(address, 0) as { val: { address: IpAddress['val'] } };
    return { tag: 'ipv6', val: val.address } as IpAddress;
  }
  const { val } = ipv4(address, 0) as { val: { address: IpAddress['val'] } };
  return { tag: 'ipv4', val: val.address } as IpAddress;
}

/** A unix socket address: a path, or, with a leading NUL, an abstract name. */
export function unixAddress(path: string): SocketAddress {
  return { tag: 'unix', val: path };
}

/**
 * Any address (see `AddressLike`) as the WIT record: parses `'host:port'`, `'[v6]:port'` or a
 * unix path (anything containing `/`, or starting with NUL), reads `{ address, port }`
 * objects. A bare port number is every address of `family` (IPv4 by default).
 *
 * @example
 * parseAddress('127.0.0.1:8080'); // { tag: 'ipv4', val: { port: 8080, address: [127, 0, 0, 1] } }
 * parseAddress({ address: '::1', port: 80 }); // { tag: 'ipv6', ... }
 */
export function parseAddress(address: AddressLike, family: 'ipv4' | 'ipv6' | 'unix' = 'ipv4'): SocketAddress {
  if (typeof address === 'number') return family === 'ipv6' ? ipv6('::', address) : ipv4('0.0.0.0', address);
  if (typeof address === 'string') {
    if (family === 'unix' || address.includes('/') || address.startsWith('\0')) return unixAddress(address);
    const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(address);
    if (v6) return ipv6(v6[1], Number(v6[2]));
    const v4 = /^([^:]+):(\d+)$/.exec(address);
    if (v4) return ipv4(v4[1] === 'localhost' ? '127.0.0.1' : v4[1], Number(v4[2]));
    throw new TypeError(`not an address (host:port, [v6]:port or a unix path): ${address}`);
  }
  if (address === null || typeof address !== 'object') throw new TypeError(`not an address: ${String(address)}`);
  if ('tag' in address && 'val' in address) return address;
  if (address instanceof NetAddress) return address.toWit();
  const init = address as AddressInit;
  const host = init.address ?? init.host;
  if (typeof host !== 'string') throw new TypeError('an address object needs an address (or host) string');
  const f = init.family;
  if (f === 'unix' || (f === undefined && (family === 'unix' || host.includes('/') || host.startsWith('\0')))) return unixAddress(host);
  const port = init.port ?? 0;
  if (f === 'IPv6' || f === 'ipv6' || f === 6 || (f === undefined && host.includes(':'))) {
    return ipv6(host.replace(/^\[(.*)\]$/, '$1'), port, init.scopeId ?? 0, init.flowInfo ?? 0);
  }
  return ipv4(host === 'localhost' ? '127.0.0.1' : host, port);
}

/**
 * The text form of an address: `'127.0.0.1:8080'`, `'[::1]:8080'`, or the unix path.
 *
 * @example
 * console.log(`connection from ${formatAddress(client.peer)}`);
 */
export function formatAddress(address: AddressLike | undefined): string {
  // A peer the host could not learn (see `Socket.peer`).
  if (address === undefined) return 'unknown address';
  if (address instanceof NetAddress) return address.toString();
  const a = parseAddress(address);
  switch (a.tag) {
    case 'ipv4':
      return `${a.val.address.join('.')}:${a.val.port}`;
    case 'ipv6':
      return `[${ipv6Text(a.val.address)}]:${a.val.port}`;
    case 'unix':
      return a.val;
  }
}

/** An IP address record as text: dotted IPv4, or the shortest IPv6 form. */
export function ipText(a: IpAddress): string {
  return a.tag === 'ipv4' ? a.val.join('.') : ipv6Text(a.val);
}

/** Whether an address is a multicast group: 224.0.0.0/4 or ff00::/8. */
export function isMulticast(a: IpAddress): boolean {
  return a.tag === 'ipv4' ? (a.val[0] & 0xf0) === 0xe0 : (a.val[0] & 0xff00) === 0xff00;
}

/** The shortest text of eight IPv6 groups. */
export function ipv6Text(address: ArrayLike<number>): string {
  // IPv4-mapped, as Node and inet_ntop write it: '::ffff:127.0.0.1'.
  if (address[5] === 0xffff && address[0] === 0 && address[1] === 0 && address[2] === 0 && address[3] === 0 && address[4] === 0) {
    return `::ffff:${address[6] >> 8}.${address[6] & 255}.${address[7] >> 8}.${address[7] & 255}`;
  }
  const groups = Array.from(address, (g) => g.toString(16));
  // The longest run of zero groups (two or more) becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  return best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`not a port: ${port}`);
  return port;
}

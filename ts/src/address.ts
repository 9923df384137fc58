import type { SocketAddress } from 'ioring:ring/types@0.1.0';

export type { SocketAddress };

/** What `Socket.bind`, `connect` and `sendTo` take: a WIT address, `'host:port'`, `'[v6]:port'`, a unix path, or a port. */
export type AddressLike = SocketAddress | string | number;

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
export function ipv6(host: string, port: number, scopeId = 0): SocketAddress {
  let text = host;
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
  return { tag: 'ipv6', val: { port: checkPort(port), flowInfo: 0, address: groups as never, scopeId } };
}

/** A unix socket address: a path, or, with a leading NUL, an abstract name. */
export function unixAddress(path: string): SocketAddress {
  return { tag: 'unix', val: path };
}

/**
 * Parses `'host:port'`, `'[v6]:port'` or a unix path (anything containing `/`, or starting
 * with NUL). A bare port number binds every IPv4 address.
 *
 * @example
 * parseAddress('127.0.0.1:8080'); // { tag: 'ipv4', val: { port: 8080, address: [127, 0, 0, 1] } }
 */
export function parseAddress(address: AddressLike, family: 'ipv4' | 'ipv6' | 'unix' = 'ipv4'): SocketAddress {
  if (typeof address === 'number') return family === 'ipv6' ? ipv6('::', address) : ipv4('0.0.0.0', address);
  if (typeof address !== 'string') return address;
  if (family === 'unix' || address.includes('/') || address.startsWith('\0')) return unixAddress(address);
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (v6) return ipv6(v6[1], Number(v6[2]));
  const v4 = /^([^:]+):(\d+)$/.exec(address);
  if (v4) return ipv4(v4[1] === 'localhost' ? '127.0.0.1' : v4[1], Number(v4[2]));
  throw new TypeError(`not an address (host:port, [v6]:port or a unix path): ${address}`);
}

/**
 * The text form of an address: `'127.0.0.1:8080'`, `'[::1]:8080'`, or the unix path.
 *
 * @example
 * console.log(`connection from ${formatAddress(client.peer)}`);
 */
export function formatAddress(address: SocketAddress): string {
  switch (address.tag) {
    case 'ipv4':
      return `${address.val.address.join('.')}:${address.val.port}`;
    case 'ipv6': {
      const groups = address.val.address.map((g) => g.toString(16));
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
      const text = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
      return `[${text}]:${address.val.port}`;
    }
    case 'unix':
      return address.val;
  }
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`not a port: ${port}`);
  return port;
}

import { NetAddress, ipAddress, parseAddress, toNetAddress } from './address.js';
import type { AddressLike, IpAddress } from './address.js';
import { IORingError } from './errors.js';
import { listener as grantedListener } from './grants.js';
import { readLines } from './lines.js';
import type { LinesOptions } from './lines.js';
import { IORing } from './ring.js';
import type { Handle, ShutdownHow, SocketAddress, SocketOption } from './ring.js';
import type { OperationOptions } from './signal.js';

/**
 * What `Socket.create` makes: `'tcp'`/`'tcp6'` (stream over IPv4/IPv6), `'udp'`/`'udp6'`
 * (datagrams), `'unix'` (a unix stream socket), `'unix-dgram'`, `'unix-seqpacket'`.
 */
export type SocketKind = 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'unix' | 'unix-dgram' | 'unix-seqpacket';

const KINDS = {
  'tcp': ['ipv4', 'stream'],
  'tcp6': ['ipv6', 'stream'],
  'udp': ['ipv4', 'datagram'],
  'udp6': ['ipv6', 'datagram'],
  'unix': ['unix', 'stream'],
  'unix-dgram': ['unix', 'datagram'],
  'unix-seqpacket': ['unix', 'seqpacket'],
} as const;

/** Options of `Socket.create` and the other factories. */
export interface SocketOptions extends OperationOptions {
  /** The ring the socket's operations go through; `IORing.shared` by default. */
  ring?: IORing;
}

/** A datagram received by `receiveFrom`. */
export interface ReceivedDatagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender, `{ address, port, family }`: pass it to `sendTo` to answer. */
  from: NetAddress;
}

/** The most bytes one `receive` asks for unless told otherwise. */
const DEFAULT_RECEIVE = 64 * 1024;

/**
 * A socket: TCP, UDP or unix, through the ring.
 *
 * `accept()` is both a promise of one connection and, in `for await`, a stream of them (one
 * multishot accept underneath); `receiveStream()` is a multishot receive. Leaving a `for await`
 * early cancels the operation. Closing is `close()`, or `await using`.
 *
 * @example
 * // A TCP echo server.
 * const server = await Socket.create('tcp');
 * await server.setReuseAddr();
 * await server.bind(7000);
 * await server.listen();
 * for await (const client of server.accept()) {
 *   (async () => {
 *     await using conn = client;
 *     for (;;) {
 *       const bytes = await conn.receive();
 *       if (bytes.length === 0) break;
 *       await conn.sendAll(bytes);
 *     }
 *   })();
 * }
 *
 * @example
 * // A TCP client.
 * await using socket = await Socket.connect('127.0.0.1:7000');
 * await socket.sendAll(utf8('hello'));
 * console.log(fromUtf8(await socket.receive()));
 */
export class Socket implements AsyncDisposable {
  /** The socket's handle in the guest's table. */
  readonly handle: Handle;
  /** The ring its operations go through. */
  readonly ring: IORing;
  /** The address family, which picks how `bind(port)` and `'host:port'` strings are read. */
  readonly family: 'ipv4' | 'ipv6' | 'unix';
  /**
   * The peer of an accepted connection, `{ address, port, family }`; `undefined` on other
   * sockets. A connection reset before its peer could be learnt is never handed out.
   */
  readonly peer: NetAddress | undefined;
  private closed = false;
  private readonly streams = new Set<AsyncIterator<unknown>>();

  constructor(handle: Handle, options: { ring?: IORing; family?: 'ipv4' | 'ipv6' | 'unix'; peer?: AddressLike } = {}) {
    this.handle = handle;
    this.ring = options.ring ?? IORing.shared;
    this.family = options.family ?? 'ipv4';
    const peer = options.peer;
    this.peer = peer === undefined ? undefined : toNetAddress(peer, this.family);
  }

  /**
   * Creates a socket of the given kind.
   *
   * @example
   * const udp = await Socket.create('udp');
   */
  static async create(kind: SocketKind, options: SocketOptions = {}): Promise<Socket> {
    const entry = KINDS[kind];
    if (!entry) throw new TypeError(`unknown socket kind: ${kind}`);
    const ring = options.ring ?? IORing.shared;
    const handle = await ring.socket(entry[0], entry[1], options);
    return new Socket(handle, { ring, family: entry[0] });
  }

  /**
   * The listening socket the host granted under `name`, already bound and listening.
   *
   * @example
   * const server = Socket.listener('http');
   * for await (const client of server.accept()) serve(client);
   */
  static listener(name: string, options: { ring?: IORing; family?: 'ipv4' | 'ipv6' | 'unix' } = {}): Socket {
    return new Socket(grantedListener(name), options);
  }

  /**
   * Creates a stream socket and connects it: TCP for `'host:port'` or an IP address record,
   * a unix stream socket for a path.
   *
   * @example
   * const socket = await Socket.connect('127.0.0.1:7000', { timeoutMs: 1000 });
   */
  static async connect(address: AddressLike, options: SocketOptions = {}): Promise<Socket> {
    const to = parseAddress(address);
    const socket = await Socket.create(to.tag === 'unix' ? 'unix' : to.tag === 'ipv6' ? 'tcp6' : 'tcp', options);
    try {
      await socket.connect(to, options);
    } catch (e) {
      await socket.close().catch(() => {});
      throw e;
    }
    return socket;
  }

  /** Sets SO_REUSEADDR (before `bind`, so a restarted server can bind its port at once). */
  setReuseAddr(on = true, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'reuse-address', val: on }, options);
  }

  /** Sets SO_REUSEPORT. */
  setReusePort(on = true, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'reuse-port', val: on }, options);
  }

  /** Sets TCP_NODELAY: small segments go out at once. Accepted connections inherit it. */
  setTcpNoDelay(on = true, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'tcp-no-delay', val: on }, options);
  }

  /** Sets SO_KEEPALIVE. */
  setKeepAlive(on = true, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'keep-alive', val: on }, options);
  }

  /**
   * Joins multicast group `group` (`'239.255.0.1'`, `'ff02::fb'`) on network interface
   * `interfaceName` (`'lo'`; empty: the system's choice), as node:dgram's `addMembership`: a
   * datagram socket bound to the group's address (or the wildcard) then receives the group's
   * datagrams. `EACCES` unless the host grants the group (`ioring run --multicast`,
   * `IORING_MULTICAST` under Node).
   *
   * @example
   * const rx = await Socket.create('udp');
   * await rx.bind('239.255.0.1:5000');
   * await rx.addMembership('239.255.0.1', 'lo');
   * const { data, from } = await rx.receiveFrom();
   */
  addMembership(group: string | IpAddress, interfaceName = '', options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'multicast-join', val: { group: ipAddress(group), interfaceName } }, options);
  }

  /** Leaves a group joined with `addMembership` (`EADDRNOTAVAIL` when not joined). */
  dropMembership(group: string | IpAddress, interfaceName = '', options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'multicast-leave', val: { group: ipAddress(group), interfaceName } }, options);
  }

  /**
   * The network interface, by name, this socket's multicast datagrams leave by (empty: the
   * system's choice). This, `setMulticastLoopback` and `setMulticastTTL` need a multicast
   * grant of the host's, for any group (`EACCES` otherwise).
   */
  setMulticastInterface(interfaceName: string, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'multicast-interface', val: interfaceName }, options);
  }

  /** Whether group members on this machine (this socket included) get what it sends. */
  setMulticastLoopback(on = true, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'multicast-loop', val: on }, options);
  }

  /** How many routers a multicast datagram may cross: 0 to 255 (1, the default: none). */
  setMulticastTTL(ttl: number, options?: OperationOptions): Promise<void> {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) return Promise.reject(new IORingError('invalid', `TTL ${ttl}`));
    return this.setOption({ tag: 'multicast-ttl', val: ttl }, options);
  }

  /**
   * Sends and receives only through network interface `interfaceName` (SO_BINDTODEVICE; empty
   * removes it). `EACCES` unless the host grants that interface (`ioring run --bind-device`);
   * `ENODEV` when there is no such interface.
   */
  bindToDevice(interfaceName: string, options?: OperationOptions): Promise<void> {
    return this.setOption({ tag: 'bind-to-device', val: interfaceName }, options);
  }

  /** Sets any socket option of the contract. */
  setOption(option: SocketOption, options?: OperationOptions): Promise<void> {
    return this.ring.setOption(this.handle, option, options);
  }

  /**
   * Binds to an address: a port (every address of the socket's family), `'host:port'`,
   * `'[v6]:port'`, a unix path, or an address record.
   *
   * @example
   * await server.bind(7000);
   * await local.bind('127.0.0.1:7000');
   */
  bind(address: AddressLike, options?: OperationOptions): Promise<void> {
    return this.ring.bind(this.handle, parseAddress(address, this.family), options);
  }

  /**
   * The address the socket is bound to, `{ address, port, family }`; after `bind(0)`, the port
   * the system chose.
   *
   * @example
   * await server.bind('127.0.0.1:0');
   * const { port } = await server.localAddress();
   * console.log(`listening on ${await server.localAddress()}`);   // 127.0.0.1:40521
   */
  async localAddress(options?: OperationOptions): Promise<NetAddress> {
    return toNetAddress(await this.ring.localAddress(this.handle, options));
  }

  /** Listens for connections (after `bind`). */
  listen(backlog = 128, options?: OperationOptions): Promise<void> {
    return this.ring.listen(this.handle, backlog, options);
  }

  /**
   * Accepts connections. Awaited, it is one connection (a single-shot accept); iterated with
   * `for await`, it is every connection, from one multishot accept that a `break` cancels.
   *
   * @example
   * const client = await server.accept();
   * @example
   * for await (const client of server.accept()) handle(client);
   */
  accept(options?: Omit<OperationOptions, 'timeoutMs'> & { timeoutMs?: number }): Acceptance {
    return new Acceptance(this, options);
  }

  /** Connects to an address (see `bind` for the forms it takes). */
  connect(address: AddressLike, options?: OperationOptions): Promise<void> {
    return this.ring.connect(this.handle, parseAddress(address, this.family), options);
  }

  /** Sends bytes; resolves to the count sent, which can be short (see `sendAll`). */
  send(data: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.ring.send(this.handle, data, options);
  }

  /** Sends all of `data`, resubmitting after short sends. */
  sendAll(data: Uint8Array, options?: OperationOptions): Promise<void> {
    return this.ring.sendAll(this.handle, data, options);
  }

  /** Receives up to `maxLength` bytes once; an empty array means the peer closed its end. */
  receive(maxLength = DEFAULT_RECEIVE, options?: OperationOptions): Promise<Uint8Array> {
    return this.ring.recv(this.handle, maxLength, options);
  }

  /**
   * Receives every arrival as it comes, from one multishot receive; ends when the peer closes.
   * A `break` cancels the receive.
   *
   * @example
   * for await (const chunk of conn.receiveStream()) await conn.sendAll(chunk);
   */
  receiveStream(maxLength = DEFAULT_RECEIVE, options?: Omit<OperationOptions, 'timeoutMs'>): AsyncIterableIterator<Uint8Array> {
    return this.track(this.ring.recvMultishot(this.handle, maxLength, options));
  }

  /** @internal Remembers a multishot operation on this socket, so that `close` ends it. */
  track<I extends AsyncIterator<unknown>>(iterator: I): I {
    const streams = this.streams;
    streams.add(iterator);
    const original = iterator.return?.bind(iterator);
    iterator.return = async (value?: unknown) => {
      streams.delete(iterator);
      return original ? original(value) : { value: undefined, done: true };
    };
    return iterator;
  }

  /**
   * Sends one datagram to `address`.
   *
   * @example
   * await udp.sendTo(utf8('ping'), '127.0.0.1:9000');
   */
  sendTo(data: Uint8Array, address: AddressLike, options?: OperationOptions): Promise<number> {
    return this.ring.sendmsg(this.handle, data, parseAddress(address, this.family), options);
  }

  /**
   * Receives one datagram and its sender.
   *
   * @example
   * const { data, from } = await udp.receiveFrom();
   * await udp.sendTo(data, from);
   */
  async receiveFrom(maxLength = DEFAULT_RECEIVE, options?: OperationOptions): Promise<ReceivedDatagram> {
    const d = await this.ring.recvmsg(this.handle, maxLength, options);
    return { data: d.data, from: toNetAddress(d.from) };
  }

  /**
   * The text the peer sends, line by line (`\n` or `\r\n`, not included), decoded as UTF-8,
   * until it closes its end; a last line without an end is delivered too. A `break` stops
   * reading; aborting `signal` cancels the receive in flight and the loop throws `ECANCELED`.
   *
   * @example
   * for await (const line of conn.lines()) await conn.sendAll(utf8(`you said: ${line}\n`));
   */
  lines(options: LinesOptions = {}): AsyncGenerator<string, void, undefined> {
    const size = options.chunkSize ?? DEFAULT_RECEIVE;
    return readLines((signal) => this.ring.recv(this.handle, size, { signal }), options);
  }

  /** Shuts down sending (`'write'`, the default: the peer reads end-of-file), receiving, or both. */
  shutdown(how: ShutdownHow = 'write', options?: OperationOptions): Promise<void> {
    return this.ring.shutdown(this.handle, how, options);
  }

  /** Closes the socket. Closing twice does nothing. */
  async close(options?: OperationOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Multishot operations on it (accept and receive streams) are cancelled first: the host
    // would keep them running on the closed descriptor.
    await Promise.all([...this.streams].map((it) => it.return?.()));
    await this.ring.close(this.handle, options);
  }

  /** `await using socket = ...` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `'socket 5 from 127.0.0.1:53412'`, for logs. */
  toString(): string {
    return `socket ${this.handle}${this.peer ? ` from ${this.peer}` : ''}`;
  }
}

/**
 * What `Socket.accept()` returns: a promise of one connection and an async iterable of all of
 * them. Whichever way it is first used decides which operation it submits.
 */
export class Acceptance implements PromiseLike<Socket>, AsyncIterable<Socket> {
  private single: Promise<Socket> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: OperationOptions | undefined,
  ) {}

  then<R1 = Socket, R2 = never>(
    onFulfilled?: ((value: Socket) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.single ??= this.socket.ring.accept(this.socket.handle, this.options).then((a) => this.wrap(a.handle, a.peer));
    return this.single.then(onFulfilled, onRejected);
  }

  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    const inner = this.socket.track(this.socket.ring.acceptMultishot(this.socket.handle, { signal: this.options?.signal }));
    return {
      next: async () => {
        const r = await inner.next();
        return r.done ? { value: undefined, done: true } : { value: this.wrap(r.value.handle, r.value.peer), done: false };
      },
      return: async () => {
        await inner.return?.();
        return { value: undefined, done: true };
      },
    };
  }

  private wrap(handle: Handle, peer: SocketAddress): Socket {
    return new Socket(handle, { ring: this.socket.ring, family: this.socket.family, peer });
  }
}

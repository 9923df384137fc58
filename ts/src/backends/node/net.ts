// Sockets for the Node backend: node:net for streams (TCP, unix), node:dgram for UDP, each
// behind the BSD-socket state machine the WIT operations assume.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { networkInterfaces } from 'node:os';
import type { AddressFamily, IpAddress, ShutdownHow, SocketAddress, SocketOption } from 'ioring:ring/types@0.1.0';
import { IORingError } from '../../errors.js';
import { POLL } from '../../poll.js';
import { copyIn, giveBack } from './copies.js';
import { fail, opError, toErrorCode } from './errno.js';
import { ipText, isMulticast } from '../../address.js';
import { anyMulticast, mayBind, mayBindDevice, mayConnect, mayJoin } from './policy.js';
import type { Transport } from './policy.js';
import { Descriptor } from './table.js';
import { LATER } from './table.js';
import type { OpContext, OpResult, Outcome, Settler, Table } from './table.js';

/** What an empty write writes. */
const NOTHING = Buffer.alloc(0);

/** Writes `chunk` to `socket`; settles with `n`, a send's count, once Node has written it. */
function written(socket: net.Socket, chunk: Buffer, n: number): Promise<OpResult> {
  return new Promise((resolve, reject) => socket.write(chunk, (e) => (e ? reject(opError(toErrorCode(e))) : resolve({ res: n }))));
}

/** Bytes a connection buffers before it stops reading from the kernel. */
const HIGH_WATER = 1 << 20;

/**
 * statx of a socket handle itself (an empty path): a socket, as fstat(2) describes one on
 * Linux (mode 0777, one link, no size); beneath it, a path is `not-directory`.
 */
async function socketStat(path: string): Promise<OpResult> {
  if (path !== '') fail('not-directory');
  return { res: 0, detail: { tag: 'stat', val: { type: 'socket', size: 0n, mode: 0o777, links: 1, modifiedNs: 0n } } };
}

interface Options {
  reuseAddress?: boolean;
  reusePort?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  ipv6Only?: boolean;
  receiveBufferSize?: number;
  sendBufferSize?: number;
}

function recordOption(options: Options, option: SocketOption): void {
  switch (option.tag) {
    case 'reuse-address':
      options.reuseAddress = option.val;
      break;
    case 'reuse-port':
      options.reusePort = option.val;
      break;
    case 'tcp-no-delay':
      options.noDelay = option.val;
      break;
    case 'keep-alive':
      options.keepAlive = option.val;
      break;
    case 'ipv6-only':
      options.ipv6Only = option.val;
      break;
    case 'receive-buffer-size':
      options.receiveBufferSize = option.val;
      break;
    case 'send-buffer-size':
      options.sendBufferSize = option.val;
      break;
  }
}

/**
 * The grant checks of a socket option, as the Linux host makes them before the kernel sees
 * it: a group that is no multicast address is `invalid`; joining or leaving one no multicast
 * grant covers, any other multicast option without a multicast grant, and binding to an
 * interface no bind-device grant names are `access`.
 */
export function checkOptionGrant(option: SocketOption): void {
  switch (option.tag) {
    case 'multicast-join':
    case 'multicast-leave':
      if (!isMulticast(option.val.group)) fail('invalid');
      if (!mayJoin(option.val.group)) fail('access');
      break;
    case 'multicast-interface':
    case 'multicast-loop':
    case 'multicast-ttl':
      if (!anyMulticast()) fail('access');
      break;
    case 'bind-to-device':
      if (option.val !== '' && !mayBindDevice(option.val)) fail('access');
      break;
  }
}

/**
 * Node's name for network interface `name` as a multicast interface: an IPv4 address of it, or
 * for IPv6 the scope `::%name`; undefined for the system's choice (an empty name). `no-device`
 * when the system has no interface of that name.
 */
function multicastInterface(name: string, family: 'ipv4' | 'ipv6'): string | undefined {
  if (name === '') return undefined;
  const addresses = networkInterfaces()[name];
  if (!addresses) fail('no-device');
  if (family === 'ipv6') return `::%${name}`;
  const v4 = addresses.find((a) => a.family === 'IPv4');
  // An interface with no IPv4 address: Node names IPv4 interfaces only by address.
  if (!v4) fail('not-supported');
  return v4.address;
}

/** A WIT address as Node's host string. */
function hostOf(a: SocketAddress): string {
  if (a.tag === 'ipv4') return a.val.address.join('.');
  if (a.tag === 'ipv6') return a.val.address.map((g) => g.toString(16)).join(':');
  return a.val;
}

/** Node's (address, port, family) as a WIT address. */
export function fromNode(address: string | undefined, port: number | undefined, family?: string): SocketAddress {
  if (!address) return { tag: 'unix', val: '' };
  if (family === 'IPv6' || address.includes(':')) {
    const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const groups = expandIpv6(address);
    if (v4mapped && !groups) return { tag: 'ipv6', val: { port: port ?? 0, flowInfo: 0, address: [0, 0, 0, 0, 0, 0xffff, 0, 0], scopeId: 0 } };
    return { tag: 'ipv6', val: { port: port ?? 0, flowInfo: 0, address: (groups ?? [0, 0, 0, 0, 0, 0, 0, 0]) as never, scopeId: 0 } };
  }
  const o = address.split('.').map(Number);
  return { tag: 'ipv4', val: { port: port ?? 0, address: [o[0], o[1], o[2], o[3]] } };
}

function expandIpv6(text: string): number[] | undefined {
  let t = text.replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (v4) {
    const o = v4.slice(1).map(Number);
    t = `${t.slice(0, -v4[0].length)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = t.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]);
  const tail = halves.length > 1 ? parse(halves[1]) : [];
  const groups = halves.length > 1 ? [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

function portOf(a: SocketAddress): number {
  return a.tag === 'unix' ? 0 : a.val.port;
}

function familyMatches(family: AddressFamily, a: SocketAddress): boolean {
  return a.tag === family;
}

/** Waits for one of `emitter`'s events; rejects with the error's code on 'error'. */
function once(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: unknown) => {
      emitter.off(event, onEvent);
      reject(opError(toErrorCode(e)));
    };
    const onEvent = () => {
      emitter.off('error', onError);
      resolve();
    };
    emitter.once(event, onEvent);
    emitter.once('error', onError);
  });
}

interface Reader {
  len: number;
  multishot: boolean;
  ctx: OpContext;
  settler: Settler;
}

/**
 * A connected stream: bytes buffered from Node's socket until a receive takes them.
 * `changed` is called whenever its readiness may have changed.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private size = 0;
  private eof = false;
  private error: IORingError | undefined;
  /** The connection failed (a reset): hung up for good, even once the error was received. */
  private broken = false;
  private readers: Reader[] = [];
  private readShut = false;
  /** The handle was closed while receives were in flight: they end first. */
  private closing = false;

  constructor(
    readonly socket: net.Socket,
    private readonly changed: () => void = () => {},
  ) {
    socket.on('drain', () => this.changed());
    socket.on('data', (chunk: Buffer) => {
      if (this.readShut) return;
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size >= HIGH_WATER) socket.pause();
      this.pump();
    });
    socket.on('end', () => {
      this.eof = true;
      this.pump();
    });
    socket.on('error', (e) => {
      this.error ??= opError(toErrorCode(e));
      this.broken = true;
      this.pump();
    });
    socket.on('close', () => {
      this.eof = true;
      this.pump();
    });
    socket.resume();
  }

  get peer(): SocketAddress {
    return fromNode(this.socket.remoteAddress, this.socket.remotePort, this.socket.remoteFamily);
  }

  /** Receives up to `len` bytes (every arrival, with `multishot`); `settler` learns the end. */
  recv(len: number, multishot: boolean, ctx: OpContext, settler: Settler = ctx): typeof LATER {
    const reader: Reader = { len, multishot, ctx, settler };
    this.readers.push(reader);
    ctx.onCancel(() => {
      this.readers = this.readers.filter((r) => r !== reader);
      settler.reject(opError('canceled'));
      this.settle();
    });
    this.pump();
    return LATER;
  }

  /** `recv` once, as a promise, for callers that add to its result. */
  received(len: number, ctx: OpContext): Promise<OpResult> {
    return new Promise((resolve, reject) => this.recv(len, false, ctx, { resolve, reject }));
  }

  private take(len: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length <= len) {
      out = first;
      this.chunks.shift();
    } else {
      out = first.subarray(0, len);
      this.chunks[0] = first.subarray(len);
    }
    this.size -= out.length;
    return out;
  }

  private pump(): void {
    while (this.readers.length > 0) {
      const r = this.readers[0];
      if (this.size > 0 && r.len > 0) {
        const data = this.take(r.len);
        if (r.multishot) r.ctx.emit({ res: data.length, data });
        else {
          this.readers.shift();
          r.settler.resolve({ res: data.length, data });
        }
      } else if (r.len === 0) {
        this.readers.shift();
        r.settler.resolve({ res: 0 });
      } else if (this.error) {
        this.readers.shift();
        const e = this.error;
        this.error = undefined;
        this.eof = true;
        r.settler.reject(e);
      } else if (this.eof) {
        this.readers.shift();
        r.settler.resolve({ res: 0 });
      } else break;
    }
    if (this.size < HIGH_WATER && this.socket.isPaused() && !this.readShut) this.socket.resume();
    this.changed();
    this.settle();
  }

  send(data: Uint8Array): Outcome {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) fail('pipe');
    // The bytes are the guest's: copy them, as the host does at submit.
    const copy = copyIn(data);
    const n = copy.length;
    // Behind another write: Node queues it, and its callback says when it has gone.
    if (socket.writableLength > 0) return written(socket, copy, n);
    // Nothing queued, so Node hands it to the kernel now. Written without a callback: Node
    // calls a write's own callback from a process.nextTick of its own, even when the kernel
    // took every byte at once (perf of a 4 KiB echo: Node's tick processing 5 % of the CPU
    // with a callback per write, 1.5 % without).
    socket.write(copy);
    if (socket.errored) fail(toErrorCode(socket.errored));
    if (socket.writableLength === 0) {
      // The kernel took every byte: nothing holds the copy any more.
      giveBack(copy);
      return { res: n };
    }
    // The kernel took part of it: an empty write queued behind the rest says when that has gone.
    return written(socket, NOTHING, n);
  }

  shutdown(how: ShutdownHow): Promise<OpResult> {
    if (how !== 'write') {
      this.readShut = true;
      this.chunks = [];
      this.size = 0;
      this.eof = true;
      this.pump();
    }
    if (how !== 'read') {
      return new Promise((resolve) => this.socket.end(() => resolve({ res: 0 })));
    }
    return Promise.resolve({ res: 0 });
  }

  /**
   * As Linux's tcp_poll: the reading half shut (the peer's end of stream, a read shutdown, a
   * reset) is readable and read-hang-up; hang-up only once both halves are shut, or the
   * connection failed (a reset is error, hang-up and read-hang-up at once).
   */
  readiness(): number {
    let bits = 0;
    if (this.size > 0 || this.eof || this.error) bits |= POLL.readable;
    if (!this.socket.writableNeedDrain && !this.socket.writableEnded) bits |= POLL.writable;
    if (this.eof || this.broken) bits |= POLL.readHangUp;
    if ((this.eof && this.socket.writableEnded) || this.broken) bits |= POLL.hangUp;
    if (this.error) bits |= POLL.error;
    return bits;
  }

  close(): void {
    // A receive in flight on a closed handle completes on its own, as on Linux, where the
    // kernel holds the file until it ends: the socket goes once no receive waits on it.
    if (this.readers.length > 0) this.closing = true;
    else this.destroy();
  }

  private destroy(): void {
    // Closing with received bytes unread resets the connection, as the kernel does: here they
    // wait in this buffer rather than the kernel's, so the reset is asked for.
    if (this.size > 0 && !this.readShut && typeof this.socket.resetAndDestroy === 'function') this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  /** Destroys a closed connection once its last receive has ended. */
  private settle(): void {
    if (this.closing && this.readers.length === 0) {
      this.closing = false;
      this.destroy();
    }
  }
}

interface Waiter {
  multishot: boolean;
  ctx: OpContext;
  resolve(r: OpResult): void;
  reject(e: unknown): void;
}

/**
 * A stream socket (TCP over IPv4/IPv6, or unix): fresh, bound, listening or connected. node:net
 * binds only as it listens or connects, so a TCP `bind` checks the address with the kernel and
 * holds it (see `reserve`) until `listen` or `connect` binds it: a bound socket that does
 * neither refuses connections, as on Linux. A unix socket's `bind` starts the listening server
 * (its errors, such as EADDRINUSE, are bind's, as on Linux), and `listen` then lets connections
 * be taken.
 */
export class StreamSocket extends Descriptor {
  readonly kind = 'stream-socket';

  override statx(path: string): Promise<OpResult> {
    return socketStat(path);
  }
  private readonly options: Options = {};
  private server: net.Server | undefined;
  private bound: SocketAddress | undefined;
  private listening = false;
  private conn: Connection | undefined;
  private backlog: net.Socket[] = [];
  private waiters: Waiter[] = [];
  private serverError: IORingError | undefined;
  /** The server's start (bind and listen), until it has settled. */
  private starting: Promise<void> | undefined;
  private closed = false;
  /** A listener granted by name: its address is the host's, not the app's, to choose. */
  private grant = false;

  constructor(
    private readonly table: Table,
    readonly family: AddressFamily,
    socket?: net.Socket,
  ) {
    super();
    if (socket) this.conn = this.attach(socket);
  }

  /** A listener the host grants by name: bound and listening from the start. */
  static granted(table: Table, family: AddressFamily, address: SocketAddress): StreamSocket {
    const s = new StreamSocket(table, family);
    s.startServer(address).catch(() => {});
    s.listening = true;
    s.grant = true;
    return s;
  }

  get peer(): SocketAddress | undefined {
    return this.conn?.peer;
  }

  private get transport(): Transport {
    return this.family === 'unix' ? 'unix' : 'tcp';
  }

  /** `access` unless the policy lets this socket connect or send to `to`. */
  private mayReach(to: SocketAddress): void {
    if (!mayConnect(this.transport, to)) fail('access');
  }

  override async setOption(option: SocketOption): Promise<OpResult> {
    // IPV6_V6ONLY is an IPv6 option: setsockopt refuses it on an IPv4 socket (ENOPROTOOPT).
    if (option.tag === 'ipv6-only' && this.family !== 'ipv6') fail('invalid');
    // Multicast is for datagram sockets (Linux: EINVAL on a stream socket); node:net has no
    // SO_BINDTODEVICE.
    if (option.tag.startsWith('multicast-')) fail('invalid');
    if (option.tag === 'bind-to-device') fail('not-supported');
    recordOption(this.options, option);
    const s = this.conn?.socket;
    if (s && option.tag === 'tcp-no-delay') s.setNoDelay(option.val);
    if (s && option.tag === 'keep-alive') s.setKeepAlive(option.val);
    return { res: 0 };
  }

  override async bind(to: SocketAddress): Promise<OpResult> {
    // A grant's address is the host's to choose; any other needs a bind grant.
    if (this.grant || !mayBind(this.transport, to)) fail('access');
    if (!familyMatches(this.family, to)) fail('invalid');
    if (this.bound || this.conn) fail('invalid');
    // node:net binds a unix socket only by listening on it.
    if (to.tag === 'unix') await this.startServer(to);
    else await this.reserve(to);
    return { res: 0 };
  }

  /**
   * Binds to `to` as far as node:net can without listening: node:net binds a TCP socket only
   * to listen or to connect, and a listening one accepts connections where Linux refuses them
   * (connection-refused). So the kernel is asked whether the address is free (and for the port,
   * when `to` asks for any) by a listener opened and closed at once, and the address is held
   * here, against this process's other sockets, until `listen` or `connect` binds it for real.
   */
  private async reserve(to: SocketAddress & { tag: 'ipv4' | 'ipv6' }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const port = await probe(to, this.options.ipv6Only);
      const address = { ...to, val: { ...to.val, port } } as SocketAddress;
      if (!reserved.has(address, this)) {
        this.bound = address;
        reserved.add(this);
        return;
      }
      // The kernel's free port for `to: 0` is held here already: ask again. A port asked for
      // by number is in use.
      if (to.val.port !== 0 || attempt === 16) fail('address-in-use');
    }
  }

  /** The address this socket was bound to and holds, until it listens or connects. */
  get reservedAddress(): SocketAddress | undefined {
    return !this.server && !this.conn && !this.closed ? this.bound : undefined;
  }

  /** Whether this socket and one bound to the same address may both hold it (SO_REUSEADDR on both). */
  get sharesAddress(): boolean {
    return this.options.reuseAddress === true;
  }

  private startServer(to: SocketAddress): Promise<void> {
    this.bound = to;
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: this.options.noDelay, keepAlive: this.options.keepAlive });
    this.server = server;
    server.on('connection', (socket) => this.arrived(socket));
    server.on('error', (e) => {
      this.serverError = opError(toErrorCode(e));
      for (const w of this.waiters.splice(0)) w.reject(this.serverError);
    });
    const listening = once(server, 'listening');
    if (to.tag === 'unix') server.listen({ path: to.val, backlog: 511 });
    else server.listen({ host: hostOf(to), port: to.val.port, backlog: 511, exclusive: true, ipv6Only: this.options.ipv6Only });
    const started = listening.then(
      () => {
        this.starting = undefined;
      },
      (e) => {
        this.starting = undefined;
        this.server = undefined;
        this.bound = undefined;
        throw e;
      },
    );
    this.starting = started;
    return started;
  }

  override async listen(): Promise<OpResult> {
    if (this.conn) fail('invalid');
    if (!this.grant) {
      // Listening exposes an address to anyone who can reach it: the one this socket has (an
      // unbound socket would be bound to the wildcard address) must be granted.
      const a = this.server?.address();
      const local = typeof a === 'string' ? { tag: 'unix', val: a } as SocketAddress : a ? fromNode(a.address, a.port, a.family) : this.bound ?? unbound(this.family);
      if (!mayBind(this.transport, local)) fail('access');
    }
    // A bound socket now binds for real; Linux gives an unbound one an ephemeral port.
    if (!this.server) {
      try {
        await this.startServer(this.bound ?? (this.family === 'ipv6' ? anyIpv6() : anyIpv4()));
      } finally {
        reserved.delete(this);
      }
    }
    this.listening = true;
    this.serve();
    return { res: 0 };
  }

  private arrived(socket: net.Socket): void {
    if (this.options.noDelay) socket.setNoDelay(true);
    if (this.options.keepAlive) socket.setKeepAlive(true);
    socket.on('error', () => {});
    this.backlog.push(socket);
    this.serve();
  }

  /** Hands queued connections to waiting accepts. */
  private serve(): void {
    if (!this.listening) return;
    while (this.waiters.length > 0 && this.backlog.length > 0) {
      const socket = this.backlog.shift()!;
      // As on the host: a connection reset before anyone asked who its peer was is dropped,
      // as accept(2) with an address drops it, so a TCP peer is never unknown.
      if (this.family !== 'unix' && socket.remoteAddress === undefined) {
        socket.destroy();
        continue;
      }
      const w = this.waiters[0];
      let handle: number;
      const child = new StreamSocket(this.table, this.family, socket);
      Object.assign(child.options, this.options);
      try {
        handle = this.table.add(child);
      } catch (e) {
        socket.destroy();
        this.waiters.shift();
        w.reject(e);
        continue;
      }
      const result: OpResult = { res: 0, detail: { tag: 'accepted', val: [handle, child.peer ?? { tag: 'unix', val: '' }] } };
      if (w.multishot) w.ctx.emit(result);
      else {
        this.waiters.shift();
        w.resolve(result);
      }
    }
    this.changed();
  }

  override accept(multishot: boolean, ctx: OpContext): Promise<OpResult> {
    if (!this.listening) fail('invalid');
    if (this.serverError) throw this.serverError;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { multishot, ctx, resolve, reject };
      this.waiters.push(waiter);
      ctx.onCancel(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(opError('canceled'));
      });
      this.serve();
    });
  }

  override connect(to: SocketAddress, ctx: OpContext): Promise<OpResult> {
    this.mayReach(to);
    if (this.conn) fail('is-connected');
    if (this.listening) fail('invalid');
    if (!familyMatches(this.family, to)) fail('address-family-not-supported');
    // Bound first, connecting now: the address held since `bind` is bound for real.
    const local = this.bound && this.bound.tag !== 'unix' ? { localAddress: hostOf(this.bound), localPort: this.bound.val.port } : {};
    const socket =
      to.tag === 'unix'
        ? net.connect({ path: to.val, allowHalfOpen: true })
        : net.connect({ host: hostOf(to), port: to.val.port, allowHalfOpen: true, noDelay: this.options.noDelay, keepAlive: this.options.keepAlive, ...local });
    return new Promise((resolve, reject) => {
      const onError = (e: unknown) => reject(opError(toErrorCode(e)));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        this.conn = this.attach(socket);
        this.changed();
        resolve({ res: 0 });
      });
      ctx.onCancel(() => {
        socket.destroy();
        reject(opError('canceled'));
      });
    });
  }

  /** `socket`, connected, as this socket's connection: its readiness is this socket's. */
  private attach(socket: net.Socket): Connection {
    return new Connection(socket, () => this.changed());
  }

  private connection(): Connection {
    return this.conn ?? fail('not-connected');
  }

  override send(data: Uint8Array): Outcome {
    return this.connection().send(data);
  }

  override write(data: Uint8Array): Outcome {
    return this.connection().send(data);
  }

  override recv(len: number, multishot: boolean, ctx: OpContext): typeof LATER {
    return this.connection().recv(len, multishot, ctx);
  }

  override read(len: number, _offset: number | undefined, ctx: OpContext): Promise<OpResult> {
    return this.connection().received(len, ctx);
  }

  override async recvmsg(len: number, ctx: OpContext): Promise<OpResult> {
    const conn = this.connection();
    const r = await conn.received(len, ctx);
    return { ...r, detail: { tag: 'peer', val: conn.peer } };
  }

  override sendmsg(data: Uint8Array, to: SocketAddress | undefined): Outcome {
    if (to) this.mayReach(to);
    if (to) fail('is-connected');
    return this.connection().send(data);
  }

  override async shutdown(how: ShutdownHow): Promise<OpResult> {
    return this.connection().shutdown(how);
  }

  override async localAddress(): Promise<OpResult> {
    // A granted listener starts listening in the background: its port (0 asks for any) is
    // known once it is, as `ioring run --listen` knows it before the guest starts.
    if (this.starting) await this.starting.catch(() => {});
    // A grant whose address could not be bound: the bind's error, as accept reports it.
    if (this.grant && this.serverError) throw this.serverError;
    let address: SocketAddress;
    if (this.conn) {
      const s = this.conn.socket;
      address = s.localAddress ? fromNode(s.localAddress, s.localPort, s.localFamily) : { tag: 'unix', val: '' };
    } else if (this.server) {
      const a = this.server.address();
      address = typeof a === 'string' ? { tag: 'unix', val: a } : a ? fromNode(a.address, a.port, a.family) : unbound(this.family);
    } else address = this.bound ?? unbound(this.family);
    return { res: 0, detail: { tag: 'address', val: address } };
  }

  override readiness(): number {
    if (this.conn) return this.conn.readiness();
    if (this.listening) return this.closed ? POLL.hangUp : this.backlog.length > 0 ? POLL.readable : 0;
    // Neither connected nor listening: Linux reports such a stream socket writable and hung up.
    return POLL.writable | POLL.hangUp;
  }

  override async close(): Promise<void> {
    this.closed = true;
    reserved.delete(this);
    this.conn?.close();
    for (const s of this.backlog.splice(0)) s.destroy();
    this.changed();
    for (const w of this.waiters.splice(0)) w.reject(opError('canceled'));
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Asks the kernel whether `to` is free to bind, by listening on it and closing at once:
 * resolves to the port (the one the kernel chose, for port 0), or fails as a bind would.
 */
function probe(to: SocketAddress & { tag: 'ipv4' | 'ipv6' }, ipv6Only: boolean | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e) => reject(opError(toErrorCode(e))));
    server.listen({ host: hostOf(to), port: to.val.port, backlog: 1, exclusive: true, ipv6Only }, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : to.val.port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The TCP sockets of this process that are bound but neither listen nor connect: their
 * addresses are held here, as the kernel would hold them, so that another socket of the app
 * binding one fails with address-in-use (unless both set reuse-address), as on Linux.
 */
const reserved = {
  sockets: new Set<StreamSocket>(),
  add(s: StreamSocket): void {
    this.sockets.add(s);
  },
  delete(s: StreamSocket): void {
    this.sockets.delete(s);
  },
  /** Whether a socket other than `s` holds an address `a` overlaps. */
  has(a: SocketAddress, s: StreamSocket): boolean {
    for (const other of this.sockets) {
      const b = other.reservedAddress;
      if (other === s || !b || (s.sharesAddress && other.sharesAddress)) continue;
      if (overlaps(a, b)) return true;
    }
    return false;
  },
};

/** Whether two IP addresses bind the same port of the same address (a wildcard overlaps any). */
function overlaps(a: SocketAddress, b: SocketAddress): boolean {
  if (a.tag === 'unix' || b.tag === 'unix' || a.val.port !== b.val.port) return false;
  const wildcard = (x: SocketAddress) => x.tag !== 'unix' && [...x.val.address].every((v) => v === 0);
  // An IPv6 wildcard socket takes IPv4 connections too (unless ipv6-only, which is not told apart here).
  if (a.tag !== b.tag) return (a.tag === 'ipv6' && wildcard(a)) || (b.tag === 'ipv6' && wildcard(b));
  return wildcard(a) || wildcard(b) || hostOf(a) === hostOf(b);
}

function unbound(family: AddressFamily): SocketAddress {
  return family === 'ipv6' ? anyIpv6() : family === 'unix' ? { tag: 'unix', val: '' } : anyIpv4();
}

function anyIpv4(): SocketAddress {
  return { tag: 'ipv4', val: { port: 0, address: [0, 0, 0, 0] } };
}

function anyIpv6(): SocketAddress {
  return { tag: 'ipv6', val: { port: 0, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 0], scopeId: 0 } };
}

interface Message {
  data: Buffer;
  from: SocketAddress;
}

/**
 * The most recent senders a granted datagram socket heard from (recvmsg), which it may answer
 * without a connect grant: 256, the oldest forgotten first, as the Linux host keeps them.
 */
class Peers {
  private static readonly REMEMBERED = 256;
  private readonly keys: string[] = [];

  private static key(a: SocketAddress): string | undefined {
    if (a.tag === 'unix') return undefined;
    return a.tag === 'ipv4' ? `4 ${a.val.address.join('.')} ${a.val.port}` : `6 ${[...a.val.address].join(':')} ${a.val.port} ${a.val.scopeId}`;
  }

  heardFrom(a: SocketAddress): void {
    const k = Peers.key(a);
    if (k === undefined || this.keys.includes(k)) return;
    if (this.keys.length === Peers.REMEMBERED) this.keys.shift();
    this.keys.push(k);
  }

  knows(a: SocketAddress): boolean {
    const k = Peers.key(a);
    return k !== undefined && this.keys.includes(k);
  }
}

/** A UDP socket over node:dgram, created when it is first bound, connected or used. */
export class DatagramSocket extends Descriptor {
  readonly kind = 'datagram-socket';

  override statx(path: string): Promise<OpResult> {
    return socketStat(path);
  }
  private readonly options: Options = {};
  private socket: dgram.Socket | undefined;
  private ready: Promise<void> | undefined;
  private connected = false;
  /** Connected, or bound to a granted address, once: it may hear anyone from then on. */
  private hearsAnyone = false;
  /** A socket granted by name (`--listen udp:`): bound by the backend, answering its peers. */
  private grant = false;
  /** A granted socket's peers, learnt from recvmsg: it may send to them. */
  private peers: Peers | undefined;
  private messages: Message[] = [];
  private readers: { len: number; filtered: boolean; learns: boolean; ctx: OpContext; resolve(r: OpResult): void; reject(e: unknown): void }[] = [];
  /** A connect was issued on it: it never listens (the host refuses that with `invalid`). */
  private connecting = false;

  constructor(readonly family: 'ipv4' | 'ipv6') {
    super();
  }

  /**
   * A socket the host grants by name (`--listen NAME=udp:ADDR`): bound to `address` from the
   * start (with SO_REUSEADDR, as the host binds it), hearing anyone, and free to answer whoever
   * it has received from.
   */
  static granted(family: 'ipv4' | 'ipv6', address: SocketAddress): DatagramSocket {
    const s = new DatagramSocket(family);
    s.grant = true;
    s.hearsAnyone = true;
    s.peers = new Peers();
    s.options.reuseAddress = true;
    s.bindTo(address).catch((e) => {
      s.grantError = e;
      for (const r of s.readers.splice(0)) r.reject(e);
    });
    return s;
  }

  /** Why a granted socket could not be bound: every operation on it fails so, as on no host. */
  private grantError: IORingError | undefined;

  /** Fails with a granted socket's bind error, once it is known. */
  private async granted(): Promise<void> {
    await this.ready?.catch(() => {});
    if (this.grantError) throw this.grantError;
  }

  override async setOption(option: SocketOption): Promise<OpResult> {
    // IPV6_V6ONLY is an IPv6 option: setsockopt refuses it on an IPv4 socket (ENOPROTOOPT).
    if (option.tag === 'ipv6-only' && this.family !== 'ipv6') fail('invalid');
    switch (option.tag) {
      case 'multicast-join':
      case 'multicast-leave': {
        if (option.val.group.tag !== this.family) fail('invalid');
        const group = ipText(option.val.group);
        const iface = multicastInterface(option.val.interfaceName, this.family);
        const key = `${group} ${iface ?? ''}`;
        const joined = this.memberships.has(key);
        if (option.tag === 'multicast-join') {
          if (joined) fail('address-in-use');
          this.memberships.add(key);
          if (this.bound()) this.applyNow(() => this.socket!.addMembership(group, iface), () => this.memberships.delete(key));
        } else {
          if (!joined) fail('address-not-available');
          this.memberships.delete(key);
          if (this.bound()) this.applyNow(() => this.socket!.dropMembership(group, iface));
        }
        return { res: 0 };
      }
      case 'multicast-interface':
        this.multicast.iface = multicastInterface(option.val, this.family) ?? (this.family === 'ipv6' ? '::' : '0.0.0.0');
        break;
      case 'multicast-loop':
        this.multicast.loop = option.val;
        break;
      case 'multicast-ttl':
        this.multicast.ttl = option.val;
        break;
      case 'bind-to-device':
        // node:dgram has no SO_BINDTODEVICE.
        fail('not-supported');
        break;
      default:
        recordOption(this.options, option);
        return { res: 0 };
    }
    if (this.bound()) this.applyMulticast();
    return { res: 0 };
  }

  /** Groups joined, as `GROUP IFACE` (Node's interface name): joined in the kernel once bound. */
  private readonly memberships = new Set<string>();
  /** Multicast settings: node:dgram applies them to a bound socket only, so they wait for its bind. */
  private readonly multicast: { iface?: string; loop?: boolean; ttl?: number } = {};

  /** Whether the socket is bound in the kernel (node:dgram has no descriptor before). */
  private bound(): boolean {
    try {
      return this.socket?.address() !== undefined;
    } catch {
      return false;
    }
  }

  /** Runs a node:dgram setter, its exception as the operation's error. */
  private applyNow(set: () => void, undo?: () => void): void {
    try {
      set();
    } catch (e) {
      undo?.();
      throw opError(toErrorCode(e));
    }
  }

  /** Applies the multicast settings and memberships asked for so far (the socket is bound). */
  private applyMulticast(): void {
    const s = this.socket!;
    const m = this.multicast;
    if (m.iface !== undefined) this.applyNow(() => s.setMulticastInterface(m.iface!));
    if (m.loop !== undefined) this.applyNow(() => s.setMulticastLoopback(m.loop!));
    if (m.ttl !== undefined) this.applyNow(() => s.setMulticastTTL(m.ttl!));
  }

  private open(): dgram.Socket {
    if (this.socket) return this.socket;
    const socket = dgram.createSocket({
      type: this.family === 'ipv6' ? 'udp6' : 'udp4',
      reuseAddr: this.options.reuseAddress,
      ipv6Only: this.options.ipv6Only,
      recvBufferSize: this.options.receiveBufferSize,
      sendBufferSize: this.options.sendBufferSize,
    });
    socket.on('message', (data, rinfo) => {
      this.messages.push({ data, from: fromNode(rinfo.address, rinfo.port, rinfo.family) });
      this.pump();
    });
    socket.on('error', () => {});
    // Bound (by bind, or by a first send): what multicast asked for before applies now.
    socket.on('listening', () => {
      try {
        this.applyMulticast();
        for (const key of this.memberships) {
          const [group, iface] = key.split(' ');
          socket.addMembership(group, iface || undefined);
        }
      } catch {
        // As setsockopt after the fact would: the socket stays as it is.
      }
    });
    this.socket = socket;
    return socket;
  }

  /** Binds to `to`, or to an ephemeral port when the socket must receive before it was bound. */
  private bindTo(to: SocketAddress): Promise<void> {
    const socket = this.open();
    const ready: Promise<void> = new Promise((resolve, reject) => {
      const onError = (e: unknown) => {
        // Not bound after all: it may be bound again, as a socket whose bind failed may.
        if (this.ready === ready) this.ready = undefined;
        reject(opError(toErrorCode(e)));
      };
      socket.once('error', onError);
      socket.bind({ address: hostOf(to), port: to.tag === 'unix' ? 0 : to.val.port, exclusive: !this.options.reusePort }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    this.ready = ready;
    return ready;
  }

  override async bind(to: SocketAddress): Promise<OpResult> {
    // A grant's address is the host's to choose; any other needs a bind grant.
    if (this.grant || !mayBind('udp', to)) fail('access');
    if (to.tag !== this.family) fail('invalid');
    if (this.ready) fail('invalid');
    await this.bindTo(to);
    return { res: 0 };
  }

  override async connect(to: SocketAddress): Promise<OpResult> {
    if (!mayConnect('udp', to)) fail('access');
    this.connecting = true;
    if (to.tag !== this.family) fail('address-family-not-supported');
    const socket = this.open();
    await new Promise<void>((resolve, reject) => {
      socket.connect(portOf(to), hostOf(to), (e?: Error) => (e ? reject(opError(toErrorCode(e))) : resolve()));
    });
    this.ready ??= Promise.resolve();
    this.connected = true;
    return { res: 0 };
  }

  /**
   * Listening is for stream sockets: the host checks it as for one (a granted socket may not,
   * a connected one is `invalid`, and the address must be granted) before the kernel refuses it.
   */
  override async listen(): Promise<OpResult> {
    if (this.grant) fail('access');
    if (this.connecting) fail('invalid');
    let local = unbound(this.family);
    await this.ready?.catch(() => {});
    try {
      const a = this.socket?.address();
      if (a) local = fromNode(a.address, a.port, a.family);
    } catch {
      // Not bound yet.
    }
    if (!mayBind('udp', local)) fail('access');
    fail('not-supported');
  }

  override async accept(): Promise<OpResult> {
    fail('not-supported');
  }

  override async sendmsg(data: Uint8Array, to: SocketAddress | undefined): Promise<OpResult> {
    if (this.grant) await this.granted();
    // A granted socket answers its peers freely; anything else needs a connect grant.
    if (to && !this.peers?.knows(to) && !mayConnect('udp', to)) fail('access');
    if (!to && !this.connected) fail('destination-address-required');
    if (to && this.connected) fail('is-connected');
    if (to && to.tag !== this.family) fail('address-family-not-supported');
    const socket = this.open();
    const copy = copyIn(data);
    await new Promise<void>((resolve, reject) => {
      const done = (e: Error | null) => (e ? reject(opError(toErrorCode(e))) : resolve());
      if (to) socket.send(copy, portOf(to), hostOf(to), done);
      else socket.send(copy, done);
    });
    // Sending binds an unbound socket, as on Linux.
    this.ready ??= Promise.resolve();
    return { res: copy.length };
  }

  override send(data: Uint8Array): Promise<OpResult> {
    return this.sendmsg(data, undefined);
  }

  override write(data: Uint8Array): Promise<OpResult> {
    return this.sendmsg(data, undefined);
  }

  /**
   * Whether a receive must filter its senders, as the Linux host decides: a datagram socket
   * hears anyone when connected (to a --connect address) or bound to a granted address;
   * otherwise (a client bound to the wildcard address by a send) only senders it may send to.
   */
  private filtered(): boolean {
    if (this.hearsAnyone) return false;
    let local: SocketAddress | undefined;
    try {
      const a = this.socket?.address();
      if (a) local = fromNode(a.address, a.port, a.family);
    } catch {
      // Not bound yet.
    }
    if (this.connected || (local && portOf(local) !== 0 && mayBind('udp', local))) this.hearsAnyone = true;
    return !this.hearsAnyone;
  }

  private receive(len: number, ctx: OpContext, canFilter: boolean): Promise<OpResult> {
    if (this.grantError) throw this.grantError;
    const filtered = this.filtered();
    // recv cannot tell the sender, so cannot drop the ones this socket may not hear.
    if (filtered && !canFilter) fail('access');
    if (!this.ready) this.bindTo(this.family === 'ipv6' ? anyIpv6() : anyIpv4()).catch(() => {});
    return new Promise((resolve, reject) => {
      // recvmsg (which tells the sender) teaches a granted socket its peers, as on the host.
      const reader = { len, filtered, learns: canFilter, ctx, resolve, reject };
      this.readers.push(reader);
      ctx.onCancel(() => {
        this.readers = this.readers.filter((r) => r !== reader);
        reject(opError('canceled'));
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.readers.length > 0 && this.messages.length > 0) {
      const m = this.messages.shift()!;
      // A datagram from a sender this socket may not hear is dropped, and the receive waits on.
      if (this.readers[0].filtered && !mayConnect('udp', m.from)) continue;
      const r = this.readers.shift()!;
      if (r.learns) this.peers?.heardFrom(m.from);
      // A datagram longer than the buffer is truncated, as recvmsg without MSG_TRUNC does.
      const data = m.data.length > r.len ? m.data.subarray(0, r.len) : m.data;
      r.resolve({ res: data.length, data, detail: { tag: 'peer', val: m.from } });
    }
    this.changed();
  }

  override recvmsg(len: number, ctx: OpContext): Promise<OpResult> {
    return this.receive(len, ctx, true);
  }

  override async recv(len: number, _multishot: boolean, ctx: OpContext): Promise<OpResult> {
    const r = await this.receive(len, ctx, false);
    return { res: r.res, data: r.data };
  }

  override async read(len: number, _offset: number | undefined, ctx: OpContext): Promise<OpResult> {
    return this.recv(len, false, ctx);
  }

  override async shutdown(): Promise<OpResult> {
    if (!this.connected) fail('not-connected');
    return { res: 0 };
  }

  override async localAddress(): Promise<OpResult> {
    await this.granted();
    let address = unbound(this.family);
    try {
      const a = this.socket?.address();
      if (a) address = fromNode(a.address, a.port, a.family);
    } catch {
      // Not bound yet.
    }
    return { res: 0, detail: { tag: 'address', val: address } };
  }

  override readiness(): number {
    return POLL.writable | (this.messages.length > 0 ? POLL.readable : 0);
  }

  override async close(): Promise<void> {
    for (const r of this.readers.splice(0)) r.reject(opError('canceled'));
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

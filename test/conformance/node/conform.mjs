// conform.mjs - conform.h for the Node port of the conformance suite: one report line per case,
// a bounded wait and a copied CQE, the two fixtures (a file, a TCP pair), and a thin C-SDK-like
// layer over @ioring/ring's lowest level under Node: the backend's raw ring (`backend.createRing`,
// the WIT `ring` resource: `submit(sqes)` with user data and link/hard-link/drain flags,
// `complete`, fixed buffers) and its grants. Each <feature>.mjs here is <feature>.c of the
// parent directory, case for case, with the same names and the same checks.
//
// The one difference in kind: the Node backend's `complete` never blocks (completions come
// from libuv on this same thread), so where the C SDK blocks in `complete(min, max, timeout)`
// the port awaits the ring's `wait(min, max, timeout)`, the same contract as a promise.
//
// The runner (../run.mjs, host `node`) grants what conform.h describes through the environment
// (IORING_DIR, IORING_LISTEN), with handle 0 /dev/null.
import { writeSync } from 'node:fs';
import { backend } from '@ioring/ring/node';

/** The contents of ro/data.txt. */
export const T_DATA = '0123456789abcdefghijklmnopqrstuvwxyz\n';
/** How long any one wait for a completion may take before the case fails (5 s). */
export const T_WAIT_NS = 5_000_000_000n;
/** User data the fixtures use; cases use small numbers. */
export const T_UD = 0xc0f00000;

// ---- The C SDK's constants ----------------------------------------------------------------

/** The WIT error codes, in order: IOR_E<name> is the index + 1 (conform.h's t_code table). */
export const CODES = [
  'access', 'address-in-use', 'address-not-available', 'address-family-not-supported',
  'again', 'already', 'bad-descriptor', 'busy', 'canceled', 'connection-aborted',
  'connection-refused', 'connection-reset', 'destination-address-required', 'exists',
  'file-too-large', 'host-unreachable', 'in-progress', 'interrupted', 'invalid', 'io',
  'is-connected', 'is-directory', 'loop', 'too-many-handles', 'message-size',
  'name-too-long', 'network-unreachable', 'no-buffers', 'no-device', 'no-entry',
  'no-memory', 'no-space', 'not-connected', 'not-directory', 'not-empty',
  'not-supported', 'not-a-tty', 'no-such-device-or-address', 'not-permitted', 'pipe',
  'protocol-not-supported', 'range', 'read-only', 'timed-out', 'cross-device', 'unknown',
];
/** IOR_E* of ioring.h: `E.BADF` is IOR_EBADF; results carry them negated, as in C. */
export const E = Object.fromEntries(
  [
    'ACCES', 'ADDRINUSE', 'ADDRNOTAVAIL', 'AFNOSUPPORT', 'AGAIN', 'ALREADY', 'BADF', 'BUSY',
    'CANCELED', 'CONNABORTED', 'CONNREFUSED', 'CONNRESET', 'DESTADDRREQ', 'EXIST', 'FBIG',
    'HOSTUNREACH', 'INPROGRESS', 'INTR', 'INVAL', 'IO', 'ISCONN', 'ISDIR', 'LOOP', 'MFILE',
    'MSGSIZE', 'NAMETOOLONG', 'NETUNREACH', 'NOBUFS', 'NODEV', 'NOENT', 'NOMEM', 'NOSPC',
    'NOTCONN', 'NOTDIR', 'NOTEMPTY', 'NOTSUP', 'NOTTY', 'NXIO', 'PERM', 'PIPE',
    'PROTONOSUPPORT', 'RANGE', 'ROFS', 'TIMEDOUT', 'XDEV', 'UNKNOWN',
  ].map((n, i) => [n, i + 1]),
);
/** A WIT error code as a result number (-IOR_E*). */
export function errno(code) {
  const i = CODES.indexOf(code);
  return i < 0 ? -E.UNKNOWN : -(i + 1);
}

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const CURRENT_POSITION = -1;

/** SQE flags (IOR_SQE_*). */
export const LINK = 1;
export const HARD_LINK = 2;
export const DRAIN = 4;

/** Open flags (IOR_O_*). */
export const O = { WRITE: 1, READ: 2, CREATE: 4, EXCLUSIVE: 8, TRUNCATE: 16, APPEND: 32, DIRECTORY: 64, NONBLOCK: 128, NOCTTY: 256 };
const OPEN_NAMES = ['write', 'read', 'create', 'exclusive', 'truncate', 'append', 'directory', 'nonblock', 'noCtty'];

/** Poll events (IOR_POLL*): bit n is the n-th flag of the WIT's poll-events, as a poll result. */
export const POLLIN = 1;
export const POLLOUT = 2;
export const POLLPRI = 4;
export const POLLERR = 8;
export const POLLHUP = 16;
export const POLLRDHUP = 32;
const POLL_NAMES = ['readable', 'writable', 'priority', 'error', 'hangUp', 'readHangUp'];

/** Socket options (IOR_SO_*, IOR_TCP_NODELAY, IOR_IPV6_V6ONLY): the WIT's tags. */
export const SO = {
  REUSEADDR: 'reuse-address', REUSEPORT: 'reuse-port', TCP_NODELAY: 'tcp-no-delay', IPV6_V6ONLY: 'ipv6-only',
  KEEPALIVE: 'keep-alive', RCVBUF: 'receive-buffer-size', SNDBUF: 'send-buffer-size',
  MULTICAST_LOOP: 'multicast-loop', MULTICAST_TTL: 'multicast-ttl',
};

/** ior_ipaddr_parse: "A.B.C.D" or an IPv6 address as the WIT ip-address record. */
export function ipaddr(text) {
  if (!text.includes(':')) return { tag: 'ipv4', val: text.split('.').map(Number) };
  const [head, tail = ''] = text.split('::');
  const groups = (s) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  return { tag: 'ipv6', val: [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] };
}

export const FSYNC_DATASYNC = 1;
export const AT_REMOVEDIR = 1;
export const CANCEL_ALL = 1;

const bitsToRecord = (bits, names) => Object.fromEntries(names.map((n, i) => [n, (bits & (1 << i)) !== 0]));

/** An IPv4 address record (ior_addr_ipv4). */
export const ipv4 = (a, b, c, d, port) => ({ tag: 'ipv4', val: { address: [a, b, c, d], port } });
/** An IPv6 address record; `address` is eight 16-bit groups. */
export const ipv6 = (address, port) => ({ tag: 'ipv6', val: { address, port, flowInfo: 0, scopeId: 0 } });
/** A unix address record. */
export const unixAddr = (path) => ({ tag: 'unix', val: path });

const bytes = (s) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
const u64 = (v) => (v === undefined || v === null || v === CURRENT_POSITION ? undefined : BigInt(v));

/** The operations, as ior_prep_* prepares them: each returns the WIT `op`. */
export const op = {
  nop: () => ({ tag: 'nop' }),
  read: (fd, len, offset) => ({ tag: 'read', val: { fd, len, offset: u64(offset) } }),
  write: (fd, data, offset) => ({ tag: 'write', val: { fd, data: Uint8Array.from(bytes(data)), offset: u64(offset) } }),
  readFixed: (fd, buffer, bufferOffset, len, offset) => ({ tag: 'read-fixed', val: { fd, buffer, bufferOffset, len, offset: u64(offset) } }),
  writeFixed: (fd, buffer, bufferOffset, len, offset) => ({ tag: 'write-fixed', val: { fd, buffer, bufferOffset, len, offset: u64(offset) } }),
  send: (fd, data) => ({ tag: 'send', val: { fd, data: Uint8Array.from(bytes(data)) } }),
  recv: (fd, len) => ({ tag: 'recv', val: { fd, len } }),
  recvMultishot: (fd, len) => ({ tag: 'recv-multishot', val: { fd, len } }),
  recvmsg: (fd, len) => ({ tag: 'recvmsg', val: { fd, len } }),
  sendmsg: (fd, data, to) => ({ tag: 'sendmsg', val: { fd, data: Uint8Array.from(bytes(data)), to: to ?? undefined } }),
  accept: (fd) => ({ tag: 'accept', val: fd }),
  acceptMultishot: (fd) => ({ tag: 'accept-multishot', val: fd }),
  connect: (fd, addr) => ({ tag: 'connect', val: [fd, addr] }),
  socket: (family, type) => ({ tag: 'socket', val: [family, type] }),
  bind: (fd, addr) => ({ tag: 'bind', val: [fd, addr] }),
  listen: (fd, backlog) => ({ tag: 'listen', val: [fd, backlog] }),
  /** `option` is an SO.* tag; `value` a flag (0/1) or, for the buffer sizes, a byte count. */
  setOption: (fd, option, value) => ({ tag: 'set-option', val: [fd, { tag: option, val: option.endsWith('buffer-size') || option === 'multicast-ttl' ? value : !!value }] }),
  multicastJoin: (fd, group, ifname) => ({ tag: 'set-option', val: [fd, { tag: 'multicast-join', val: { group: ipaddr(group), interfaceName: ifname ?? '' } }] }),
  multicastLeave: (fd, group, ifname) => ({ tag: 'set-option', val: [fd, { tag: 'multicast-leave', val: { group: ipaddr(group), interfaceName: ifname ?? '' } }] }),
  multicastIf: (fd, ifname) => ({ tag: 'set-option', val: [fd, { tag: 'multicast-interface', val: ifname ?? '' }] }),
  bindToDevice: (fd, ifname) => ({ tag: 'set-option', val: [fd, { tag: 'bind-to-device', val: ifname ?? '' }] }),
  shutdown: (fd, how) => ({ tag: 'shutdown', val: [fd, how] }),
  openat: (dir, path, flags, mode = 0o644) => ({ tag: 'openat', val: { dir, path, flags: bitsToRecord(flags, OPEN_NAMES), mode } }),
  close: (fd) => ({ tag: 'close', val: fd }),
  fsync: (fd, flags = 0) => ({ tag: 'fsync', val: [fd, (flags & FSYNC_DATASYNC) !== 0] }),
  ftruncate: (fd, len) => ({ tag: 'ftruncate', val: [fd, BigInt(len)] }),
  mkdirat: (dir, path, mode = 0o755) => ({ tag: 'mkdirat', val: { dir, path, mode } }),
  unlinkat: (dir, path, flags = 0) => ({ tag: 'unlinkat', val: { dir, path, removeDir: (flags & AT_REMOVEDIR) !== 0 } }),
  renameat: (oldDir, oldPath, newDir, newPath) => ({ tag: 'renameat', val: { oldDir, oldPath, newDir, newPath } }),
  statx: (dir, path, noFollow = false) => ({ tag: 'statx', val: { dir, path, noFollow } }),
  timeout: (ns, count = 0) => ({ tag: 'timeout', val: { durationNs: BigInt(ns), count } }),
  linkTimeout: (ns) => ({ tag: 'link-timeout', val: BigInt(ns) }),
  cancel: (target, flags = 0) => ({ tag: 'cancel', val: { target, all: (flags & CANCEL_ALL) !== 0 } }),
  poll: (fd, events) => ({ tag: 'poll', val: { fd, events: bitsToRecord(events, POLL_NAMES), multishot: false } }),
  pollMultishot: (fd, events) => ({ tag: 'poll', val: { fd, events: bitsToRecord(events, POLL_NAMES), multishot: true } }),
  spiTransfer: (fd, segments) => ({ tag: 'spi-transfer', val: { fd, segments } }),
  i2cTransfer: (fd, messages) => ({ tag: 'i2c-transfer', val: { fd, messages } }),
  ttyConfigure: (fd, config) => ({ tag: 'tty-configure', val: [fd, config] }),
  localAddress: (fd) => ({ tag: 'local-address', val: fd }),
  /** ior_prep_gpio_request: `flags` are GPIO.* bits. */
  gpioRequest: (chip, line, direction, flags = 0) => ({
    tag: 'gpio-request',
    val: {
      chip, line, direction,
      bias: flags & GPIO.PULL_UP ? 'pull-up' : flags & GPIO.PULL_DOWN ? 'pull-down' : flags & GPIO.BIAS_DISABLED ? 'disabled' : 'as-is',
      activeLow: (flags & GPIO.ACTIVE_LOW) !== 0,
      edges: { rising: (flags & GPIO.EDGE_RISING) !== 0, falling: (flags & GPIO.EDGE_FALLING) !== 0 },
      initial: (flags & GPIO.INITIAL_ACTIVE) !== 0,
    },
  }),
  gpioGet: (line) => ({ tag: 'gpio-get', val: line }),
  gpioSet: (line, value) => ({ tag: 'gpio-set', val: [line, !!value] }),
  gpioEdges: (line) => ({ tag: 'gpio-edges', val: line }),
};

/** IOR_GPIO_* flags of ior_prep_gpio_request. */
export const GPIO = {
  EDGE_RISING: 1, EDGE_FALLING: 2, EDGE_BOTH: 3, ACTIVE_LOW: 16, PULL_UP: 32, PULL_DOWN: 64, BIAS_DISABLED: 128,
  INITIAL_ACTIVE: 256,
};

/** ior_spi_segment / ior_i2c_msg_* / ior_tty_config_raw. */
export const spiSegment = (tx, rxLen, speedHz = 0) => ({ tx: Uint8Array.from(bytes(tx ?? new Uint8Array(0))), rxLen, speedHz, bitsPerWord: 8, csChange: false, delayUs: 0 });
export const i2cWrite = (address, data) => ({ address, write: Uint8Array.from(bytes(data)), readLen: 0, tenBit: false });
export const i2cRead = (address, len) => ({ address, write: new Uint8Array(0), readLen: len, tenBit: false });
export const ttyRaw = (baud) => ({ raw: true, baud, dataBits: 8, parity: 'none', stopBits: 1, hardwareFlowControl: false });

// ---- The ring: ior_ring over the backend's raw ring -----------------------------------------

/** What completions wake: nothing to do, the port awaits `wait` instead. */
const OWNER = { busy: false, turn: () => 0 };

const RECORD_FLAGS = (f) => ({ link: (f & LINK) !== 0, hardLink: (f & HARD_LINK) !== 0, drain: (f & DRAIN) !== 0 });

/** struct ior_ring: a local batch of SQEs, the host ring, CQEs received and not yet seen. */
export class Ring {
  /** ior_ring_init: throws the result (-IOR_E*) as a number when the host refuses. */
  static create(entries) {
    const r = new Ring();
    r.cap = entries || 64;
    try {
      r.host = backend.createRing(entries, OWNER);
    } catch (e) {
      return errno(e?.errorCode ?? 'unknown');
    }
    return r;
  }

  sq = [];
  cq = [];

  /** ior_get_sqe + ior_prep_*: queues `op` with user data and flags; null when the batch is full. */
  prep(operation, userData = 0, flags = 0) {
    if (this.sq.length === this.cap) return null;
    const sqe = { op: operation, userData, flags: RECORD_FLAGS(flags) };
    this.sq.push(sqe);
    return sqe;
  }

  /** ior_sq_ready. */
  get ready() {
    return this.sq.length;
  }

  /** ior_submit: what the host takes leaves the batch; the rest stays, in order. */
  submit() {
    if (this.sq.length === 0) return 0;
    const taken = Math.min(this.host.submit(this.sq), this.sq.length);
    this.sq.splice(0, taken);
    return taken;
  }

  /** One `complete` (ior_wait_cqes): submits first; resolves to the CQEs. */
  async complete(min, max, timeoutNs) {
    if (this.cq.length) return this.cq.splice(0, max);
    this.submit();
    return this.host.wait(min, max, timeoutNs === undefined || timeoutNs < 0 ? undefined : BigInt(timeoutNs));
  }

  /** ior_wait_cqe_timeout: the next CQE, left in place (`seen` takes it), or null when none came in time. */
  async waitCqe(timeoutNs) {
    if (this.cq.length === 0) this.cq = await this.complete(1, this.cap * 2, timeoutNs);
    return this.cq[0] ?? null;
  }

  /** ior_cqe_seen. */
  seen() {
    this.cq.shift();
  }

  registerBuffers(count, size) {
    return call(() => this.host.registerBuffers(count, size));
  }

  /** ior_buffer_read: the bytes, or -IOR_E*. */
  bufferRead(buffer, offset, len) {
    try {
      return this.host.bufferRead(buffer, offset, len);
    } catch (e) {
      return errno(e?.errorCode ?? 'unknown');
    }
  }

  bufferWrite(buffer, offset, data) {
    return call(() => this.host.bufferWrite(buffer, offset, Uint8Array.from(bytes(data))));
  }

  /** ior_ring_exit. */
  exit() {
    this.host?.[Symbol.dispose]?.();
    this.cq = [];
    this.sq = [];
  }
}

/** 0, or the error a direct call threw as -IOR_E*. */
function call(fn) {
  try {
    fn();
    return 0;
  } catch (e) {
    return errno(e?.errorCode ?? 'unknown');
  }
}

/** A granted directory's handle, or -IOR_E* (ior_grant_*). */
export const grantDirectory = (name) => grant(() => backend.grants.directory(name));
export const grantListener = (name) => grant(() => backend.grants.listener(name));
export const grantDevice = (name) => grant(() => backend.grants.device(name));
function grant(fn) {
  try {
    return fn();
  } catch (e) {
    return errno(e?.errorCode ?? 'unknown');
  }
}
export const t_dir = grantDirectory;

// ---- Report lines (conform.h) --------------------------------------------------------------

let caseName = '';
let verdicts = 0;
let failures = 0;

/** Thrown by pass/fail/check/skipIfNotsup: ends the case, as the C macros `return`. */
class Verdict {
  constructor(status, why) {
    this.status = status;
    this.why = why;
  }
}

function line(status, why) {
  writeSync(1, `${status} ${caseName}${why !== undefined ? `: ${why}` : ''}\n`);
  verdicts++;
}

export function PASS() {
  throw new Verdict('ok');
}
export function FAIL(why) {
  throw new Verdict('FAIL', why);
}
export function CHECK(cond, why) {
  if (!cond) throw new Verdict('FAIL', typeof why === 'function' ? why() : why);
}
/** SKIP(why): "skip NAME: not-supported: why" (conform.h's SKIP). */
export function SKIP(why) {
  throw new Verdict('skip', `not-supported: ${why}`);
}
export function SKIP_IF_NOTSUP(res) {
  if (res === -E.NOTSUP) SKIP('the host answered not-supported');
}
/** SKIP_IF_NO_RESET(res): a receive that should have ended with connection-reset ended with 0 (conform.h). */
export function SKIP_IF_NO_RESET(res) {
  if (res === 0) SKIP("the close with unread bytes ended the stream in order (0), not with a reset: the host's TCP has no abortive close");
}

/** Runs case `fn` as `name` on a fresh ring of 32 entries, dropped afterwards. */
export async function t_run(name, fn) {
  caseName = name;
  const before = verdicts;
  const ring = Ring.create(32);
  if (typeof ring === 'number') {
    line('FAIL', `ior_ring_init: ${t_code(ring)}`);
    failures++;
    return;
  }
  try {
    await fn(ring);
  } catch (e) {
    if (e instanceof Verdict) {
      line(e.status, e.why);
      if (e.status === 'FAIL') failures++;
    } else {
      line('FAIL', `the case threw ${e?.stack?.split('\n').slice(0, 2).join(' ') ?? e}`);
      failures++;
    }
  }
  if (verdicts === before) {
    line('FAIL', 'the case gave no verdict (a defect of the case)');
    failures++;
  }
  ring.exit();
}

/** The WIT name of a result: a count as a number, -IOR_E* as its error-code case. */
export function t_code(res) {
  return typeof res === 'number' && res < 0 && -res <= CODES.length ? CODES[-res - 1] : String(res);
}

/** Ends the program: 1 if any case failed. */
export function t_exit() {
  process.exit(failures ? 1 : 0);
}

// ---- CQEs -----------------------------------------------------------------------------------

/** struct t_cqe: one CQE as the cases compare it. */
function copy(cqe) {
  const d = cqe.detail;
  const res = cqe.res.tag === 'ok' ? cqe.res.val : errno(cqe.res.val);
  const handle = d.tag === 'handle' ? d.val : d.tag === 'accepted' ? d.val[0] : -E.INVAL;
  const addr = d.tag === 'peer' || d.tag === 'address' ? d.val : d.tag === 'accepted' ? d.val[1] : undefined;
  return {
    userData: cqe.userData,
    res,
    more: cqe.more,
    len: cqe.data.length,
    data: cqe.data,
    text: Buffer.from(cqe.data).toString('latin1'),
    handle,
    hasAddr: addr !== undefined,
    addr,
    hasStat: d.tag === 'stat',
    stat: d.tag === 'stat' ? d.val : undefined,
    hasEdge: d.tag === 'gpio-edge',
    edge: d.tag === 'gpio-edge' ? d.val : undefined,
  };
}

/** t_next: the next CQE within T_WAIT_NS (what is prepared is submitted first), or null. */
export async function t_next(ring) {
  const cqe = await ring.waitCqe(T_WAIT_NS);
  if (!cqe) return null;
  ring.seen();
  return copy(cqe);
}

/** t_reap: up to `n` CQEs in the order they came (fewer when the wait ran out). */
export async function t_reap(ring, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = await t_next(ring);
    if (!c) break;
    out.push(c);
  }
  return out;
}

/** t_quiet: whether no CQE arrives within `ns` nanoseconds (what is prepared is submitted first). */
export async function t_quiet(ring, ns) {
  return (await ring.waitCqe(ns)) === null;
}

/** t_one: submits what is prepared and returns its one CQE (res -IOR_ETIMEDOUT when none came). */
export async function t_one(ring) {
  const c = await t_next(ring);
  return c ?? { res: -E.TIMEDOUT, userData: 0, more: false, len: 0, data: new Uint8Array(0), text: '', handle: -E.INVAL, hasAddr: false, hasStat: false };
}

/** An IPv4 address's port, or -1 when `c` carries none. */
export const t_port = (c) => (c.hasAddr && c.addr.tag === 'ipv4' ? c.addr.val.port : -1);

// ---- Fixtures -------------------------------------------------------------------------------

/** t_open: opens `path` beneath `dir` (mode 0644), writes `contents` if given; the handle or -IOR_E*. */
export async function t_open(ring, dir, path, flags, contents) {
  ring.prep(op.openat(dir, path, flags, 0o644));
  const c = await t_one(ring);
  if (c.res < 0) return c.res;
  const fd = c.handle;
  if (contents !== undefined && contents !== null) {
    ring.prep(op.write(fd, contents, 0));
    const w = await t_one(ring);
    if (w.res !== bytes(contents).length) return w.res < 0 ? w.res : -E.IO;
  }
  return fd;
}

/** t_close. */
export async function t_close(ring, fd) {
  ring.prep(op.close(fd));
  await t_one(ring);
}

/** The granted listener "lst": { lst, port } or { lst, port: -IOR_E* }. */
export async function t_listener_port(ring) {
  const lst = grantListener('lst');
  if (lst < 0) return { lst, port: lst };
  ring.prep(op.localAddress(lst));
  const c = await t_one(ring);
  if (c.res < 0) return { lst, port: c.res };
  return { lst, port: t_port(c) > 0 ? t_port(c) : -E.INVAL };
}

/** t_tcp_pair: { res: 0, client, server } connected on loopback through "lst", or { res: -IOR_E* }. */
export async function t_tcp_pair(ring) {
  const { port } = await t_listener_port(ring);
  if (port < 0) return { res: port };
  const lst = grantListener('lst');
  ring.prep(op.socket('ipv4', 'stream'));
  let c = await t_one(ring);
  if (c.res < 0) return { res: c.res };
  const client = c.handle;
  ring.prep(op.connect(client, ipv4(127, 0, 0, 1, port)), T_UD + 1);
  ring.prep(op.accept(lst), T_UD + 2);
  const cs = await t_reap(ring, 2);
  if (cs.length !== 2) return { res: -E.TIMEDOUT };
  let server = -1;
  for (c of cs) {
    if (c.res < 0) return { res: c.res };
    if (c.userData === T_UD + 2) server = c.handle;
  }
  return { res: 0, client, server };
}

/** Milliseconds to wait (tests that need to let time pass outside the ring). */
export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** File types (IOR_FILE_*): the WIT's file-type tags, as a stat's `type` holds them. */
export const FT = {
  REGULAR: 'regular', DIRECTORY: 'directory', SYMLINK: 'symlink', CHARACTER_DEVICE: 'character-device',
  BLOCK_DEVICE: 'block-device', FIFO: 'fifo', SOCKET: 'socket', UNKNOWN: 'unknown',
};

/** memcmp(c.data, want, want.length) == 0: whether `data` starts with the bytes of `want`. */
export function startsWith(data, want) {
  const w = bytes(want);
  if (!data || data.length < w.length) return false;
  for (let i = 0; i < w.length; i++) if (data[i] !== w[i]) return false;
  return true;
}

/** The statx of `path` beneath `dir` (no-follow unless told): the CQE (res, hasStat, stat). */
export async function t_stat(ring, dir, path, noFollow = true) {
  ring.prep(op.statx(dir, path, noFollow));
  return t_one(ring);
}

/** t_fixture_has: 1 when `path` beneath `dir` (not followed) is there with file type `type`, 0 when nothing is, else -IOR_E*. */
export async function t_fixture_has(ring, dir, path, type) {
  const c = await t_stat(ring, dir, path, true);
  if (c.res === -E.NOENT) return 0;
  if (c.res < 0) return c.res;
  return c.hasStat && c.stat.type === type ? 1 : -E.INVAL;
}

/** SKIP_IF_NO_LINK: skips when the fixture's link `up` beneath `dir` (the grant `name`) is missing. */
export async function SKIP_IF_NO_LINK(ring, dir, name) {
  const has = await t_fixture_has(ring, dir, 'up', FT.SYMLINK);
  SKIP_IF_NOTSUP(has);
  if (has === 0) SKIP(`no symbolic link ${name}/up in the fixture: the host's file systems have none`);
  CHECK(has === 1, `fixture: ${name}/up is no symbolic link (${t_code(has)})`);
}

/** SKIP_IF_NO_FIFO: the same for rw/fifo beneath `dir`, the grant "rw". */
export async function SKIP_IF_NO_FIFO(ring, dir) {
  const has = await t_fixture_has(ring, dir, 'fifo', FT.FIFO);
  SKIP_IF_NOTSUP(has);
  if (has === 0) SKIP("no FIFO rw/fifo in the fixture: the host's file systems have none");
  CHECK(has === 1, `fixture: rw/fifo is no FIFO (${t_code(has)})`);
}

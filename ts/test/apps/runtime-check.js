// A conformance app for the runtime: run as a component (each engine) and under Node by
// test/e2e/ts-runtime.test.js, it must print the same lines everywhere.
//
//   runtime-check SCENARIO
import { IORing, IORingError, Socket, args, command, grants, sleep, stdin, withTimeout, utf8, fromUtf8 } from '@ioring/ring';

/** A ring whose submits are counted: wraps the default backend's host ring. */
function countingRing() {
  const batches = [];
  const base = IORing.shared.backend;
  const backend = {
    ...base,
    createRing(entries, owner) {
      const ring = base.createRing(entries, owner);
      return {
        submit: (sqes) => (batches.push(sqes.length), ring.submit(sqes)),
        complete: (min, max, timeout) => ring.complete(min, max, timeout),
        registerBuffers: (c, s) => ring.registerBuffers(c, s),
        bufferRead: (b, o, l) => ring.bufferRead(b, o, l),
        bufferWrite: (b, o, d) => ring.bufferWrite(b, o, d),
      };
    },
  };
  return { ring: new IORing({ backend }), batches };
}

const scenarios = {
  async batching() {
    const { ring, batches } = countingRing();
    const all = await Promise.all(Array.from({ length: 64 }, () => ring.nop()));
    console.log(`64 nops: ${all.length} results, submits ${JSON.stringify(batches)}`);
    batches.length = 0;
    for (let round = 0; round < 3; round++) await Promise.all([ring.nop(), ring.nop(), ring.nop()]);
    console.log(`3 rounds of 3: submits ${JSON.stringify(batches)}`);
    batches.length = 0;
    const task = async (n) => {
      await null;
      await Promise.resolve();
      await ring.nop();
      return n;
    };
    console.log(`tasks: ${JSON.stringify(await Promise.all([task(1), task(2), task(3)]))}, submits ${JSON.stringify(batches)}`);
    // More than the host takes in flight (--max-inflight, 1024 by default) and than one turn
    // collects (256): the rest goes with later turns.
    const many = await Promise.all(Array.from({ length: 5000 }, () => IORing.shared.nop()));
    console.log(`5000 nops: ${many.length} results`);
    // A full host is offered part of the queue, never part of a chain: 1,100 nops fill it, and
    // chains of a failing read and four nops wait behind. The host frees every nop's slot at
    // once while a turn collects 256 of their completions, so the ring offers the room it
    // knows of (256) plus a few, which ends inside a chain. A chain cut there would run its
    // last nop instead of canceling it (the Linux host; the Node backend frees a slot only
    // when its completion is collected, so never has room for the cut part).
    const shared = IORing.shared;
    const nops = Array.from({ length: 1100 }, () => shared.nop());
    const read = { tag: 'read', val: { fd: 77, len: 16, offset: undefined } };
    const nop = { tag: 'nop' };
    const chains = await Promise.all(Array.from({ length: 100 }, () => shared.linked([read, nop, nop, nop, nop])));
    await Promise.all(nops);
    const outcomes = new Map();
    for (const r of chains.flat()) {
      const what = r.ok ? 'ok' : r.error.code;
      outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
    }
    console.log(`100 chains of 5 behind 1100 nops: ${JSON.stringify([...outcomes].sort())}`);
  },

  async order() {
    const log = [];
    const p = sleep(20).then(() => log.push('sleep 20'));
    setTimeout(() => log.push('timer 5'), 5);
    queueMicrotask(() => log.push('microtask'));
    Promise.resolve().then(() => log.push('then'));
    log.push('sync');
    await sleep(40);
    await p;
    console.log(log.join(', '));
    let ticks = 0;
    await new Promise((resolve) => {
      const id = setInterval(() => {
        if (++ticks === 3) {
          clearInterval(id);
          resolve();
        }
      }, 2);
    });
    const cancelled = setTimeout(() => console.log('must not run'), 1);
    clearTimeout(cancelled);
    await sleep(10);
    console.log(`interval ticked ${ticks} times`);
  },

  async timeouts() {
    const started = Date.now();
    try {
      // stdin is a pipe the test keeps open and silent: the read can only time out.
      await IORing.shared.read(stdin, 16, { timeoutMs: 50 });
      console.log('read returned');
    } catch (e) {
      console.log(`read with timeoutMs: ${e.code}, after at least 40 ms: ${Date.now() - started >= 40}`);
    }
    try {
      await withTimeout((signal) => IORing.shared.read(stdin, 16, { signal }), 30);
    } catch (e) {
      console.log(`withTimeout: ${e instanceof IORingError} ${e.code}`);
    }
    const ac = new AbortController();
    const pending = sleep(10_000, { signal: ac.signal }).catch((e) => e.code);
    await sleep(1);
    ac.abort();
    console.log(`aborted sleep: ${await pending}`);
    const signal = AbortSignal.timeout(10);
    console.log(`AbortSignal.timeout: ${await sleep(5000, { signal }).then(() => 'slept', () => signal.aborted)}`);
    console.log(`fast op under a timeout: ${await IORing.shared.nop({ timeoutMs: 1000 })}`);
  },

  async text() {
    const bytes = new TextEncoder().encode('héllo 𝄞');
    console.log(`TextEncoder: ${bytes.length} bytes, TextDecoder: ${new TextDecoder().decode(bytes)}`);
    console.log(`utf8: ${fromUtf8(utf8('€'))} ${utf8('€').length}`);
    console.log('console.log of', { a: 1, b: [true, null] }, 42);
  },

  async errors() {
    try {
      await IORing.shared.read(999, 1);
    } catch (e) {
      console.log(`read of handle 999: ${e.name} ${e.code} ${e.errorCode} "${e.message}"`);
    }
    try {
      await IORing.shared.close(1 << 20);
    } catch (e) {
      console.log(`close of handle 2^20: ${e.code}`);
    }
  },

  async multishot() {
    // Needs: --bind 'tcp:127.0.0.1:*' --connect 'tcp:127.0.0.1:*'
    const server = await Socket.create('tcp');
    await server.bind('127.0.0.1:0');
    await server.listen();
    const { port } = await server.localAddress();
    const seen = [];
    const loop = (async () => {
      let n = 0;
      for await (const conn of server.accept()) {
        n++;
        let text = '';
        // Breaking out of the receive stream cancels the multishot receive.
        for await (const chunk of conn.receiveStream()) {
          text += fromUtf8(chunk);
          if (text.length >= 5) break;
        }
        await conn.close();
        seen.push(`connection ${n}: ${text}`);
      }
      return n;
    })();
    for (const word of ['hello', 'again']) {
      const client = await Socket.connect(`127.0.0.1:${port}`);
      await client.sendAll(utf8(word));
      while (seen.length === 0) await sleep(1);
      console.log(seen.shift());
      await client.close();
    }
    // Closing the listener cancels the multishot accept: the loop ends, nothing stays in flight.
    await server.close();
    console.log(`accept loop ended after ${await loop} connections`);
    await sleep(5);
    console.log(`ring busy: ${IORing.shared.busy}`);
  },

  async ops() {
    // Needs: --dir DIR::data (DIR holding ten.txt = '0123456789') --bind/--connect 'tcp:127.0.0.1:*'
    const ring = IORing.shared;
    const dir = grants.directory('data');
    const st = await ring.statx(dir, 'ten.txt');
    console.log(`statx: ${st.type} ${st.size} bytes mode ${st.mode.toString(8)}`);
    const fd = await ring.openat(dir, 'ten.txt', { read: true, write: true });
    ring.registerBuffers(2, 32);
    console.log(`read-fixed: ${await ring.readFixed(fd, 1, 2, 10, { offset: 0 })} bytes, buffer holds ${fromUtf8(ring.bufferRead(1, 2, 10))}`);
    ring.bufferWrite(0, 0, utf8('AB'));
    console.log(`write-fixed: ${await ring.writeFixed(fd, 0, 0, 2, { offset: 8 })} bytes, file now ${fromUtf8(await ring.read(fd, 10, { offset: 0 }))}`);
    const [w, r] = await ring.linked([
      { tag: 'write', val: { fd, data: utf8('xy'), offset: 0n } },
      { tag: 'read', val: { fd, len: 10, offset: 0n } },
    ]);
    console.log(`linked write then read: ${w.ok && w.res} then ${r.ok && fromUtf8(r.data)}`);
    const [bad, after] = await ring.linked([{ tag: 'read', val: { fd: 999, len: 1, offset: undefined } }, { tag: 'nop' }]);
    console.log(`linked after a failure: ${bad.ok || bad.error.code} then ${after.ok || after.error.code}`);
    await ring.fsync(fd, true);
    const ready = await ring.poll(fd, { readable: true });
    console.log(`poll on a file: readable ${ready.readable}`);
    await ring.close(fd);
    try {
      await ring.cancel(0xdead);
    } catch (e) {
      console.log(`cancel of nothing: ${e.code}`);
    }
    const server = await Socket.create('tcp');
    await server.bind('127.0.0.1:0');
    await server.listen();
    const { port } = await server.localAddress();
    const [client, conn] = await Promise.all([Socket.connect(`127.0.0.1:${port}`), server.accept()]);
    const local = await client.localAddress();
    console.log(`local address: ${local.family} ${local.address} ephemeral ${local.port > 0}`);
    const polled = ring.poll(conn.handle, { readable: true });
    await client.sendAll(utf8('ping'));
    console.log(`poll on a socket: readable ${(await polled).readable}`);
    await client.shutdown('write');
    const got = [];
    for (let b; (b = await conn.receive(100)).length > 0; ) got.push(fromUtf8(b));
    console.log(`after shutdown the peer read ${JSON.stringify(got.join(''))} then end of stream`);
    await Promise.all([client.close(), conn.close(), server.close()]);
  },

  async unhandled() {
    Promise.reject(new IORingError('pipe', 'send'));
    await sleep(1000);
    console.log('not reached');
  },

  async deadlock() {
    console.log('waiting for nothing');
    await new Promise(() => {});
  },

  async thrown() {
    throw new RangeError('bad argument');
  },
};

export const run = command(async () => {
  const [name] = args();
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario ${name}: ${Object.keys(scenarios).join(', ')}`);
  await scenario();
});

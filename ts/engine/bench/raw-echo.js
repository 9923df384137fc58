// raw-echo: a TCP echo server on the ioring-qjs engine written against the ring itself, with no
// library, no promises and no async functions: what the engine costs per message without the
// library (bench.mjs's 'ioring-qjs raw' rows). Every connection has one receive in flight (a
// multishot one, or with `once` single-shot receives of 64 KiB as tcp-echo.ts makes) and one
// send at a time; the step engine.c calls submits what is queued and waits for completions.
//
//   ioring run --bind 'tcp:*:PORT' raw-echo.wasm PORT [once]
import { Ring } from 'ioring:ring/ring@0.1.0';
import { getArguments } from 'wasi:cli/environment@0.2.0';

export const run = {
  run() {
    const [, portArg, mode] = getArguments();
    const port = Number(portArg ?? 7000);
    const once = mode === 'once';
    const ring = Ring.create(0);
    let queue = [];
    const handlers = new Map();
    let nextTag = 1;
    const NO_FLAGS = {};
    const op = (o, handler) => {
      const userData = nextTag++;
      handlers.set(userData, handler);
      queue.push({ op: o, userData, flags: NO_FLAGS });
      return userData;
    };
    const fail = (what, cqe) => {
      if (cqe.res.tag === 'err') throw new Error(`${what}: ${cqe.res.val}`);
    };
    const serve = (fd) => {
      const pending = [];
      let sending = false;
      let closed = false;
      const send = () => {
        sending = true;
        op({ tag: 'send', val: { fd, data: pending[0] } }, (cqe) => {
          if (cqe.res.tag === 'err') return close();
          const n = cqe.res.val;
          const head = pending[0];
          if (n < head.length) pending[0] = head.subarray(n);
          else pending.shift();
          if (pending.length) send();
          else {
            sending = false;
            if (closed) close();
          }
        });
      };
      const onData = (cqe) => {
        if (cqe.res.tag === 'err' || cqe.res.val === 0) {
          closed = true;
          if (!sending) close();
          return;
        }
        pending.push(cqe.data);
        if (!sending) send();
        if (once) receive();
      };
      const receive = () => op({ tag: once ? 'recv' : 'recv-multishot', val: { fd, len: 64 * 1024 } }, onData);
      let closing = false;
      const close = () => {
        if (closing) return;
        closing = true;
        op({ tag: 'close', val: fd }, () => {});
      };
      receive();
    };
    // The listener: a socket of the app's own, bound to the granted port.
    op({ tag: 'socket', val: ['ipv4', 'stream'] }, (cqe) => {
      fail('socket', cqe);
      const fd = cqe.detail.val;
      op({ tag: 'set-option', val: [fd, { tag: 'reuse-address', val: true }] }, (c) => {
        fail('reuse', c);
        op({ tag: 'bind', val: [fd, { tag: 'ipv4', val: { port, address: [0, 0, 0, 0] } }] }, (c) => {
          fail('bind', c);
          op({ tag: 'listen', val: [fd, 128] }, (c) => {
            fail('listen', c);
            // No console without the prelude: the banner is a write to handle 1.
            const line = `echo: listening on port ${port}\n`;
            const bytes = new Uint8Array(line.length);
            for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i);
            op({ tag: 'write', val: { fd: 1, data: bytes, offset: undefined } }, () => {});
            op({ tag: 'accept-multishot', val: fd }, (a) => {
              if (a.res.tag === 'err') return;
              const conn = a.detail.val[0];
              op({ tag: 'set-option', val: [conn, { tag: 'tcp-no-delay', val: true }] }, () => {});
              serve(conn);
            });
          });
        });
      });
    });
    return () => {
      if (queue.length) {
        const batch = queue;
        queue = [];
        const taken = ring.submit(batch);
        if (taken < batch.length) queue = batch.slice(taken);
      }
      for (const cqe of ring.complete(1, 256, undefined)) {
        const h = handlers.get(cqe.userData);
        if (!cqe.more) handlers.delete(cqe.userData);
        h?.(cqe);
      }
      return -1;
    };
  },
};

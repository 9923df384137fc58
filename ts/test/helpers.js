// Shared helpers for the unit tests: they run the library on its Node backend, against real
// sockets on 127.0.0.1 and real files in a fresh directory.
import { backend, grantBind, grantConnect } from '@ioring/ring/node';

// The tests' sockets live on 127.0.0.1, granted as `ioring run --bind/--connect` would grant
// them (the Node backend grants nothing by default). test/policy.test.js tries everything else.
for (const t of ['tcp', 'udp']) {
  grantBind(`${t}:127.0.0.1:*`);
  grantConnect(`${t}:127.0.0.1:*`);
}

export { freePort, tempDir } from '../../test/lib/ioring.js';

/**
 * The Node backend with every submit recorded: `batches` holds the number of SQEs of each
 * submit call, `ops` their tags.
 */
export function recordingBackend() {
  const batches = [];
  const ops = [];
  const spy = {
    ...backend,
    createRing(entries, owner) {
      const ring = backend.createRing(entries, owner);
      return {
        submit(sqes) {
          batches.push(sqes.length);
          ops.push(sqes.map((s) => s.op.tag));
          return ring.submit(sqes);
        },
        complete: (...a) => ring.complete(...a),
        registerBuffers: (...a) => ring.registerBuffers(...a),
        bufferRead: (...a) => ring.bufferRead(...a),
        bufferWrite: (...a) => ring.bufferWrite(...a),
        [Symbol.dispose]: () => ring[Symbol.dispose](),
      };
    },
  };
  return { backend: spy, batches, ops };
}

/** Rejects with the error `promise` rejects with, or fails if it resolves. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

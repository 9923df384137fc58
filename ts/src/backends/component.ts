// The component backend: the ring is the host's, reached through the WIT imports.
import { Ring } from 'ioring:ring/ring@0.1.0';
import type { Backend } from '../backend.js';

export const componentBackend: Backend = {
  createRing(entries) {
    return Ring.create(entries);
  },
  // StarlingMonkey runs microtasks only when control returns to the engine; a zero timeout
  // is a macrotask, so by the time it fires every continuation that could run has run.
  scheduleTurn(turn) {
    setTimeout(turn, 0);
  },
};

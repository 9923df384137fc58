import type { Cqe, Sqe } from 'ioring:ring/types@0.1.0';

export type { Cqe, Sqe };

/**
 * What the ring runtime needs from a host: the WIT `ring` resource's shape, plus how to get
 * the next turn of the loop to run once every pending microtask has run.
 */
export interface Backend {
  /** Creates one host ring. */
  createRing(entries: number): RingBackend;
  /** Runs `turn` after the microtask queue has drained (a macrotask). */
  scheduleTurn(turn: () => void): void;
}

export interface RingBackend {
  submit(sqes: Sqe[]): number;
  complete(min: number, max: number, timeoutNs: bigint | undefined): Cqe[];
}

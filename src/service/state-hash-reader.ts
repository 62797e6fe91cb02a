// GET /v1/state/hash without blocking the event loop: at a million accounts the hash takes ~0.4 s of work. It is
// taken at a command boundary (copies, as a snapshot's) and computed a slice at a time while the engine goes on.
import type { Engine } from "../engine/engine.js";
import { completeInSlices, SLICE_MS, TimeSlices } from "./time-slices.js";

export interface SeqHash {
  readonly seq: number;
  readonly stateHash: string;
}

/**
 * One hash in flight at a time, shared by every request that arrives meanwhile (they get the seq it was taken at:
 * seq and hash always belong together); the last result is reused while nothing new has been applied.
 */
export class StateHashReader {
  private last: SeqHash | null = null;
  private running: Promise<SeqHash> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly applied: () => number,
    private readonly sliceMs = SLICE_MS,
  ) {}

  read(): Promise<SeqHash> {
    const seq = this.applied();
    if (this.last !== null && this.last.seq === seq) return Promise.resolve(this.last);
    if (this.running === null)
      this.running = this.compute(seq).finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async compute(seq: number): Promise<SeqHash> {
    const capture = this.engine.captureStateHash();
    try {
      this.last = { seq, stateHash: await completeInSlices(capture.stateHash, new TimeSlices(this.sliceMs)) };
      return this.last;
    } finally {
      capture.release();
    }
  }
}

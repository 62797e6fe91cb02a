// Long work on the service's event loop, in slices: it yields a turn whenever a slice is spent, so that requests,
// writes and timers go on meanwhile (a service never blocks its loop for milliseconds). Used by the snapshot writer,
// the state hash over HTTP and a start's replay of the stream.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Steps } from "../kernel/steps.js";

/** Longest run between two turns of the event loop by default, in ms (a piece of work may overrun it by under 1 ms). */
export const SLICE_MS = 2;

export class TimeSlices {
  private deadline: number;

  constructor(private readonly sliceMs = SLICE_MS) {
    this.deadline = performance.now() + sliceMs;
  }

  /** Null while the slice lasts; else the next turn of the loop, where a new slice starts. */
  pause(): Promise<void> | null {
    if (performance.now() < this.deadline) return null;
    return nextTurn().then(this.restart);
  }

  /** Starts a new slice (after a wait of another kind). */
  readonly restart = (): void => {
    this.deadline = performance.now() + this.sliceMs;
  };
}

/** Runs `steps` to the end, pausing for the event loop between slices. */
export async function completeInSlices<T>(steps: Steps<T>, slices: TimeSlices): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    const pause = slices.pause();
    if (pause !== null) await pause;
  }
}

// Events on their way to the read model, and the bound on how many may be unwritten. Whatever applies commands — the
// sequencer's batches, a start's replay of the journal, a standby's batches from the leader — hands their events
// here and, before applying more, waits for room (`room()`) while the read model is behind by more than the bound:
// its queued writes (PostgreSQL's, on their own queue) then never hold more than the bound, and what was applied
// since the last check, in memory. Nothing is dropped: waiting slows whatever applies.
import type { EngineEvent } from "../engine/events.js";
import type { ReadModel } from "./read-model.js";

/** Events handed to the read model at once. */
const CHUNK = 10_000;

export class ModelFeed {
  private buffer: EngineEvent[] = [];
  /** Events handed to the read model and not yet written. */
  private backlog = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly model: ReadModel | null,
    /** Explicit limit: events the read model may have unwritten before whatever applies waits for it. */
    private readonly bound: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Events just applied; those the read model holds already (replayed) are skipped. Full chunks are handed over. */
  push(events: readonly EngineEvent[]): void {
    const model = this.model;
    if (model === null) return;
    for (const e of events) if (e.seq > model.lastSeq) this.buffer.push(e);
    if (this.buffer.length >= CHUNK) this.flush();
  }

  /** Hands the buffered events to the read model. */
  flush(): void {
    if (this.model === null || this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = [];
    this.backlog += chunk.length;
    this.model
      .apply(chunk)
      .catch((error: Error) => this.log(`read model: ${error.message}`))
      .finally(() => {
        this.backlog -= chunk.length;
        if (this.backlog + this.buffer.length > this.bound) return;
        for (const wake of this.waiters) wake();
        this.waiters = [];
      });
  }

  /** Events applied and not yet written: handed over, or buffered. */
  get unwritten(): number {
    return this.backlog + this.buffer.length;
  }

  /**
   * Null while the read model keeps within the bound; else a promise of room (the buffered events are handed over
   * first, so that the writes can get there).
   */
  room(): Promise<void> | null {
    if (this.unwritten <= this.bound) return null;
    this.flush();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

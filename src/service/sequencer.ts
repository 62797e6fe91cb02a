// The single writer: commands from every client wait in one queue; a batch of them is journaled (written and
// synced: group commit), then applied to the engine in journal order, and only then are their events handed back.
// Journal first, then apply (exchange-core's order): what a client was answered survives any crash, and replaying
// the journal rebuilds the same state.
import type { Engine } from "../engine/engine.js";
import type { EngineEvent } from "../engine/events.js";

export interface Journal {
  append(payloads: readonly string[]): Promise<void>;
}

export interface SequencerOptions {
  /** Most commands per journal batch. */
  readonly batchMax: number;
  /** Most commands waiting at once; beyond it submissions are refused (the service is overloaded). */
  readonly queueMax: number;
}

interface Pending {
  readonly line: string;
  readonly resolve: (events: EngineEvent[]) => void;
  readonly reject: (error: Error) => void;
}

/** Refused for load, not for content: the client may retry later (HTTP 503). */
export class Overloaded extends Error {
  override readonly name = "Overloaded";
}

export class Sequencer {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private failed: Error | null = null;
  /** Commands journaled and applied: the seq of the last one (its input line, as `plimsoll run` counts). */
  applied: number;
  /** Events kept for `GET /v1/events`, the newest `keep` of them. */
  private readonly recent: EngineEvent[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly journal: Journal,
    private readonly options: SequencerOptions,
    applied: number,
    private readonly keep = 100_000,
    private readonly onEvents: (events: readonly EngineEvent[]) => void = () => undefined,
  ) {
    this.applied = applied;
  }

  /** Queues commands (each one JSON text) and resolves with each one's events once journaled and applied. */
  submit(lines: readonly string[]): Promise<EngineEvent[][]> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.queue.length + lines.length > this.options.queueMax)
      return Promise.reject(new Overloaded(`${this.queue.length} commands are waiting; retry later`));
    const promises = lines.map(
      (line) => new Promise<EngineEvent[]>((resolve, reject) => this.queue.push({ line, resolve, reject })),
    );
    if (!this.flushing) void this.flush();
    return Promise.all(promises);
  }

  /** Keeps the events of replayed commands too, so that `GET /v1/events` covers them. */
  remember(events: readonly EngineEvent[]): void {
    for (const e of events) this.recent.push(e);
    if (this.recent.length > this.keep * 2) this.recent.splice(0, this.recent.length - this.keep);
  }

  /** Kept events with seq > after, at most `limit`. */
  eventsAfter(after: number, limit: number): EngineEvent[] {
    const list = this.recent;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as EngineEvent).seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo, lo + limit);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchMax);
        try {
          await this.journal.append(batch.map((p) => p.line));
        } catch (error) {
          // A journal that cannot write is fatal: nothing more is accepted (the process should restart).
          this.failed = new Error(`journal append failed: ${(error as Error).message}`);
          for (const p of [...batch, ...this.queue.splice(0)]) p.reject(this.failed);
          return;
        }
        for (const p of batch) {
          const events: EngineEvent[] = [];
          this.engine.applyInto(JSON.parse(p.line), ++this.applied, events);
          this.remember(events);
          this.onEvents(events);
          p.resolve(events);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

// The single writer: commands from every client wait in one queue; a batch of them is journaled (written and
// synced: group commit), then applied to the engine in journal order, and only then are their events handed back.
// Journal first, then apply (exchange-core's order): what a client was answered survives any crash, and replaying
// the journal rebuilds the same state.
import type { Engine } from "../engine/engine.js";
import type { EngineEvent } from "../engine/events.js";
import { encodeBatch } from "../journal/file-journal.js";
import type { JournalRecords } from "../journal/journal-records.js";

export interface Journal {
  /** Stores one encoded batch of `count` commands; resolves once it survives a crash. */
  append(batch: Uint8Array, count: number): Promise<void>;
}

export interface SequencerOptions {
  /** Most commands per journal batch. */
  readonly batchMax: number;
  /** Most commands waiting at once; beyond it submissions are refused (the service is overloaded). */
  readonly queueMax: number;
}

interface Pending {
  /** What is journaled: the command, with the request's idempotency key on its first command. */
  readonly command: object;
  /** Arrival time (performance.now()), for the tick-to-decision latency. */
  readonly arrived: number;
  readonly resolve: (events: EngineEvent[]) => void;
  readonly reject: (error: Error) => void;
}

/** Explicit limit: idempotency keys remembered (the oldest forgotten first). */
export const MAX_KEYS = 100_000;
export const MAX_KEY_LENGTH = 128;

/** Where a keyed request's commands are: its first seq and how many. */
interface Keyed {
  first: number;
  readonly count: number;
  done: Promise<EngineEvent[][]> | null;
}

export interface SequencerMetrics {
  journalAppend(seconds: number): void;
  priceDecided(seconds: number): void;
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
  private readonly keys = new Map<string, Keyed>();
  metrics: SequencerMetrics | null = null;
  /** Before each batch: null to go on, or a promise to wait for (a consumer of the events is behind). */
  backpressure: () => Promise<void> | null = () => null;

  constructor(
    private readonly engine: Engine,
    /** Null for a hot standby: it applies what the leader journaled and accepts no commands until promoted. */
    private journal: Journal | null,
    private readonly options: SequencerOptions,
    applied: number,
    private readonly keep = 100_000,
    private readonly onEvents: (events: readonly EngineEvent[]) => void = () => undefined,
  ) {
    this.applied = applied;
    this.assigned = applied;
  }

  /** Commands given a seq so far: applied, being journaled, or waiting. */
  private assigned: number;

  /**
   * Queues commands (each one a JSON object) and resolves with each one's events once journaled and applied. With an
   * idempotency key already seen, nothing is queued: the first request's outcome is returned (`duplicate`), its
   * events from memory while they are kept.
   */
  submit(
    commands: readonly object[],
    key: string | null = null,
  ): Promise<{ events: EngineEvent[][] | null; duplicate: boolean; first: number }> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.journal === null)
      return Promise.reject(
        new Overloaded("this is a hot standby: commands go to the leader (or promote it first)"),
      );
    if (key !== null) {
      const known = this.keys.get(key);
      if (known !== undefined) {
        if (known.done !== null)
          return known.done.then((events) => ({ events, duplicate: true, first: known.first }));
        return Promise.resolve({
          events: this.eventsOf(known.first, known.count),
          duplicate: true,
          first: known.first,
        });
      }
    }
    if (this.queue.length + commands.length > this.options.queueMax)
      return Promise.reject(new Overloaded(`${this.queue.length} commands are waiting; retry later`));
    const arrived = performance.now();
    const first = this.assigned + 1;
    this.assigned += commands.length;
    const promises = commands.map(
      (command, i) =>
        new Promise<EngineEvent[]>((resolve, reject) =>
          this.queue.push({
            command: key !== null && i === 0 ? { ...command, _key: key, _n: commands.length } : command,
            arrived,
            resolve,
            reject,
          }),
        ),
    );
    if (!this.flushing) void this.flush();
    const done = Promise.all(promises);
    if (key !== null) {
      const entry: Keyed = { first, count: commands.length, done };
      this.rememberKey(key, entry);
      void done.then(
        () => {
          entry.done = null;
        },
        () => this.keys.delete(key),
      );
    }
    return done.then((events) => ({ events, duplicate: false, first }));
  }

  /** A standby applies a batch the leader journaled, as the leader did: same commands, same seqs, same events. */
  applyReplicated(records: JournalRecords): void {
    for (let i = 0; i < records.length; i++) {
      const command = records.command(i);
      const seq = ++this.applied;
      this.assigned = this.applied;
      if (records.key !== null) this.replayedKey(records.key, seq, records.n);
      const events: EngineEvent[] = [];
      this.engine.applyInto(command, seq, events);
      this.remember(events);
      this.onEvents(events);
    }
  }

  /** Promotion: the standby becomes the writer, on a journal positioned after everything it applied. */
  promote(journal: Journal): void {
    if (this.journal !== null) throw new Error("sequencer: already a leader");
    this.journal = journal;
  }

  get standby(): boolean {
    return this.journal === null;
  }

  /** A key seen in the journal on replay (its request's first command at `first`). */
  replayedKey(key: string, first: number, count: number): void {
    this.rememberKey(key, { first, count, done: null });
  }

  private rememberKey(key: string, entry: Keyed): void {
    this.keys.set(key, entry);
    if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string);
  }

  /** The kept events of commands first … first + count − 1, one list per command; null once evicted. */
  private eventsOf(first: number, count: number): EngineEvent[][] | null {
    const lists: EngineEvent[][] = Array.from({ length: count }, () => []);
    const oldest = this.recent[0];
    if (oldest === undefined || oldest.cause > first) return null;
    for (const e of this.recent) {
      const i = e.cause - first;
      if (i >= 0 && i < count) (lists[i] as EngineEvent[]).push(e);
    }
    return lists;
  }

  /** The seq of the oldest event kept (one past the last event when none is kept). */
  get oldestKept(): number {
    return this.recent[0]?.seq ?? this.engine.stats.events + 1;
  }

  /** Keeps the events of replayed commands too, so that `GET /v1/events` covers them. */
  remember(events: readonly EngineEvent[]): void {
    for (const e of events) this.recent.push(e);
    if (this.recent.length > this.keep * 2) this.recent.splice(0, this.recent.length - this.keep);
  }

  /**
   * Kept events with seq > after, at most `limit`; null when some of them are no longer kept (older than the
   * last ~`keep`, or from before the snapshot a start restored): a reader must not take a gap for "no events".
   */
  eventsAfter(after: number, limit: number): EngineEvent[] | null {
    const list = this.recent;
    if (after < this.engine.stats.events && !(list.length > 0 && (list[0] as EngineEvent).seq <= after + 1))
      return null;
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
        // Waiting slows intake (the queue fills to queueMax, then submissions are refused): nothing is dropped.
        const behind = this.backpressure();
        if (behind !== null) await behind;
        const batch = this.queue.splice(0, this.options.batchMax);
        let records: JournalRecords;
        try {
          const started = performance.now();
          const encoded = encodeBatch(batch.map((p) => p.command));
          records = encoded.records;
          await (this.journal as Journal).append(encoded.bytes, batch.length);
          this.metrics?.journalAppend((performance.now() - started) / 1000);
        } catch (error) {
          // A journal that cannot write is fatal: nothing more is accepted (the process should restart).
          this.failed = new Error(`journal append failed: ${(error as Error).message}`);
          for (const p of [...batch, ...this.queue.splice(0)]) p.reject(this.failed);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i] as Pending;
          const events: EngineEvent[] = [];
          // What was journaled, decoded: the live engine applies exactly what a replay will.
          const command = records.command(i);
          this.engine.applyInto(command, ++this.applied, events);
          if (command["type"] === "price") this.metrics?.priceDecided((performance.now() - p.arrived) / 1000);
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

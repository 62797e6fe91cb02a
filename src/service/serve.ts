// `plimsoll serve`: recover the store (its journal, a torn tail cut off and logged, damage refused), replay it
// into a fresh engine, then serve commands journal-first through the sequencer.
import type { FastifyInstance } from "fastify";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "../engine/engine.js";
import type { EngineEvent } from "../engine/events.js";
import { FileJournal, openJournalSync } from "../journal/file-journal.js";
import { EventStream } from "./event-stream.js";
import { httpApi } from "./http.js";
import { Metrics } from "./metrics.js";
import { journalCommand, MAX_KEYS, Sequencer } from "./sequencer.js";

/** Events kept in memory for GET /v1/events and the stream's catch-up. */
const KEPT_EVENTS = 100_000;

export interface ServeOptions {
  readonly config: MarketConfig;
  readonly dir: string;
  readonly port: number;
  readonly host: string;
  readonly log: (line: string) => void;
  /** Bytes a stream client may have waiting before it is dropped (default 8 MiB). */
  readonly streamMaxBuffered?: number;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly sequencer: Sequencer;
  readonly port: number;
  close(): Promise<void>;
}

/** Rebuilds the engine from a store's journal: what `plimsoll replay` prints the hash of. */
export function replayStore(
  config: MarketConfig,
  dir: string,
  log: (line: string) => void,
  onEvents: (events: readonly EngineEvent[]) => void = () => undefined,
  onKey: (key: string, first: number, count: number) => void = () => undefined,
) {
  const recovery = openJournalSync(dir);
  if (recovery.dropped !== null)
    log(
      `journal: dropped ${recovery.dropped.bytes} bytes of an unacknowledged tail at byte ${recovery.dropped.at} (${recovery.dropped.reason})`,
    );
  const engine = new Engine(config);
  const out: EngineEvent[] = [];
  for (let i = 0; i < recovery.records.length; i++) {
    out.length = 0;
    const { command, key, n } = journalCommand(recovery.records[i] as string);
    if (key !== null) onKey(key, i + 1, n);
    engine.applyInto(command, i + 1, out);
    onEvents(out);
  }
  return { engine, recovery };
}

export async function serve(options: ServeOptions): Promise<RunningService> {
  // The newest events and keys of the journal are kept, as the live service keeps them.
  const replayed: EngineEvent[] = [];
  const keys: [string, number, number][] = [];
  const { engine, recovery } = replayStore(
    options.config,
    options.dir,
    options.log,
    (events) => {
      for (const e of events) replayed.push(e);
      if (replayed.length > 2 * KEPT_EVENTS) replayed.splice(0, replayed.length - KEPT_EVENTS);
    },
    (key, first, count) => {
      keys.push([key, first, count]);
      if (keys.length > 2 * MAX_KEYS) keys.splice(0, keys.length - MAX_KEYS);
    },
  );
  const journal = await FileJournal.open(options.dir, recovery.end);
  const metrics = new Metrics();
  const stream = new EventStream(metrics, options.streamMaxBuffered);
  const sequencer = new Sequencer(
    engine,
    journal,
    { batchMax: 1_000, queueMax: 100_000 },
    recovery.records.length,
    KEPT_EVENTS,
    (events) => stream.publish(events),
  );
  sequencer.remember(replayed);
  for (const [key, first, count] of keys) sequencer.replayedKey(key, first, count);
  sequencer.metrics = {
    journalAppend: (seconds) => metrics.journalAppend.observe(seconds),
    priceDecided: (seconds) => metrics.tickToDecision.observe(seconds),
  };
  const app = await httpApi(engine, sequencer, metrics, stream);
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  options.log(
    `plimsoll: ${recovery.records.length} commands replayed; listening on http://${options.host}:${port}`,
  );
  return {
    app,
    engine,
    sequencer,
    port,
    close: async () => {
      stream.closeAll();
      await app.close();
      await journal.close();
    },
  };
}

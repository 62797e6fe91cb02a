// `plimsoll serve`: recover the store (its journal, a torn tail cut off and logged, damage refused), replay it
// into a fresh engine, then serve commands journal-first through the sequencer.
import type { FastifyInstance } from "fastify";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "../engine/engine.js";
import type { EngineEvent } from "../engine/events.js";
import { FileJournal, openJournalSync } from "../journal/file-journal.js";
import { httpApi } from "./http.js";
import { Sequencer } from "./sequencer.js";

export interface ServeOptions {
  readonly config: MarketConfig;
  readonly dir: string;
  readonly port: number;
  readonly host: string;
  readonly log: (line: string) => void;
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
    engine.applyInto(JSON.parse(recovery.records[i] as string), i + 1, out);
    onEvents(out);
  }
  return { engine, recovery };
}

export async function serve(options: ServeOptions): Promise<RunningService> {
  const { engine, recovery } = replayStore(options.config, options.dir, options.log);
  const journal = await FileJournal.open(options.dir, recovery.end);
  const sequencer = new Sequencer(
    engine,
    journal,
    { batchMax: 1_000, queueMax: 100_000 },
    recovery.records.length,
  );
  const app = httpApi(engine, sequencer);
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
      await app.close();
      await journal.close();
    },
  };
}

// `plimsoll serve`: recover the journal (the store's file, or a NATS JetStream stream), replay it into a fresh
// engine, then serve commands journal-first through the sequencer — or, as a hot standby (`--follow`), apply the
// leader's journal as it grows until promoted.
import type { FastifyInstance } from "fastify";
import type { MarketConfig } from "../config/types.js";
import { Engine, type EngineSnapshot } from "../engine/engine.js";
import type { EngineEvent, EventSink } from "../engine/events.js";
import { FileJournal, JournalCorruption, readJournalSync } from "../journal/file-journal.js";
import type { JournalRecords } from "../journal/journal-records.js";
import {
  followStream,
  NatsJournal,
  type NatsTarget,
  readStream,
  replayStream,
} from "../journal/nats-journal.js";
import { EventStream } from "./event-stream.js";
import { httpApi } from "./http.js";
import { Metrics } from "./metrics.js";
import { ModelFeed } from "./model-feed.js";
import type { ReadModel } from "./read-model.js";
import { type Journal, MAX_KEYS, Sequencer } from "./sequencer.js";
import { writeBody } from "./snapshot-writer.js";
import { loadSnapshot, writeSnapshot } from "./snapshots.js";
import { TimeSlices } from "./time-slices.js";

/** Events kept in memory for GET /v1/events and the stream's catch-up. */
const KEPT_EVENTS = 100_000;

export interface ServeOptions {
  readonly config: MarketConfig;
  /** The embedded store's directory (its configuration; its journal unless `journal` is on NATS). */
  readonly dir: string;
  /** The journal on NATS JetStream instead of the store's file. */
  readonly journal?: NatsTarget;
  /** Run as a hot standby of the leader writing this stream. */
  readonly follow?: NatsTarget;
  readonly port: number;
  readonly host: string;
  readonly log: (line: string) => void;
  /** Bytes a stream client may have waiting before it is dropped (default 8 MiB). */
  readonly streamMaxBuffered?: number;
  /** The SQL read model kept from the events (the store's: SQLite or PostgreSQL). */
  readModel?: ReadModel;
  /** Events the read model may have unwritten before the sequencer waits for it (default 100,000). */
  readonly readModelBacklog?: number;
  /** Snapshot the engine into the store every this many commands (and at shutdown); 0: never. Default 100,000. */
  readonly snapshotEvery?: number;
  /** Where snapshots go when the journal is on NATS (the PostgreSQL store); none: the stream replays in full. */
  readonly snapshotStore?: SnapshotStore;
}

/**
 * A snapshot's body, written through `write` a chunk at a time as it is built (`write` is done with the bytes when
 * it resolves); resolves to the state hash it stands for.
 */
export type SnapshotBody = (
  write: (bytes: Uint8Array) => Promise<void>,
) => Promise<{ readonly stateHash: string }>;

/** Snapshots kept beside a journal on NATS: each with its seq (commands) and the stream sequence it stands at. */
export interface SnapshotStore {
  /** Stores the body in pieces as `body` writes it: never as one string (one is tens of MB). */
  saveSnapshot(seq: number, streamSeq: number, body: SnapshotBody): Promise<void>;
  /** Newest first; a body is read only when asked for (one is tens of MB). */
  snapshots(): Promise<StoredSnapshot[]>;
}

export interface StoredSnapshot {
  readonly seq: number;
  readonly streamSeq: number;
  readonly stateHash: string;
  body(): Promise<string>;
}

/** The newest stored snapshot that restores to its recorded state hash, unless the read model is behind it. */
async function storedSnapshot(
  options: ServeOptions,
  model: ReadModel | null,
): Promise<{ engine: Engine; seq: number; streamSeq: number } | null> {
  if (options.snapshotStore === undefined) return null;
  for (const s of await options.snapshotStore.snapshots()) {
    let body: string;
    try {
      body = await s.body();
    } catch (error) {
      options.log(
        `snapshot at ${s.seq}: its body cannot be read (${(error as Error).message}); trying an older one`,
      );
      continue;
    }
    let engine: Engine;
    try {
      engine = Engine.fromSnapshot(options.config, JSON.parse(body) as EngineSnapshot);
    } catch (error) {
      options.log(
        `snapshot at ${s.seq}: it does not restore (${(error as Error).message}); trying an older one`,
      );
      continue;
    }
    if (engine.stateHash() !== s.stateHash) {
      options.log(
        `snapshot at ${s.seq}: the restored state's hash is not the one recorded; trying an older one`,
      );
      continue;
    }
    if (model !== null && model.lastSeq < engine.stats.events) {
      options.log(`snapshot at ${s.seq}: the read model is behind it; replaying the whole stream`);
      return null;
    }
    return { engine, seq: s.seq, streamSeq: s.streamSeq };
  }
  return null;
}

/**
 * Explicit limit: events the read model may have unwritten before what applies commands — the sequencer, a start's
 * replay of the stream, a standby — waits for it (intake slows; a start takes longer).
 */
const READ_MODEL_BACKLOG = 100_000;
/** Commands a start's replay applies between checks of the read model's room and of its time slice. */
const PACE_EVERY = 64;
/** Longest run of a start's replay between two turns of the event loop (the read model's writes need them), in ms. */
const REPLAY_SLICE_MS = 5;

export interface RunningService {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly sequencer: Sequencer;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Where a replay that keeps no events sends them: the engine's raw channels take index, mark and balance events, so
 * most are never built (`plimsoll replay` of 1 M price commands: 0.78–0.82 → 1.05–1.15 M commands/s, same hash).
 */
const DISCARD: EventSink = {
  push: () => undefined,
  index: () => undefined,
  mark: () => undefined,
  balance: () => undefined,
};

/**
 * Applies journal records `skip` … `end` − 1 to `engine` in order, record i as seq `first` + i + 1, handing each
 * command's events to `onEvents` (none: they are discarded unbuilt where the engine can).
 */
export function applyRecords(
  engine: Engine,
  records: JournalRecords,
  first = 0,
  onEvents?: (events: readonly EngineEvent[]) => void,
  onKey: (key: string, first: number, count: number) => void = () => undefined,
  skip = 0,
  end = records.length,
): Engine {
  const out: EngineEvent[] = [];
  for (let i = skip; i < end; i++) {
    const seq = first + i + 1;
    const command = records.command(i);
    if (records.key !== null) onKey(records.key, seq, records.n);
    if (onEvents === undefined) {
      engine.applyInto(command, seq, DISCARD);
      continue;
    }
    out.length = 0;
    engine.applyInto(command, seq, out);
    onEvents(out);
  }
  return engine;
}

/** applyRecords PACE_EVERY commands at a time, waiting whenever `pace` gives a promise (the read model is behind). */
async function applyRecordsPaced(
  engine: Engine,
  records: JournalRecords,
  first: number,
  onEvents: (events: readonly EngineEvent[]) => void,
  onKey: (key: string, first: number, count: number) => void,
  pace: () => Promise<void> | null,
): Promise<void> {
  for (let i = 0; i < records.length; i += PACE_EVERY) {
    const wait = pace();
    if (wait !== null) await wait;
    applyRecords(engine, records, first, onEvents, onKey, i, Math.min(i + PACE_EVERY, records.length));
  }
}

/**
 * Reads a store's journal (readJournalSync); an unacknowledged tail is said in a log line: cut off by the store's
 * owner at its start (`repair`), left in place by a reader beside it.
 */
function readJournalLogged(
  dir: string,
  log: (line: string) => void,
  onRecords: (records: JournalRecords, first: number) => void,
  repair = false,
) {
  const read = readJournalSync(dir, onRecords, repair);
  if (read.dropped !== null)
    log(
      `journal: ${repair ? "dropped" : "ignored (read only: left in the file)"} ${read.dropped.bytes} bytes of an unacknowledged tail at byte ${read.dropped.at} (${read.dropped.reason})`,
    );
  return read;
}

/** Rebuilds the engine from a store's journal file: what `plimsoll replay` prints the hash of. */
export function replayStore(
  config: MarketConfig,
  dir: string,
  log: (line: string) => void,
  onEvents?: (events: readonly EngineEvent[]) => void,
  onKey?: (key: string, first: number, count: number) => void,
) {
  const engine = new Engine(config);
  const read = readJournalLogged(dir, log, (records, first) =>
    applyRecords(engine, records, first, onEvents, onKey),
  );
  return { engine, read };
}

/** Rebuilds the engine from a journal stream on NATS JetStream. */
export async function replayNats(config: MarketConfig, target: NatsTarget) {
  const engine = new Engine(config);
  let first = 0;
  const { journal, count } = await NatsJournal.open(target, 0, 0, (records) => {
    applyRecords(engine, records, first);
    first += records.length;
  });
  await journal.close();
  return { engine, count };
}

export async function serve(options: ServeOptions): Promise<RunningService> {
  // The newest events and keys of the journal are kept, as the live service keeps them.
  const replayed: EngineEvent[] = [];
  const keys: [string, number, number][] = [];
  const model = options.readModel ?? null;
  // Past its bound, the sequencer, a replay of the stream and a standby wait for the read model (model-feed.ts).
  const feed = new ModelFeed(model, options.readModelBacklog ?? READ_MODEL_BACKLOG, options.log);
  const onEvents = (events: readonly EngineEvent[]) => {
    for (const e of events) replayed.push(e);
    if (replayed.length > 2 * KEPT_EVENTS) replayed.splice(0, replayed.length - KEPT_EVENTS);
    feed.push(events);
  };
  // A replay of the stream waits for room in the read model, and lets the event loop turn every slice (the read
  // model's writes go on meanwhile).
  const slices = new TimeSlices(REPLAY_SLICE_MS);
  const pace = (): Promise<void> | null => {
    const room = feed.room();
    return room === null ? slices.pause() : room.then(slices.restart);
  };
  const onKey = (key: string, first: number, count: number) => {
    keys.push([key, first, count]);
    if (keys.length > 2 * MAX_KEYS) keys.splice(0, keys.length - MAX_KEYS);
  };
  let engine: Engine;
  let journal: Journal | null;
  let applied: number;
  let closeJournal: () => Promise<void>;
  let followed = 0; // the stream sequence a standby has applied up to
  const source = options.follow ?? options.journal;
  if (source !== undefined) {
    // A leader starts from the newest snapshot in the store that verifies, and reads the stream after it.
    const snap = options.follow === undefined ? await storedSnapshot(options, model) : null;
    const from = snap?.seq ?? 0;
    const replaying = snap?.engine ?? new Engine(options.config);
    let first = from;
    // The stream is replayed here, held back while the read model is behind by more than its bound; the writer is
    // opened after what was read (and reads what was stored meanwhile, by a leader not yet fenced off).
    const read = await replayStream(source, snap?.streamSeq ?? 0, async (records) => {
      await applyRecordsPaced(replaying, records, first, onEvents, onKey, pace);
      first += records.length;
    });
    const opened = await NatsJournal.open(source, read.last, first, (records) => {
      applyRecords(replaying, records, first, onEvents, onKey);
      first += records.length;
    });
    engine = replaying;
    // JetStream acknowledges a publish before it syncs to disk (by default every 2 minutes): on one replica an
    // acknowledged batch survives a crash of this process, not of that server's machine. Said once at start.
    if (opened.replicas < 3)
      options.log(
        `journal stream ${source.stream}: ${opened.replicas} replica(s); an acknowledged batch is on disk only after the NATS server syncs it — use 3 replicas, or jetstream { sync_interval: always } on the server (docs/storage.md)`,
      );
    if (snap !== null) options.log(`snapshot at ${from} loaded; ${first - from} commands replayed`);
    applied = first;
    followed = opened.journal.lastSequence;
    if (options.follow !== undefined) {
      await opened.journal.close();
      journal = null;
    } else journal = opened.journal;
    closeJournal = async () => {
      if (journal instanceof NatsJournal) await journal.close();
    };
  } else {
    // The newest snapshot that verifies, then the journal after it; the read model must not be behind it. The
    // journal must reach the snapshot (it was taken after its commands were durable): if it does not, checked below,
    // acknowledged commands are missing from the journal.
    let snapshot = loadSnapshot(options.dir, options.config, Number.MAX_SAFE_INTEGER, options.log);
    if (snapshot !== null && model !== null && model.lastSeq < snapshot.engine.stats.events) {
      options.log(
        `snapshot at ${snapshot.seq}: the read model is behind it (event ${model.lastSeq}); replaying the whole journal`,
      );
      snapshot = null;
    }
    const from = snapshot?.seq ?? 0;
    const replaying = snapshot?.engine ?? new Engine(options.config);
    // Read in one synchronous pass (src/journal's reader cannot wait between chunks): the embedded store's read model,
    // SQLite, writes each chunk as it is handed over, so nothing queues for it; an asynchronous read model over this
    // journal would not be held to the bound during the replay (the stream's replay is).
    const read = readJournalLogged(
      options.dir,
      options.log,
      (records, first) => {
        // The commands the snapshot covers: only their idempotency keys (a keyed command is journaled as JSON).
        let i = 0;
        for (; i < records.length && first + i < from; i++) {
          if (records.isBinary(i)) continue;
          records.command(i);
          if (records.key !== null) onKey(records.key, first + i + 1, records.n);
        }
        applyRecords(replaying, records, first, onEvents, onKey, i);
      },
      true,
    );
    if (read.count < from)
      throw new JournalCorruption(
        `journal ${options.dir}: ${read.count} commands, but a snapshot stands at ${from}: acknowledged commands are missing; refusing to start (restore the journal from a replica or backup)`,
      );
    engine = replaying;
    if (snapshot !== null) options.log(`snapshot at ${from} loaded; ${read.count - from} commands replayed`);
    applied = read.count;
    const file = await FileJournal.open(options.dir, read.end);
    journal = file;
    closeJournal = () => file.close();
  }
  feed.flush();
  // Snapshots (file stores): at a command boundary (between batches, the engine stands at sequencer.applied),
  // with the read model caught up first, so that a start from the snapshot never leaves it behind.
  const every = options.snapshotEvery ?? 100_000;
  // With the journal on NATS they go to the snapshot store (PostgreSQL), if any; a standby takes none.
  const snapshots =
    every > 0 &&
    options.follow === undefined &&
    (source === undefined ? options.dir !== "" : options.snapshotStore !== undefined);
  let snapshotAt = applied;
  let snapshotDue = false;
  // One snapshot at a time: each waits for the one before (the last, at shutdown, after any in flight).
  let snapshotChain: Promise<void> = Promise.resolve();
  const takeSnapshot = (): Promise<void> => {
    snapshotChain = snapshotChain.then(snapshotNow);
    return snapshotChain;
  };
  const snapshotNow = async () => {
    snapshotDue = false;
    if (!snapshots || sequencer.applied === snapshotAt) return;
    try {
      feed.flush();
      await model?.apply([]); // what is queued for the read model is written
      feed.flush(); // and what was applied meanwhile (SQLite writes at once)
      const seq = sequencer.applied;
      // Taken here, at the command boundary; encoded and written in slices while the engine goes on.
      if (source === undefined) await writeSnapshot(options.dir, engine, seq);
      else {
        // Read together at one command boundary: the state (its hash computed with the body) and the stream
        // position it stands at. The body goes to the store chunk by chunk as it is built (never as one string).
        const capture = engine.capture();
        const streamSeq = (journal as NatsJournal).lastSequence;
        try {
          await options.snapshotStore?.saveSnapshot(seq, streamSeq, (write) => writeBody(capture, write));
        } finally {
          capture.release(); // the writer releases it when done; not if the store failed first, or had one at seq
        }
      }
      snapshotAt = seq;
    } catch (error) {
      options.log(`snapshot: ${(error as Error).message}`);
    }
  };
  const maybeSnapshot = () => {
    if (!snapshots || snapshotDue || sequencer.applied - snapshotAt < every) return;
    snapshotDue = true;
    setImmediate(() => void takeSnapshot());
  };
  const metrics = new Metrics();
  const stream = new EventStream(metrics, options.streamMaxBuffered);
  let modelScheduled = false;
  const sequencer = new Sequencer(
    engine,
    journal,
    { batchMax: 1_000, queueMax: 100_000 },
    applied,
    KEPT_EVENTS,
    (events) => {
      stream.publish(events);
      maybeSnapshot();
      if (model === null) return;
      feed.push(events);
      // The rest of a batch's events go to the read model once the batch is answered.
      if (!modelScheduled) {
        modelScheduled = true;
        setImmediate(() => {
          modelScheduled = false;
          feed.flush();
        });
      }
    },
  );
  sequencer.remember(replayed);
  for (const [key, first, count] of keys) sequencer.replayedKey(key, first, count);
  sequencer.backpressure = () => feed.room();
  /** A batch from the leader, applied once the read model has room (as the sequencer waits before each batch). */
  const applyFollowed = async (records: JournalRecords, seq: number) => {
    const room = feed.room();
    if (room !== null) await room;
    sequencer.applyReplicated(records);
    followed = seq;
  };
  sequencer.metrics = {
    journalAppend: (seconds) => metrics.journalAppend.observe(seconds),
    priceDecided: (seconds) => metrics.tickToDecision.observe(seconds),
  };
  // A standby applies the leader's batches as they are stored, in stream order.
  let follower: Awaited<ReturnType<typeof followStream>> | null = null;
  if (options.follow !== undefined) {
    follower = await followStream(options.follow, followed, applyFollowed);
    options.log(`plimsoll: hot standby of ${options.follow.servers}/${options.follow.stream}`);
  }
  const promote = async (): Promise<{ seq: number }> => {
    const target = options.follow;
    if (follower === null || target === undefined) throw new Error("not a standby");
    await follower.stop();
    follower = null;
    // What the old leader stored after the last batch applied: applied now, before taking over.
    const writer = await NatsJournal.resume(target, followed, sequencer.applied);
    const rest = await readStream(writer.jetstream, target.stream, followed, applyFollowed);
    writer.adopt(rest.last, sequencer.applied);
    journal = writer;
    sequencer.promote(writer);
    options.log(`plimsoll: promoted to leader at seq ${sequencer.applied}`);
    return { seq: sequencer.applied };
  };
  const app = await httpApi(engine, sequencer, metrics, stream, promote);
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  options.log(`plimsoll: ${applied} commands replayed; listening on http://${options.host}:${port}`);
  return {
    app,
    engine,
    sequencer,
    port,
    close: async () => {
      stream.closeAll();
      await app.close();
      if (follower !== null) await follower.stop();
      await closeJournal();
      await takeSnapshot(); // at shutdown: the next start replays nothing
      feed.flush();
      await model?.close();
    },
  };
}

// The read model in PostgreSQL (`--store postgres://…`). Writes are queued and applied in order, one transaction of
// one set-based statement (postgres-sets.ts) per chunk of events — chunks queued behind a running write go in the
// next one together — off the engine's path: the read model may lag the engine by what is queued (serve.ts bounds
// it), never reorder or lose it (a restart replays the journal, and rows already written are skipped by seq).
import pg from "pg";
import type { EngineEvent } from "../engine/events.js";
import { setStatement } from "./postgres-sets.js";
import { SNAPSHOT_SCHEMA, saveSnapshot, storedSnapshots } from "./postgres-snapshots.js";
import { pendingRows, READ_MODEL_SCHEMA, type ReadModel } from "./read-model.js";
import type { SnapshotBody, SnapshotStore, StoredSnapshot } from "./serve.js";

/** Most events in one transaction when queued chunks are written together (its arrays stay a few MB). */
const TRANSACTION_MAX = 50_000;

/** Events waiting for their transaction: those after seq `after`, in seq order. */
interface Waiting {
  readonly after: number;
  readonly events: EngineEvent[];
}

export class PostgresReadModel implements ReadModel, SnapshotStore {
  private chain: Promise<void> = Promise.resolve();
  /** The queued transaction that events applied now join; null once it has started. */
  private next: Waiting | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    public lastSeq: number,
  ) {}

  static async open(url: string): Promise<PostgresReadModel> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      for (const sql of [...READ_MODEL_SCHEMA, ...SNAPSHOT_SCHEMA]) await pool.query(sql);
      const r = await pool.query("SELECT value FROM plimsoll_meta WHERE key = 'last_seq'");
      return new PostgresReadModel(pool, r.rows.length === 0 ? 0 : Number(r.rows[0].value));
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /**
   * Queues `events` for writing. While a transaction runs, the chunks applied meanwhile wait for the next one and are
   * written together (up to TRANSACTION_MAX events): a read model that fell behind catches up in fewer, larger
   * statements, and a key changed in several of them is written once.
   */
  apply(events: readonly EngineEvent[]): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const after = this.lastSeq;
    let next = this.next;
    for (const e of events) {
      if (e.seq <= after) continue; // replayed: already written (or queued)
      if (next === null || next.events.length >= TRANSACTION_MAX) next = this.queue(after);
      next.events.push(e);
      if (e.seq > this.lastSeq) this.lastSeq = e.seq;
    }
    return this.chain;
  }

  /** A new transaction, after the ones queued, for events after seq `after`. */
  private queue(after: number): Waiting {
    const next: Waiting = { after, events: [] };
    this.next = next;
    this.chain = this.chain.then(() => {
      if (this.next === next) this.next = null; // what is applied from now on waits for the next transaction
      return this.write(next);
    });
    return next;
  }

  /**
   * One transaction, one statement. Its commit need not wait for the WAL to reach the disk: the journal is the record,
   * `last_seq` is in the same transaction, and a lost tail of commits is replayed at the next start (as SQLite's
   * synchronous NORMAL); a later synchronous commit (a snapshot's) makes every one before it durable.
   */
  private async write(waiting: Waiting): Promise<void> {
    const pending = pendingRows(waiting.events, waiting.after);
    if (pending === null) return;
    const statement = setStatement(pending.rows);
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN; SET LOCAL synchronous_commit = off");
      await client.query(statement);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      this.failure = error as Error;
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The configuration text this store was created with: a new store records `text`; an existing one must have been
   * created with the same configuration (its journal and tables mean nothing under another).
   */
  async config(text: string | null): Promise<string | { readonly error: string }> {
    const r = await this.pool.query("SELECT value FROM plimsoll_meta WHERE key = 'config'");
    if (r.rows.length === 0) {
      if (text === null) return { error: "postgres store: no configuration (never started with --config)" };
      await this.pool.query("INSERT INTO plimsoll_meta (key, value) VALUES ('config', $1)", [text]);
      return text;
    }
    const stored = r.rows[0].value as string;
    if (text !== null && JSON.stringify(JSON.parse(stored)) !== JSON.stringify(JSON.parse(text)))
      return {
        error: "postgres store was created with another configuration; use another database or schema",
      };
    return stored;
  }

  /**
   * Stores an engine snapshot at `seq` commands, stream sequence `streamSeq`, its body written in chunks as `body`
   * builds it (postgres-snapshots.ts); keeps the two newest.
   */
  async saveSnapshot(seq: number, streamSeq: number, body: SnapshotBody): Promise<void> {
    await this.chain; // the read model is written up to the snapshot first
    await saveSnapshot(this.pool, seq, streamSeq, body);
  }

  /**
   * Stored snapshots, newest first, without their bodies (~27 MB of JSON for a million accounts): a start reads the
   * newest body, and an older one only if that one does not restore.
   */
  snapshots(): Promise<StoredSnapshot[]> {
    return storedSnapshots(this.pool);
  }

  /** A query for tests and tools. */
  async all(sql: string, params: unknown[] = []): Promise<unknown[]> {
    await this.chain;
    return (await this.pool.query(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.pool.end();
  }
}

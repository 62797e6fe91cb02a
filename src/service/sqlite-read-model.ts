// The read model in the embedded store: SQLite (WAL) in DIR/read-model.db. Synchronous and fast: each applied
// batch of events is one transaction.
import Database from "better-sqlite3";
import type { EngineEvent } from "../engine/events.js";
import { pendingRows, READ_MODEL_SCHEMA, type ReadModel } from "./read-model.js";

export class SqliteReadModel implements ReadModel {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  lastSeq: number;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL"); // the journal is the record; the read model is rebuilt from it
    for (const sql of READ_MODEL_SCHEMA) this.db.exec(sql);
    const row = this.db.prepare("SELECT value FROM plimsoll_meta WHERE key = 'last_seq'").get() as
      | { value: string }
      | undefined;
    this.lastSeq = row === undefined ? 0 : Number(row.value);
  }

  async apply(events: readonly EngineEvent[]): Promise<void> {
    const pending = pendingRows(events, this.lastSeq);
    if (pending === null) return;
    this.db.transaction(() => {
      for (const row of pending.rows) this.statement(row.table.sql).run(...row.params);
    })();
    this.lastSeq = pending.last;
  }

  /** A query for tests and tools. */
  all(sql: string, ...params: unknown[]): unknown[] {
    return this.db.prepare(sql).all(...params);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql.replace(/\$\d+/g, "?"));
      this.statements.set(sql, st);
    }
    return st;
  }
}

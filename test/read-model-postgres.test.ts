// The read model in PostgreSQL. Its set-based writes (one statement per transaction, chunks queued behind a write
// merged into the next) leave exactly the rows SQLite's row-by-row writes leave, for the same chunks: a liquidation
// scenario with the same keys changed many times within a chunk and across chunks, chunks handed over without
// waiting, and chunks replayed again (skipped by seq). Its snapshot store lists snapshots without their bodies.
// Under CI=true an unreachable PostgreSQL (127.0.0.1:5432, database test) is a failure; elsewhere the tests skip
// with a message.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { PostgresReadModel } from "../src/service/postgres-read-model.js";
import { SqliteReadModel } from "../src/service/sqlite-read-model.js";
import { ROOT } from "./plimsoll-run.js";

const DIR = join(ROOT, "examples", "liquidation");
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const TABLES: Record<string, string> = {
  accounts: "account",
  balances: "account, asset",
  positions: "account, symbol",
  margin_transitions: "seq",
  liquidations: "seq",
  insurance_fund: "seq",
  index_history: "seq",
  plimsoll_meta: "key",
};

const pgReachable = await (async () => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
})();
if (!pgReachable && process.env["CI"] === "true")
  throw new Error(`PostgreSQL at ${PG_URL} is not reachable: under CI these tests must run`);
if (!pgReachable) console.warn(`read-model-postgres: PostgreSQL at ${PG_URL} is not reachable; skipping`);

/** The scenario's events, after deposits that change the same balances over and over. */
function events(): EngineEvent[] {
  const loaded = loadConfig(JSON.parse(readFileSync(join(DIR, "liquidation.config.json"), "utf8")));
  if (!loaded.ok) throw new Error("config");
  const engine = new Engine(loaded.config);
  const out: EngineEvent[] = [];
  let cause = 0;
  for (let i = 0; i < 300; i++)
    engine.applyInto(
      { type: "deposit", ts: 1_699_999_999_000 + i, account: `d${i % 4}`, asset: "USD", amount: `${i + 1}` },
      ++cause,
      out,
    );
  const lines = readFileSync(join(DIR, "insurance-takeover.jsonl"), "utf8").trim().split("\n");
  for (const line of lines) engine.applyInto(JSON.parse(line), ++cause, out);
  return out;
}

/** Every table's rows in key order, values as text (PostgreSQL gives BIGINT as text, SQLite as numbers). */
async function dump(query: (sql: string) => Promise<Record<string, unknown>[]>) {
  const tables: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(TABLES))
    tables[table] = (await query(`SELECT * FROM ${table} ORDER BY ${key}`)).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])),
    );
  return tables;
}

describe("read model on PostgreSQL", () => {
  it.skipIf(!pgReachable)("set-based writes leave the rows row-by-row writes leave", async () => {
    const all = events();
    expect(all.some((e) => e.type === "liquidation")).toBe(true);
    // Chunks of uneven sizes, then the last two replayed (as a restart hands the journal's events again).
    const chunks: EngineEvent[][] = [];
    for (let at = 0, size = 1; at < all.length; at += size, size = size * 3 + 1)
      chunks.push(all.slice(at, at + size));
    const handed = [...chunks, ...chunks.slice(-2)];

    const sqlite = new SqliteReadModel(join(mkdtempSync(join(tmpdir(), "plimsoll-rm-")), "read-model.db"));
    for (const chunk of handed) await sqlite.apply(chunk);
    const expected = await dump(async (sql) => sqlite.all(sql) as Record<string, unknown>[]);
    await sqlite.close();

    const schema = `plimsoll_test_sets_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${PG_URL}?options=-c%20search_path%3D${schema}`;
    try {
      let model = await PostgresReadModel.open(url);
      // One transaction each, then handed over without waiting, as a service that fell behind: merged.
      const half = Math.floor(handed.length / 2);
      for (const chunk of handed.slice(0, half)) await model.apply(chunk);
      await Promise.all(handed.slice(half).map((chunk) => model.apply(chunk)));
      expect(model.lastSeq).toBe(all.at(-1)?.seq);
      expect(await dump(async (sql) => (await model.all(sql)) as Record<string, unknown>[])).toEqual(
        expected,
      );
      await model.close();
      // Reopened, it knows where it stands, and a replay of everything writes nothing.
      model = await PostgresReadModel.open(url);
      expect(model.lastSeq).toBe(all.at(-1)?.seq);
      await model.apply(all);
      expect(await dump(async (sql) => (await model.all(sql)) as Record<string, unknown>[])).toEqual(
        expected,
      );
      await model.close();
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });

  it.skipIf(!pgReachable)(
    "snapshots are listed newest first; a body is read only when asked for",
    async () => {
      const schema = `plimsoll_test_snaps_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      try {
        const store = await PostgresReadModel.open(`${PG_URL}?options=-c%20search_path%3D${schema}`);
        for (const seq of [10, 20, 30])
          await store.saveSnapshot(seq, seq / 10, `hash${seq}`, `{"at":${seq}}`);
        const kept = await store.snapshots();
        expect(kept.map((s) => [s.seq, s.streamSeq, s.stateHash])).toEqual([
          [30, 3, "hash30"],
          [20, 2, "hash20"],
        ]);
        // Read when asked: a body changed after the listing is read as it is now.
        await admin.query(`UPDATE ${schema}.plimsoll_snapshots SET body = '{"at":"twenty"}' WHERE seq = 20`);
        expect(await kept[1]?.body()).toBe('{"at":"twenty"}');
        expect(await kept[0]?.body()).toBe('{"at":30}');
        await admin.query(`DELETE FROM ${schema}.plimsoll_snapshots WHERE seq = 30`);
        await expect(kept[0]?.body()).rejects.toThrow("deleted since it was listed");
        await store.close();
      } finally {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      }
    },
  );
});

// The read model in PostgreSQL. Its set-based writes (one statement per transaction, chunks queued behind a write
// merged into the next) leave exactly the rows SQLite's row-by-row writes leave, for the same chunks: a liquidation
// scenario with the same keys changed many times within a chunk and across chunks, chunks handed over without
// waiting, and chunks replayed again (skipped by seq). Its snapshot store lists snapshots without their bodies,
// writes a body as chunk rows in one transaction with its header (a torn save is never listed), checks a body's
// chunks, length and checksum when it is read, and still reads snapshots of the layout before.
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
import type { SnapshotBody } from "../src/service/serve.js";
import { writeBody } from "../src/service/snapshot-writer.js";
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
    "snapshots are listed newest first; a body is read only when asked for, and checked",
    async () => {
      await inSchema("snaps", async (store, schema, admin) => {
        for (const seq of [10, 20, 30])
          await store.saveSnapshot(seq, seq / 10, text(`hash${seq}`, `{"at":${seq}}`));
        const kept = await store.snapshots();
        expect(kept.map((s) => [s.seq, s.streamSeq, s.stateHash])).toEqual([
          [30, 3, "hash30"],
          [20, 2, "hash20"],
        ]);
        expect(await chunkSeqs(admin, schema)).toEqual([20, 30]); // the oldest one's chunks went with it
        // Read when asked: a chunk changed after the listing is read as it is now, and fails the checksum.
        await admin.query(
          `UPDATE ${schema}.plimsoll_snapshot_chunks SET bytes = convert_to('{"at":21}', 'UTF8') WHERE seq = 20`,
        );
        await expect(kept[1]?.body()).rejects.toThrow("its checksum does not match");
        expect(await kept[0]?.body()).toBe('{"at":30}');
        await admin.query(`DELETE FROM ${schema}.plimsoll_snapshot_chunks WHERE seq = 30 AND n = 0`);
        await expect(kept[0]?.body()).rejects.toThrow("deleted since it was listed");
      });
    },
  );

  it.skipIf(!pgReachable)(
    "a body spanning several chunk rows round-trips: bytes in pieces of any size, and an engine's snapshot",
    async () => {
      await inSchema("chunks", async (store, schema, admin) => {
        // 2.9 MB with characters of 1 to 4 bytes, in writes of uneven sizes (one over a row's 1 MiB) that cut them.
        const body = Array.from({ length: 60_000 }, (_, i) => `{"é":${i},"🚢":"${"x".repeat(i % 50)}"}`).join(
          ",",
        );
        const bytes = Buffer.from(`[${body}]`, "utf8");
        const cuts = [0, 1, 7, 300_001, 300_002, 1_700_000, bytes.length];
        await store.saveSnapshot(5, 1, async (write) => {
          for (let k = 1; k < cuts.length; k++) await write(bytes.subarray(cuts[k - 1], cuts[k]));
          return { stateHash: "h5" };
        });
        const rows = await admin.query(
          `SELECT count(*)::int AS n, sum(length(bytes))::int AS bytes FROM ${schema}.plimsoll_snapshot_chunks`,
        );
        expect(rows.rows[0]).toEqual({ n: 8, bytes: bytes.length }); // the writes over 1 MiB in two rows each
        const [stored] = await store.snapshots();
        expect((await stored?.body()) === bytes.toString("utf8")).toBe(true);

        // An engine's snapshot as the service saves it: the capture, its body written as it is built.
        const engine = manyAccounts(40_000);
        const capture = engine.capture();
        await store.saveSnapshot(6, 2, (write) => writeBody(capture, write));
        const [newest] = await store.snapshots();
        expect(newest?.stateHash).toBe(engine.stateHash());
        const chunks = await admin.query(`SELECT n FROM ${schema}.plimsoll_snapshot_chunks WHERE seq = 6`);
        expect(chunks.rows.length).toBeGreaterThan(3);
        const restored = Engine.fromSnapshot(engine.config, JSON.parse((await newest?.body()) as string));
        expect(restored.stateHash()).toBe(engine.stateHash());
      });
    },
  );

  it.skipIf(!pgReachable)(
    "a torn snapshot — its save failed, or its connection lost, before the commit — is never listed",
    async () => {
      await inSchema("torn", async (store, schema, admin) => {
        await store.saveSnapshot(10, 1, text("hash10", '{"at":10}'));
        const piece = Buffer.alloc(100_000, 0x20);
        // The body's writer fails after three chunks: nothing of it stays.
        await expect(
          store.saveSnapshot(20, 2, async (write) => {
            for (let k = 0; k < 3; k++) await write(piece);
            throw new Error("the writer failed");
          }),
        ).rejects.toThrow("the writer failed");
        expect((await store.snapshots()).map((s) => s.seq)).toEqual([10]);
        expect(await chunkSeqs(admin, schema)).toEqual([10]);

        // The connection is lost in the middle (the server ends it, as in a crash of either side).
        let written: () => void = () => undefined;
        const midway = new Promise<void>((resolve) => {
          written = resolve;
        });
        let go: () => void = () => undefined;
        const resume = new Promise<void>((resolve) => {
          go = resolve;
        });
        const saving = store.saveSnapshot(30, 3, async (write) => {
          for (let k = 0; k < 3; k++) await write(piece);
          written();
          await resume;
          await write(piece);
          return { stateHash: "hash30" };
        });
        await midway;
        // Uncommitted: another session sees none of it.
        expect(await chunkSeqs(admin, schema)).toEqual([10]);
        const ended = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE state = 'idle in transaction' AND query LIKE 'INSERT INTO plimsoll_snapshot_chunks%'
           AND pid <> pg_backend_pid()`,
        );
        expect(ended.rows.length).toBe(1);
        go();
        await expect(saving).rejects.toThrow();
        const reopened = await PostgresReadModel.open(urlOf(schema));
        const kept = await reopened.snapshots();
        expect(kept.map((s) => s.seq)).toEqual([10]);
        expect(await kept[0]?.body()).toBe('{"at":10}');
        expect(await chunkSeqs(admin, schema)).toEqual([10]);
        // Chunk rows without their header (committed by hand) are not a snapshot, and go at the next save.
        await admin.query(
          `INSERT INTO ${schema}.plimsoll_snapshot_chunks (seq, n, bytes) VALUES (40, 0, '\\x7b7d')`,
        );
        expect((await reopened.snapshots()).map((s) => s.seq)).toEqual([10]);
        await reopened.saveSnapshot(50, 5, text("hash50", '{"at":50}'));
        expect(await chunkSeqs(admin, schema)).toEqual([10, 50]);
        // The store saving when the connection was lost still saves (its pool replaced the connection).
        await store.saveSnapshot(60, 6, text("hash60", '{"at":60}'));
        expect((await store.snapshots()).map((s) => s.seq)).toEqual([60, 50]);
        await reopened.close();
      });
    },
  );

  it.skipIf(!pgReachable)(
    "snapshots of the layout before chunks (the body in its row) are still read",
    async () => {
      const schema = `plimsoll_test_layout_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      try {
        await admin.query(
          `CREATE TABLE ${schema}.plimsoll_snapshots (seq BIGINT PRIMARY KEY, stream_seq BIGINT NOT NULL,
         state_hash TEXT NOT NULL, body TEXT NOT NULL)`,
        );
        await admin.query(`INSERT INTO ${schema}.plimsoll_snapshots VALUES (10, 1, 'hash10', '{"at":10}')`);
        const store = await PostgresReadModel.open(urlOf(schema));
        await store.saveSnapshot(20, 2, text("hash20", '{"at":20}'));
        const kept = await store.snapshots();
        expect(kept.map((s) => [s.seq, s.stateHash])).toEqual([
          [20, "hash20"],
          [10, "hash10"],
        ]);
        expect(await kept[0]?.body()).toBe('{"at":20}');
        expect(await kept[1]?.body()).toBe('{"at":10}');
        await store.close();
        await (await PostgresReadModel.open(urlOf(schema))).close(); // opened again: the layout is not changed twice
      } finally {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      }
    },
  );
});

const urlOf = (schema: string) => `${PG_URL}?options=-c%20search_path%3D${schema}`;

/** A body given whole, with its state hash. */
const text =
  (stateHash: string, body: string): SnapshotBody =>
  async (write) => {
    await write(Buffer.from(body, "utf8"));
    return { stateHash };
  };

/** Runs `test` on a store in a fresh schema, dropped afterwards. */
async function inSchema(
  name: string,
  test: (store: PostgresReadModel, schema: string, admin: pg.Client) => Promise<void>,
): Promise<void> {
  const schema = `plimsoll_test_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const store = await PostgresReadModel.open(urlOf(schema));
    try {
      await test(store, schema, admin);
    } finally {
      await store.close();
    }
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** The snapshots that have chunk rows. */
async function chunkSeqs(admin: pg.Client, schema: string): Promise<number[]> {
  const r = await admin.query(`SELECT DISTINCT seq FROM ${schema}.plimsoll_snapshot_chunks ORDER BY seq`);
  return r.rows.map((row) => Number(row.seq));
}

/** An engine with `n` accounts, each with a deposit. */
function manyAccounts(n: number): Engine {
  const loaded = loadConfig(JSON.parse(readFileSync(join(DIR, "liquidation.config.json"), "utf8")));
  if (!loaded.ok) throw new Error("config");
  const engine = new Engine(loaded.config);
  const out: EngineEvent[] = [];
  for (let i = 0; i < n; i++) {
    engine.applyInto(
      { type: "deposit", ts: 1_700_000_000_000, account: `a${i}`, asset: "USD", amount: `${i}.5` },
      i + 1,
      out,
    );
    out.length = 0;
  }
  return engine;
}

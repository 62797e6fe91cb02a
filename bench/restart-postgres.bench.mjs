// Restart from a snapshot kept in PostgreSQL (127.0.0.1:5432, database test): the same engine as
// bench/restart.bench.mjs — 1,000,000 accounts, each with a deposit, 10,000 of them with a perpetual position — its
// snapshot saved to the store as `plimsoll serve --store postgres://… --journal nats://…` does (Engine.capture(), its
// body encoded in slices and written as chunk rows by PostgresReadModel.saveSnapshot), then loaded as a leader's
// start does (PostgresReadModel.snapshots() — the kept ones listed without bodies — the newest one's body,
// Engine.fromSnapshot, the restored state hash checked against the recorded one). Target: ≤ 5 s for load + restore +
// hash check. As in a running service, the table already holds the two newest snapshots when one is saved (the save
// inserts a third and deletes the oldest), and a start lists the two kept and reads the newest one's body. Each run
// uses a fresh schema, dropped afterwards.
import pg from "pg";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { PostgresReadModel } from "../dist/service/postgres-read-model.js";
import { writeBody } from "../dist/service/snapshot-writer.js";
import { accountsEngine, machine, median } from "./workload.mjs";

const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const ACCOUNTS = 1_000_000;
const HOLDERS = 10_000;
const RUNS = 3;

const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
try {
  await admin.connect();
} catch {
  console.log(`restart-postgres  PostgreSQL at ${PG_URL} not reachable: skipped`);
  process.exit(0);
}

const { engine, config, cause } = accountsEngine(loadConfig, Engine, ACCOUNTS, HOLDERS);
const hash = engine.stateHash();

const seconds = (from) => Number(process.hrtime.bigint() - from) / 1e9;
const saves = [];
const loads = [];
const selects = [];
const restores = [];
const stored = [];
let bytes = 0;
const schemas = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const schema = `plimsoll_bench_${process.pid}_${run}`;
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${PG_URL}?options=-c%20search_path%3D${schema}`;
    // Save, as serve's snapshotNow does with the journal on NATS: the capture at one command boundary, then the
    // store's saveSnapshot (chunk rows as the body is built, the header, the DELETE keeping the two newest).
    let store = await PostgresReadModel.open(url);
    const older = Buffer.from(JSON.stringify(engine.snapshot()), "utf8");
    bytes = older.length;
    for (const back of [2, 1])
      await store.saveSnapshot(
        cause - back * 100_000,
        Math.ceil((cause - back * 100_000) / 1_000),
        async (write) => {
          await write(older);
          return { stateHash: hash };
        },
      );
    const s = process.hrtime.bigint();
    const capture = engine.capture();
    await store.saveSnapshot(cause, Math.ceil(cause / 1_000), (write) => writeBody(capture, write)); // batches of 1,000
    saves.push(seconds(s));
    await store.close();
    stored.push(
      Number(
        (
          await admin.query(
            `SELECT pg_total_relation_size('${schema}.plimsoll_snapshots') +
             pg_total_relation_size('${schema}.plimsoll_snapshot_chunks') AS n`,
          )
        ).rows[0].n,
      ),
    );
    // Load, as serve's storedSnapshot does: the stored snapshots listed newest first, the newest one's body read and
    // restored, its hash checked.
    store = await PostgresReadModel.open(url);
    const l = process.hrtime.bigint();
    const kept = await store.snapshots();
    const [newest] = kept;
    if (kept.length !== 2) throw new Error(`${kept.length} snapshots kept, not 2`);
    const newestBody = await newest.body();
    const selected = seconds(l);
    const restored = Engine.fromSnapshot(config, JSON.parse(newestBody));
    if (restored.stateHash() !== newest.stateHash || newest.stateHash !== hash || newest.seq !== cause)
      throw new Error("restore failed");
    loads.push(seconds(l));
    selects.push(selected);
    restores.push(loads.at(-1) - selected);
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    schemas.pop();
  }
} finally {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
console.log(`restart-postgres  ${machine()}`);
console.log(
  `restart-postgres  ${ACCOUNTS.toLocaleString("en")} accounts (${HOLDERS.toLocaleString("en")} with positions), snapshot ${(bytes / 1e6).toFixed(0)} MB of JSON (${(median(stored) / 1e6).toFixed(1)} MB for the tables after the save, the deleted rows not yet vacuumed) in PostgreSQL: save ${median(saves).toFixed(2)} s (capture, encoded and written in chunks); load + restore + hash check ${median(loads).toFixed(2)} s (snapshots() and the newest body: ${median(selects).toFixed(2)} s; parse + restore + hash ${median(restores).toFixed(2)} s) (target ≤ 5 s)`,
);

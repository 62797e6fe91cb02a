// The SQL read model (src/service/read-model.ts): events applied per second in the embedded store (SQLite, WAL,
// synchronous NORMAL, in a temporary directory) and in PostgreSQL (127.0.0.1:5432, database test, a fresh schema per
// run, dropped afterwards). The events come from a realistic engine workload on one linear perpetual (an index of three
// venues): 2,000 traders' deposits, external fills against a market maker, price ticks, a liquidity provider's bids,
// and at the end a 4 % fall that liquidates two highly leveraged longs through the book (margin calls, liquidations,
// insurance fund fees). They are handed to the read model as the live service hands them: the events of each batch of
// 1,000 applied commands in one call, queued without waiting (PostgreSQL's writes run in order on the model's own
// queue, the calls queued behind a running write merged into the next transaction: a model catching up), until the
// last is written; and for PostgreSQL also each call awaited before the next (one transaction per batch: a model
// keeping pace). Reports events/s and the table rows written per second.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { PostgresReadModel } from "../dist/service/postgres-read-model.js";
import { pendingRows } from "../dist/service/read-model.js";
import { SqliteReadModel } from "../dist/service/sqlite-read-model.js";
import { machine, median, prng } from "./workload.mjs";

const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const COMMANDS = 30_000; // the random part; ~47,000 commands in all
const TRADERS = 2_000;
const BATCH = 1_000; // commands per applied batch
const RUNS = 3; // PostgreSQL's; SQLite's are quick: 5
const T0 = 1_700_000_000_000;

const loaded = loadConfig({
  quoteAsset: "USD",
  assets: [{ id: "USD", decimals: 6 }],
  indices: [
    {
      id: "XBT-USD",
      sources: ["a", "b", "c"].map((id) => ({ id, weight: "1" })),
      minSources: 2,
      staleAfterMs: 10_000,
    },
  ],
  instruments: [
    {
      symbol: "XBT-PERP",
      kind: "perpetual",
      index: "XBT-USD",
      settlementAsset: "USD",
      contractSize: "1",
      tickSize: "0.5",
      lotSize: "0.001",
      mark: { method: "index" },
      priceBand: "0.2",
      marginTiers: [{ upToNotional: "100000000", initial: "0.04", maintenance: "0.02" }],
    },
  ],
  liquidation: { feeRate: "0.005", bufferRatio: "0.02", marginCallRatio: "0.8", maxPriceWaitMs: 60_000 },
  insuranceFund: { asset: "USD", initialBalance: "100000" },
});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));

/** The workload's events, grouped by batch of BATCH commands. */
function workload() {
  const engine = new Engine(loaded.config);
  const rand = prng(11);
  const batches = [[]];
  let ts = T0;
  let cause = 0;
  const apply = (command) => {
    if (cause > 0 && cause % BATCH === 0) batches.push([]);
    engine.applyInto({ ts, ...command }, ++cause, batches.at(-1));
  };
  const px = (x) => (Math.round(x * 2) / 2).toFixed(1);
  let price = 60_000;
  const tick = () => {
    for (const source of ["a", "b", "c"])
      apply({
        type: "price",
        index: "XBT-USD",
        source,
        price: px(price * (1 + (rand() - 0.5) * 0.0004)),
        sourceTs: ts,
      });
  };
  tick();
  apply({ type: "deposit", account: "mm", asset: "USD", amount: "100000000" });
  apply({ type: "deposit", account: "lp", asset: "USD", amount: "10000000" });
  for (let i = 0; i < TRADERS; i++)
    apply({
      type: "deposit",
      account: `t${i}`,
      asset: "USD",
      amount: String(2_000 + Math.floor(rand() * 20_000)),
    });
  // Four longs of 1 XBT on 3,000-3,900 USD: liquidated 3-4.5 % below the entry.
  for (let i = 0; i < 4; i++) {
    apply({ type: "deposit", account: `lev${i}`, asset: "USD", amount: String(3_000 + 300 * i) });
    apply({ type: "fill", symbol: "XBT-PERP", buyer: `lev${i}`, seller: "mm", qty: "1", price: px(price) });
  }
  for (let i = 0; i < COMMANDS; i++) {
    ts += 1 + Math.floor(rand() * 5);
    const r = rand();
    if (r < 0.3) {
      price += (rand() - 0.5) * 30;
      tick();
    } else if (r < 0.6) {
      const t = `t${Math.floor(rand() * TRADERS)}`;
      const long = rand() < 0.5;
      apply({
        type: "fill",
        symbol: "XBT-PERP",
        buyer: long ? t : "mm",
        seller: long ? "mm" : t,
        qty: (0.001 + rand() * 0.05).toFixed(3),
        price: px(price),
      });
    } else if (r < 0.9)
      apply({
        type: "deposit",
        account: `t${Math.floor(rand() * TRADERS)}`,
        asset: "USD",
        amount: `${Math.floor(rand() * 500)}.${Math.floor(rand() * 1e6)}`,
      });
    else if (r < 0.92)
      apply({
        type: "order",
        account: "lp",
        id: `b${i}`,
        symbol: "XBT-PERP",
        side: "buy",
        qty: "0.01",
        price: px(price * 0.97 - Math.floor(rand() * 20) * 0.5),
      });
  }
  // The fall: 0.1 % a second for 40 s.
  for (let k = 0; k < 40; k++) {
    ts += 1_000;
    price *= 0.999;
    tick();
  }
  return { batches: batches.filter((b) => b.length > 0), commands: cause };
}

const { batches, commands } = workload();
const all = batches.flat();
const counts = {};
for (const e of all) counts[e.type] = (counts[e.type] ?? 0) + 1;
const rows = pendingRows(all, 0).rows.length - 1; // without the last_seq row
if (counts.rejected || counts["order.rejected"])
  throw new Error(`rejections in the workload: ${JSON.stringify(counts)}`);
const liquidated = new Set(all.filter((e) => e.type === "liquidation").map((e) => e.account));
const lastSeq = all.at(-1).seq;

/** Applies every batch to a fresh model; seconds from the first call to the last write, and a check of the tables. */
async function measure(open, awaitEach = false) {
  const { model, count, done } = await open();
  try {
    const start = process.hrtime.bigint();
    let last = Promise.resolve();
    for (const batch of batches) {
      last = model.apply(batch);
      if (awaitEach) await last;
    }
    await last;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    for (const [table, n] of [
      ["index_history", counts.index],
      ["liquidations", counts.liquidation],
      ["margin_transitions", counts.margin],
      ["insurance_fund", counts.insurance],
    ])
      if ((await count(table)) !== n) throw new Error(`${table}: not ${n} rows`);
    if (model.lastSeq !== lastSeq) throw new Error("last_seq");
    return seconds;
  } finally {
    await model.close();
    await done();
  }
}

const sqlite = [];
for (let run = 0; run < 5; run++) {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-read-model-bench-"));
  sqlite.push(
    await measure(async () => {
      const model = new SqliteReadModel(join(dir, "read-model.db"));
      return {
        model,
        count: async (table) => Number(model.all(`SELECT COUNT(*) AS n FROM ${table}`)[0].n),
        done: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }),
  );
}

const postgres = [];
const postgresAwaited = [];
const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
const pgReachable = await admin.connect().then(
  () => true,
  () => false,
);
if (pgReachable) {
  try {
    for (let run = 0; run < 2 * RUNS; run++) {
      const schema = `plimsoll_bench_rm_${process.pid}_${run}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      (run % 2 === 0 ? postgres : postgresAwaited).push(
        await measure(
          async () => {
            const model = await PostgresReadModel.open(`${PG_URL}?options=-c%20search_path%3D${schema}`);
            return {
              model,
              count: async (table) => Number((await model.all(`SELECT COUNT(*) AS n FROM ${table}`))[0].n),
              done: async () => {
                await admin.query(`DROP SCHEMA ${schema} CASCADE`);
              },
            };
          },
          run % 2 === 1,
        ).catch(async (error) => {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          throw error;
        }),
      );
    }
  } finally {
    await admin.end();
  }
}

const fmt = (x) => Math.round(x).toLocaleString("en");
const line = (seconds) =>
  `median ${fmt(all.length / median(seconds))} events/s (${fmt(rows / median(seconds))} rows/s; ${median(seconds).toFixed(2)} s)`;
console.log(`read-model  ${machine()}`);
console.log(
  `read-model  ${fmt(commands)} commands (deposits, fills, price ticks, bids; ${liquidated.size} accounts liquidated in ${counts.liquidation} steps, ${counts.margin} margin transitions): ${fmt(all.length)} events, ${fmt(rows)} rows (balances, positions, index history, …), one call per batch of ${fmt(BATCH)} commands`,
);
console.log(`read-model  SQLite (embedded store, WAL, synchronous NORMAL): ${line(sqlite)}`);
const where = PG_URL.replace(/^postgres:\/\/[^@]*@/, "");
if (pgReachable) {
  console.log(`read-model  PostgreSQL (${where}, calls queued, merged behind a write): ${line(postgres)}`);
  console.log(
    `read-model  PostgreSQL (${where}, each call awaited, one transaction per batch): ${line(postgresAwaited)}`,
  );
} else console.log(`read-model  PostgreSQL at ${PG_URL} not reachable: its lines are skipped`);

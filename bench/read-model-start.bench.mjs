// A start replaying a long journal tail into the read model: 1,000,000 deposits (20,000 accounts) in batches of
// 1,000 on a NATS JetStream stream (127.0.0.1:4222), replayed by `serve` with the read model in PostgreSQL
// (127.0.0.1:5432, database test, a fresh schema per run, dropped afterwards). Reports the seconds until the start
// listens and until the read model has written every event, the most events it had unwritten at once (serve.ts bounds
// that backlog, by default at 100,000) and how much more heap is in use when it listens than before it started (both
// after a full collection: what the start holds on to, the engine's state and the kept events included). Skipped when
// NATS or PostgreSQL is not reachable.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadConfig } from "../dist/config/load.js";
import { encodeBatch } from "../dist/journal/file-journal.js";
import { NatsJournal } from "../dist/journal/nats-journal.js";
import { PostgresReadModel } from "../dist/service/postgres-read-model.js";
import { serve } from "../dist/service/serve.js";
import { cashMarket, machine, median, natsAndPostgres, unwrittenEvents } from "./workload.mjs";

const SERVERS = "127.0.0.1:4222";
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const COMMANDS = 1_000_000;
const BATCH = 1_000;
const ACCOUNTS = 20_000;
const RUNS = 3;
const T0 = 1_700_000_000_000;

const { nc, admin } = await natsAndPostgres("read-model-start", SERVERS, PG_URL);
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const jsm = await nc.jetstreamManager();
const config = cashMarket(loadConfig);
const stream = `bench_rmstart_${process.pid}`;

/** The tail: every run replays the same stream. */
async function fill() {
  const { journal } = await NatsJournal.open({ servers: SERVERS, stream });
  for (let b = 0; b < COMMANDS / BATCH; b++) {
    const batch = Array.from({ length: BATCH }, (_, k) => {
      const n = b * BATCH + k;
      return { type: "deposit", ts: T0 + n, account: `a${n % ACCOUNTS}`, asset: "USDC", amount: "1.5" };
    });
    await journal.append(encodeBatch(batch).bytes, BATCH);
  }
  await journal.close();
}

/** One start: seconds to listening and to the read model written, most events unwritten, heap held. */
async function run(index) {
  const schema = `plimsoll_bench_rmstart_${process.pid}_${index}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const model = await PostgresReadModel.open(`${PG_URL}?options=-c%20search_path%3D${schema}`);
  const backlog = unwrittenEvents(model);
  gc();
  const base = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const service = await serve({
    config,
    dir: "",
    port: 0,
    host: "127.0.0.1",
    log: () => undefined,
    journal: { servers: SERVERS, stream },
    readModel: model,
    snapshotEvery: 0,
  });
  try {
    const listening = Number(process.hrtime.bigint() - start) / 1e9;
    gc();
    const held = process.memoryUsage().heapUsed - base;
    await new Promise((resolve) => setImmediate(resolve));
    await model.apply([]);
    const written = Number(process.hrtime.bigint() - start) / 1e9;
    const events = Number(
      (await model.all("SELECT value FROM plimsoll_meta WHERE key = 'last_seq'"))[0].value,
    );
    if (service.sequencer.applied !== COMMANDS || events !== service.engine.stats.events)
      throw new Error(`${service.sequencer.applied} commands replayed, read model at ${events} events`);
    return { listening, written, most: backlog.most, held };
  } finally {
    await service.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  }
}

const runs = [];
try {
  await fill();
  for (let i = 0; i < RUNS; i++) runs.push(await run(i));
} finally {
  await jsm.streams.delete(stream).catch(() => undefined);
  await admin.end();
  await nc.close();
}
const of = (key) => runs.map((r) => r[key]);
console.log(`read-model-start  ${machine()}`);
console.log(
  `read-model-start  a start replaying ${COMMANDS.toLocaleString("en")} deposits from NATS into the read model in PostgreSQL, median of ${RUNS}: listening after ${median(of("listening")).toFixed(2)} s, read model written by ${median(of("written")).toFixed(2)} s; most events unwritten at once ${Math.max(...of("most")).toLocaleString("en")}; heap held when listening ${(median(of("held")) / 2 ** 20).toFixed(0)} MiB (max ${(Math.max(...of("held")) / 2 ** 20).toFixed(0)})`,
);

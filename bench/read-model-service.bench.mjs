// The read model behind a running service: 80,000 deposits (2,000 accounts) posted by 16 clients in requests of 100
// to `serve` with the journal on NATS JetStream (127.0.0.1:4222) and the read model in PostgreSQL (127.0.0.1:5432,
// database test, a fresh schema per run, dropped afterwards). Reports the seconds until the last request is answered
// and until the read model has written every event, and the most events it had unwritten at once (serve.ts bounds
// that backlog). Skipped when NATS or PostgreSQL is not reachable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../dist/config/load.js";
import { PostgresReadModel } from "../dist/service/postgres-read-model.js";
import { serve } from "../dist/service/serve.js";
import { cashMarket, machine, median, natsAndPostgres, unwrittenEvents } from "./workload.mjs";

const SERVERS = "127.0.0.1:4222";
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const CLIENTS = 16;
const REQUESTS = 50; // per client
const BATCH = 100;
const ACCOUNTS = 2_000;
const RUNS = 3;
const T0 = 1_700_000_000_000;

const { nc, admin } = await natsAndPostgres("read-model-service", SERVERS, PG_URL);
const jsm = await nc.jetstreamManager();
const config = cashMarket(loadConfig);

/** One run: seconds to the last answer, seconds until the read model holds every event, most events unwritten. */
async function run(index) {
  const schema = `plimsoll_bench_rms_${process.pid}_${index}`;
  const stream = `bench_rms_${process.pid}_${index}`;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-rms-bench-"));
  await admin.query(`CREATE SCHEMA ${schema}`);
  const model = await PostgresReadModel.open(`${PG_URL}?options=-c%20search_path%3D${schema}`);
  const backlog = unwrittenEvents(model);
  const service = await serve({
    config,
    dir,
    port: 0,
    host: "127.0.0.1",
    log: () => undefined,
    journal: { servers: SERVERS, stream },
    readModel: model,
    snapshotEvery: 0,
  });
  try {
    const url = `http://127.0.0.1:${service.port}/v1/commands`;
    let n = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let r = 0; r < REQUESTS; r++) {
          const body = Array.from({ length: BATCH }, () =>
            JSON.stringify({
              type: "deposit",
              ts: T0 + ++n,
              account: `a${n % ACCOUNTS}`,
              asset: "USDC",
              amount: "1",
            }),
          ).join("\n");
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/x-ndjson" },
            body,
          });
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
    const answered = Number(process.hrtime.bigint() - start) / 1e9;
    await new Promise((resolve) => setImmediate(resolve)); // the last batch's events are handed over
    await model.apply([]);
    const written = Number(process.hrtime.bigint() - start) / 1e9;
    const events = Number(
      (await model.all("SELECT value FROM plimsoll_meta WHERE key = 'last_seq'"))[0].value,
    );
    if (events !== service.engine.stats.events) throw new Error(`read model at ${events} events`);
    return { answered, written, most: backlog.most };
  } finally {
    await service.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await jsm.streams.delete(stream).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
try {
  for (let i = 0; i < RUNS; i++) runs.push(await run(i));
} finally {
  await admin.end();
  await nc.close();
}
const commands = CLIENTS * REQUESTS * BATCH;
console.log(`read-model-service  ${machine()}`);
console.log(
  `read-model-service  ${commands.toLocaleString("en")} deposits by ${CLIENTS} clients (requests of ${BATCH}), journal on NATS, read model in PostgreSQL: answered in ${median(runs.map((r) => r.answered)).toFixed(2)} s, read model written by ${median(runs.map((r) => r.written)).toFixed(2)} s (median of ${RUNS}); most events unwritten at once ${Math.max(...runs.map((r) => r.most)).toLocaleString("en")}`,
);

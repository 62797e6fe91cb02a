// Durable commands through the service: POST /v1/commands with batches of 100 (JSON Lines) from 16 keep-alive
// connections in a client process of their own (bench/http-clients.mjs), on the embedded store (each batch
// journaled and synced before it is applied and answered), and with the journal on NATS JetStream
// (127.0.0.1:4222, when reachable: a batch is durable once JetStream acknowledges it). Reports commands/s and
// request latency p50/p99. Target: ≥ 100,000 commands/s.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { loadConfig } from "../dist/config/load.js";
import { serve } from "../dist/service/serve.js";
import { cashMarket, machine, median } from "./workload.mjs";

const CLIENTS = 16;
const BATCH = 100;
const REQUESTS = 400; // per client
const T0 = 1_700_000_000_000;
const config = cashMarket(loadConfig);

async function measure(journal) {
  const rates = [];
  const p50 = [];
  const p99 = [];
  for (let run = 0; run < 4; run++) {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-service-bench-"));
    const target = journal === null ? {} : { journal: { ...journal, stream: `${journal.stream}_${run}` } };
    const service = await serve({
      config,
      dir,
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
      ...target,
    });
    const clients = fork(new URL("./http-clients.mjs", import.meta.url), [
      `http://127.0.0.1:${service.port}/v1/commands`,
      String(CLIENTS),
      String(REQUESTS),
      String(BATCH),
      String(T0),
    ]);
    const measured = new Promise((resolve, reject) => {
      clients.once("message", resolve);
      clients.once("exit", (code) => reject(new Error(`the clients exited with ${code}`)));
    });
    const result = await measured;
    await service.close();
    rmSync(dir, { recursive: true, force: true });
    if (run === 0) continue;
    rates.push(result.rate);
    p50.push(result.p50);
    p99.push(result.p99);
  }
  return `median ${Math.round(median(rates)).toLocaleString("en")} durable commands/s; request p50 ${median(p50).toFixed(1)} ms, p99 ${median(p99).toFixed(1)} ms`;
}

console.log(`service  ${machine()}`);
console.log(
  `service  POST /v1/commands, ${CLIENTS} keep-alive clients in their own process, batches of ${BATCH} deposits, embedded store (journal synced per batch): ${await measure(null)} (target ≥ 100,000 commands/s)`,
);
const nats = await connect({ servers: "127.0.0.1:4222", timeout: 2_000, reconnect: false }).then(
  async (nc) => {
    const jsm = await nc.jetstreamManager();
    return { nc, jsm };
  },
  () => null,
);
if (nats === null)
  console.log("service  NATS JetStream at 127.0.0.1:4222 not reachable: its line is skipped");
else {
  const stream = `bench_${process.pid}`;
  console.log(
    `service  the same with the journal on NATS JetStream (one message per batch, acknowledged by the server): ${await measure({ servers: "127.0.0.1:4222", stream })}`,
  );
  for (let run = 0; run < 4; run++) await nats.jsm.streams.delete(`${stream}_${run}`).catch(() => undefined);
  await nats.nc.close();
}

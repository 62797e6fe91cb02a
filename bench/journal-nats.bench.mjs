// The journal on NATS JetStream alone (127.0.0.1:4222, the local server: file storage, one replica), beside
// `npm run bench -- journal` (the embedded store's segment file). Batches of 1,000 commands (~123 bytes of JSON each,
// the same commands as bench/journal.bench.mjs), each batch one message acknowledged by the server before the next
// is published — what the service does under load with `--journal nats://…`. Reports records/s and the append
// latency of a batch (p50/p99); reading the stream back (NatsJournal.open on the whole stream, each message decoded
// and its checksums verified) in records/s; and a full replay (`replayNats`: read the stream, parse and apply every
// command to a fresh engine) of 200,000 price and deposit commands, in commands/s. Every run writes a fresh stream,
// deleted afterwards (the server is shared).
import { connect } from "nats";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { encodeBatch } from "../dist/journal/file-journal.js";
import { NatsJournal } from "../dist/journal/nats-journal.js";
import { applyRecords, replayNats } from "../dist/service/serve.js";
import { machine, median, orderCommands, prng } from "./workload.mjs";

const SERVERS = "127.0.0.1:4222";
const BATCH = 1_000;
const BATCHES = 300;
const RUNS = 4; // the first is a warm-up
const REPLAY_COMMANDS = 200_000;
const T0 = 1_700_000_000_000;

const nc = await connect({ servers: SERVERS, timeout: 2_000, reconnect: false }).catch(() => null);
if (nc === null) {
  console.log(`journal-nats  NATS JetStream at ${SERVERS} not reachable: skipped`);
  process.exit(0);
}
const jsm = await nc.jetstreamManager();
const created = [];
const fresh = (name) => {
  const stream = `bench_${name}_${process.pid}_${created.length}`;
  created.push(stream);
  return { servers: SERVERS, stream };
};
const cleanUp = async () => {
  for (const stream of created) await jsm.streams.delete(stream).catch(() => undefined);
  created.length = 0;
};
const fmt = (x) => Math.round(x).toLocaleString("en");

try {
  const objects = orderCommands(BATCH, T0); // journaled as the service does: binary
  const lines = objects.map((c) => JSON.stringify(c));
  const rates = [];
  const p50 = [];
  const p99 = [];
  const reads = [];
  for (let run = 0; run < RUNS; run++) {
    const target = fresh("append");
    const { journal } = await NatsJournal.open(target);
    const times = [];
    const start = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) {
      const t = process.hrtime.bigint();
      await journal.append(encodeBatch(objects).bytes, objects.length);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await journal.close();
    const r = process.hrtime.bigint();
    const reopened = await NatsJournal.open(target);
    const readSeconds = Number(process.hrtime.bigint() - r) / 1e9;
    await reopened.journal.close();
    if (reopened.count !== BATCH * BATCHES)
      throw new Error(`read back ${reopened.count} records, wrote ${BATCH * BATCHES}`);
    await cleanUp();
    if (run === 0) continue;
    times.sort((x, y) => x - y);
    rates.push((BATCH * BATCHES) / seconds);
    p50.push(times[Math.floor(times.length * 0.5)]);
    p99.push(times[Math.floor(times.length * 0.99)]);
    reads.push((BATCH * BATCHES) / readSeconds);
  }
  console.log(`journal-nats  ${machine()}`);
  console.log(
    `journal-nats  JetStream append (${SERVERS}, file storage, 1 replica), batches of ${BATCH} (~${lines[0].length} bytes each), one message each acknowledged before the next: median ${fmt(median(rates))} records/s; batch append p50 ${median(p50).toFixed(2)} ms, p99 ${median(p99).toFixed(2)} ms (embedded store's targets: ≥ 1,000,000 records/s, p99 ≤ 2 ms); read back (NatsJournal.open, whole stream, checksums verified) ${fmt(median(reads))} records/s`,
  );

  // Full replay: 200,000 price and deposit commands (one price tick from one of three sources every 5 commands,
  // deposits over 10,000 accounts) written to a fresh stream, then `replayNats` into a fresh engine.
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
    ],
    indices: [
      {
        id: "BTC-USD",
        sources: ["a", "b", "c"].map((id) => ({ id, weight: "1" })),
        minSources: 2,
        staleAfterMs: 10_000,
      },
    ],
    instruments: [],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const rand = prng(7);
  const commands = [];
  let ts = T0;
  let price = 60_000;
  for (let i = 0; i < REPLAY_COMMANDS; i++) {
    ts += Math.floor(rand() * 3);
    if (i % 5 === 0) {
      price = Math.max(1_000, price + (rand() - 0.5) * 20);
      commands.push(
        JSON.stringify({
          type: "price",
          ts,
          index: "BTC-USD",
          source: ["a", "b", "c"][(i / 5) % 3],
          price: price.toFixed(2),
          sourceTs: ts,
        }),
      );
    } else {
      const btc = rand() < 0.2;
      commands.push(
        JSON.stringify({
          type: "deposit",
          ts,
          account: `acct-${Math.floor(rand() * 10_000)}`,
          asset: btc ? "BTC" : "USDC",
          amount: btc
            ? `0.${String(Math.floor(rand() * 1e8)).padStart(8, "0")}`
            : `${Math.floor(rand() * 10_000)}.${Math.floor(rand() * 1_000_000)}`,
        }),
      );
    }
  }
  const replays = [];
  const replayReads = [];
  const applies = [];
  let hash = null;
  let events = 0;
  for (let run = 0; run < 3; run++) {
    const target = fresh("replay");
    const { journal } = await NatsJournal.open(target);
    for (let i = 0; i < commands.length; i += BATCH) {
      const batch = commands.slice(i, i + BATCH).map((c) => JSON.parse(c)); // as the service journals them
      await journal.append(encodeBatch(batch).bytes, batch.length);
    }
    await journal.close();
    // The stream read alone, then the replay (read + apply), then the apply alone on the records in memory.
    const r = process.hrtime.bigint();
    const batches = []; // kept, for the apply alone below
    const read = await NatsJournal.open(target, 0, 0, (records) => batches.push(records));
    replayReads.push(commands.length / (Number(process.hrtime.bigint() - r) / 1e9));
    await read.journal.close();
    const t = process.hrtime.bigint();
    const replayed = await replayNats(loaded.config, target);
    replays.push(commands.length / (Number(process.hrtime.bigint() - t) / 1e9));
    if (replayed.count !== commands.length) throw new Error("replay: wrong number of records");
    const a = process.hrtime.bigint();
    const engine = new Engine(loaded.config);
    let first = 0;
    for (const records of batches) {
      applyRecords(engine, records, first);
      first += records.length;
    }
    applies.push(commands.length / (Number(process.hrtime.bigint() - a) / 1e9));
    if (engine.stateHash() !== replayed.engine.stateHash()) throw new Error("replay: state hashes differ");
    if (replayed.engine.stats.rejected !== 0) throw new Error("replay: commands rejected");
    if (hash !== null && hash !== engine.stateHash()) throw new Error("replay: runs differ");
    hash = engine.stateHash();
    events = engine.stats.events;
    await cleanUp();
  }
  console.log(
    `journal-nats  full replay (replayNats) of ${fmt(REPLAY_COMMANDS)} price and deposit commands (${fmt(events)} events) from a stream of ${REPLAY_COMMANDS / BATCH} batches: median ${fmt(median(replays))} commands/s (stream read alone ${fmt(median(replayReads))} records/s; parse + apply alone ${fmt(median(applies))} commands/s)`,
  );
} finally {
  await cleanUp();
  await nc.close();
}

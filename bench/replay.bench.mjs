// Replay from the journal file: 1,000,000 commands (price commands from 10 venues for each of 10 indices, as in
// the prices bench, with a deposit and an order every 50) journaled in batches of 1,000 as the service writes them
// (binary), and the same commands as JSON text for comparison. Each stage timed on its own and together:
//   read      the file read (1 MiB at a time) and every batch's checksum verified (recovery)
//   journal   read + every record decoded into its command: replay up to the engine. Target: ≥ 10,000,000/s
//             (the issue's baseline, "JSON lines replay ~0.9 M/s", is this stage's figure for JSON records).
//   decode    the difference, as a rate
//   engine    read + decode + apply (a fresh engine, events counted as the raw channel takes them): the other
//             reading of the target, engine-bound (docs/storage.md).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { crc32cImplementation } from "../dist/journal/crc32c.js";
import { encodeBatch, JOURNAL_FILE, readJournalSync } from "../dist/journal/file-journal.js";
import { machine, median, pricesMarket, prng, T0 } from "./workload.mjs";

const INDICES = 10;
const SOURCES = 10;
const N = 1_000_000;
const BATCH = 1_000;
const RUNS = 5;

const loaded = loadConfig(pricesMarket(INDICES, SOURCES));
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));

const rand = prng(7);
const level = Array.from({ length: INDICES }, (_, i) => 1000 * (i + 1));
const lastSourceTs = new Float64Array(INDICES * SOURCES);
const commands = [];
let ts = T0;
for (let n = 0; n < N; n++) {
  ts += n % 4 === 0 ? 1 : 0;
  if (n % 50 === 49) {
    const account = `u${n % 997}`;
    commands.push(
      n % 100 === 49
        ? { type: "deposit", ts, account, asset: "USDC", amount: "1000" }
        : {
            type: "order",
            ts,
            account,
            id: `o${n}`,
            symbol: `PERP${n % INDICES}`,
            side: n % 3 ? "buy" : "sell",
            qty: "0.01",
            price: (level[n % INDICES] * (n % 3 ? 0.9 : 1.1)).toFixed(2),
            tif: "gtc",
          },
    );
    continue;
  }
  const i = Math.floor(rand() * INDICES);
  const s = Math.floor(rand() * SOURCES);
  level[i] *= 1 + (rand() - 0.5) * 0.0004;
  const price = (level[i] * (1 + (rand() - 0.5) * 0.001)).toFixed(2);
  const sourceTs = Math.max(lastSourceTs[i * SOURCES + s], ts - 5 - Math.floor(rand() * 45));
  lastSourceTs[i * SOURCES + s] = sourceTs;
  commands.push({ type: "price", ts, index: `IDX${i}`, source: `venue${s}`, price, sourceTs });
}

function journalFile(inputs) {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-replay-bench-"));
  const chunks = [];
  for (let i = 0; i < inputs.length; i += BATCH) chunks.push(encodeBatch(inputs.slice(i, i + BATCH)).bytes);
  const bytes = Buffer.concat(chunks);
  writeFileSync(join(dir, JOURNAL_FILE), bytes);
  return { dir, bytes: bytes.length };
}

let events = 0;
const count = () => {
  events++;
};
const sink = { push: count, index: count, mark: count };
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const fmt = (x) => Math.round(x).toLocaleString("en");

console.log(`replay  ${machine()}; CRC-32C: ${crc32cImplementation}`);
for (const [name, inputs] of [
  ["binary", commands],
  ["json", commands.map((c) => JSON.stringify(c))],
]) {
  const { dir, bytes } = journalFile(inputs);
  const read = [];
  const decode = [];
  const journal = [];
  const engine = [];
  let perCommand = 0;
  for (let run = 0; run < RUNS + 1; run++) {
    let t = process.hrtime.bigint();
    const { count } = readJournalSync(dir, () => undefined);
    const r = seconds(t);
    t = process.hrtime.bigint();
    readJournalSync(dir, (records) => {
      for (let i = 0; i < records.length; i++) records.command(i);
    });
    const j = seconds(t);
    t = process.hrtime.bigint();
    events = 0;
    const e = new Engine(loaded.config);
    readJournalSync(dir, (records, first) => {
      for (let i = 0; i < records.length; i++) e.applyInto(records.command(i), first + i + 1, sink);
    });
    const a = seconds(t);
    perCommand = events / count;
    if (run === 0) continue; // warm-up
    read.push(count / r);
    decode.push(count / (j - r));
    journal.push(count / j);
    engine.push(count / a);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `replay  ${name.padEnd(6)} ${fmt(N)} commands, ${(bytes / N).toFixed(1)} bytes each on disk: read+verify ${fmt(median(read))} records/s, decode ${fmt(median(decode))}/s, journal (read+decode) ${fmt(median(journal))} records/s${name === "binary" ? " (target ≥ 10,000,000)" : ""}; through the engine ${fmt(median(engine))} commands/s = ${fmt(median(engine) * perCommand)} events/s (${perCommand.toFixed(2)} events per command${name === "binary" ? "; ≥ 10,000,000 if the target means replay end to end" : ""}); medians of ${RUNS}`,
  );
}

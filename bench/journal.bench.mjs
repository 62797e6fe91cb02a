// Journal append with group commit on the embedded store: batches of 1,000 order commands (binary, as the service
// journals them; ~125 bytes each as JSON), each batch written and synced (fdatasync) before the next — what the
// service does under load. Reports records/s and the append latency of a batch (p50/p99). Target: ≥ 1,000,000
// records/s, p99 ≤ 2 ms. Also the journal read back (checksums verified; bench/replay.bench.mjs decodes too). For the storage choice (docs/storage.md), the same batches appended to
// SQLite in WAL mode (one transaction per batch, synchronous = FULL: durable at commit, as the journal must be).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { encodeBatch, FileJournal, readJournalSync } from "../dist/journal/file-journal.js";
import { machine, median, orderCommands } from "./workload.mjs";

const BATCH = 1_000;
const BATCHES = 500;
const T0 = 1_700_000_000_000;
// What the service journals: the commands as objects, written in binary (their JSON lines go to SQLite).
const commands = orderCommands(BATCH, T0);
const lines = commands.map((c) => JSON.stringify(c));
const recordBytes = (encodeBatch(commands).bytes.length - 16) / BATCH;
const rates = [];
const p50 = [];
const p99 = [];
const reads = [];
for (let run = 0; run < 4; run++) {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-bench-"));
  const journal = await FileJournal.open(dir, 0);
  const times = [];
  const start = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) {
    const t = process.hrtime.bigint();
    await journal.append(encodeBatch(commands).bytes);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await journal.close();
  const r = process.hrtime.bigint();
  const recovered = readJournalSync(dir, () => undefined);
  reads.push(recovered.count / (Number(process.hrtime.bigint() - r) / 1e9));
  rmSync(dir, { recursive: true, force: true });
  if (run === 0) continue;
  times.sort((x, y) => x - y);
  rates.push((BATCH * BATCHES) / seconds);
  p50.push(times[Math.floor(times.length * 0.5)]);
  p99.push(times[Math.floor(times.length * 0.99)]);
}
const fmt = (x) => Math.round(x).toLocaleString("en");
console.log(`journal  ${machine()}`);
console.log(
  `journal  append, batches of ${BATCH} binary commands (${recordBytes.toFixed(0)} bytes each with its header; ${lines[0].length} as JSON) synced per batch: median ${fmt(median(rates))} records/s; batch append p50 ${median(p50).toFixed(2)} ms, p99 ${median(p99).toFixed(2)} ms (target ≥ 1,000,000 records/s, p99 ≤ 2 ms); recovery read with checksums ${fmt(median(reads))} records/s`,
);

// SQLite as the journal: the same batches, one transaction each, durable at commit.
const sqliteRates = [];
const sqliteP99 = [];
for (let run = 0; run < 4; run++) {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-sqlite-bench-"));
  const db = new Database(join(dir, "journal.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE journal (seq INTEGER PRIMARY KEY, command TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO journal (command) VALUES (?)");
  const batch = db.transaction((rows) => {
    for (const r of rows) insert.run(r);
  });
  const times = [];
  const start = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) {
    const t = process.hrtime.bigint();
    batch(lines);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (run === 0) continue;
  times.sort((x, y) => x - y);
  sqliteRates.push((BATCH * BATCHES) / seconds);
  sqliteP99.push(times[Math.floor(times.length * 0.99)]);
}
console.log(
  `journal  SQLite (WAL, synchronous FULL), the same batches, one transaction each: median ${fmt(median(sqliteRates))} records/s; batch p99 ${median(sqliteP99).toFixed(2)} ms`,
);

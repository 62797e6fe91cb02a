// A snapshot of 1,000,000 accounts (bench/restart.bench.mjs's engine) written while the event loop is probed and
// the engine goes on (a deposit each millisecond). Prints: `engine.snapshot()` (the whole state as JSON values) and
// `engine.capture()` (what a snapshot copies at the command boundary; absent before it existed); for
// `writeSnapshot` whole, the longest event-loop block (a 1 ms interval's largest gap; perf_hooks'
// monitorEventLoopDelay maximum), the 99th percentile gap and the longest GC pause among them, the total time and
// the commands applied meanwhile; and the same probe over as long without a snapshot: the machine's own noise.
// Each phase starts from a collected heap; each snapshot written must load to the state hash of its seq.
// Then the same for a snapshot saved to PostgreSQL (127.0.0.1:5432, database test) as `plimsoll serve --store
// postgres://… --journal nats://…` saves it — the capture, then PostgresReadModel.saveSnapshot, the table already
// holding the two kept snapshots — each in a fresh schema, dropped afterwards; skipped when PostgreSQL is not
// reachable. The builds before chunked saves (saveSnapshot taking the body as one string, built by snapshotText) are
// measured the same way.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pg from "pg";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { PostgresReadModel } from "../dist/service/postgres-read-model.js";
import * as writer from "../dist/service/snapshot-writer.js";
import { loadSnapshot, writeSnapshot } from "../dist/service/snapshots.js";
import { accountsEngine, machine, median } from "./workload.mjs";

const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const ACCOUNTS = 1_000_000;
const HOLDERS = 10_000;
const RUNS = 3;
const built = accountsEngine(loadConfig, Engine, ACCOUNTS, HOLDERS);
const { engine, config } = built;
let cause = built.cause;
const sink = [];
// Each probed phase starts from a collected heap: the bench's own garbage (a state hash, a restored engine) is not
// the snapshot's.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const timed = (f) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const copies = [];
const captures = [];
for (let run = 0; run < RUNS; run++) {
  copies.push(timed(() => engine.snapshot()));
  if (typeof engine.capture === "function") {
    let capture;
    captures.push(timed(() => (capture = engine.capture())));
    capture.release(); // as the writer does: the next capture copies into its memory
  }
}

/** Probes the event loop while `work` runs, the engine applying a deposit each tick. */
async function probed(work) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const gaps = [];
  let last = performance.now();
  let applied = 0;
  let on = false;
  const probe = setInterval(() => {
    const now = performance.now();
    if (on) gaps.push(now - last);
    last = now;
    if (!on) return;
    const account = `acct${applied % ACCOUNTS}`;
    engine.applyInto(
      { type: "deposit", ts: 1_700_000_000_000, account, asset: "USDC", amount: "1" },
      ++cause,
      sink,
    );
    sink.length = 0;
    applied++;
  }, 1);
  gc();
  const pauses = [];
  const observer = new PerformanceObserver((list) => {
    if (on) for (const entry of list.getEntries()) pauses.push(entry.duration);
  });
  observer.observe({ entryTypes: ["gc"] });
  histogram.enable(); // ahead: its first sample (after enable or reset) only starts its clock
  await new Promise((resolve) => setTimeout(resolve, 20));
  last = performance.now();
  on = true;
  const t = performance.now();
  const result = await work();
  const total = performance.now() - t;
  await new Promise((resolve) => setTimeout(resolve, 5)); // the probe sees the last gap
  on = false;
  observer.disconnect();
  histogram.disable();
  clearInterval(probe);
  gaps.sort((a, b) => a - b);
  const longest = (gaps.at(-1) ?? 1) - 1;
  const p99 = (gaps[Math.floor(gaps.length * 0.99)] ?? 1) - 1;
  const gcMax = Math.max(0, ...pauses);
  return { result, total, longest, p99, eld: histogram.max / 1e6, applied, gcMax };
}

const dir = mkdtempSync(join(tmpdir(), "plimsoll-snapshot-write-bench-"));
const writes = [];
const quiet = [];
for (let run = 0; run < RUNS; run++) {
  const seq = cause;
  const hash = engine.stateHash();
  const w = await probed(() => writeSnapshot(dir, engine, seq));
  writes.push(w);
  const restored = loadSnapshot(dir, config, seq, (line) => console.log(line));
  if (restored === null || restored.seq !== seq || restored.engine.stateHash() !== hash)
    throw new Error("the snapshot does not restore to the state at its seq");
  if (!w.result.endsWith(`snapshot-${String(seq).padStart(12, "0")}.json`))
    throw new Error(`wrote ${w.result}`);
  quiet.push(await probed(() => new Promise((resolve) => setTimeout(resolve, Math.max(w.total, 200)))));
}
rmSync(dir, { recursive: true, force: true });
const ms = (values) => `${median(values).toFixed(1)} ms (max ${Math.max(...values).toFixed(1)})`;
const of = (runs, key) => runs.map((r) => r[key]);
console.log(`snapshot-write  ${machine()}`);
console.log(
  `snapshot-write  ${ACCOUNTS.toLocaleString("en")} accounts, median of ${RUNS}: engine.snapshot() ${ms(copies)}; engine.capture() ${captures.length === 0 ? "n/a" : ms(captures)}`,
);
console.log(
  `snapshot-write  writeSnapshot: longest event-loop block ${ms(of(writes, "longest"))}, monitorEventLoopDelay max ${ms(of(writes, "eld"))}, p99 gap ${ms(of(writes, "p99"))}, longest GC pause ${ms(of(writes, "gcMax"))}; total ${ms(of(writes, "total"))}; ${median(of(writes, "applied"))} commands applied meanwhile`,
);
console.log(
  `snapshot-write  no snapshot (noise floor): longest event-loop block ${ms(of(quiet, "longest"))}, p99 gap ${ms(of(quiet, "p99"))}, longest GC pause ${ms(of(quiet, "gcMax"))}`,
);

// PostgreSQL: the save as serve's snapshotNow makes it, the engine going on meanwhile.
const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
const reachable = await admin.connect().then(
  () => true,
  () => false,
);
/** The build's API: the body as one string (before), or written through the store in chunks. */
const wholeString = PostgresReadModel.prototype.saveSnapshot.length === 4;
const saveText = (store, seq, hash, text) =>
  wholeString
    ? store.saveSnapshot(seq, seq, hash, text)
    : store.saveSnapshot(seq, seq, async (write) => {
        await write(Buffer.from(text, "utf8"));
        return { stateHash: hash };
      });
const saveCapture = async (store, seq) => {
  const capture = engine.capture();
  try {
    if (!wholeString) return await store.saveSnapshot(seq, seq, (write) => writer.writeBody(capture, write));
    const body = await writer.snapshotText(capture);
    await store.saveSnapshot(seq, seq, body.stateHash, body.text);
  } finally {
    capture.release();
  }
};
if (!reachable) console.log(`snapshot-write  PostgreSQL at ${PG_URL} not reachable: skipped`);
else {
  const saves = [];
  const pgQuiet = [];
  const older = JSON.stringify(engine.snapshot());
  const olderHash = engine.stateHash();
  try {
    for (let run = 0; run < RUNS; run++) {
      const schema = `plimsoll_bench_write_${process.pid}_${run}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      try {
        const store = await PostgresReadModel.open(`${PG_URL}?options=-c%20search_path%3D${schema}`);
        for (const back of [2, 1]) await saveText(store, cause - back * 100_000, olderHash, older);
        const seq = cause;
        const hash = engine.stateHash();
        saves.push(await probed(() => saveCapture(store, seq)));
        const [newest] = await store.snapshots();
        const restored = Engine.fromSnapshot(config, JSON.parse(await newest.body()));
        if (newest.seq !== seq || newest.stateHash !== hash || restored.stateHash() !== hash)
          throw new Error("the PostgreSQL snapshot does not restore to the state at its seq");
        await store.close();
        const total = saves.at(-1).total;
        pgQuiet.push(await probed(() => new Promise((resolve) => setTimeout(resolve, Math.max(total, 200)))));
      } finally {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      }
    }
  } finally {
    await admin.end();
  }
  console.log(
    `snapshot-write  PostgreSQL saveSnapshot (${wholeString ? "the body as one string" : "the body in chunks"}): longest event-loop block ${ms(of(saves, "longest"))}, monitorEventLoopDelay max ${ms(of(saves, "eld"))}, p99 gap ${ms(of(saves, "p99"))}, longest GC pause ${ms(of(saves, "gcMax"))}; total ${ms(of(saves, "total"))}; ${median(of(saves, "applied"))} commands applied meanwhile`,
  );
  console.log(
    `snapshot-write  no snapshot (noise floor, between the PostgreSQL saves): longest event-loop block ${ms(of(pgQuiet, "longest"))}, p99 gap ${ms(of(pgQuiet, "p99"))}, longest GC pause ${ms(of(pgQuiet, "gcMax"))}`,
  );
}

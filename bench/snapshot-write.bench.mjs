// A snapshot of 1,000,000 accounts (bench/restart.bench.mjs's engine) taken and written while the event loop is
// probed: the copy `engine.snapshot()` alone; then `writeSnapshot` whole — the longest single event-loop block
// during it (a 1 ms interval's largest gap, and perf_hooks' monitorEventLoopDelay maximum), its total time, and the
// commands the engine applied meanwhile (one deposit per probe tick). The file must load to the state hash of the
// seq it was taken at. Target: no block over 10 ms (the rule is no block of milliseconds; GC pauses included).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { loadSnapshot, writeSnapshot } from "../dist/service/snapshots.js";
import { accountsEngine, machine, median } from "./workload.mjs";

const ACCOUNTS = 1_000_000;
const HOLDERS = 10_000;
const RUNS = 3;
const built = accountsEngine(loadConfig, Engine, ACCOUNTS, HOLDERS);
const { engine, config } = built;
let cause = built.cause;
const sink = [];

const copies = [];
for (let run = 0; run < RUNS; run++) {
  const t = performance.now();
  engine.snapshot();
  copies.push(performance.now() - t);
}

const dir = mkdtempSync(join(tmpdir(), "plimsoll-snapshot-write-bench-"));
const blocks = [];
const delays = [];
const totals = [];
const during = [];
for (let run = 0; run < RUNS; run++) {
  const seq = cause;
  const hash = engine.stateHash();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longest = 0;
  let applied = 0;
  let writing = false;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (!writing) return;
    // The engine goes on while the snapshot is written: a deposit to an existing account each tick.
    engine.applyInto(
      {
        type: "deposit",
        ts: 1_700_000_000_000,
        account: `acct${applied % ACCOUNTS}`,
        asset: "USDC",
        amount: "1",
      },
      ++cause,
      sink,
    );
    sink.length = 0;
    applied++;
  }, 1);
  histogram.enable(); // ahead: its first sample (after enable or reset) only starts its clock
  await new Promise((resolve) => setTimeout(resolve, 20));
  last = performance.now();
  longest = 0;
  writing = true;
  const t = performance.now();
  const path = await writeSnapshot(dir, engine, seq);
  totals.push(performance.now() - t);
  writing = false;
  await new Promise((resolve) => setTimeout(resolve, 5)); // the probe sees the last gap
  histogram.disable();
  clearInterval(probe);
  blocks.push(longest - 1);
  delays.push(histogram.max / 1e6);
  during.push(applied);
  if (!path.endsWith(`snapshot-${String(seq).padStart(12, "0")}.json`)) throw new Error(`wrote ${path}`);
  const restored = loadSnapshot(dir, config, seq, (line) => console.log(line));
  if (restored === null || restored.seq !== seq || restored.engine.stateHash() !== hash)
    throw new Error("the snapshot does not restore to the state at its seq");
}
rmSync(dir, { recursive: true, force: true });
const ms = (values) => `${median(values).toFixed(1)} ms (max ${Math.max(...values).toFixed(1)})`;
console.log(`snapshot-write  ${machine()}`);
console.log(
  `snapshot-write  ${ACCOUNTS.toLocaleString("en")} accounts: engine.snapshot() ${ms(copies)}; writeSnapshot: longest event-loop block ${ms(blocks)} (monitorEventLoopDelay max ${ms(delays)}), total ${ms(totals)}, ${median(during)} commands applied meanwhile (median of ${RUNS})`,
);

// Restart of the service's engine from a snapshot with 1,000,000 accounts (each with a deposit; 10,000 of them with
// a perpetual position): the snapshot written to a file and read back, the engine restored from it (every account
// holding a position re-evaluated for the liquidation sweep), its state hash checked. Target: ≤ 5 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { loadSnapshot, writeSnapshot } from "../dist/service/snapshots.js";
import { accountsEngine, machine, median } from "./workload.mjs";

const ACCOUNTS = 1_000_000;
const HOLDERS = 10_000;
const { engine, config, cause } = accountsEngine(loadConfig, Engine, ACCOUNTS, HOLDERS);
const hash = engine.stateHash();
const dir = mkdtempSync(join(tmpdir(), "plimsoll-restart-bench-"));
const writes = [];
const loads = [];
let bytes = 0;
for (let run = 0; run < 3; run++) {
  const w = process.hrtime.bigint();
  const path = await writeSnapshot(dir, engine, cause);
  writes.push(Number(process.hrtime.bigint() - w) / 1e9);
  bytes = (await import("node:fs")).statSync(path).size;
  const l = process.hrtime.bigint();
  const restored = loadSnapshot(dir, config, cause, (line) => console.log(line));
  loads.push(Number(process.hrtime.bigint() - l) / 1e9);
  if (restored === null || restored.engine.stateHash() !== hash) throw new Error("restore failed");
}
rmSync(dir, { recursive: true, force: true });
console.log(`restart  ${machine()}`);
console.log(
  `restart  ${ACCOUNTS.toLocaleString("en")} accounts (${HOLDERS.toLocaleString("en")} with positions), snapshot ${(bytes / 1e6).toFixed(0)} MB: write ${median(writes).toFixed(2)} s, load + restore + hash check ${median(loads).toFixed(2)} s (target ≤ 5 s)`,
);

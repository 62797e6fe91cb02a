// Ledger commands applied in-process to already-parsed objects. Target: ≥ 2,000,000 commands/s on one core.
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { ledgerCommands, machine, median, quickstartConfigJson } from "./workload.mjs";

const N = 1_000_000;
const RUNS = 5;
const result = loadConfig(quickstartConfigJson());
if (!result.ok) throw new Error("quickstart config does not load");
const commands = [...ledgerCommands(N)];

let events = 0;
const sink = { push: () => events++ };
const rates = [];
for (let run = 0; run < RUNS + 1; run++) {
  const engine = new Engine(result.config);
  events = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) engine.applyInto(commands[i], i + 1, sink);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const { rejected } = engine.stats;
  if (rejected > N / 100) throw new Error(`workload broken: ${rejected} rejections`);
  if (run > 0) rates.push(N / seconds); // run 0 warms the JIT
}
console.log(`ledger.apply  ${machine()}`);
console.log(
  `ledger.apply  ${N.toLocaleString("en")} deposits/transfers, ${events.toLocaleString("en")} events/run: median ${Math.round(median(rates)).toLocaleString("en")} commands/s over ${RUNS} runs (min ${Math.round(Math.min(...rates)).toLocaleString("en")}, max ${Math.round(Math.max(...rates)).toLocaleString("en")}); target ≥ 2,000,000`,
);

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
// Raw channel: balance changes as exact integers (what `plimsoll run` uses; formatting happens elsewhere).
const rawSink = { push: () => events++, balance: () => events++ };
// Object channel: every event built as the contract's object, decimals formatted.
const objectSink = { push: () => events++ };

function measure(sink) {
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
  return rates;
}

const fmt = (n) => Math.round(n).toLocaleString("en");
console.log(`ledger.apply  ${machine()}`);
for (const [name, sink] of [
  ["raw balance events  ", rawSink],
  ["event objects       ", objectSink],
]) {
  const rates = measure(sink);
  console.log(
    `ledger.apply  ${name} ${N.toLocaleString("en")} deposits/transfers, ${events.toLocaleString("en")} events/run: median ${fmt(median(rates))} commands/s over ${RUNS} runs (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); target ≥ 2,000,000`,
  );
}

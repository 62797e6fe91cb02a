// Price commands applied in-process: 10 indices × 10 sources, breakers on (divergence, move, degraded), one
// perpetual per index. Target: ≥ 2,000,000 price commands/s.
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { machine, median, pricesMarket, prng, T0 } from "./workload.mjs";

const INDICES = 10;
const SOURCES = 10;
const N = 1_000_000;
const RUNS = 5;

const config = pricesMarket(INDICES, SOURCES);
const loaded = loadConfig(config);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));

// A random walk per index; each source quotes it with its own small noise, 5-50 ms late.
const rand = prng(7);
const level = Array.from({ length: INDICES }, (_, i) => 1000 * (i + 1));
const commands = [];
const lastSourceTs = new Float64Array(INDICES * SOURCES);
let ts = T0;
for (let n = 0; n < N; n++) {
  ts += n % 4 === 0 ? 1 : 0;
  const i = Math.floor(rand() * INDICES);
  const s = Math.floor(rand() * SOURCES);
  level[i] *= 1 + (rand() - 0.5) * 0.0004;
  const price = (level[i] * (1 + (rand() - 0.5) * 0.001)).toFixed(2);
  const sourceTs = Math.max(lastSourceTs[i * SOURCES + s], ts - 5 - Math.floor(rand() * 45)); // venues' clocks never go back
  lastSourceTs[i * SOURCES + s] = sourceTs;
  commands.push({ type: "price", ts, index: `IDX${i}`, source: `venue${s}`, price, sourceTs });
}

// Two consumers: one taking index and mark events raw (EventSink.index/mark: nothing formatted or allocated, as
// a writer thread would encode them), and one taking every event as the contract's object.
let events = 0;
const count = () => {
  events++;
};
const sinks = {
  raw: { push: count, index: count, mark: count },
  objects: { push: count },
};
const fmt = (x) => Math.round(x).toLocaleString("en");
console.log(`prices.apply  ${machine()}`);
for (const [name, sink] of Object.entries(sinks)) {
  const rates = [];
  let rejected = 0;
  for (let run = 0; run < RUNS + 1; run++) {
    const engine = new Engine(loaded.config);
    events = 0;
    const start = process.hrtime.bigint();
    for (let n = 0; n < N; n++) engine.applyInto(commands[n], n + 1, sink);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rejected = engine.stats.rejected;
    if (run > 0) rates.push(N / seconds);
  }
  console.log(
    `prices.apply  ${name.padEnd(7)} ${INDICES} indices × ${SOURCES} sources, ${N.toLocaleString("en")} price commands (${fmt(rejected)} refused), ${fmt(events)} events/run: median ${fmt(median(rates))} commands/s over ${RUNS} runs (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); target ≥ 2,000,000`,
  );
}

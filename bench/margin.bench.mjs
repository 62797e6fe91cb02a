// Margin recomputation of one standard-margin account with 10 positions (linear and inverse, tiered and
// size-scaled) and 3 collateral assets. Target: ≥ 1,000,000 full recomputations/s on one core (the float screen,
// with its error bound). The exact path (bigint, what the account view and withdrawals use) is measured too.
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { RiskScreen } from "../dist/margin/risk-screen.js";
import { machine, median, T0 } from "./workload.mjs";

const RUNS = 5;
const N = 2_000_000;
const EXACT_N = 20_000;
const UNDERLYINGS = ["BTC", "ETH", "SOL", "XRP", "DOGE"];
const LEVEL = { BTC: 60000, ETH: 3000, SOL: 150, XRP: 0.6, DOGE: 0.15 };

const tiers = [
  { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
  { upToNotional: "250000", initial: "0.02", maintenance: "0.005" },
  { upToNotional: "1000000", initial: "0.05", maintenance: "0.01" },
  { upToNotional: "10000000", initial: "0.1", maintenance: "0.025" },
];
const instruments = [];
for (const u of UNDERLYINGS) {
  instruments.push({
    symbol: `${u}-PERP`,
    kind: "perpetual",
    index: `${u}-USD`,
    settlementAsset: "USDC",
    contractSize: "1",
    tickSize: "0.0001",
    lotSize: "0.001",
    mark: { method: "index" },
    ...(u === "BTC" || u === "ETH"
      ? { marginScaling: { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" } }
      : { marginTiers: tiers }),
  });
  instruments.push({
    symbol: `${u}-USD-INV`,
    kind: "perpetual",
    index: `${u}-USD`,
    settlementAsset: u === "BTC" || u === "ETH" ? u : "USDC",
    inverse: u === "BTC" || u === "ETH",
    contractSize: u === "BTC" || u === "ETH" ? "10" : "1",
    tickSize: "0.0001",
    lotSize: u === "BTC" || u === "ETH" ? "1" : "0.001",
    mark: { method: "index" },
    marginTiers: tiers,
  });
}
const loaded = loadConfig({
  quoteAsset: "USDC",
  assets: [
    { id: "USDC", decimals: 6 },
    { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
    { id: "ETH", decimals: 8, index: "ETH-USD", collateralWeight: "0.9" },
  ],
  indices: UNDERLYINGS.map((u) => ({ id: `${u}-USD`, sources: [{ id: "x", weight: "1" }], minSources: 1 })),
  instruments,
});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const config = loaded.config;
const engine = new Engine(config);
let ts = T0;
const ok = (c) => {
  const events = engine.apply({ ts: ts++, ...c });
  if (events.some((e) => e.type === "rejected")) throw new Error(JSON.stringify(events));
};
for (const u of UNDERLYINGS)
  ok({ type: "price", index: `${u}-USD`, source: "x", price: String(LEVEL[u]), sourceTs: ts });
ok({ type: "deposit", account: "acct", asset: "USDC", amount: "200000" });
ok({ type: "deposit", account: "acct", asset: "BTC", amount: "2" });
ok({ type: "deposit", account: "acct", asset: "ETH", amount: "20" });
ok({ type: "deposit", account: "mm", asset: "USDC", amount: "9000000" });
ok({ type: "deposit", account: "mm", asset: "BTC", amount: "100" });
ok({ type: "deposit", account: "mm", asset: "ETH", amount: "1000" });
instruments.forEach((instrument, i) => {
  const u = UNDERLYINGS[Math.floor(i / 2)];
  const inverse = instrument.inverse === true;
  const qty = inverse ? String(100 + i) : (2000 / LEVEL[u]).toFixed(3);
  const long = i % 3 !== 0;
  ok({
    type: "fill",
    symbol: instrument.symbol,
    buyer: long ? "acct" : "mm",
    seller: long ? "mm" : "acct",
    qty,
    price: (LEVEL[u] * 0.99).toFixed(4),
  });
});
for (const u of UNDERLYINGS)
  ok({ type: "price", index: `${u}-USD`, source: "x", price: String(LEVEL[u] * 1.01), sourceTs: ts });

const account = engine.ledger.account("acct");
const screen = new RiskScreen(config, engine.ledger, engine.positions);
const marks = Float64Array.from(instruments, (instrument) => LEVEL[instrument.index.split("-")[0]] * 1.01);
const collateralPrice = Float64Array.from([1, LEVEL.BTC * 1.01 * 0.95, LEVEL.ETH * 1.01 * 0.9]);
const debtPrice = Float64Array.from([1, LEVEL.BTC * 1.01, LEVEL.ETH * 1.01]);
const halfUlp = Float64Array.from([0, 5e-9, 5e-9]);

const exact = engine.margin.figures(account, ts);
screen.screen(account, marks, collateralPrice, debtPrice, halfUlp);
const wad = (x) => Number(x) / 1e18;
const agree =
  Math.abs(screen.equity - wad(exact.equity)) <= screen.bound &&
  Math.abs(screen.maintenance - wad(exact.maintenance)) <= screen.bound;
if (!agree)
  throw new Error(
    `screen ${screen.equity}/${screen.maintenance} vs exact ${wad(exact.equity)}/${wad(exact.maintenance)}, bound ${screen.bound}`,
  );

const rates = [];
const exactRates = [];
let sink = 0;
for (let run = 0; run < RUNS + 1; run++) {
  let start = process.hrtime.bigint();
  for (let n = 0; n < N; n++) {
    screen.screen(account, marks, collateralPrice, debtPrice, halfUlp);
    sink += screen.maintenance;
  }
  let seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) rates.push(N / seconds);
  start = process.hrtime.bigint();
  for (let n = 0; n < EXACT_N; n++) sink += engine.margin.figures(account, ts).positions.length;
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) exactRates.push(EXACT_N / seconds);
}
const fmt = (x) => Math.round(x).toLocaleString("en");
console.log(`margin.screen  ${machine()}`);
console.log(
  `margin.screen  1 account, ${exact.positions.length} positions, ${exact.collateral.length} collateral assets: median ${fmt(median(rates))} recomputations/s over ${RUNS} runs (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); target ≥ 1,000,000; bound ${screen.bound.toExponential(2)} USDC on equity ${screen.equity.toFixed(2)}`,
);
console.log(
  `margin.exact   the same account, exact bigint figures with liquidation prices: median ${fmt(median(exactRates))} recomputations/s (min ${fmt(Math.min(...exactRates))}, max ${fmt(Math.max(...exactRates))})${sink === 0 ? "" : ""}`,
);

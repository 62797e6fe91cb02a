// Margin recomputation of one standard-margin account with 10 positions (linear and inverse, tiered and
// size-scaled) and 3 collateral assets. Target: ≥ 1,000,000 full recomputations/s on one core (the float screen,
// with its error bound). The exact path (bigint, what the account view and withdrawals use) is measured too.
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { RiskScreen } from "../dist/margin/risk-screen.js";
import {
  LEVEL,
  machine,
  median,
  openTenPositions,
  T0,
  tenPerpetualsMarket,
  UNDERLYINGS,
} from "./workload.mjs";

const RUNS = 5;
const N = 2_000_000;
const EXACT_N = 20_000;
const { config, instruments } = tenPerpetualsMarket(loadConfig);
const engine = new Engine(config);
let ts = T0;
openTenPositions(engine, instruments, ts++, "200000");
for (const u of UNDERLYINGS)
  engine.apply({
    type: "price",
    ts: ++ts,
    index: `${u}-USD`,
    source: "x",
    price: String(LEVEL[u] * 1.01),
    sourceTs: ts,
  });

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

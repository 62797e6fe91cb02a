// Portfolio margin per second on one core (target ≥ 1,000,000 accounts/s): accounts of 10 options + 1 perpetual
// on one underlying, over the default grid of 63 scenarios. Each instrument is priced once per scenario (its row),
// then each account sums its rows; the row pricing of a 200-option chain is reported apart (done once per grid
// move, not per account). Also: one account's requirement after a fill (its rows already priced).
import {
  accountRequirement,
  instrumentRow,
  PortfolioFigures,
  ScenarioGrid,
} from "../dist/margin/portfolio-margin.js";
import { machine, median } from "./workload.mjs";

const grid = new ScenarioGrid();
const F = 9_000;
const CHAIN = 200;
const rows = new Float64Array((CHAIN + 1) * grid.count);
const price = () => {
  for (let i = 0; i < CHAIN; i++)
    instrumentRow(
      grid,
      F,
      {
        call: i % 2 === 0,
        strike: 5_000 + 40 * i,
        years: [7, 30, 90, 180][i % 4] / 365,
        vol: 0.6 + (i % 7) * 0.05,
      },
      rows.subarray(i * grid.count, (i + 1) * grid.count),
    );
  instrumentRow(grid, F, null, rows.subarray(CHAIN * grid.count));
};
const rowTimes = [];
for (let r = 0; r < 6; r++) {
  const start = process.hrtime.bigint();
  price();
  rowTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
}

const ACCOUNTS = 200_000;
const POSITIONS = 11;
const instrument = new Int32Array(ACCOUNTS * POSITIONS);
const qty = new Float64Array(ACCOUNTS * POSITIONS);
let seed = 7;
const next = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
for (let a = 0; a < ACCOUNTS; a++) {
  for (let p = 0; p < 10; p++) {
    instrument[a * POSITIONS + p] = Math.floor(next() * CHAIN);
    qty[a * POSITIONS + p] = Math.round((next() - 0.5) * 20) / 10;
  }
  instrument[a * POSITIONS + 10] = CHAIN;
  qty[a * POSITIONS + 10] = Math.round((next() - 0.5) * 10) / 10;
}
const totals = new Float64Array(grid.count);
const out = new PortfolioFigures();
const rates = [];
let sink = 0;
for (let run = 0; run < 6; run++) {
  const start = process.hrtime.bigint();
  for (let a = 0; a < ACCOUNTS; a++) {
    accountRequirement(grid, rows, instrument, qty, a * POSITIONS, POSITIONS, F, 1, 10, totals, out);
    sink += out.maintenance;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) rates.push(ACCOUNTS / seconds);
}
// One account after a fill, its rows priced: the requirement alone.
const one = [];
const inst = instrument.subarray(0, POSITIONS);
const q = qty.subarray(0, POSITIONS);
for (let i = 0; i < 10_000; i++) {
  const start = process.hrtime.bigint();
  accountRequirement(grid, rows, inst, q, 0, POSITIONS, F, 1, 10, totals, out);
  one.push(Number(process.hrtime.bigint() - start) / 1e3);
  sink += out.maintenance;
}
if (sink === 42) console.log("");
console.log(
  `portfolio margin: ${Math.round(median(rates)).toLocaleString("en")} accounts/s (10 options + 1 perpetual, ${grid.count} scenarios; target 1,000,000; median of 5); one account ${median(one).toFixed(2)} µs (target 5 µs); pricing the rows of a ${CHAIN}-option chain ${median(rowTimes).toFixed(2)} ms (${machine()})`,
);

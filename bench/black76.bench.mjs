// Black-76 prices per second on one core (target ≥ 10,000,000), over a chain of strikes and expiries like
// Deribit's BTC book (1 day … 1 year, σ 40–120 %, strikes within ±4 standard deviations of the forward); and
// implied volatility per second.
import { black76Price, CALL, PUT } from "../dist/volatility/black76.js";
import { impliedVolatility } from "../dist/volatility/implied-volatility.js";
import { machine, median } from "./workload.mjs";

const N = 256;
const strikes = new Float64Array(N);
const years = new Float64Array(N);
const vols = new Float64Array(N);
const prices = new Float64Array(N);
for (let i = 0; i < N; i++) {
  years[i] = [1 / 365, 7 / 365, 30 / 365, 91 / 365, 1][i % 5];
  vols[i] = 0.4 + (0.8 * ((i * 37) % N)) / N;
  // Strikes listed as a venue lists them: within ±4 standard deviations of the forward at each expiry.
  strikes[i] = 9_000 * Math.exp(vols[i] * Math.sqrt(years[i]) * (-4 + (8 * ((i * 101) % N)) / N));
  prices[i] = black76Price(9_000, strikes[i], years[i], vols[i], 1, i % 2 ? CALL : PUT);
}
const ROUNDS = 40_000;
const rates = [];
const ivRates = [];
let sink = 0;
for (let run = 0; run < 6; run++) {
  let start = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < N; i++)
      sink += black76Price(9_000 + r * 1e-6, strikes[i], years[i], vols[i], 1, i & 1 ? CALL : PUT);
  let seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) rates.push((ROUNDS * N) / seconds);
  start = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS / 40; r++)
    for (let i = 0; i < N; i++) {
      const v = impliedVolatility(prices[i], 9_000, strikes[i], years[i], 1, i % 2 ? CALL : PUT);
      sink += typeof v === "number" ? v : 0;
    }
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) ivRates.push(((ROUNDS / 40) * N) / seconds);
}
if (sink === 42) console.log("");
console.log(
  `black76: ${Math.round(median(rates)).toLocaleString("en")} prices/s (median of 5; target 10,000,000); implied volatility ${Math.round(median(ivRates)).toLocaleString("en")}/s (${machine()})`,
);

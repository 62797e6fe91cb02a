// SVI fit of one 50-strike smile (raw SVI, weighted least squares on total variance): cold (no warm start) and
// warm (each smile a small move of the previous one, warm-started from its fit). Targets: ≤ 250 µs cold, ≤ 40 µs warm.
// The mean rmse (weighted RMS residual in total variance) shows that warm fits are as good as cold ones.
import { fitSvi } from "../dist/volatility/svi-fit.js";
import { sviTotalVariance } from "../dist/volatility/svi-total-variance.js";
import { machine, median, prng } from "./workload.mjs";

const STRIKES = 50;
const FITS = 2_000;
const RUNS = 5;
const T = 0.08; // about a month
const BASE = { a: 0.002, b: 0.12, rho: -0.08, m: 0.03, sigma: 0.12 };

// Smiles: the base slice moved a little each step (level, skew, shift) plus quote noise of ±0.3 vol points.
const rand = prng(11);
const k = new Float64Array(STRIKES);
for (let i = 0; i < STRIKES; i++) k[i] = -0.6 + (1.2 * i) / (STRIKES - 1);
const weight = new Float64Array(STRIKES).fill(1);
const smiles = [];
let p = BASE;
for (let j = 0; j < FITS; j++) {
  p = {
    ...p,
    a: Math.max(0.0005, p.a * (1 + (rand() - 0.5) * 0.02)),
    rho: Math.max(-0.5, Math.min(0.5, p.rho + (rand() - 0.5) * 0.01)),
    m: p.m + (rand() - 0.5) * 0.002,
  };
  const w = new Float64Array(STRIKES);
  for (let i = 0; i < STRIKES; i++) {
    const vol = Math.sqrt(sviTotalVariance(p, k[i]) / T) + (rand() - 0.5) * 0.006;
    w[i] = vol * vol * T;
  }
  smiles.push(w);
}

function run(warm) {
  let prev;
  let evaluations = 0;
  const methods = {};
  let rmse = 0;
  const start = process.hrtime.bigint();
  for (let j = 0; j < FITS; j++) {
    const fit = fitSvi(k, smiles[j], weight, warm && prev !== undefined ? { warmStart: prev } : {});
    if ("code" in fit) throw new Error(fit.message);
    evaluations += fit.evaluations;
    rmse += fit.rmse;
    methods[fit.method] = (methods[fit.method] ?? 0) + 1;
    prev = fit.params;
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / FITS;
  return { us, evaluations: evaluations / FITS, methods, rmse: rmse / FITS };
}

console.log(`svi.fit  ${machine()}`);
for (const [name, warm, target] of [
  ["cold", false, 250],
  ["warm", true, 40],
]) {
  const times = [];
  let last;
  for (let r = 0; r < RUNS + 1; r++) {
    last = run(warm);
    if (r > 0) times.push(last.us);
  }
  console.log(
    `svi.fit  ${name} ${STRIKES} strikes, ${FITS.toLocaleString("en")} smiles: median ${median(times).toFixed(1)} µs/fit over ${RUNS} runs (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); ${last.evaluations.toFixed(0)} evaluations/fit, methods ${Object.entries(
      last.methods,
    )
      .map(([m, c]) => `${m} ${c}`)
      .join(", ")}; mean rmse ${(last.rmse * 1e6).toFixed(3)}e-6 in w; target ≤ ${target} µs`,
  );
}

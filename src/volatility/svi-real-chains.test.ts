// SVI against two real Deribit BTC option chains (May 2020, read from ../shared/data; under CI its absence is a
// failure). Per expiry: OTM options (puts below the row's forward, calls at or above) with both a bid and an ask,
// mid implied vol, k = ln(K/F) with each row's own forward, T from the row's timestamp to 08:00 UTC on expiry day.
// Asserts: vol RMSE within a bound per expiry, every slice free of butterfly arbitrage, each surface free of
// calendar arbitrage on the check grid.
// biome-ignore lint/style/noRestrictedImports: this test reads market data; the modules it tests do no I/O
import { existsSync, readFileSync } from "node:fs";
// biome-ignore lint/style/noRestrictedImports: this test reads market data; the modules it tests do no I/O
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sviButterflyCheck } from "./svi-butterfly.js";
import { sviCalendarViolation } from "./svi-calendar.js";
import { fitSvi, volSpreadWeight } from "./svi-fit.js";
import {
  EMPTY_SVI_SURFACE,
  sviSurfaceExtrapolatedSlice,
  sviSurfaceImpliedVol,
  updateSviSurface,
} from "./svi-surface.js";
import { type SviParams, sviTotalVariance } from "./svi-total-variance.js";

// src/volatility → repository root → ../shared/data (the layer rule keeps src/lab/data-dirs.ts out of reach here).
const DIR = join(import.meta.dirname, "..", "..", "..", "shared", "data", "deribit-options-2020-05");
const CHAINS = ["2020-05-14", "2020-05-21"].map((day) => join(DIR, `deribit_BTC_option_chain_${day}.csv`));
const YEAR_MS = 365 * 24 * 60 * 60 * 1000; // Deribit's year for T

interface Quote {
  readonly k: number;
  readonly t: number;
  readonly bid: number; // implied vol, fraction
  readonly ask: number;
}

/** Two-sided OTM quotes of one chain by expiry (ascending), each with its own T and forward. */
function readChain(file: string): Map<string, Quote[]> {
  const [header, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const col = (name: string): number => {
    const i = (header as string).split(",").indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const [ts, expiry, strike, type, forward, bidIv, askIv, bidPx, askPx] = [
    "timestamp_ms",
    "expiry_utc",
    "strike",
    "option_type",
    "underlying_price",
    "bid_iv",
    "ask_iv",
    "best_bid_price_btc",
    "best_ask_price_btc",
  ].map(col) as [number, number, number, number, number, number, number, number, number];
  const byExpiry = new Map<string, Quote[]>();
  for (const line of lines) {
    const c = line.split(",");
    const f = Number(c[forward]);
    const kStrike = Number(c[strike]);
    const otm = c[type] === (kStrike < f ? "put" : "call");
    const bid = Number(c[bidIv]) / 100;
    const ask = Number(c[askIv]) / 100;
    if (!otm || !(bid > 0 && ask > 0 && Number(c[bidPx]) > 0 && Number(c[askPx]) > 0)) continue;
    const e = c[expiry] as string;
    const t = (Date.parse(e) - Number(c[ts])) / YEAR_MS;
    const list = byExpiry.get(e) ?? [];
    list.push({ k: Math.log(kStrike / f), t, bid, ask });
    byExpiry.set(e, list);
  }
  return new Map([...byExpiry].sort(([a], [b]) => a.localeCompare(b)));
}

/** One expiry's fit inputs: one T (the mean over its rows, which span 2.5 minutes; vols, not variances, are
 * comparable across those rows, so each mid vol becomes w = σ²·T at the slice's T), k, w and spread weights. */
function sliceInputs(quotes: Quote[]) {
  quotes.sort((x, y) => x.k - y.k);
  const t = quotes.reduce((s, q) => s + q.t, 0) / quotes.length;
  const mid = quotes.map((q) => (q.bid + q.ask) / 2);
  return {
    t,
    mid,
    k: Float64Array.from(quotes, (q) => q.k),
    w: Float64Array.from(mid, (v) => v * v * t),
    weight: Float64Array.from(quotes, (q, i) => volSpreadWeight(mid[i] as number, t, q.ask - q.bid)),
  };
}

/** RMSE in vol points of a slice against the mids, and how many fitted vols lie within their bid-ask. */
function volError(params: SviParams, quotes: Quote[], t: number, mid: number[]) {
  let se = 0;
  let inside = 0;
  quotes.forEach((q, i) => {
    const v = Math.sqrt(sviTotalVariance(params, q.k) / t);
    se += (v - (mid[i] as number)) ** 2;
    if (v >= q.bid && v <= q.ask) inside++;
  });
  return { rmse: Math.sqrt(se / quotes.length) * 100, inside };
}

const present = CHAINS.every((f) => existsSync(f));

describe("SVI on Deribit BTC option chains (May 2020)", () => {
  it.runIf(!present)("SKIPPED: ../shared/data is absent (the Deribit option chains)", () => {
    if (process.env["CI"] === "true")
      throw new Error(`${DIR} is absent under CI=true: the SVI fit must be checked on the real chains`);
    console.warn("svi-real-chains.test: ../shared/data is absent; the Deribit SVI fits were skipped");
  });

  for (const file of CHAINS) {
    it.runIf(present)(`fits every expiry of ${file.slice(-14, -4)} without arbitrage`, () => {
      const chain = readChain(file);
      expect(chain.size).toBe(7);
      let surface = EMPTY_SVI_SURFACE;
      const table = [];
      const unfitted: { expiry: string; t: number; quotes: Quote[] }[] = [];
      for (const [expiry, quotes] of chain) {
        const { t, mid, k, w, weight } = sliceInputs(quotes);
        const fit = fitSvi(k, w, weight);
        const row = { expiry: expiry.slice(0, 10), days: +(t * 365).toFixed(3), strikes: quotes.length };
        if ("code" in fit) {
          // Only the expiry hours away has too few two-sided OTM quotes for five parameters; it is left to the
          // surface's short end (flat implied vol from the next expiry), checked against its quotes below.
          expect(fit.code, `${expiry}: ${fit.message}`).toBe("too_few_quotes");
          expect(t * 365, expiry).toBeLessThan(1);
          unfitted.push({ expiry, t, quotes });
          table.push({ ...row, rmseVolPts: "-", halfSpreadVolPts: "-", insideBidAsk: "-", method: fit.code });
          continue;
        }
        const { rmse, inside } = volError(fit.params, quotes, t, mid);
        const halfSpread = (quotes.reduce((s, q) => s + (q.ask - q.bid) / 2, 0) / quotes.length) * 100;
        table.push({
          ...row,
          rmseVolPts: +rmse.toFixed(2),
          halfSpreadVolPts: +halfSpread.toFixed(2),
          insideBidAsk: `${inside}/${quotes.length}`,
          method: fit.method,
        });
        // The fit is within the market's own uncertainty: RMSE ≤ the mean half bid-ask spread (in vol).
        expect(rmse, expiry).toBeLessThanOrEqual(halfSpread);
        expect(sviButterflyCheck(fit.params).ok, expiry).toBe(true);
        const update = updateSviSurface(surface, { t, params: fit.params });
        if (!update.accepted) throw new Error(`${expiry}: ${update.rejection.message}`);
        surface = update.surface;
      }
      console.log(`SVI fits, Deribit BTC chain ${file.slice(-14, -4)}`);
      console.table(table);
      expect(surface.slices.length).toBeGreaterThanOrEqual(6);
      expect(sviCalendarViolation(surface.slices)).toBeUndefined();
      // The unfitted very short expiry, read off the surface's short end (flat implied vol from the next expiry):
      // on 2020-05-14 the vol there lies inside 3 of the 4 two-sided quotes; the 9,125 put's bid (103 %) is above it
      // (95 %): two hours from expiry the wings are steeper than the next day's, which flat extrapolation ignores.
      for (const { expiry, t, quotes } of unfitted) {
        const rows = quotes.map((q) => {
          const v = sviSurfaceImpliedVol(surface, q.k, t);
          const pct = (x: number): number => +(x * 100).toFixed(2);
          return { k: +q.k.toFixed(4), surface: pct(v), bid: pct(q.bid), ask: pct(q.ask) };
        });
        console.log(`${expiry.slice(0, 10)} (not fitted) against the surface's short end, vol in %`);
        console.table(rows);
        const inside = rows.filter((r) => r.surface >= r.bid && r.surface <= r.ask).length;
        expect(inside, expiry).toBeGreaterThanOrEqual(quotes.length - 1);
        // The short end there is itself a raw SVI slice (the first slice scaled by T/T₁), and butterfly-free.
        const shortEnd = sviSurfaceExtrapolatedSlice(surface, t);
        expect(shortEnd && sviButterflyCheck(shortEnd).ok, expiry).toBe(true);
      }
    });
  }

  it.runIf(present)(
    "warm-starts a week later's fits from the earlier fits of the same expiries, as well as cold",
    () => {
      const [early, late] = CHAINS.map(readChain) as [Map<string, Quote[]>, Map<string, Quote[]>];
      const rows = [];
      for (const [expiry, quotes] of late) {
        const before = early.get(expiry);
        if (before === undefined) continue;
        const old = sliceInputs(before);
        const previous = fitSvi(old.k, old.w, old.weight);
        if ("code" in previous) throw new Error(`${expiry} on 2020-05-14: ${previous.message}`);
        const { t, mid, k, w, weight } = sliceInputs(quotes);
        const cold = fitSvi(k, w, weight);
        const warm = fitSvi(k, w, weight, { warmStart: previous.params });
        if ("code" in cold || "code" in warm) throw new Error(`${expiry}: no fit`);
        const coldError = volError(cold.params, quotes, t, mid).rmse;
        const warmError = volError(warm.params, quotes, t, mid).rmse;
        rows.push({
          expiry: expiry.slice(0, 10),
          coldRmseVolPts: +coldError.toFixed(3),
          warmRmseVolPts: +warmError.toFixed(3),
          warmMethod: warm.method,
          coldEvaluations: cold.evaluations,
          warmEvaluations: warm.evaluations,
        });
        // As good as cold (to 0.05 vol points), and arbitrage-free, although the smile moved for a week.
        expect(warmError, expiry).toBeLessThanOrEqual(coldError + 0.05);
        expect(sviButterflyCheck(warm.params).ok, expiry).toBe(true);
      }
      console.log("2020-05-21 fits warm-started from the 2020-05-14 fits of the same expiry");
      console.table(rows);
      expect(rows.length).toBe(5);
    },
  );
});

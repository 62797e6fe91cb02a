// Option marks through the engine against Deribit's own marks, on two real BTC option chains (May 2020, read from
// ../shared/data, never copied; under CI its absence is a failure). Per chain: one USD-settled option per row, the
// index at the snapshot, one smile per expiry from the two-sided OTM quotes' mid IVs (as svi-real-chains.test.ts
// does), then each engine mark turned back into an implied vol on the engine's forward and T and compared with
// Deribit's mark_iv, over the options with a two-sided quote and |ln(K/F)| ≤ 0.3.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { MarketConfig } from "../src/config/types.js";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { sharedDataDir } from "../src/lab/data-dirs.js";
import { CALL, PUT } from "../src/volatility/black76.js";
import { impliedVolatility } from "../src/volatility/implied-volatility.js";
import { volSpreadWeight } from "../src/volatility/svi-fit.js";

const DIR = join(sharedDataDir(join(import.meta.dirname, "..")), "deribit-options-2020-05");
const DAYS = ["2020-05-14", "2020-05-21"];
const chainFile = (day: string) => join(DIR, `deribit_BTC_option_chain_${day}.csv`);
const YEAR_MS = 365 * 86_400_000; // Deribit's year for T, and the engine's
const INDEX = "BTC-USD";
const MAX_ABS_K = 0.3;

interface Row {
  readonly symbol: string;
  readonly ts: number;
  readonly expiry: number;
  readonly strike: number;
  readonly call: boolean;
  readonly forward: number;
  readonly index: number;
  readonly markUsd: number; // mark_price_btc × underlying_price
  readonly markIv: number; // fractions from here on
  readonly bidIv: number;
  readonly askIv: number;
  readonly twoSided: boolean;
}

function readChain(file: string): Row[] {
  const [header, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const names = (header as string).split(",");
  const col = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const [symbol, ts, expiry, strike, type, forward, index, mark, markIv, bidIv, askIv, bid, ask] = [
    "instrument_name",
    "timestamp_ms",
    "expiry_utc",
    "strike",
    "option_type",
    "underlying_price",
    "index_price",
    "mark_price_btc",
    "mark_iv",
    "bid_iv",
    "ask_iv",
    "best_bid_price_btc",
    "best_ask_price_btc",
  ].map(col) as number[];
  return lines.map((line) => {
    const c = line.split(",");
    const n = (i: number | undefined) => Number(c[i as number]);
    const row = {
      symbol: c[symbol as number] as string,
      ts: n(ts),
      expiry: Date.parse(c[expiry as number] as string), // 08:00 UTC, Deribit's settlement
      strike: n(strike),
      call: c[type as number] === "call",
      forward: n(forward),
      index: n(index),
      markUsd: n(mark) * n(forward),
      markIv: n(markIv) / 100,
      bidIv: n(bidIv) / 100, // 0 when that side of the book is empty
      askIv: n(askIv) / 100,
    };
    return { ...row, twoSided: row.bidIv > 0 && row.askIv > 0 && n(bid) > 0 && n(ask) > 0 };
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

/** USDC, one index with one source, one option per row. */
function market(rows: Row[]): MarketConfig {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: INDEX,
        sources: [{ id: "deribit", weight: "1" }],
        minSources: 1,
        staleAfterMs: 86_400_000,
        breakers: { move: null, divergence: null },
      },
    ],
    instruments: rows.map((r) => ({
      symbol: r.symbol,
      kind: "option",
      index: INDEX,
      settlementAsset: "USDC",
      right: r.call ? "call" : "put",
      strike: String(r.strike),
      expiry: r.expiry,
      contractSize: "1",
      tickSize: "0.5",
      lotSize: "0.1",
      breakers: { divergence: null },
    })),
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

/** One expiry's smile at `ts`: its forward (the mean of its rows': the snapshot spans 2.5 minutes) and its
 * two-sided OTM quotes (puts below the forward, calls at or above) at mid IV, weighted by their spread. */
function smileCommand(rows: Row[], expiry: number, ts: number) {
  const forward = Number(mean(rows.map((r) => r.forward)).toFixed(2));
  const t = (expiry - ts) / YEAR_MS;
  const otm = rows
    .filter((r) => r.twoSided && r.call === r.strike >= forward)
    .sort((a, b) => a.strike - b.strike);
  const weights = otm.map((r) => volSpreadWeight((r.bidIv + r.askIv) / 2, t, r.askIv - r.bidIv));
  const top = Math.max(...weights);
  const quotes = otm.map((r, i) => ({
    strike: String(r.strike),
    iv: ((r.bidIv + r.askIv) / 2).toFixed(6),
    weight: ((weights[i] as number) / top).toFixed(9), // relative: the fit does not depend on their scale
  }));
  return { type: "smile", ts, index: INDEX, expiry, forward: String(forward), quotes };
}

const day10 = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pts = (x: number) => +(x * 100).toFixed(2);

/**
 * Median |engine IV − Deribit mark_iv| allowed per expiry, in vol points. Measured on both chains: 0.02 to 0.76 on
 * every expiry two days or more out, hence 1 point; the largest on one option 2.83, hence 3. Expiries under two days
 * are quoted 10 to 70 vol points wide and SVI smooths across quotes that Deribit's marks follow one by one (its marks
 * sit 0.4 to 2.6 points from the mids, ours 0 to 5): there the median must stay within the median half bid–ask.
 * One exception, measured 1.66: 2020-05-21's 26JUN20. One SVI slice over strikes 2,500 to 32,000 (|k| up to 1.3)
 * misses the mids by about 2 points at 7,000 (low) and 8,500–9,000 (high), outside those quotes' bid–ask (the
 * fit's RMSE there is 1.29, 22/29 inside: svi-real-chains.test.ts); and Deribit's own marks at 10,000–10,500 are
 * 1.2 to 1.9 points above its mids (above the 10,000 call's ask of 80.7 %). The two errors point opposite ways.
 */
const EXCEPTIONS: Record<string, number> = { "2020-05-21 2020-06-26": 2 };
const MEDIAN_LIMIT = 1;
const MAX_LIMIT = 3;
const SHORT_DAYS = 2;

const present = DAYS.every((d) => existsSync(chainFile(d)));

describe("option marks on Deribit BTC option chains (May 2020)", () => {
  it.runIf(!present)("SKIPPED: ../shared/data is absent (the Deribit option chains)", () => {
    if (process.env["CI"] === "true")
      throw new Error(`${DIR} is absent under CI=true: option marks must be checked on the real chains`);
    console.warn(
      "options-real-chain.test: ../shared/data is absent; the Deribit mark comparison was skipped",
    );
  });

  for (const day of DAYS) {
    it.runIf(present)(
      `marks ${day}'s chain within a vol point of Deribit's marks, with put–call parity`,
      () => {
        const rows = readChain(chainFile(day));
        const ts = Math.max(...rows.map((r) => r.ts)); // one time for every command: T is the same in each check
        const engine = new Engine(market(rows));
        const events: EngineEvent[] = [];
        const spot = median(rows.map((r) => r.index)).toFixed(2);
        events.push(
          ...engine.apply({ type: "price", ts, index: INDEX, source: "deribit", price: spot, sourceTs: ts }),
        );
        const expiries = [...new Set(rows.map((r) => r.expiry))].sort((a, b) => a - b);
        expect(expiries).toHaveLength(7);
        for (const expiry of expiries) {
          const command = smileCommand(
            rows.filter((r) => r.expiry === expiry),
            expiry,
            ts,
          );
          const out = engine.apply(command);
          events.push(...out);
          const surface = out.find((e) => e.type === "surface");
          // 14MAY20 on 2020-05-14 (2.3 hours out) has 4 two-sided OTM quotes, too few for five parameters: it is
          // refused and its options are marked from the surface's short end (flat vol from 15MAY20).
          if (command.quotes.length < 5)
            expect(surface).toMatchObject({ accepted: false, code: "too_few_quotes" });
          else
            expect(surface, `${day10(expiry)}: ${JSON.stringify(surface)}`).toMatchObject({ accepted: true });
        }
        expect(events.filter((e) => e.type === "rejected" || e.type === "breaker")).toEqual([]);

        const table = [];
        for (const expiry of expiries) {
          const years = (expiry - ts) / YEAR_MS;
          const rowsOf = rows.filter((r) => r.expiry === expiry);
          const marks = new Map<string, number>();
          const diff: number[] = [];
          const usdDiff: number[] = [];
          const spread: number[] = [];
          const vsMid = { ours: [] as number[], deribit: [] as number[] };
          const inside = { ours: 0, deribit: 0 };
          const forward = engine.prices.optionForward(rowsOf[0]?.symbol as string, ts);
          for (const r of rowsOf) {
            const mark = engine.prices.markPrice(r.symbol, ts);
            expect(mark?.status, r.symbol).toBe("ok");
            expect(engine.prices.optionForward(r.symbol, ts)).toBe(forward);
            marks.set(`${r.strike} ${r.call}`, mark?.value as number);
            if (!(r.twoSided && Math.abs(Math.log(r.strike / forward)) <= MAX_ABS_K)) continue;
            const side = r.call ? CALL : PUT;
            const iv = impliedVolatility(mark?.value as number, forward, r.strike, years, 1, side);
            if (typeof iv !== "number") throw new Error(`${r.symbol}: ${iv.message}`);
            // The conventions match Deribit's: its own USD mark, inverted on its row's forward and T, is its mark_iv.
            const theirs = impliedVolatility(
              r.markUsd,
              r.forward,
              r.strike,
              (expiry - r.ts) / YEAR_MS,
              1,
              side,
            );
            expect(typeof theirs === "number" && Math.abs(theirs - r.markIv), r.symbol).toBeLessThan(0.005);
            const mid = (r.bidIv + r.askIv) / 2;
            diff.push(Math.abs(iv - r.markIv));
            usdDiff.push(Math.abs((mark?.value as number) - r.markUsd));
            spread.push((r.askIv - r.bidIv) / 2);
            vsMid.ours.push(Math.abs(iv - mid));
            vsMid.deribit.push(Math.abs(r.markIv - mid));
            if (iv >= r.bidIv && iv <= r.askIv) inside.ours++;
            if (r.markIv >= r.bidIv && r.markIv <= r.askIv) inside.deribit++;
          }
          // Put–call parity of the engine's marks (r = 0): C − P = F − K at every strike listing both.
          for (const r of rowsOf.filter((x) => x.call)) {
            const put = marks.get(`${r.strike} false`);
            if (put === undefined) continue;
            const parity = (marks.get(`${r.strike} true`) as number) - put - (forward - r.strike);
            expect(Math.abs(parity), r.symbol).toBeLessThan(1e-9 * forward);
          }
          const row = {
            expiry: day10(expiry),
            days: +(years * 365).toFixed(2),
            n: diff.length,
            medianVolPts: pts(median(diff)),
            maxVolPts: pts(Math.max(...diff)),
            medianUsd: +median(usdDiff).toFixed(2),
            halfSpread: pts(median(spread)),
            oursVsMid: pts(median(vsMid.ours)),
            deribitVsMid: pts(median(vsMid.deribit)),
            insideBidAsk: `${inside.ours}/${inside.deribit}`,
          };
          table.push(row);
          expect(diff.length, row.expiry).toBeGreaterThanOrEqual(6);
          const limit = EXCEPTIONS[`${day} ${row.expiry}`];
          if (row.days < SHORT_DAYS) expect(median(diff), row.expiry).toBeLessThanOrEqual(median(spread));
          else {
            expect(median(diff) * 100, row.expiry).toBeLessThanOrEqual(limit ?? MEDIAN_LIMIT);
            expect(Math.max(...diff) * 100, row.expiry).toBeLessThanOrEqual(MAX_LIMIT);
          }
        }
        // |engine IV − Deribit mark_iv| in vol points; medianUsd: |engine mark − Deribit's| in USD; halfSpread, and
        // each side's median distance to the mid, in vol points; insideBidAsk: engine / Deribit marks within it.
        console.log(`Engine option marks against Deribit's, chain ${day}`);
        console.table(table);
      },
    );
  }
});

// Test fixture: a market of one index "I" with a perpetual "P", a future "F" and a call "C" and a put "PUT" struck
// at 10,000, all expiring at EXPIRY, plus a call "C2" of a later expiry without a future (its forward comes from
// its smile). Not part of the build (tsconfig.build.json excludes fixtures).
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";

export const T0 = 1_700_000_000_000;
export const DAY = 86_400_000;
export const EXPIRY = T0 + 30 * DAY;
export const EXPIRY2 = T0 + 90 * DAY;

/** A smile slice (raw SVI) the tests quote from. */
export const SLICE = { a: 0.01, b: 0.1, rho: -0.4, m: 0.05, sigma: 0.2 };

/** Quotes read off `SLICE` for expiry `expiry` seen at `ts`: iv = √(w(k)/T), k = ln(K/F); w scaled by `scale`. */
export function smileQuotes(expiry: number, ts: number, forward: number, scale = 1) {
  const years = (expiry - ts) / (365 * DAY);
  return [6_000, 7_000, 8_000, 8_500, 9_000, 9_500, 10_000, 10_500, 11_000, 12_000, 14_000].map((strike) => {
    const x = Math.log(strike / forward) - SLICE.m;
    const w = scale * (SLICE.a + SLICE.b * (SLICE.rho * x + Math.sqrt(x * x + SLICE.sigma * SLICE.sigma)));
    return { strike: String(strike), iv: Math.sqrt(w / years).toFixed(6) };
  });
}

export function optionsMarket(root: Record<string, unknown> = {}): MarketConfig {
  const option = (symbol: string, right: string, expiry: number) => ({
    symbol,
    kind: "option",
    index: "I",
    settlementAsset: "USDC",
    right,
    strike: "10000",
    expiry,
    contractSize: "1",
    tickSize: "0.5",
    lotSize: "0.1",
    breakers: { divergence: null },
  });
  const linear = (symbol: string, kind: string) => ({
    symbol,
    kind,
    index: "I",
    settlementAsset: "USDC",
    contractSize: "1",
    tickSize: "0.5",
    lotSize: "0.01",
    mark: { method: "index" },
    marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
    breakers: { divergence: null },
  });
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "I",
        sources: [{ id: "x", weight: "1" }],
        minSources: 1,
        staleAfterMs: 40 * DAY,
        // Tests move the index in jumps; a move breaker would freeze the accounts they mean to liquidate.
        breakers: { move: null },
      },
    ],
    instruments: [
      linear("P", "perpetual"),
      { ...linear("F", "future"), expiry: EXPIRY },
      option("C", "call", EXPIRY),
      option("PUT", "put", EXPIRY),
      option("C2", "call", EXPIRY2),
    ],
    insuranceFund: { initialBalance: "100000" },
    ...root,
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

// Test fixture: a market of one USDC-margined perpetual "P" on one index "I" — the shape most engine tests need —
// with only what a test cares about overridden. Not part of the build (tsconfig.build.json excludes fixtures).
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";

export interface Overrides {
  readonly index?: Record<string, unknown>;
  readonly instrument?: Record<string, unknown>;
  /** Root sections (liquidation, margin, …). */
  readonly root?: Record<string, unknown>;
}

export function onePerpetual(overrides: Overrides = {}): MarketConfig {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "I",
        sources: [{ id: "x", weight: "1" }],
        minSources: 1,
        staleAfterMs: 600_000,
        ...overrides.index,
      },
    ],
    instruments: [
      {
        symbol: "P",
        kind: "perpetual",
        index: "I",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "1",
        lotSize: "0.01",
        mark: { method: "index" },
        marginTiers: [{ upToNotional: "10000000", initial: "0.1", maintenance: "0.05" }],
        ...overrides.instrument,
      },
    ],
    ...overrides.root,
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

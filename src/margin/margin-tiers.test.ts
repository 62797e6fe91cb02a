import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarginTier } from "../config/types.js";
import { WAD } from "../kernel/wad.js";
import {
  bracketIndex,
  exceedsTiers,
  maxLeverage,
  tieredInitialMargin,
  tieredMaintenanceMargin,
} from "./margin-tiers.js";

/** Binance BTCUSDT-style brackets, maintenance amounts filled in by the loader (continuity). */
function tiers(): readonly MarginTier[] {
  const loaded = loadConfig({
    quoteAsset: "USDT",
    assets: [{ id: "USDT", decimals: 6 }],
    indices: [{ id: "I", sources: [{ id: "x", weight: "1" }] }],
    instruments: [
      {
        symbol: "P",
        kind: "perpetual",
        index: "I",
        settlementAsset: "USDT",
        contractSize: "1",
        tickSize: "0.1",
        lotSize: "0.001",
        marginTiers: [
          { upToNotional: "50000", initial: "0.008", maintenance: "0.004" },
          { upToNotional: "250000", initial: "0.01", maintenance: "0.005" },
          { upToNotional: "1000000", initial: "0.02", maintenance: "0.01" },
          { upToNotional: "10000000", initial: "0.05", maintenance: "0.025" },
        ],
      },
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const margin = loaded.config.instruments[0]?.margin;
  if (margin?.kind !== "tiers") throw new Error("tiers");
  return margin.tiers;
}

const w = (x: number | string) => {
  const [int, frac = ""] = String(x).split(".");
  return BigInt(int as string) * WAD + BigInt(frac.padEnd(18, "0").slice(0, 18) || "0");
};

describe("margin tiers", () => {
  const t = tiers();

  it("picks the bracket the whole notional falls in, the edge belonging to the lower one", () => {
    expect(bracketIndex(t, w(50_000))).toBe(0);
    expect(bracketIndex(t, w("50000.000001"))).toBe(1);
    expect(bracketIndex(t, w(20_000_000))).toBe(3);
    expect(exceedsTiers(t, w(10_000_000))).toBe(false);
    expect(exceedsTiers(t, w(10_000_001))).toBe(true);
  });

  it("MM = notional × MMR − amount: Binance's 250,000 × (1 % − 0.5 %) + 50 = 1,300", () => {
    expect(tieredMaintenanceMargin(t, w(300_000))).toBe(w(300_000 * 0.01 - 1300));
    expect(tieredMaintenanceMargin(t, w(10_000))).toBe(w(40));
  });

  it("keeps MM continuous at every bracket edge", () => {
    for (const tier of t.slice(0, -1)) {
      const edge = (tier.upToNotional.raw * WAD) / 10n ** BigInt(tier.upToNotional.scale);
      const below = tieredMaintenanceMargin(t, edge);
      const above = tieredMaintenanceMargin(t, edge + 1n);
      expect(above - below).toBeLessThanOrEqual(1n);
      expect(above).toBeGreaterThanOrEqual(below);
    }
  });

  it("IM from the bracket's IMR, or notional ÷ leverage when that is more; IM ≥ MM always", () => {
    expect(tieredInitialMargin(t, w(100_000), null)).toBe(w(1_000));
    expect(tieredInitialMargin(t, w(100_000), w(20))).toBe(w(5_000));
    expect(tieredInitialMargin(t, w(100_000), w(125))).toBe(w(1_000)); // bounded by the bracket's 100×
    expect(maxLeverage(t[0] as MarginTier)).toBe(w(125));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 20_000_000n * WAD }), (notional) => {
        expect(tieredInitialMargin(t, notional, null)).toBeGreaterThanOrEqual(
          tieredMaintenanceMargin(t, notional),
        );
      }),
    );
  });

  it("rounds requirements up", () => {
    // 0.000000000000000001 × 0.004 rounds up to one unit at 18 decimals
    expect(tieredMaintenanceMargin(t, 1n)).toBe(1n);
    expect(tieredInitialMargin(t, 1n, null)).toBe(1n);
  });
});

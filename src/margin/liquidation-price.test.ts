import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MarginTier } from "../config/types.js";
import { WAD, wadMul } from "../kernel/wad.js";
import {
  crossLiquidationPriceInverse,
  crossLiquidationPriceLinear,
  isolatedLiquidationPrice,
  roundLiquidationPrice,
} from "./liquidation-price.js";

const fixed = (text: string) => {
  const [int, frac = ""] = text.split(".");
  return { raw: BigInt(`${int}${frac}`), scale: frac.length };
};
const tier = (upTo: string, initial: string, maintenance: string, amount: string): MarginTier => ({
  upToNotional: fixed(upTo),
  initial: fixed(initial),
  maintenance: fixed(maintenance),
  maintenanceAmount: fixed(amount),
});
const w = (text: string) => {
  const negative = text.startsWith("-");
  const [int, frac = ""] = (negative ? text.slice(1) : text).split(".");
  const v = BigInt(int as string) * WAD + BigInt(frac.padEnd(18, "0"));
  return negative ? -v : v;
};

describe("liquidation prices", () => {
  it("Binance cross: 10.72 wallet, short 0.005 at 9,451.53, other MM 1.3 and PnL 0.47 → 11,383.99", () => {
    const price = crossLiquidationPriceLinear({
      otherEquity: w("11.19"),
      otherMaintenance: w("1.3"),
      exposure: w("-0.005"),
      entryValue: w("-47.25765"),
      model: { kind: "tiers", tiers: [tier("50000", "0.01", "0.004", "0")] },
    });
    expect(price).not.toBeNull();
    expect(roundLiquidationPrice(price as bigint, 2, false)).toBe(w("11383.99"));
  });

  it("Bybit isolated, MM on entry: long 1 at 20,000, 50× (margin 400), MMR 0.5 % → 19,700", () => {
    const price = isolatedLiquidationPrice({
      isolatedMargin: w("400"),
      exposure: w("1"),
      entryValue: w("20000"),
      rate: w("0.005"),
      amount: 0n,
      basis: "entry",
      inverse: false,
    });
    expect(price).toBe(w("19700"));
  });

  it("a fully collateralised long has none; an inverse short with bounded loss has none", () => {
    const model = { kind: "tiers" as const, tiers: [tier("1000000", "0.01", "0.005", "0")] };
    expect(
      crossLiquidationPriceLinear({
        otherEquity: w("100000"),
        otherMaintenance: 0n,
        exposure: w("1"),
        entryValue: w("20000"),
        model,
      }),
    ).toBeNull();
    expect(
      crossLiquidationPriceInverse({
        otherEquityBase: w("5"),
        otherMaintenanceBase: 0n,
        exposure: w("-1000"),
        entryValue: w("-1"),
        model,
      }),
    ).toBeNull();
  });

  it("at the price found, equity = MM within rounding; beyond it, equity < MM (linear and inverse, both sides)", () => {
    const tiers = [
      tier("50000", "0.01", "0.004", "0"),
      tier("250000", "0.02", "0.005", "50"),
      tier("5000000", "0.05", "0.01", "1300"),
    ];
    const model = { kind: "tiers" as const, tiers };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1_000, max: 100_000 }),
        fc.integer({ min: 0, max: 500_000 }),
        fc.boolean(),
        (size, entry, collateral, long) => {
          const sign = long ? 1n : -1n;
          const exposure = sign * BigInt(size) * WAD;
          const entryValue = exposure * BigInt(entry);
          const equity = BigInt(collateral) * WAD;
          const L = crossLiquidationPriceLinear({
            otherEquity: equity,
            otherMaintenance: 0n,
            exposure,
            entryValue,
            model,
          });
          const gap = (price: bigint) => {
            const notional = wadMul(BigInt(size) * WAD, price, "ceil");
            let i = 0;
            while (i < tiers.length - 1 && notional > BigInt((tiers[i] as MarginTier).upToNotional.raw) * WAD)
              i++;
            const t = tiers[i] as MarginTier;
            const mm =
              wadMul(notional, (t.maintenance.raw * WAD) / 10n ** BigInt(t.maintenance.scale), "ceil") -
              t.maintenanceAmount.raw * WAD;
            return equity + wadMul(exposure, price, "floor") - entryValue - mm;
          };
          if (L === null) return;
          expect(gap(L) < WAD / 1000n && gap(L) > -WAD / 1000n).toBe(true);
          const beyond = long ? L - L / 100n : L + L / 100n;
          expect(gap(beyond)).toBeLessThan(0n);
        },
      ),
    );
  });

  it("inverse cross: the long's price solves B + V − X/L = n·r/L", () => {
    const model = { kind: "tiers" as const, tiers: [tier("1000", "0.01", "0.005", "0")] };
    // long 10,000 USD at 10,000 (V = 1 BTC) with 0.2 BTC of margin: L = n(1 + r)/(B + V) = 10,050 / 1.2 = 8,375
    const L = crossLiquidationPriceInverse({
      otherEquityBase: w("0.2"),
      otherMaintenanceBase: 0n,
      exposure: w("10000"),
      entryValue: w("1"),
      model,
    });
    expect(L).not.toBeNull();
    expect(Number(L) / 1e18).toBeCloseTo(8375, 6);
    // short: L = n(r − 1)/(B − V) = −9,950 / (0.2 − 1) = 12,437.5
    const S = crossLiquidationPriceInverse({
      otherEquityBase: w("0.2"),
      otherMaintenanceBase: 0n,
      exposure: w("-10000"),
      entryValue: w("-1"),
      model,
    });
    expect(Number(S) / 1e18).toBeCloseTo(12437.5, 6);
  });

  it("rounds toward the mark: a long's up, a short's down", () => {
    expect(roundLiquidationPrice(w("100.001"), 2, true)).toBe(w("100.01"));
    expect(roundLiquidationPrice(w("100.009"), 2, false)).toBe(w("100"));
  });
});

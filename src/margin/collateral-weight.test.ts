import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import { flatCollateralValue, priceQualityFactor, tieredCollateralValue } from "./collateral-weight.js";

const bands = [
  { upToValue: 100_000n * WAD, weight: (95n * WAD) / 100n },
  { upToValue: 1_000_000n * WAD, weight: (9n * WAD) / 10n },
];
const decay = [
  { ageMs: 10_000, factor: WAD },
  { ageMs: 60_000, factor: 0n },
];
const HALF = WAD / 2n;

describe("collateral weight", () => {
  it("tiers are progressive: each band's part at its own weight, past the last at the last weight", () => {
    expect(tieredCollateralValue(50_000n * WAD, bands)).toBe(47_500n * WAD);
    expect(tieredCollateralValue(200_000n * WAD, bands)).toBe(95_000n * WAD + 90_000n * WAD);
    expect(tieredCollateralValue(2_000_000n * WAD, bands)).toBe(
      95_000n * WAD + 810_000n * WAD + 900_000n * WAD,
    );
    expect(flatCollateralValue(3n * WAD, HALF)).toBe(HALF * 3n);
  });

  it("more value never counts for less, and never for more than its value", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 5_000_000n * WAD }),
        fc.bigInt({ min: 0n, max: 5_000_000n * WAD }),
        (a, b) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          expect(tieredCollateralValue(lo, bands)).toBeLessThanOrEqual(tieredCollateralValue(hi, bands));
          expect(tieredCollateralValue(hi, bands)).toBeLessThanOrEqual(hi);
        },
      ),
    );
  });

  it("a price's quality: full while fresh, linear decay, capped when degraded, 0 when unavailable", () => {
    expect(priceQualityFactor("ok", 0, HALF, decay)).toBe(WAD);
    expect(priceQualityFactor("ok", 35_000, HALF, decay)).toBe(HALF);
    expect(priceQualityFactor("ok", 60_000, HALF, decay)).toBe(0n);
    expect(priceQualityFactor("degraded", 0, HALF, decay)).toBe(HALF);
    expect(priceQualityFactor("degraded", 50_000, HALF, decay)).toBe(WAD / 5n);
    expect(priceQualityFactor("unavailable", 0, HALF, decay)).toBe(0n);
  });

  it("never rises with age, and a worse status never counts for more", () => {
    const order = ["ok", "degraded", "unavailable"] as const;
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(2), fc.nat(2), (a, b, s, t) => {
        const [young, old] = a < b ? [a, b] : [b, a];
        const [better, worse] = s < t ? [order[s], order[t]] : [order[t], order[s]];
        expect(priceQualityFactor(better ?? "ok", young, HALF, decay)).toBeGreaterThanOrEqual(
          priceQualityFactor(worse ?? "ok", old, HALF, decay),
        );
      }),
    );
  });
});

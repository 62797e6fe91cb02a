import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { median } from "./median.js";
import { capToBand, deviation, isOutlier } from "./outlier-band.js";

const priceArb = fc.double({ min: 1e-6, max: 1e9, noNaN: true });
const bandArb = fc.double({ min: 0, max: 0.5, noNaN: true });

describe("deviation", () => {
  it("is price/reference − 1", () => {
    expect(deviation(21_400, 20_000)).toBeCloseTo(0.07, 15);
    expect(deviation(18_800, 20_000)).toBeCloseTo(-0.06, 15);
    expect(deviation(20_000, 20_000)).toBe(0);
  });

  it("refuses a reference that is not a positive finite price", () => {
    for (const r of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => deviation(1, r)).toThrow(RangeError);
  });
});

describe("Binance price index: single price source deviation", () => {
  // Binance support FAQ on the Price Index, "Single Price source deviation": median 20,000 USDT, band 3%;
  // a source at +7% is counted as 20,600 (20,000 × 1.03), one at −6% as 19,400 (20,000 × 0.97).
  it("caps a source at +7% to 20,600 and one at −6% to 19,400", () => {
    expect(isOutlier(21_400, 20_000, 0.03)).toBe(true);
    expect(capToBand(21_400, 20_000, 0.03)).toBe(20_600);
    expect(isOutlier(18_800, 20_000, 0.03)).toBe(true);
    expect(capToBand(18_800, 20_000, 0.03)).toBe(19_400);
  });

  it("leaves a source inside the band as it is, and uses it again once it returns", () => {
    expect(isOutlier(20_500, 20_000, 0.03)).toBe(false);
    expect(capToBand(20_500, 20_000, 0.03)).toBe(20_500);
    expect(capToBand(19_500, 20_000, 0.03)).toBe(19_500);
  });

  it("counts only deviations strictly beyond the band as outliers", () => {
    expect(isOutlier(20_200, 20_000, 0.01)).toBe(false); // exactly 1%: the BTC and ETH band
    expect(isOutlier(20_200.01, 20_000, 0.01)).toBe(true);
    expect(capToBand(20_300, 20_000, 0.01)).toBe(20_200);
  });
});

describe("Deribit index: capped median", () => {
  // Deribit support article "Index Prices", Calculation Methodology: sources A 100 (weight 25%), B 101 (50%),
  // C 120 (25%); median 101; with ±0.5% caps A counts as 100.495, B as 101, C as 101.505.
  // The weighted average of the capped values, 0.25·100.495 + 0.5·101 + 0.25·101.505 = 101, is our arithmetic:
  // the article's own closing figure was not in the text we could read.
  it("reproduces the published example", () => {
    const prices = Float64Array.from([100, 101, 120]);
    const m = median(prices, 3, new Float64Array(3));
    expect(m).toBe(101);
    const capped = Array.from(prices, (p) => capToBand(p, m, 0.005));
    expect(capped[0]).toBeCloseTo(100.495, 12);
    expect(capped[1]).toBe(101);
    expect(capped[2]).toBeCloseTo(101.505, 12);
    expect(0.25 * capped[0]! + 0.5 * capped[1]! + 0.25 * capped[2]!).toBeCloseTo(101, 12);
  });

  it("equals Deribit's rule: the value closest to the median among the lower and upper caps (property)", () => {
    fc.assert(
      fc.property(priceArb, priceArb, bandArb, (p, m, b) => {
        const lowerCap = Math.max(m * (1 - b), p);
        const upperCap = Math.min(m * (1 + b), p);
        const closest = Math.abs(lowerCap - m) <= Math.abs(upperCap - m) ? lowerCap : upperCap;
        expect(capToBand(p, m, b)).toBe(closest);
      }),
      { numRuns: 500 },
    );
  });
});

describe("capToBand", () => {
  it("stays in the band, keeps prices inside it, and is idempotent and monotone (property)", () => {
    fc.assert(
      fc.property(priceArb, priceArb, priceArb, bandArb, (p, q, m, b) => {
        const c = capToBand(p, m, b);
        expect(c).toBeGreaterThanOrEqual(m * (1 - b));
        expect(c).toBeLessThanOrEqual(m * (1 + b));
        if (p >= m * (1 - b) && p <= m * (1 + b)) expect(c).toBe(p);
        expect(capToBand(c, m, b)).toBe(c);
        if (p <= q) expect(c).toBeLessThanOrEqual(capToBand(q, m, b));
      }),
      { numRuns: 500 },
    );
  });

  it("moves a price exactly when isOutlier says so, edges included (property)", () => {
    fc.assert(
      fc.property(priceArb, priceArb, bandArb, fc.boolean(), (p, m, b, atEdge) => {
        const price = atEdge ? m * (1 + b) : p;
        expect(isOutlier(price, m, b)).toBe(capToBand(price, m, b) !== price);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a band outside [0, 1), a median that is not a positive finite price, and a NaN price", () => {
    for (const b of [-0.01, 1, 2, Number.NaN]) {
      expect(() => capToBand(1, 1, b)).toThrow(RangeError);
      expect(() => isOutlier(1, 1, b)).toThrow(RangeError);
    }
    for (const m of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => capToBand(1, m, 0.01)).toThrow(RangeError);
      expect(() => isOutlier(1, m, 0.01)).toThrow(RangeError);
    }
    expect(() => capToBand(Number.NaN, 1, 0.01)).toThrow(RangeError);
    expect(() => isOutlier(Number.NaN, 1, 0.01)).toThrow(RangeError);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceKey, priceText } from "./priced.js";

describe("priceText", () => {
  it("rounds to the decimals and trims", () => {
    expect(priceText(20000, 8)).toBe("20000");
    expect(priceText(20042.857142857145, 8)).toBe("20042.85714286");
    expect(priceText(0.000000004, 8)).toBe("0");
    expect(priceText(0.000000005, 8)).toBe("0.00000001");
    expect(priceText(-1.5, 2)).toBe("-1.5");
    expect(priceText(-0.0000001, 2)).toBe("0");
    expect(priceText(1e20, 8)).toBe("100000000000000000000");
    expect(priceText(Number.NaN, 8)).toBe("0");
    expect(priceText(0.571428571, 6)).toBe("0.571429");
  });

  it("property: the text parses back to the value within half a unit of the last decimal", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 9 }), (v, d) => {
        const text = priceText(v, d);
        expect(text).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
        expect(Math.abs(Number(text) - v)).toBeLessThanOrEqual(0.5 / 10 ** d + Math.abs(v) * 1e-15);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("priceKey", () => {
  it("is equal for two values exactly when their texts are, wherever it is not NaN", () => {
    const value = fc.oneof(
      fc.double({ min: -1e16, max: 1e16, noNaN: true }),
      fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1e4),
      fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, 4e-9, 5e-9, 0.5, 1.5, 2 ** 53),
    );
    fc.assert(
      fc.property(value, value, fc.integer({ min: 0, max: 12 }), (a, b, d) => {
        const ka = priceKey(a, d);
        const kb = priceKey(b, d);
        if (Number.isNaN(ka) || Number.isNaN(kb)) return;
        expect(ka === kb).toBe(priceText(a, d) === priceText(b, d));
        // and the nearest neighbours, where rounding decides
        const next = a + 0.5 / 10 ** d;
        const kn = priceKey(next, d);
        if (!Number.isNaN(kn)) expect(ka === kn).toBe(priceText(a, d) === priceText(next, d));
      }),
      { numRuns: 5000 },
    );
  });

  it("is NaN only where the text comes from toFixed", () => {
    expect(priceKey(20042.857142857145, 8)).toBe(2004285714286);
    expect(priceKey(-1.5, 2)).toBe(-150);
    expect(priceKey(-0.0000001, 2)).toBe(0);
    expect(priceKey(Number.NaN, 8)).toBe(0);
    expect(priceKey(1.5, 10)).toBeNaN();
    expect(priceKey(1e20, 8)).toBeNaN();
  });
});

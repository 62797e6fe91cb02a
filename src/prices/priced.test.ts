import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceText } from "./priced.js";

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

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPriceBand } from "./price-band.js";

describe("checkPriceBand", () => {
  it("refuses a buy limit more than the band above the mark", () => {
    expect(checkPriceBand("buy", 21_000, 20_000, 0.04, "order.price")).toEqual({
      code: "price_band",
      message: "order.price: limit 21000 is more than 4% above the mark 20000 (band ±4%)",
    });
    expect(checkPriceBand("buy", 21_000.01, 20_000, 0.05, "order.price")).toEqual({
      code: "price_band",
      message: "order.price: limit 21000.01 is more than 5% above the mark 20000 (band ±5%)",
    });
  });

  it("refuses a sell limit more than the band below the mark", () => {
    expect(checkPriceBand("sell", 18_999.5, 20_000, 0.05, "order.price")).toEqual({
      code: "price_band",
      message: "order.price: limit 18999.5 is more than 5% below the mark 20000 (band ±5%)",
    });
  });

  it("accepts limits inside the band and exactly on its edge", () => {
    expect(checkPriceBand("buy", 21_000, 20_000, 0.05, "order.price")).toBeNull();
    expect(checkPriceBand("buy", 20_500, 20_000, 0.05, "order.price")).toBeNull();
    expect(checkPriceBand("sell", 19_000, 20_000, 0.05, "order.price")).toBeNull();
    expect(checkPriceBand("sell", 20_000, 20_000, 0.05, "order.price")).toBeNull();
  });

  it("lets a passive buy far below and a passive sell far above the mark rest (Binance's one-sided filter)", () => {
    expect(checkPriceBand("buy", 1, 20_000, 0.05, "order.price")).toBeNull();
    expect(checkPriceBand("sell", 1_000_000, 20_000, 0.05, "order.price")).toBeNull();
  });

  it("writes numbers and percentages plainly: no exponent, no float noise", () => {
    expect(checkPriceBand("buy", 1e21, 1e20, 0.07, "p")?.message).toBe(
      "p: limit 1000000000000000000000 is more than 7% above the mark 100000000000000000000 (band ±7%)",
    );
    expect(checkPriceBand("sell", 1e-7, 2.5e-7, 0.001, "p")?.message).toBe(
      "p: limit 0.0000001 is more than 0.1% below the mark 0.00000025 (band ±0.1%)",
    );
    expect(checkPriceBand("buy", 1.5e-6, 1e-6, 0.125, "p")?.message).toBe(
      "p: limit 0.0000015 is more than 12.5% above the mark 0.000001 (band ±12.5%)",
    );
  });

  it("reports a limit that is not a positive finite number as invalid", () => {
    for (const limit of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = checkPriceBand("buy", limit, 20_000, 0.05, "order.price");
      expect(result?.code).toBe("invalid");
      expect(result?.message).toMatch(/^order\.price: limit /);
    }
  });

  it("throws on a mark or band that is not usable (the caller's bug)", () => {
    expect(() => checkPriceBand("buy", 1, 0, 0.05, "p")).toThrow(RangeError);
    expect(() => checkPriceBand("buy", 1, Number.NaN, 0.05, "p")).toThrow(RangeError);
    expect(() => checkPriceBand("buy", 1, 1, -0.01, "p")).toThrow(RangeError);
    expect(() => checkPriceBand("buy", 1, 1, Number.NaN, "p")).toThrow(RangeError);
  });

  it("errs exactly when the limit crosses the side's edge (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("buy" as const, "sell" as const),
        fc.double({ min: 1e-6, max: 1e9, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (side, limit, mark, band) => {
          const outside = side === "buy" ? limit > mark * (1 + band) : limit < mark * (1 - band);
          const result = checkPriceBand(side, limit, mark, band, "f");
          expect(result === null).toBe(!outside);
          if (result !== null) {
            expect(result.code).toBe("price_band");
            expect(result.message).not.toMatch(/e[+-]?\d/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

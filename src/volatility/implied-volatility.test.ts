import { describe, expect, it } from "vitest";
import { isDomainError } from "../kernel/errors.js";
import { black76Price, CALL, PUT } from "./black76.js";
import { impliedVolatility } from "./implied-volatility.js";

describe("implied volatility", () => {
  it("round-trips over a dense grid of moneyness, volatility and time, both sides", () => {
    let checked = 0;
    for (let k = -3; k <= 3.0001; k += 0.1)
      for (const vol of [0.01, 0.05, 0.1, 0.3, 0.75, 1.5, 3, 5])
        for (const years of [1 / 8760, 1 / 365, 0.05, 0.5, 2, 10])
          for (const side of [CALL, PUT] as const) {
            const forward = 9_000;
            const strike = forward * Math.exp(k);
            const discount = Math.exp(-0.02 * years);
            const price = black76Price(forward, strike, years, vol, discount, side);
            const intrinsic = discount * Math.max(side * (forward - strike), 0);
            const timeValue = price - intrinsic;
            // Where the time value vanishes against the price (below 1e-12 of F, or lost in the intrinsic value's
            // rounding) no σ can be recovered from it: skipped, as the contract's "not vanishing" allows.
            if (timeValue < 1e-12 * forward || timeValue < 1e-9 * price) continue;
            const implied = impliedVolatility(price, forward, strike, years, discount, side);
            if (isDomainError(implied)) throw new Error(`${k} ${vol} ${years} ${side}: ${implied.message}`);
            const back = black76Price(forward, strike, years, implied, discount, side);
            expect(Math.abs(back - price), `k ${k} σ ${vol} T ${years}`).toBeLessThanOrEqual(
              1e-12 * price + 1e-15,
            );
            checked++;
          }
    expect(checked).toBeGreaterThan(2_400);
  });

  it("recovers σ itself to 1e-10 where the price is sensitive to it", () => {
    for (const [k, vol, years] of [
      [0, 0.8, 0.25],
      [-0.4, 0.6, 1],
      [0.5, 1.2, 0.1],
      [1.5, 0.9, 2],
    ] as const) {
      const strike = 100 * Math.exp(k);
      const price = black76Price(100, strike, years, vol, 1, CALL);
      expect(impliedVolatility(price, 100, strike, years, 1, CALL) as number).toBeCloseTo(vol, 10);
    }
  });

  it("gives a coded error at or outside the no-arbitrage bounds, and for bad inputs", () => {
    const cases: [number, number, number][] = [
      [5, 100, 90], // a call below its intrinsic value (10)
      [10, 100, 90], // at it
      [100, 100, 90], // at the forward
    ];
    for (const [price, forward, strike] of cases)
      expect(impliedVolatility(price, forward, strike, 1, 1, CALL)).toMatchObject({
        code: "no_implied_volatility",
      });
    expect(impliedVolatility(110, 100, 110, 1, 1, PUT)).toMatchObject({ code: "no_implied_volatility" });
    expect(impliedVolatility(Number.NaN, 100, 110, 1, 1, PUT)).toMatchObject({ code: "invalid" });
    expect(impliedVolatility(5, 100, 110, 0, 1, PUT)).toMatchObject({ code: "invalid" });
  });
});

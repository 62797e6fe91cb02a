import { describe, expect, it } from "vitest";
import { black76Greeks, black76Price, CALL, coinSettled, greeks, PUT } from "./black76.js";

describe("Black-76", () => {
  it("Hull: Black–Scholes S = 42, K = 40, r = 10 %, σ = 20 %, T = 0.5 → call 4.7594, put 0.8086", () => {
    const forward = 42 * Math.exp(0.1 * 0.5);
    const discount = Math.exp(-0.1 * 0.5);
    expect(black76Price(forward, 40, 0.5, 0.2, discount, CALL)).toBeCloseTo(4.7594, 4);
    expect(black76Price(forward, 40, 0.5, 0.2, discount, PUT)).toBeCloseTo(0.8086, 4);
  });

  it("Haug: F = K = 19, r = 10 %, σ = 28 %, T = 0.75 → call = put = 1.7011", () => {
    const discount = Math.exp(-0.1 * 0.75);
    const call = black76Price(19, 19, 0.75, 0.28, discount, CALL);
    expect(call).toBeCloseTo(1.7011, 4);
    expect(black76Price(19, 19, 0.75, 0.28, discount, PUT)).toBeCloseTo(call, 14);
  });

  it("put-call parity C − P = D·(F − K) to 1e-12 of F over a grid", () => {
    for (const k of [-2, -0.5, 0, 0.3, 1.5])
      for (const vol of [0.05, 0.8, 3])
        for (const years of [0.001, 0.5, 4]) {
          const forward = 100;
          const strike = forward * Math.exp(k);
          const discount = Math.exp(-0.03 * years);
          const c = black76Price(forward, strike, years, vol, discount, CALL);
          const p = black76Price(forward, strike, years, vol, discount, PUT);
          expect(Math.abs(c - p - discount * (forward - strike))).toBeLessThan(1e-12 * forward);
        }
  });

  it("greeks agree with central differences of the price", () => {
    const g = greeks();
    for (const side of [CALL, PUT] as const)
      for (const [forward, strike, years, vol, rate] of [
        [9_000, 9_500, 0.1, 0.8, 0],
        [19, 19, 0.75, 0.28, 0.1],
        [100, 60, 2, 0.4, 0.05],
      ] as const) {
        black76Greeks(forward, strike, years, vol, rate, side, g);
        const at = (f: number, t: number, v: number) =>
          black76Price(f, strike, t, v, Math.exp(-rate * t), side);
        const h = forward * 1e-4;
        expect(g.price).toBeCloseTo(at(forward, years, vol), 12);
        expect(g.delta).toBeCloseTo((at(forward + h, years, vol) - at(forward - h, years, vol)) / (2 * h), 7);
        const gammaFd =
          (at(forward + h, years, vol) - 2 * at(forward, years, vol) + at(forward - h, years, vol)) / h ** 2;
        expect(Math.abs(g.gamma - gammaFd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g.gamma)) + 1e-9);
        expect(g.vega).toBeCloseTo(
          (at(forward, years, vol + 1e-6) - at(forward, years, vol - 1e-6)) / 2e-6,
          4,
        );
        expect(g.theta).toBeCloseTo(
          -(at(forward, years + 1e-7, vol) - at(forward, years - 1e-7, vol)) / 2e-7,
          3,
        );
      }
  });

  it("is well behaved at the edges: T → 0, σ → 0, deep in and out of the money", () => {
    expect(black76Price(100, 90, 0, 0.5, 1, CALL)).toBe(10);
    expect(black76Price(100, 90, 1, 0, 1, PUT)).toBe(0);
    expect(black76Price(100, 90, 1e-12, 0.5, 1, CALL)).toBeCloseTo(10, 12);
    expect(black76Price(100, 1e-6, 1, 0.5, 1, CALL)).toBeCloseTo(100 - 1e-6, 12);
    const far = black76Price(100, 1e6, 1, 0.5, 1, CALL);
    expect(far).toBeGreaterThanOrEqual(0);
    expect(far).toBeLessThan(1e-60);
    const g = black76Greeks(100, 90, 0, 0.5, 0.05, CALL, greeks());
    expect(g).toMatchObject({ price: 10, delta: 1, gamma: 0, vega: 0 });
  });

  it("coin-settled: the premium in the base asset is the USD premium over F, its greeks the derivatives of that", () => {
    const usd = black76Greeks(9_348, 10_000, 0.1, 0.75, 0, CALL, greeks());
    const coin = coinSettled(9_348, usd, greeks());
    expect(coin.price).toBeCloseTo(usd.price / 9_348, 15);
    const at = (f: number) => black76Price(f, 10_000, 0.1, 0.75, 1, CALL) / f;
    const h = 0.5;
    expect(coin.delta).toBeCloseTo((at(9_348 + h) - at(9_348 - h)) / (2 * h), 9);
    expect(coin.gamma).toBeCloseTo((at(9_348 + h) - 2 * at(9_348) + at(9_348 - h)) / h ** 2, 10);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type SviParams,
  sviMinimumTotalVariance,
  sviParamsError,
  sviTotalVariance,
  sviTotalVarianceCurvature,
  sviTotalVarianceSlope,
} from "./svi-total-variance.js";

const P: SviParams = { a: 0.04, b: 0.4, rho: -0.4, m: 0.1, sigma: 0.2 };

const params = fc.record({
  a: fc.double({ min: -0.05, max: 0.5, noNaN: true }),
  b: fc.double({ min: 0, max: 2, noNaN: true }),
  rho: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
  m: fc.double({ min: -1, max: 1, noNaN: true }),
  sigma: fc.double({ min: 0.01, max: 2, noNaN: true }),
});

describe("raw SVI total variance", () => {
  it("is a + bσ at k = m when ρ = 0, and a + b√(m² + σ²) − bρm at k = 0", () => {
    expect(sviTotalVariance({ ...P, rho: 0 }, P.m)).toBeCloseTo(P.a + P.b * P.sigma, 15);
    expect(sviTotalVariance(P, 0)).toBeCloseTo(
      P.a + P.b * (-P.rho * P.m + Math.sqrt(P.m * P.m + P.sigma * P.sigma)),
      15,
    );
  });

  it("has wings of slope b(1 + ρ) on the right and −b(1 − ρ) on the left", () => {
    expect(sviTotalVarianceSlope(P, 1e6)).toBeCloseTo(P.b * (1 + P.rho), 9);
    expect(sviTotalVarianceSlope(P, -1e6)).toBeCloseTo(-P.b * (1 - P.rho), 9);
  });

  it("matches central finite differences for w′ and w″", () => {
    fc.assert(
      fc.property(params, fc.double({ min: -2, max: 2, noNaN: true }), (p, k) => {
        // A step on the scale of σ keeps truncation (∝ (h/σ)²) and rounding (∝ ε/h²) both small.
        const h = 1e-3 * p.sigma;
        const d1 = (sviTotalVariance(p, k + h) - sviTotalVariance(p, k - h)) / (2 * h);
        const d2 =
          (sviTotalVariance(p, k + h) - 2 * sviTotalVariance(p, k) + sviTotalVariance(p, k - h)) / (h * h);
        expect(Math.abs(sviTotalVarianceSlope(p, k) - d1)).toBeLessThan(1e-5 * (p.b + 1));
        const c = sviTotalVarianceCurvature(p, k);
        expect(Math.abs(c - d2)).toBeLessThan(1e-3 * Math.max(1, c));
      }),
      { numRuns: 2000 },
    );
  });

  it("has its minimum a + bσ√(1 − ρ²) at k = m − ρσ/√(1 − ρ²)", () => {
    fc.assert(
      fc.property(params, (p) => {
        const kStar = p.m - (p.rho * p.sigma) / Math.sqrt(1 - p.rho * p.rho);
        const wMin = sviMinimumTotalVariance(p);
        expect(sviTotalVariance(p, kStar)).toBeCloseTo(wMin, 10);
        expect(sviTotalVariance(p, kStar + 0.01)).toBeGreaterThanOrEqual(wMin - 1e-12);
        expect(sviTotalVariance(p, kStar - 0.01)).toBeGreaterThanOrEqual(wMin - 1e-12);
      }),
    );
  });
});

describe("sviParamsError", () => {
  it("accepts valid parameters, Vogt's among them (min w ≥ 0 although a < 0)", () => {
    expect(sviParamsError(P)).toBeUndefined();
    expect(sviParamsError({ a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 })).toBeUndefined();
  });

  it("names the violated condition", () => {
    expect(sviParamsError({ ...P, b: -0.1 })?.message).toMatch(/b is -0.1/);
    expect(sviParamsError({ ...P, rho: 1 })?.message).toMatch(/\|rho\| < 1/);
    expect(sviParamsError({ ...P, sigma: 0 })?.message).toMatch(/sigma is 0/);
    expect(sviParamsError({ ...P, a: -0.5 })?.message).toMatch(/minimum total variance/);
    expect(sviParamsError({ ...P, m: Number.NaN })).toEqual({
      code: "invalid_params",
      message: "SVI parameter m is NaN, not a finite number",
    });
  });
});

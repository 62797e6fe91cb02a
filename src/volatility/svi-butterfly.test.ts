import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SVI_CHECK_GRID, sviButterflyCheck, sviDensityG } from "./svi-butterfly.js";
import { type SviParams, sviTotalVariance } from "./svi-total-variance.js";

// Gatheral & Jacquier 2014, §5.1 (after Axel Vogt): a valid raw SVI slice with a negative density.
const VOGT: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

describe("sviDensityG", () => {
  it("is 1 for a flat slice (w′ = w″ = 0)", () => {
    const flat: SviParams = { a: 0.04, b: 0, rho: 0, m: 0, sigma: 0.1 };
    expect(sviDensityG(flat, 0.7)).toBe(1);
  });

  it("matches a numerical density: g/√(2πw)·e^(−d₋²/2) is the second strike-derivative of the call price", () => {
    // Undiscounted Black call at F = 1: c(K) = N(d₊) − K N(d₋); the density in K is ∂²c/∂K².
    const p: SviParams = { a: 0.02, b: 0.3, rho: -0.3, m: 0.05, sigma: 0.15 };
    const ncdf = (x: number): number => {
      // The normal CDF by Simpson's rule on [−10, x] (error far below the finite difference's).
      const n = 4000;
      const lo = -10;
      const h = (x - lo) / n;
      let s = 0;
      for (let i = 0; i <= n; i++) {
        const t = lo + i * h;
        const f = Math.exp((-t * t) / 2);
        s += (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * f;
      }
      return (s * h) / 3 / Math.sqrt(2 * Math.PI);
    };
    const call = (strike: number): number => {
      const k = Math.log(strike);
      const sw = Math.sqrt(sviTotalVariance(p, k));
      const dm = -k / sw - sw / 2;
      return ncdf(dm + sw) - strike * ncdf(dm);
    };
    for (const k of [-0.3, 0, 0.2]) {
      const strike = Math.exp(k);
      const h = 1e-3;
      const numeric = (call(strike + h) - 2 * call(strike) + call(strike - h)) / (h * h);
      const w = sviTotalVariance(p, k);
      const dm = -k / Math.sqrt(w) - Math.sqrt(w) / 2;
      // p(K) = g(k)/(K√(2πw))·exp(−d₋²/2)
      const analytic = (sviDensityG(p, k) / (strike * Math.sqrt(2 * Math.PI * w))) * Math.exp((-dm * dm) / 2);
      expect(numeric).toBeCloseTo(analytic, 3);
    }
  });
});

describe("sviButterflyCheck", () => {
  it("flags Vogt's slice (Gatheral & Jacquier 2014) with its worst g near k ≈ 0.9", () => {
    const check = sviButterflyCheck(VOGT);
    expect(check.ok).toBe(false);
    expect(check.worstG).toBeLessThan(-0.03);
    expect(check.worstK).toBeGreaterThan(0.8);
    expect(check.worstK).toBeLessThan(1);
    expect(check.minW).toBeGreaterThan(0);
  });

  it("passes a typical equity-like slice and a symmetric crypto-like one", () => {
    expect(sviButterflyCheck({ a: 0.02, b: 0.3, rho: -0.3, m: 0.05, sigma: 0.15 }).ok).toBe(true);
    expect(sviButterflyCheck({ a: 0.01, b: 0.15, rho: 0.05, m: 0, sigma: 0.2 }).ok).toBe(true);
  });

  it("fails a slice whose w reaches 0 on the grid (w > 0 is required), naming where", () => {
    const zeroAtM: SviParams = { a: -0.03, b: 0.3, rho: 0, m: 0, sigma: 0.1 };
    const check = sviButterflyCheck(zeroAtM);
    expect(check.ok).toBe(false);
    expect(check.minW).toBeCloseTo(0, 15);
    expect(check.minWK).toBeCloseTo(0, 12);
  });

  it("samples a narrow bend at σ/10 around m, where the uniform step alone straddles it", () => {
    // σ = 0.0004: the bend is narrower than the uniform step; g swings from +390 to −166 within 2.5σ of m.
    const narrow: SviParams = { a: 0.0001, b: 0.5, rho: 0.9, m: 0.0012, sigma: 0.0004 };
    const uniformOnly = sviButterflyCheck(narrow, { ...SVI_CHECK_GRID, localPoints: 0 });
    const full = sviButterflyCheck(narrow);
    expect(full.worstG).toBeLessThan(2 * uniformOnly.worstG); // both negative: the local points see it 2× deeper
    expect(full.worstK).toBeCloseTo(0.002, 12);
    expect(full.ok).toBe(false);
  });

  it("reports a worst g no greater than g at any uniform grid point", () => {
    fc.assert(
      fc.property(fc.double({ min: -1.5, max: 1.5, noNaN: true }), (k) => {
        const check = sviButterflyCheck(VOGT);
        expect(sviDensityG(VOGT, Math.round((k + 1.5) / 0.005) * 0.005 - 1.5)).toBeGreaterThanOrEqual(
          check.worstG - 1e-12,
        );
      }),
      { numRuns: 50 },
    );
  });
});

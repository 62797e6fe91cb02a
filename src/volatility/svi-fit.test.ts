import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sviButterflyCheck } from "./svi-butterfly.js";
import { fitSvi, type SviFit, type SviFitError, volSpreadWeight } from "./svi-fit.js";
import { type SviParams, sviParamsError, sviTotalVariance } from "./svi-total-variance.js";

const TRUE: SviParams = { a: 0.02, b: 0.12, rho: -0.35, m: 0.05, sigma: 0.18 };

function smile(p: SviParams, n: number, from = -0.8, to = 0.8): { k: Float64Array; w: Float64Array } {
  const k = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k[i] = from + ((to - from) * i) / (n - 1);
    w[i] = sviTotalVariance(p, k[i] as number);
  }
  return { k, w };
}

function fitted(r: SviFit | SviFitError): SviFit {
  if ("code" in r) throw new Error(`${r.code}: ${r.message}`);
  return r;
}

function maxError(p: SviParams, k: Float64Array, w: Float64Array): number {
  let e = 0;
  for (let i = 0; i < k.length; i++)
    e = Math.max(e, Math.abs(sviTotalVariance(p, k[i] as number) - (w[i] as number)));
  return e;
}

describe("fitSvi", () => {
  it("recovers exact SVI quotes by the quasi-explicit method", () => {
    const { k, w } = smile(TRUE, 50);
    const fit = fitted(fitSvi(k, w));
    expect(fit.method).toBe("quasi-explicit");
    expect(maxError(fit.params, k, w)).toBeLessThan(1e-7);
    expect(fit.params.m).toBeCloseTo(TRUE.m, 3);
    expect(fit.params.sigma).toBeCloseTo(TRUE.sigma, 3);
    expect(fit.params.rho).toBeCloseTo(TRUE.rho, 3);
    expect(sviButterflyCheck(fit.params).ok).toBe(true);
  });

  it("recovers a slice with a < 0 inside the linear guard a + c − |d| ≥ 0 quasi-explicitly", () => {
    const p: SviParams = { a: -0.01, b: 0.2, rho: 0.1, m: 0, sigma: 0.1 };
    const { k, w } = smile(p, 40, -0.5, 0.5);
    const fit = fitted(fitSvi(k, w));
    expect(maxError(fit.params, k, w)).toBeLessThan(1e-7);
    expect(fit.method).toBe("quasi-explicit");
  });

  it("recovers a valid slice beyond that guard (a + c − |d| < 0 ≤ a + c√(1 − ρ²)) through the fallback", () => {
    const p: SviParams = { a: -0.008, b: 0.2, rho: 0.8, m: 0, sigma: 0.1 };
    const { k, w } = smile(p, 40, -0.5, 0.5);
    const fit = fitted(fitSvi(k, w));
    expect(fit.method).toBe("nelder-mead");
    expect(maxError(fit.params, k, w)).toBeLessThan(1e-7);
  });

  it("recovers any valid slice within Lee's bound from 30 exact quotes on k ∈ [−1, 1] (relative error ≤ 1e−3)", () => {
    const slice = fc.record({
      a: fc.double({ min: -0.05, max: 0.2, noNaN: true }),
      b: fc.double({ min: 0.01, max: 1, noNaN: true }),
      rho: fc.double({ min: -0.9, max: 0.9, noNaN: true }),
      m: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      sigma: fc.double({ min: 0.02, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(slice, (p) => {
        fc.pre(sviParamsError(p) === undefined && p.b * (1 + Math.abs(p.rho)) <= 2);
        const { k, w } = smile(p, 30, -1, 1);
        fc.pre(w.every((x) => x > 1e-6));
        const fit = fitted(fitSvi(k, w));
        expect(sviParamsError(fit.params)).toBeUndefined();
        for (let i = 0; i < 30; i++)
          expect(
            Math.abs(sviTotalVariance(fit.params, k[i] as number) - (w[i] as number)),
          ).toBeLessThanOrEqual(1e-3 * (w[i] as number));
      }),
      { numRuns: 300 },
    );
  });

  it("recovers a near-parabolic slice (small b, σ as wide as the strikes) that a single search fitted 2 % off", () => {
    // The property test's counterexample: from the best grid point alone the search settled on σ ≈ 14.
    const p: SviParams = {
      a: 0,
      b: 0.01,
      rho: -0.7906357359289939,
      m: -0.014088452628817388,
      sigma: 0.9942360872298742,
    };
    const { k, w } = smile(p, 30, -1, 1);
    const fit = fitted(fitSvi(k, w));
    for (let i = 0; i < 30; i++)
      expect(Math.abs(sviTotalVariance(fit.params, k[i] as number) - (w[i] as number))).toBeLessThan(
        1e-5 * (w[i] as number),
      );
    expect(fit.params.sigma).toBeCloseTo(p.sigma, 3);
  });

  it("fits a very short expiry (total variance ~1e-4 over k ∈ ±0.05)", () => {
    const p: SviParams = { a: 0.00005, b: 0.004, rho: 0.1, m: 0.002, sigma: 0.015 };
    const { k, w } = smile(p, 15, -0.05, 0.05);
    const fit = fitted(fitSvi(k, w));
    expect(maxError(fit.params, k, w)).toBeLessThan(1e-7);
  });

  it("is deterministic and warm-starts to the same answer with fewer evaluations", () => {
    const { k, w } = smile(TRUE, 50);
    const a = fitted(fitSvi(k, w));
    const b = fitted(fitSvi(k, w));
    expect(b).toEqual(a);
    const moved = w.map((x, i) => x * (1 + 0.002 * Math.sin(i)));
    const cold = fitted(fitSvi(k, moved));
    const warm = fitted(fitSvi(k, moved, undefined, { warmStart: a.params }));
    expect(warm.evaluations).toBeLessThan(cold.evaluations);
    expect(warm.rmse).toBeLessThan(cold.rmse * 1.01 + 1e-9);
  });

  it("refines a warm start by Levenberg–Marquardt, and survives a warm start far from the smile", () => {
    const { k, w } = smile(TRUE, 50);
    const near = fitted(
      fitSvi(k, w, undefined, { warmStart: { ...TRUE, a: TRUE.a * 1.05, m: TRUE.m + 0.01 } }),
    );
    expect(near.method).toBe("levenberg-marquardt");
    expect(maxError(near.params, k, w)).toBeLessThan(1e-7);
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    const far = fitted(fitSvi(k, w, undefined, { warmStart: vogt }));
    expect(maxError(far.params, k, w)).toBeLessThan(1e-7);
    // An invalid warm start is not refined; the quasi-explicit search starts from its (m, σ) instead.
    const invalid = fitted(fitSvi(k, w, undefined, { warmStart: { ...TRUE, a: -1 } }));
    expect(invalid.method).toBe("quasi-explicit");
    expect(maxError(invalid.params, k, w)).toBeLessThan(1e-7);
  });

  it("honours weights: a zero weight ignores a wild quote", () => {
    const { k, w } = smile(TRUE, 30);
    w[10] = 1;
    const weight = new Float64Array(30).fill(1);
    weight[10] = 0;
    const fit = fitted(fitSvi(k, w, weight));
    w[10] = sviTotalVariance(TRUE, k[10] as number);
    expect(maxError(fit.params, k, w)).toBeLessThan(1e-7);
  });

  it("refuses bad input with a code and a message naming it", () => {
    const { k, w } = smile(TRUE, 10);
    expect(fitSvi(k.slice(0, 4), w.slice(0, 4))).toEqual({
      code: "too_few_quotes",
      message: "4 quotes with a positive weight; an SVI fit needs at least 5",
    });
    const neg = w.slice();
    neg[3] = -0.01;
    expect(fitSvi(k, neg)).toMatchObject({
      code: "invalid_quote",
      message: expect.stringMatching(/quote 3/),
    });
    const nan = k.slice();
    nan[2] = Number.NaN;
    expect(fitSvi(nan, w)).toMatchObject({
      code: "invalid_quote",
      message: expect.stringMatching(/quote 2.*NaN/),
    });
    expect(fitSvi(k, w.slice(1))).toMatchObject({ code: "invalid_quote" });
    expect(fitSvi(k, w, new Float64Array(10).fill(-1))).toMatchObject({ code: "invalid_quote" });
  });
});

describe("volSpreadWeight", () => {
  it("is 1/((2σT)²·spread), the spread floored at half a vol point", () => {
    expect(volSpreadWeight(0.5, 0.25, 0.02)).toBeCloseTo(1 / (0.0625 * 0.02), 9);
    expect(volSpreadWeight(0.5, 0.25, 0)).toBe(volSpreadWeight(0.5, 0.25, 0.005));
  });
});

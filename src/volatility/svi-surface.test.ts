import { describe, expect, it } from "vitest";
import {
  EMPTY_SVI_SURFACE,
  type SviSurface,
  sviSurfaceExtrapolatedSlice,
  sviSurfaceImpliedVol,
  sviSurfaceTotalVariance,
  updateSviSurface,
} from "./svi-surface.js";
import { type SviParams, sviTotalVariance } from "./svi-total-variance.js";

const P1: SviParams = { a: 0.002, b: 0.05, rho: -0.1, m: 0.01, sigma: 0.1 };
const P2: SviParams = { a: 0.01, b: 0.1, rho: -0.1, m: 0.02, sigma: 0.15 };
const P3: SviParams = { a: 0.04, b: 0.15, rho: -0.15, m: 0.05, sigma: 0.3 };
const VOGT: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

function build(...slices: { t: number; params: SviParams }[]): SviSurface {
  let surface = EMPTY_SVI_SURFACE;
  for (const slice of slices) {
    const u = updateSviSurface(surface, slice);
    if (!u.accepted) throw new Error(u.rejection.message);
    surface = u.surface;
  }
  return surface;
}

describe("sviSurfaceTotalVariance", () => {
  const surface = build({ t: 0.5, params: P3 }, { t: 0.02, params: P1 }, { t: 0.1, params: P2 });

  it("keeps slices sorted by T and reproduces each at its expiry", () => {
    expect(surface.slices.map((s) => s.t)).toEqual([0.02, 0.1, 0.5]);
    for (const s of surface.slices)
      for (const k of [-1, -0.2, 0, 0.3, 1.2])
        expect(sviSurfaceTotalVariance(surface, k, s.t)).toBeCloseTo(sviTotalVariance(s.params, k), 15);
  });

  it("is linear in T at fixed k between expiries", () => {
    const k = 0.25;
    const w2 = sviTotalVariance(P2, k);
    const w3 = sviTotalVariance(P3, k);
    expect(sviSurfaceTotalVariance(surface, k, 0.3)).toBeCloseTo((w2 + w3) / 2, 15);
    expect(sviSurfaceTotalVariance(surface, k, 0.2)).toBeCloseTo(w2 + (w3 - w2) / 4, 15);
  });

  it("scales the first slice by T/T₁ before it and keeps implied vol flat beyond the last", () => {
    expect(sviSurfaceTotalVariance(surface, 0.1, 0.01)).toBeCloseTo(sviTotalVariance(P1, 0.1) / 2, 15);
    expect(sviSurfaceTotalVariance(surface, 0.1, 0)).toBe(0);
    expect(sviSurfaceImpliedVol(surface, -0.4, 2)).toBeCloseTo(sviSurfaceImpliedVol(surface, -0.4, 0.5), 14);
    expect(sviSurfaceImpliedVol(surface, -0.4, 0.005)).toBeCloseTo(
      sviSurfaceImpliedVol(surface, -0.4, 0.02),
      14,
    );
    const far = sviSurfaceExtrapolatedSlice(surface, 1) as SviParams;
    expect(sviTotalVariance(far, 0.7)).toBeCloseTo(sviSurfaceTotalVariance(surface, 0.7, 1), 15);
    expect(sviSurfaceExtrapolatedSlice(surface, 0.3)).toBeUndefined();
  });

  it("is non-decreasing in T at every k for a calendar-free surface", () => {
    for (let k = -1.5; k <= 1.5; k += 0.1) {
      let prev = 0;
      for (let t = 0.001; t < 2; t *= 1.3) {
        const w = sviSurfaceTotalVariance(surface, k, t);
        expect(w).toBeGreaterThanOrEqual(prev);
        prev = w;
      }
    }
  });

  it("is NaN for an empty surface or a negative T", () => {
    expect(sviSurfaceTotalVariance(EMPTY_SVI_SURFACE, 0, 1)).toBeNaN();
    expect(sviSurfaceTotalVariance(surface, 0, -1)).toBeNaN();
  });
});

describe("updateSviSurface", () => {
  const surface = build({ t: 0.02, params: P1 }, { t: 0.5, params: P3 });

  it("refuses Vogt's slice for butterfly arbitrage and keeps the surface", () => {
    const u = updateSviSurface(surface, { t: 0.5, params: VOGT });
    expect(u.accepted).toBe(false);
    if (u.accepted) return;
    expect(u.surface).toBe(surface);
    expect(u.rejection.code).toBe("butterfly");
    expect(u.rejection.message).toMatch(/g\(k\) = -0\.0328\d < 0 at k = 0\.88/);
  });

  it("refuses a slice below its earlier neighbour or above its later one, keeping the previous slice", () => {
    const low = updateSviSurface(surface, { t: 0.1, params: { ...P1, a: 0.001 } });
    expect(low).toMatchObject({
      accepted: false,
      rejection: { code: "calendar", calendar: { t1: 0.02, t2: 0.1 } },
    });
    const high = updateSviSurface(surface, { t: 0.1, params: { ...P3, a: 0.05 } });
    expect(high).toMatchObject({
      accepted: false,
      rejection: { code: "calendar", calendar: { t1: 0.1, t2: 0.5 } },
    });
    // Replacing the last slice by one under the first is refused too; the old last slice stays.
    const replace = updateSviSurface(surface, { t: 0.5, params: { ...P1, a: 0.0001 } });
    expect(replace.accepted).toBe(false);
    expect(replace.surface.slices[1]?.params).toBe(P3);
  });

  it("replaces the slice at the same expiry when the new one passes", () => {
    const u = updateSviSurface(surface, { t: 0.5, params: { ...P3, a: 0.045 } });
    expect(u.accepted).toBe(true);
    expect(u.surface.slices.map((s) => s.params.a)).toEqual([0.002, 0.045]);
    expect(surface.slices[1]?.params.a).toBe(0.04);
  });

  it("refuses invalid parameters and a bad T with a message naming them", () => {
    expect(updateSviSurface(surface, { t: 0, params: P2 })).toMatchObject({
      accepted: false,
      rejection: { code: "invalid_slice", message: expect.stringMatching(/T = 0 years/) },
    });
    expect(updateSviSurface(surface, { t: 0.1, params: { ...P2, rho: 1.2 } })).toMatchObject({
      accepted: false,
      rejection: { code: "invalid_slice", message: expect.stringMatching(/rho is 1.2/) },
    });
  });
});

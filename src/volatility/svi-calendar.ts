// Calendar (static, in-maturity) arbitrage across SVI slices: at every k total variance must not fall as T grows.
// Source: J. Gatheral & A. Jacquier, "Arbitrage-free SVI volatility surfaces", Quantitative Finance 14(1), 2014,
// Lemma 2.1 (∂w/∂T ≥ 0 at fixed k = ln(K/F_T) ⇔ no calendar spread arbitrage, proportional dividends).
import { SVI_CHECK_GRID, type SviCheckGrid } from "./svi-butterfly.js";
import { type SviParams, sviTotalVariance } from "./svi-total-variance.js";

/** One expiry of a surface: its time to expiry T in years and its fitted slice. */
export interface SviSlice {
  readonly t: number;
  readonly params: SviParams;
}

/** The first k (ascending) of the first pair of consecutive expiries (ascending) where w(k, T2) < w(k, T1). */
export interface CalendarViolation {
  readonly k: number;
  readonly t1: number;
  readonly t2: number;
  readonly w1: number;
  readonly w2: number;
}

/** w2 < w1 − this is a violation: rounding of w (≤ 1e-15 relative on w ≤ 10) is far below it. */
export const CALENDAR_TOLERANCE = 1e-12;

// w(k, T2) ≥ w(k, T1) for T1 < T2 at each k on the grid: the uniform part of `grid` (its local points serve g only)
export function sviCalendarViolation(
  slices: readonly SviSlice[],
  grid: SviCheckGrid = SVI_CHECK_GRID,
): CalendarViolation | undefined {
  const sorted = [...slices].sort((x, y) => x.t - y.t);
  const n = Math.round((grid.kMax - grid.kMin) / grid.step);
  for (let s = 1; s < sorted.length; s++) {
    const near = sorted[s - 1] as SviSlice;
    const far = sorted[s] as SviSlice;
    for (let i = 0; i <= n; i++) {
      const k = grid.kMin + i * grid.step;
      const w1 = sviTotalVariance(near.params, k);
      const w2 = sviTotalVariance(far.params, k);
      if (!(w2 >= w1 - CALENDAR_TOLERANCE)) return { k, t1: near.t, t2: far.t, w1, w2 };
    }
  }
  return undefined;
}

// Butterfly (static, in-strike) arbitrage of one SVI slice: the risk-neutral density must be non-negative.
// Source: J. Gatheral & A. Jacquier, "Arbitrage-free SVI volatility surfaces", Quantitative Finance 14(1), 2014,
// Lemma 2.2: the density is p(k) = g(k)/√(2πw) · exp(−d₋²/2), so a slice is free of butterfly arbitrage iff g ≥ 0.
import {
  type SviParams,
  sviTotalVariance,
  sviTotalVarianceCurvature,
  sviTotalVarianceSlope,
} from "./svi-total-variance.js";

/**
 * Where g is sampled. The uniform part spans [kMin, kMax] in log-moneyness k = ln(K/F) at `step`; the local part
 * adds `localPoints` points evenly over m ± `localWidth`·σ (clipped to the range), where w″ = bσ²/((k−m)²+σ²)^(3/2)
 * lives: a slice with a small σ (short expiries) bends within a width σ that the uniform step could straddle.
 */
export interface SviCheckGrid {
  readonly kMin: number;
  readonly kMax: number;
  readonly step: number;
  readonly localPoints: number;
  readonly localWidth: number;
}

/**
 * Default grid: k ∈ [−1.5, 1.5] every 0.005 (601 points) plus 101 points over m ± 5σ.
 * Why ±1.5: it holds every strike listed on Deribit BTC in the May 2020 chains (2,500 to 36,000 around a forward
 * of about 9,100 to 9,400: k from −1.32 to +1.38), i.e. every strike a position can hold; beyond it a slice is pure
 * extrapolation whose wings are held to Lee's bound b(1 + |ρ|) ≤ 2 by the fit. It also holds the published
 * counter-example (Vogt's slice, g < 0 for k ≈ 0.65 to 1.25). Why 0.005: g varies on the scale of σ (≥ 0.05 for
 * the slices met in practice) far from m and the local points cover m ± 5σ for the smaller σ.
 */
export const SVI_CHECK_GRID: SviCheckGrid = {
  kMin: -1.5,
  kMax: 1.5,
  step: 0.005,
  localPoints: 101,
  localWidth: 5,
};

/** g below −this counts as negative: absorbs rounding in g (a sum of O(1) terms), not a real density hole. */
export const BUTTERFLY_TOLERANCE = 1e-9;

// g(k) = (1 − k w′/(2w))² − (w′²/4)(1/w + 1/4) + w″/2  (Gatheral & Jacquier 2014, eq. 2.1)
export function sviDensityG(p: SviParams, k: number): number {
  const w = sviTotalVariance(p, k);
  const w1 = sviTotalVarianceSlope(p, k);
  const w2 = sviTotalVarianceCurvature(p, k);
  const u = 1 - (k * w1) / (2 * w);
  return u * u - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** The outcome of a butterfly check: the worst sample of g and the lowest sample of w, with their k. */
export interface ButterflyCheck {
  /** g ≥ −BUTTERFLY_TOLERANCE and w > 0 at every sampled k. */
  readonly ok: boolean;
  readonly worstK: number;
  readonly worstG: number;
  readonly minWK: number;
  readonly minW: number;
}

/** Samples g and w of a slice on `grid` (no allocation but the result). */
export function sviButterflyCheck(p: SviParams, grid: SviCheckGrid = SVI_CHECK_GRID): ButterflyCheck {
  let worstK = Number.NaN;
  let worstG = Number.POSITIVE_INFINITY;
  let minWK = Number.NaN;
  let minW = Number.POSITIVE_INFINITY;
  const sample = (k: number): void => {
    const w = sviTotalVariance(p, k);
    if (w < minW || Number.isNaN(w)) {
      minW = w;
      minWK = k;
    }
    const g = sviDensityG(p, k);
    if (g < worstG || Number.isNaN(g)) {
      worstG = g;
      worstK = k;
    }
  };
  const n = Math.round((grid.kMax - grid.kMin) / grid.step);
  for (let i = 0; i <= n; i++) sample(grid.kMin + i * grid.step);
  if (grid.localPoints > 1) {
    const from = p.m - grid.localWidth * p.sigma;
    const span = (2 * grid.localWidth * p.sigma) / (grid.localPoints - 1);
    for (let j = 0; j < grid.localPoints; j++) {
      const k = from + j * span;
      if (k >= grid.kMin && k <= grid.kMax) sample(k);
    }
  }
  const ok = minW > 0 && worstG >= -BUTTERFLY_TOLERANCE;
  return { ok, worstK, worstG, minWK, minW };
}

// A volatility surface of fitted SVI slices by expiry: total variance w(k, T) at any k = ln(K/F_T) and T > 0.
// Between expiries w is linear in T at fixed k; before the first expiry w(k, T) = w₁(k)·T/T₁; beyond the last,
// flat implied vol: w(k, T) = w_N(k)·T/T_N. Source: J. Gatheral & A. Jacquier, "Arbitrage-free SVI volatility
// surfaces", 2014, §2 (calendar arbitrage ⇔ ∂w/∂T < 0; both rules keep ∂w/∂T ≥ 0 when the slices do).
import {
  type ButterflyCheck,
  SVI_CHECK_GRID,
  type SviCheckGrid,
  sviButterflyCheck,
} from "./svi-butterfly.js";
import { type CalendarViolation, type SviSlice, sviCalendarViolation } from "./svi-calendar.js";
import { type SviParams, sviParamsError, sviTotalVariance } from "./svi-total-variance.js";

/** Slices sorted by T, strictly increasing, each valid and free of butterfly and calendar arbitrage on the grid. */
export interface SviSurface {
  readonly slices: readonly SviSlice[];
}

export const EMPTY_SVI_SURFACE: SviSurface = { slices: [] };

// w(k, T) = w_i(k) + (w_{i+1}(k) − w_i(k))·(T − T_i)/(T_{i+1} − T_i) between expiries; w(k, T) = w_edge(k)·T/T_edge outside
export function sviSurfaceTotalVariance(surface: SviSurface, k: number, t: number): number {
  const s = surface.slices;
  const n = s.length;
  if (n === 0 || !(t >= 0)) return Number.NaN;
  const first = s[0] as SviSlice;
  if (t <= first.t) return (sviTotalVariance(first.params, k) * t) / first.t;
  const last = s[n - 1] as SviSlice;
  if (t >= last.t) return (sviTotalVariance(last.params, k) * t) / last.t;
  let hi = 1;
  while ((s[hi] as SviSlice).t < t) hi++;
  const a = s[hi - 1] as SviSlice;
  const b = s[hi] as SviSlice;
  const wa = sviTotalVariance(a.params, k);
  const wb = sviTotalVariance(b.params, k);
  return wa + ((wb - wa) * (t - a.t)) / (b.t - a.t);
}

// σ_imp(k, T) = √(w(k, T)/T)
export function sviSurfaceImpliedVol(surface: SviSurface, k: number, t: number): number {
  return Math.sqrt(sviSurfaceTotalVariance(surface, k, t) / t);
}

/**
 * The extrapolated slice at T outside [T₁, T_N] as raw SVI: λ·w(k) is raw SVI with (λa, λb, ρ, m, σ), λ = T/T_edge,
 * so it can itself be checked (undefined inside [T₁, T_N], where the interpolated w is not a raw SVI slice).
 */
export function sviSurfaceExtrapolatedSlice(surface: SviSurface, t: number): SviParams | undefined {
  const s = surface.slices;
  if (s.length === 0 || !(t > 0)) return undefined;
  const first = s[0] as SviSlice;
  const last = s[s.length - 1] as SviSlice;
  const edge = t <= first.t ? first : t >= last.t ? last : undefined;
  if (edge === undefined) return undefined;
  const l = t / edge.t;
  return { ...edge.params, a: edge.params.a * l, b: edge.params.b * l };
}

export type SliceRejectionCode = "invalid_slice" | "butterfly" | "calendar";

/** Why a slice was refused; the surface kept its previous slice (if any) at that expiry. */
export interface SliceRejection {
  readonly code: SliceRejectionCode;
  readonly message: string;
  readonly butterfly?: ButterflyCheck;
  readonly calendar?: CalendarViolation;
}

export type SviSurfaceUpdate =
  | { readonly accepted: true; readonly surface: SviSurface }
  | { readonly accepted: false; readonly surface: SviSurface; readonly rejection: SliceRejection };

/**
 * Puts a newly fitted slice into the surface (replacing the one at the same T) only if it is valid, passes the
 * butterfly check and is calendar-free against its neighbours (the nearest expiries before and after it) on `grid`.
 * Otherwise the surface is returned unchanged, keeping the previous good slice, with the reason.
 */
export function updateSviSurface(
  surface: SviSurface,
  slice: SviSlice,
  grid: SviCheckGrid = SVI_CHECK_GRID,
): SviSurfaceUpdate {
  const refuse = (rejection: SliceRejection): SviSurfaceUpdate => ({ accepted: false, surface, rejection });
  if (!(slice.t > 0 && Number.isFinite(slice.t)))
    return refuse({
      code: "invalid_slice",
      message: `expiry T = ${slice.t} years is not a positive finite number`,
    });
  const invalid = sviParamsError(slice.params);
  if (invalid !== undefined)
    return refuse({ code: "invalid_slice", message: `T = ${slice.t}: ${invalid.message}` });
  const butterfly = sviButterflyCheck(slice.params, grid);
  if (!butterfly.ok) {
    const what =
      butterfly.minW > 0
        ? `g(k) = ${butterfly.worstG.toPrecision(4)} < 0 at k = ${butterfly.worstK.toFixed(4)}`
        : `w(k) = ${butterfly.minW.toPrecision(4)} ≤ 0 at k = ${butterfly.minWK.toFixed(4)}`;
    return refuse({ code: "butterfly", message: `T = ${slice.t}: butterfly arbitrage, ${what}`, butterfly });
  }
  const others = surface.slices.filter((s) => s.t !== slice.t);
  let at = 0;
  while (at < others.length && (others[at] as SviSlice).t < slice.t) at++;
  const before = others[at - 1];
  const after = others[at];
  const pairs: SviSlice[][] = [];
  if (before !== undefined) pairs.push([before, slice]);
  if (after !== undefined) pairs.push([slice, after]);
  for (const pair of pairs) {
    const calendar = sviCalendarViolation(pair, grid);
    if (calendar !== undefined)
      return refuse({
        code: "calendar",
        message: `T = ${slice.t}: calendar arbitrage against T = ${pair[0] === slice ? calendar.t2 : calendar.t1}: w(${calendar.k.toFixed(4)}, ${calendar.t1}) = ${calendar.w1.toPrecision(6)} > w(${calendar.k.toFixed(4)}, ${calendar.t2}) = ${calendar.w2.toPrecision(6)}`,
        calendar,
      });
  }
  return { accepted: true, surface: { slices: [...others.slice(0, at), slice, ...others.slice(at)] } };
}

// The volatility surfaces of the market, one per index: an SVI slice per expiry, fitted from `smile` commands
// (warm-started from that expiry's previous slice) and admitted only when it passes the butterfly check and the
// calendar check against its neighbouring expiries as they stand at the command's time. A refused slice leaves the
// previous good one in use, and the outcome says why.

import { decodeFloat, type Encoded, encodeFloat } from "../kernel/snapshot-codec.js";
import type { SmileQuotes } from "./smile-quotes.js";
import { fitSvi, type SviFit } from "./svi-fit.js";
import { type SviSurface, sviSurfaceImpliedVol, updateSviSurface } from "./svi-surface.js";
import type { SviParams } from "./svi-total-variance.js";

const YEAR_MS = 365 * 86_400_000;

interface StoredSlice {
  readonly expiry: number;
  readonly params: SviParams;
  /** When it was fitted, on which forward, and the index then (NaN if it had none): the forward's basis. */
  readonly fittedTs: number;
  readonly forward: number;
  readonly spot: number;
}

/** Where an option's volatility comes from: the surface's total variance at (k, T) and the oldest slice used. */
export interface SurfaceRead {
  /** Implied volatility, or NaN when the index has no surface. */
  vol: number;
  /** When the oldest slice the value stands on was fitted (NaN without a surface). */
  fittedTs: number;
}

export type SmileOutcome =
  | {
      readonly accepted: true;
      readonly params: SviParams;
      readonly rmse: number;
      readonly method: SviFit["method"];
    }
  | { readonly accepted: false; readonly code: string; readonly message: string };

export interface SurfaceBookSnapshot {
  readonly slices: [
    string,
    { expiry: number; params: SviParams; fittedTs: number; forward: number; spot: Encoded }[],
  ][];
  readonly refused: [string, number][];
}

export class SurfaceBook {
  /** Slices by index id, sorted by expiry. */
  private readonly slices = new Map<string, StoredSlice[]>();
  /** Smiles refused in a row, by index: a surface that keeps being refused trips a breaker. */
  private readonly refusedInRow = new Map<string, number>();
  /** Each index's surface at the last `now` read, rebuilt when the time or the slices change. */
  private readonly cache = new Map<string, { now: number; surface: SviSurface }>();

  /**
   * Fits one smile of `index` at `now` and admits the slice if it passes both checks. `spot` is the index at
   * `now` (NaN without one): the smile's forward over it is the basis an option mark carries forward.
   */
  apply(index: string, smile: SmileQuotes, now: number, spot = Number.NaN): SmileOutcome {
    const outcome = this.fit(index, smile, now, spot);
    this.refusedInRow.set(index, outcome.accepted ? 0 : (this.refusedInRow.get(index) ?? 0) + 1);
    return outcome;
  }

  /** Smiles of `index` refused since its last accepted one. */
  refusals(index: string): number {
    return this.refusedInRow.get(index) ?? 0;
  }

  private fit(index: string, smile: SmileQuotes, now: number, spot: number): SmileOutcome {
    const t = (smile.expiry - now) / YEAR_MS;
    const n = smile.strikes.length;
    const k = new Float64Array(n);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      k[i] = Math.log((smile.strikes[i] as number) / smile.forward);
      w[i] = (smile.ivs[i] as number) ** 2 * t;
    }
    const list = this.slices.get(index) ?? [];
    const previous = list.find((s) => s.expiry === smile.expiry);
    const fit = fitSvi(k, w, smile.weights, previous === undefined ? {} : { warmStart: previous.params });
    if ("code" in fit) return { accepted: false, code: fit.code, message: fit.message };
    const update = updateSviSurface(this.surfaceAt(index, now), { t, params: fit.params });
    if (!update.accepted)
      return { accepted: false, code: update.rejection.code, message: update.rejection.message };
    const stored: StoredSlice = {
      expiry: smile.expiry,
      params: fit.params,
      fittedTs: now,
      forward: smile.forward,
      spot,
    };
    const kept = list.filter((s) => s.expiry !== smile.expiry && s.expiry > now);
    kept.push(stored);
    kept.sort((a, b) => a.expiry - b.expiry);
    this.slices.set(index, kept);
    this.cache.delete(index);
    return { accepted: true, params: fit.params, rmse: fit.rmse, method: fit.method };
  }

  /**
   * The surface of an index at `now`: its unexpired slices, each at its time to expiry and with the implied
   * volatilities it was fitted with (sticky moneyness): total variance λ·w(k), λ = T_now / T_fit, which is raw SVI
   * with (λa, λb, ρ, m, σ). Keeping w itself would keep each option's value as time passes (no decay) and push its
   * implied volatility up as √(T_fit / T_now).
   */
  surfaceAt(index: string, now: number): SviSurface {
    const list = this.slices.get(index) ?? [];
    return {
      slices: list
        .filter((s) => s.expiry > now)
        .map((s) => {
          const t = (s.expiry - now) / YEAR_MS;
          if (s.fittedTs === now) return { t, params: s.params };
          const l = (s.expiry - now) / (s.expiry - s.fittedTs);
          return { t, params: { ...s.params, a: s.params.a * l, b: s.params.b * l } };
        }),
    };
  }

  /**
   * Implied volatility of `index` at log-moneyness k and `expiry`, seen at `now`, into `out` (no allocation but
   * the surface's, once per index and time): the surface interpolated in total variance (svi-surface.ts).
   */
  read(index: string, k: number, expiry: number, now: number, out: SurfaceRead): SurfaceRead {
    out.vol = Number.NaN;
    out.fittedTs = Number.NaN;
    const list = this.slices.get(index);
    if (list === undefined || expiry <= now) return out;
    let cached = this.cache.get(index);
    if (cached === undefined || cached.now !== now) {
      cached = { now, surface: this.surfaceAt(index, now) };
      this.cache.set(index, cached);
    }
    if (cached.surface.slices.length === 0) return out;
    const t = (expiry - now) / YEAR_MS;
    out.vol = sviSurfaceImpliedVol(cached.surface, k, t);
    // The slices w(k, T) stands on: the two around T, or the edge one outside them.
    let oldest = Number.POSITIVE_INFINITY;
    let before: StoredSlice | undefined;
    for (const s of list) {
      if (s.expiry <= now) continue;
      if (s.expiry >= expiry) {
        oldest = Math.min(oldest, s.fittedTs);
        if (before !== undefined && s.expiry > expiry) oldest = Math.min(oldest, before.fittedTs);
        out.fittedTs = oldest;
        return out;
      }
      before = s;
    }
    out.fittedTs = (before as StoredSlice).fittedTs;
    return out;
  }

  /** The smile forward of `expiry` over the index at its fit (NaN without such a slice or index): F/S. */
  forwardBasis(index: string, expiry: number): number {
    const list = this.slices.get(index);
    if (list === undefined) return Number.NaN;
    for (const s of list) if (s.expiry === expiry) return s.forward / s.spot;
    return Number.NaN;
  }

  /** The surfaces for a snapshot: every stored slice by index, and the refusals in a row. */
  snapshot(): SurfaceBookSnapshot {
    return {
      slices: [...this.slices].map(([index, list]) => [
        index,
        list.map((x) => ({
          expiry: x.expiry,
          params: { ...x.params },
          fittedTs: x.fittedTs,
          forward: x.forward,
          spot: encodeFloat(x.spot),
        })),
      ]),
      refused: [...this.refusedInRow],
    };
  }

  restoreSnapshot(s: SurfaceBookSnapshot): void {
    for (const [index, list] of s.slices)
      this.slices.set(
        index,
        list.map((x) => ({ ...x, params: { ...x.params }, spot: decodeFloat(x.spot) })),
      );
    for (const [index, count] of s.refused) this.refusedInRow.set(index, count);
    this.cache.clear();
  }

  /** Canonical text for the state hash: every slice, by index id then expiry, and refusal counts. */
  *canonicalLines(): Generator<string> {
    for (const index of [...this.slices.keys()].sort())
      for (const s of this.slices.get(index) as StoredSlice[]) {
        const p = s.params;
        yield `surface ${index} ${s.expiry} ${p.a} ${p.b} ${p.rho} ${p.m} ${p.sigma} ${s.fittedTs} ${s.forward} ${s.spot}`;
      }
    for (const index of [...this.refusedInRow.keys()].sort())
      if ((this.refusedInRow.get(index) as number) > 0)
        yield `surface.refused ${index} ${this.refusedInRow.get(index)}`;
  }
}

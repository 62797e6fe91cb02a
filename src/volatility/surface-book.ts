// The volatility surfaces of the market, one per index: an SVI slice per expiry, fitted from `smile` commands
// (warm-started from that expiry's previous slice) and admitted only when it passes the butterfly check and the
// calendar check against its neighbouring expiries as they stand at the command's time. A refused slice leaves the
// previous good one in use, and the outcome says why.

import type { SmileQuotes } from "./smile-quotes.js";
import { fitSvi, type SviFit } from "./svi-fit.js";
import { type SviSurface, updateSviSurface } from "./svi-surface.js";
import type { SviParams } from "./svi-total-variance.js";

const YEAR_MS = 365 * 86_400_000;

interface StoredSlice {
  readonly expiry: number;
  readonly params: SviParams;
  /** When it was fitted, and on which forward. */
  readonly fittedTs: number;
  readonly forward: number;
}

export type SmileOutcome =
  | {
      readonly accepted: true;
      readonly params: SviParams;
      readonly rmse: number;
      readonly method: SviFit["method"];
    }
  | { readonly accepted: false; readonly code: string; readonly message: string };

export class SurfaceBook {
  /** Slices by index id, sorted by expiry. */
  private readonly slices = new Map<string, StoredSlice[]>();

  /** Fits one smile of `index` at `now` and admits the slice if it passes both checks. */
  apply(index: string, smile: SmileQuotes, now: number): SmileOutcome {
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
    };
    const kept = list.filter((s) => s.expiry !== smile.expiry && s.expiry > now);
    kept.push(stored);
    kept.sort((a, b) => a.expiry - b.expiry);
    this.slices.set(index, kept);
    return { accepted: true, params: fit.params, rmse: fit.rmse, method: fit.method };
  }

  /** The surface of an index at `now`: its unexpired slices, each at its time to expiry. */
  surfaceAt(index: string, now: number): SviSurface {
    const list = this.slices.get(index) ?? [];
    return {
      slices: list
        .filter((s) => s.expiry > now)
        .map((s) => ({ t: (s.expiry - now) / YEAR_MS, params: s.params })),
    };
  }

  /** Canonical text for the state hash: every slice, by index id then expiry. */
  *canonicalLines(): Generator<string> {
    for (const index of [...this.slices.keys()].sort())
      for (const s of this.slices.get(index) as StoredSlice[]) {
        const p = s.params;
        yield `surface ${index} ${s.expiry} ${p.a} ${p.b} ${p.rho} ${p.m} ${p.sigma} ${s.fittedTs} ${s.forward}`;
      }
  }
}

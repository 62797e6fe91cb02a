// Option marks: Black-76 (undiscounted, r = 0 as crypto venues quote) at the volatility surface's implied
// volatility at the option's strike and expiry, on the expiry's forward. The forward is the mark of a future on the
// same index and expiry when there is one; else the index times the basis F/S of the expiry's last accepted smile;
// else the index. Age: the older of the forward's and of the surface slices the volatility stands on. Status: the
// forward's, `degraded` when those slices are older than volatility.staleAfterMs, `unavailable` without a surface.
// At and after expiry the mark is the intrinsic value on the forward.
import type { InstrumentConfig, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import type { MarketPrices, OptionMarkSource } from "../prices/market-prices.js";
import type { PricedValue, PriceStatus } from "../prices/priced.js";
import { black76Price, CALL, type OptionSide, PUT } from "../volatility/black76.js";
import type { SurfaceBook, SurfaceRead } from "../volatility/surface-book.js";

const YEAR_MS = 365 * 86_400_000;
const STATUSES: readonly PriceStatus[] = ["ok", "degraded", "unavailable"];

/** What an option's mark was made of, for margin (the forward) and portfolio margin (volatility, time). */
export interface OptionQuote {
  /** The mark; NaN when there is none. */
  value: number;
  ageMs: number;
  status: PriceStatus;
  /** The forward of the option's expiry (NaN without an index price). */
  forward: number;
  /** Implied volatility at the strike (NaN without a surface) and years to expiry (≤ 0 once expired). */
  vol: number;
  years: number;
}

export function optionQuote(): OptionQuote {
  return {
    value: Number.NaN,
    ageMs: 0,
    status: "unavailable",
    forward: Number.NaN,
    vol: Number.NaN,
    years: 0,
  };
}

interface OptionTerms {
  readonly index: string;
  readonly strike: number;
  readonly side: OptionSide;
  readonly expiry: number;
  /** A future of the same index and expiry, whose mark is the forward. */
  readonly future: string | null;
}

export class OptionMarks implements OptionMarkSource {
  private readonly prices: MarketPrices;
  private readonly surfaces: SurfaceBook;
  private readonly staleAfterMs: number;
  private readonly tripAfter: number;
  private readonly terms: (OptionTerms | null)[];
  private readonly bySymbol = new Map<string, number>();
  private readonly read: SurfaceRead = { vol: Number.NaN, fittedTs: Number.NaN };
  private readonly scratch = optionQuote();
  /** Each option's quote as last computed, and the (prices revision, time) it holds for: every account holding the
   * option reads it at the same moment, and it is priced once. */
  private readonly cached: Float64Array;
  private readonly cachedStatus: Uint8Array;
  private readonly cachedRevision: Float64Array;
  private readonly cachedTs: Float64Array;

  constructor(config: MarketConfig, prices: MarketPrices, surfaces: SurfaceBook) {
    this.prices = prices;
    this.surfaces = surfaces;
    this.staleAfterMs = config.volatility.staleAfterMs;
    this.tripAfter = config.volatility.tripAfterRefusals;
    const n = config.instruments.length;
    this.cached = new Float64Array(5 * n);
    this.cachedStatus = new Uint8Array(n);
    this.cachedRevision = new Float64Array(n).fill(-1);
    this.cachedTs = new Float64Array(n).fill(Number.NaN);
    this.terms = config.instruments.map((instrument: InstrumentConfig, no) => {
      if (instrument.kind !== "option") return null;
      this.bySymbol.set(instrument.symbol, no);
      const future = config.instruments.find(
        (x) => x.kind === "future" && x.index === instrument.index && x.expiry === instrument.expiry,
      );
      return {
        index: instrument.index,
        strike: fixedToNumber(instrument.strike as NonNullable<InstrumentConfig["strike"]>),
        side: instrument.right === "call" ? CALL : PUT,
        expiry: instrument.expiry as number,
        future: future?.symbol ?? null,
      };
    });
  }

  optionMark(symbol: string, now: number): PricedValue | null {
    const no = this.bySymbol.get(symbol);
    if (no === undefined) return null;
    const q = this.quote(no, now, this.scratch);
    return { value: q.value, ageMs: q.ageMs, status: q.status };
  }

  optionForward(symbol: string, now: number): number {
    const no = this.bySymbol.get(symbol);
    if (no === undefined) return Number.NaN;
    return this.forward(this.terms[no] as OptionTerms, now)?.value ?? Number.NaN;
  }

  surfaceTripped(symbol: string): boolean {
    const no = this.bySymbol.get(symbol);
    return no !== undefined && this.indexTripped((this.terms[no] as OptionTerms).index);
  }

  /** An index's surface breaker: its smiles refused volatility.tripAfterRefusals times in a row or more. */
  indexTripped(index: string): boolean {
    return this.surfaces.refusals(index) >= this.tripAfter;
  }

  /** Option `no`'s mark at `now` and what it was made of, into `out`. */
  quote(no: number, now: number, out: OptionQuote): OptionQuote {
    const c = this.cached;
    const at = 5 * no;
    if (this.cachedRevision[no] === this.prices.revision && this.cachedTs[no] === now) {
      out.value = c[at] as number;
      out.ageMs = c[at + 1] as number;
      out.forward = c[at + 2] as number;
      out.vol = c[at + 3] as number;
      out.years = c[at + 4] as number;
      out.status = STATUSES[this.cachedStatus[no] as number] as PriceStatus;
      return out;
    }
    this.price(no, now, out);
    c[at] = out.value;
    c[at + 1] = out.ageMs;
    c[at + 2] = out.forward;
    c[at + 3] = out.vol;
    c[at + 4] = out.years;
    this.cachedStatus[no] = STATUSES.indexOf(out.status);
    this.cachedRevision[no] = this.prices.revision;
    this.cachedTs[no] = now;
    return out;
  }

  private price(no: number, now: number, out: OptionQuote): OptionQuote {
    const terms = this.terms[no];
    if (terms === null || terms === undefined)
      throw new RangeError(`optionMarks: instrument ${no} is not an option`);
    out.value = Number.NaN;
    out.vol = Number.NaN;
    out.years = (terms.expiry - now) / YEAR_MS;
    const forward = this.forward(terms, now);
    out.forward = forward === null ? Number.NaN : forward.value;
    out.ageMs = forward?.ageMs ?? 0;
    out.status = forward?.status ?? "unavailable";
    if (!(out.forward > 0)) {
      out.status = "unavailable";
      return out;
    }
    if (out.years <= 0) {
      out.value = Math.max(terms.side * (out.forward - terms.strike), 0);
      return out;
    }
    const read = this.surfaces.read(
      terms.index,
      Math.log(terms.strike / out.forward),
      terms.expiry,
      now,
      this.read,
    );
    if (!(read.vol > 0)) {
      out.status = "unavailable";
      return out;
    }
    out.vol = read.vol;
    out.value = black76Price(out.forward, terms.strike, out.years, read.vol, 1, terms.side);
    const surfaceAge = now - read.fittedTs;
    if (surfaceAge > out.ageMs) out.ageMs = surfaceAge;
    if (out.status === "ok" && surfaceAge > this.staleAfterMs) out.status = "degraded";
    return out;
  }

  /** The forward of an option's expiry: its future's mark, else the index times the smile's basis. */
  private forward(terms: OptionTerms, now: number): PricedValue | null {
    if (terms.future !== null) {
      const mark = this.prices.markPrice(terms.future, now);
      if (mark !== null && mark.value > 0) return mark;
    }
    const index = this.prices.indexPrice(terms.index, now);
    if (index === null || !(index.value > 0)) return index;
    const basis = this.surfaces.forwardBasis(terms.index, terms.expiry);
    return basis > 0 ? { value: index.value * basis, ageMs: index.ageMs, status: index.status } : index;
  }
}

// The mark price of one perpetual or future: index + EMA(basis), the basis observed at a fixed interval and
// clamped to a band around the index (so a thin or manipulated book moves the mark only so far: Mango 2022).
import type { InstrumentConfig } from "../config/types.js";
import { formatFixed } from "../kernel/decimal.js";
import { decodeNumber, encodeNumber, expectSame, type SnapNumber } from "../kernel/snapshot-numbers.js";
import { TimeEwma, type TimeEwmaSnapshot } from "./ewma.js";
import { clampBasis, fundingBasisPrice, medianOfThree } from "./mark-formulas.js";
import { type PriceStatus, STATUSES } from "./priced.js";
import { PublishedPrice, type PublishedPriceSnapshot } from "./published-price.js";

/** Everything a mark computes from besides its index and configuration, and what it last published. */
export interface MarkStateSnapshot {
  readonly symbol: string;
  readonly basis: TimeEwmaSnapshot;
  readonly lastSampleTs: SnapNumber;
  readonly observedBasis: SnapNumber;
  readonly bookPrice: SnapNumber;
  readonly lastTrade: SnapNumber;
  readonly lastTradeTs: SnapNumber;
  readonly fundingRate: SnapNumber;
  readonly nextFundingTs: SnapNumber;
  readonly intervalMs: SnapNumber;
  readonly value: SnapNumber;
  readonly published: PublishedPriceSnapshot;
  readonly publishedStatus: PriceStatus | "";
}

export class MarkState {
  readonly symbol: string;
  readonly method: "ema-basis" | "median-of-three" | "index";
  readonly sampleMs: number;
  readonly band: number;
  private readonly basis: TimeEwma;
  private lastSampleTs = Number.NEGATIVE_INFINITY;
  /** Latest basis observation (book price − index at the last sample); 0 while the book has no price. */
  observedBasis = 0;
  /** Mid of the best bid and ask; NaN while the book is not two-sided. */
  bookPrice = Number.NaN;
  /** When the last trade happened: without a two-sided book it stands for the basis only while fresh. */
  lastTradeTs = Number.NEGATIVE_INFINITY;
  private readonly halfLifeMs: number;
  /** Last trade price, NaN while there is none. */
  lastTrade = Number.NaN;
  /** The current interval's funding rate as estimated so far, and when it is paid (NaN before funding runs). */
  fundingRate = 0;
  nextFundingTs = Number.NaN;
  intervalMs = 1;
  value = Number.NaN;
  /** Published at its index's decimals. */
  readonly published: PublishedPrice;
  publishedStatus = "";

  constructor(config: InstrumentConfig, decimals: number) {
    this.published = new PublishedPrice(decimals);
    this.symbol = config.symbol;
    this.method = config.mark.method;
    this.sampleMs = config.mark.basisSampleMs;
    this.band = Number(formatFixed(config.mark.basisBand));
    this.basis = new TimeEwma(config.mark.basisHalfLifeMs);
    this.halfLifeMs = config.mark.basisHalfLifeMs;
    if (config.funding !== null) this.intervalMs = config.funding.intervalMs;
  }

  /**
   * Recomputes the mark from its index at `now`, sampling the basis when its interval has passed. The index is
   * read here, not passed as a number: a double argument to a call that is not inlined is boxed.
   */
  compute(now: number, indexState: { readonly value: number }): void {
    const index = indexState.value;
    if (Number.isNaN(index)) return;
    if (this.method === "index") {
      this.value = index;
      return;
    }
    if (now - this.lastSampleTs >= this.sampleMs) {
      // The book's mid; else the last trade while younger than the basis half-life (a stale trade says nothing
      // about the basis now); else no basis.
      const book = !Number.isNaN(this.bookPrice)
        ? this.bookPrice
        : now - this.lastTradeTs <= this.halfLifeMs
          ? this.lastTrade
          : Number.NaN;
      this.observedBasis = Number.isNaN(book) ? 0 : book - index;
      this.basis.update(now, this.observedBasis);
      this.lastSampleTs = now;
    }
    const smoothed = clampBasis(this.basis.value, index, this.band);
    if (this.method === "ema-basis") this.value = index + smoothed;
    else
      this.value = medianOfThree(
        fundingBasisPrice(index, this.fundingRate, this.timeToFunding(now), this.intervalMs),
        index + smoothed,
        this.lastTrade,
      );
  }

  /** Time left to the next funding, within [0, interval] (0 before funding runs: the price is the index). */
  private timeToFunding(now: number): number {
    if (Number.isNaN(this.nextFundingTs)) return 0;
    const left = this.nextFundingTs - now;
    return left < 0 ? 0 : left > this.intervalMs ? this.intervalMs : left;
  }

  get publishedText(): string {
    return this.published.text;
  }

  canonical(): string {
    const line = `mark ${this.symbol} ${this.value} ${this.basis.value} ${this.basis.lastTs} ${this.basis.count} ${this.lastSampleTs} ${this.observedBasis} ${this.bookPrice} ${this.lastTrade} ${this.lastTradeTs} ${this.publishedText} ${this.publishedStatus}`;
    // The funding estimate is state only where the mark uses it.
    return this.method === "median-of-three" ? `${line} ${this.fundingRate} ${this.nextFundingTs}` : line;
  }

  snapshot(): MarkStateSnapshot {
    return {
      symbol: this.symbol,
      basis: this.basis.snapshot(),
      lastSampleTs: encodeNumber(this.lastSampleTs),
      observedBasis: encodeNumber(this.observedBasis),
      bookPrice: encodeNumber(this.bookPrice),
      lastTrade: encodeNumber(this.lastTrade),
      lastTradeTs: encodeNumber(this.lastTradeTs),
      fundingRate: encodeNumber(this.fundingRate),
      nextFundingTs: encodeNumber(this.nextFundingTs),
      intervalMs: encodeNumber(this.intervalMs),
      value: encodeNumber(this.value),
      published: this.published.snapshot(),
      publishedStatus: this.publishedStatus as PriceStatus | "",
    };
  }

  restore(s: MarkStateSnapshot): void {
    expectSame(s.symbol, this.symbol, "mark symbol");
    if (s.publishedStatus !== "" && !STATUSES.includes(s.publishedStatus))
      throw new RangeError(
        `snapshot: mark ${this.symbol}: publishedStatus ${JSON.stringify(s.publishedStatus)}`,
      );
    const at = (field: string) => `mark ${this.symbol}.${field}`;
    this.basis.restore(s.basis);
    this.lastSampleTs = decodeNumber(s.lastSampleTs, at("lastSampleTs"));
    this.observedBasis = decodeNumber(s.observedBasis, at("observedBasis"));
    this.bookPrice = decodeNumber(s.bookPrice, at("bookPrice"));
    this.lastTrade = decodeNumber(s.lastTrade, at("lastTrade"));
    this.lastTradeTs = decodeNumber(s.lastTradeTs, at("lastTradeTs"));
    this.fundingRate = decodeNumber(s.fundingRate, at("fundingRate"));
    this.nextFundingTs = decodeNumber(s.nextFundingTs, at("nextFundingTs"));
    this.intervalMs = decodeNumber(s.intervalMs, at("intervalMs"));
    this.value = decodeNumber(s.value, at("value"));
    this.published.restore(s.published);
    this.publishedStatus = s.publishedStatus;
  }
}

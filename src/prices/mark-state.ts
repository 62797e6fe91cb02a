// The mark price of one perpetual or future: index + EMA(basis), the basis observed at a fixed interval and
// clamped to a band around the index (so a thin or manipulated book moves the mark only so far: Mango 2022).
import type { InstrumentConfig } from "../config/types.js";
import { formatFixed } from "../kernel/decimal.js";
import { TimeEwma } from "./ewma.js";
import { clampBasis, fundingBasisPrice, medianOfThree } from "./mark-formulas.js";
import { PublishedPrice } from "./published-price.js";

export class MarkState {
  readonly symbol: string;
  readonly method: "ema-basis" | "median-of-three" | "index";
  readonly sampleMs: number;
  readonly band: number;
  private readonly basis: TimeEwma;
  private lastSampleTs = Number.NEGATIVE_INFINITY;
  /** Latest basis observation (book mid or last trade − index); 0 until the order book exists. */
  observedBasis = 0;
  /** Last trade price, NaN while there is none; funding rate of the current interval, 0 until funding exists. */
  lastTrade = Number.NaN;
  fundingRate = 0;
  timeToFundingMs = 0;
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
    if (config.funding !== null) this.intervalMs = config.funding.intervalMs;
  }

  /** Recomputes the mark from the index at `now`, sampling the basis when its interval has passed. */
  compute(now: number, index: number): void {
    if (Number.isNaN(index)) return;
    if (this.method === "index") {
      this.value = index;
      return;
    }
    if (now - this.lastSampleTs >= this.sampleMs) {
      this.basis.update(now, this.observedBasis);
      this.lastSampleTs = now;
    }
    const smoothed = clampBasis(this.basis.value, index, this.band);
    if (this.method === "ema-basis") this.value = index + smoothed;
    else
      this.value = medianOfThree(
        fundingBasisPrice(index, this.fundingRate, this.timeToFundingMs, this.intervalMs),
        index + smoothed,
        this.lastTrade,
      );
  }

  get publishedText(): string {
    return this.published.text;
  }

  canonical(): string {
    return `mark ${this.symbol} ${this.value} ${this.basis.value} ${this.basis.lastTs} ${this.basis.count} ${this.lastSampleTs} ${this.observedBasis} ${this.lastTrade} ${this.publishedText} ${this.publishedStatus}`;
  }
}

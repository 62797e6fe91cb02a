// Perpetual funding in the engine's sequence: the premium of the book over the index is sampled every minute
// (BitMEX samples each minute), averaged over the interval, turned into a rate (src/prices/funding-rate.ts), and
// at each interval boundary every position of the perpetual pays or receives size × contractSize × mark × rate in
// one step. Payers are charged rounded up and receivers paid rounded down, so Σ payments ≤ 0; the residue goes to
// the insurance fund, and the ledger balances exactly.

import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { fixedToNumber, formatDecimal } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import {
  decodeArray,
  decodeFloat,
  type Encoded,
  encodeArray,
  encodeFloat,
} from "../kernel/snapshot-codec.js";
import { wadDiv, wadMul, wadOfPrice, wadToRaw } from "../kernel/wad.js";
import { INSURANCE, type Ledger } from "../ledger/ledger.js";
import { unitOf } from "../margin/account-margin.js";
import type { Positions } from "../margin/positions.js";
import { BUY, type OrderBooks, SELL } from "../orderbook/order-books.js";
import { fundingRate, premiumSample } from "../prices/funding-rate.js";
import type { MarketPrices } from "../prices/market-prices.js";
import type { EventSink } from "./events.js";

/** Premium sampling period (BitMEX: every minute). */
export const PREMIUM_SAMPLE_MS = 60_000;
/** Decimals of a published funding rate; payments use the rate as published. */
export const RATE_DECIMALS = 8;
/** Intervals settled by one command at most, after a long silence: the rest follow at the next commands. */
const MAX_INTERVALS_PER_COMMAND = 16;

export interface FundingHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly books: OrderBooks;
  readonly prices: MarketPrices;
  nextSeq(): number;
  /** Queues an account whose margin a payment changed. */
  touch(account: number): void;
}

export interface FundingSnapshot {
  readonly nextTs: Encoded[];
  readonly lastSample: Encoded[];
  readonly premiumSum: Encoded[];
  readonly samples: Encoded[];
  readonly due: Encoded;
}

export class Funding {
  private readonly host: FundingHost;
  /** Perpetuals with funding, by instrument number. */
  private readonly perpetuals: number[] = [];
  private readonly nextTs: Float64Array;
  private readonly lastSample: Float64Array;
  private readonly premiumSum: Float64Array;
  private readonly samples: Float64Array;
  private readonly tick: Float64Array;
  /** Earliest time anything is due (a sample or a settlement): commands before it cost one comparison. */
  private due = Number.NEGATIVE_INFINITY;

  constructor(host: FundingHost) {
    this.host = host;
    const n = host.config.instruments.length;
    this.nextTs = new Float64Array(n).fill(Number.NaN);
    this.lastSample = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.premiumSum = new Float64Array(n);
    this.samples = new Float64Array(n);
    this.tick = Float64Array.from(host.config.instruments, (i) => fixedToNumber(i.tickSize));
    host.config.instruments.forEach((instrument, i) => {
      if (instrument.funding !== null) this.perpetuals.push(i);
    });
  }

  /** Time has reached `now`: samples premiums that are due and settles intervals that have ended. */
  advance(now: number, cause: number, out: EventSink): void {
    if (now < this.due) return;
    let due = Number.POSITIVE_INFINITY;
    for (const no of this.perpetuals) {
      const instrument = this.host.config.instruments[no] as InstrumentConfig;
      const funding = instrument.funding;
      assert(funding !== null, "funding: a perpetual without funding");
      if (Number.isNaN(this.nextTs[no] as number))
        this.nextTs[no] = (Math.floor(now / funding.intervalMs) + 1) * funding.intervalMs;
      for (let k = 0; k < MAX_INTERVALS_PER_COMMAND && now >= (this.nextTs[no] as number); k++) {
        this.settle(no, instrument, now, cause, out);
        this.nextTs[no] = (this.nextTs[no] as number) + funding.intervalMs;
        this.estimate(no, instrument); // a new interval: no samples yet
      }
      if (now - (this.lastSample[no] as number) >= PREMIUM_SAMPLE_MS) this.sample(no, instrument, now);
      due = Math.min(due, this.nextTs[no] as number, (this.lastSample[no] as number) + PREMIUM_SAMPLE_MS);
    }
    // A sample skipped (index not ok) is retried at the next command.
    this.due = due < now ? now : due;
  }

  private sample(no: number, instrument: InstrumentConfig, now: number): void {
    const index = this.host.prices.indexPrice(instrument.index, now);
    if (index === null || index.status !== "ok") return; // no premium against an index that is not ok
    const tick = this.tick[no] as number;
    const bid = this.host.books.bestPrice(no, BUY) * tick;
    const ask = this.host.books.bestPrice(no, SELL) * tick;
    this.premiumSum[no] = (this.premiumSum[no] as number) + premiumSample(bid, ask, index.value);
    this.samples[no] = (this.samples[no] as number) + 1;
    this.lastSample[no] = now;
    this.estimate(no, instrument);
  }

  /** The interval's rate as its samples so far give it, for the median-of-three mark. */
  private estimate(no: number, instrument: InstrumentConfig): void {
    const funding = instrument.funding;
    assert(funding !== null, "funding: a perpetual without funding");
    const n = this.samples[no] as number;
    const premium = n > 0 ? (this.premiumSum[no] as number) / n : 0;
    const rate = fundingRate(premium, fixedToNumber(funding.interestRate), fixedToNumber(funding.cap));
    this.host.prices.setFunding(instrument.symbol, rate, this.nextTs[no] as number);
  }

  private settle(no: number, instrument: InstrumentConfig, now: number, cause: number, out: EventSink): void {
    const { config, ledger, positions, prices } = this.host;
    const funding = instrument.funding;
    assert(funding !== null, "funding: a perpetual without funding");
    const n = this.samples[no] as number;
    const premium = n > 0 ? (this.premiumSum[no] as number) / n : 0;
    this.premiumSum[no] = 0;
    this.samples[no] = 0;
    const rateFloat = fundingRate(premium, fixedToNumber(funding.interestRate), fixedToNumber(funding.cap));
    const rate = wadOfPrice(rateFloat, RATE_DECIMALS);
    const mark = prices.markPrice(instrument.symbol, now);
    const index = prices.indexPrice(instrument.index, now);
    const decimals = this.priceDecimals(instrument);
    if (mark === null || Number.isNaN(mark.value) || index === null) return; // never priced: nothing to fund on
    const markWad = wadOfPrice(mark.value, decimals);
    const rateText = formatDecimal(wadToRaw(rate, RATE_DECIMALS, "half-even"), RATE_DECIMALS);
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "funding",
      cause,
      symbol: instrument.symbol,
      rate: rateText,
      markPrice: formatDecimal(wadToRaw(markWad, decimals, "half-even"), decimals),
      indexPrice: formatDecimal(wadToRaw(wadOfPrice(index.value, decimals), decimals, "half-even"), decimals),
      premium: formatDecimal(
        wadToRaw(wadOfPrice(premium, RATE_DECIMALS), RATE_DECIMALS, "half-even"),
        RATE_DECIMALS,
      ),
      fundingTs: this.nextTs[no] as number,
      markStatus: mark.status,
    });
    if (rate === 0n) return;
    const asset = ledger.asset(instrument.settlementAsset);
    const assetDecimals = (config.assets[asset] as AssetConfig).decimals;
    const unit = unitOf(instrument);
    // Payers first, so the fund that passes payments on never dips below zero within the step.
    let net = 0n;
    for (const payers of [true, false]) {
      for (let s = 0; s < positions.total; s++) {
        if (positions.instrument(s) !== no || positions.lots(s) === 0) continue;
        const exposure = BigInt(positions.lots(s)) * unit;
        // Longs pay a positive rate: payment = −exposure × mark × rate (linear, quote) or −exposure ÷ mark × rate (inverse, base)
        const value = instrument.inverse
          ? wadDiv(exposure, markWad, "floor")
          : wadMul(exposure, markWad, "floor");
        const exact = -wadMul(value, rate, "floor");
        // Rounded down: a payer pays the unit it owes in part, a receiver does not receive it.
        const amount = wadToRaw(exact, assetDecimals, "floor");
        if (amount < 0n !== payers || amount === 0n) continue;
        const account = positions.account(s);
        ledger.move(INSURANCE, account, asset, amount);
        this.host.touch(account);
        net += amount;
        out.push({
          seq: this.host.nextSeq(),
          ts: now,
          type: "funding.payment",
          cause,
          account: ledger.accountId(account),
          symbol: instrument.symbol,
          asset: instrument.settlementAsset,
          amount: formatDecimal(amount, assetDecimals),
          balance: formatDecimal(ledger.balance(account, asset), assetDecimals),
          rate: rateText,
        });
      }
    }
    assert(net <= 0n, "funding: payments pay out more than they take in");
    if (net < 0n)
      out.push({
        seq: this.host.nextSeq(),
        ts: now,
        type: "insurance",
        cause,
        delta: formatDecimal(-net, assetDecimals),
        balance: formatDecimal(ledger.balance(INSURANCE, asset), assetDecimals),
        asset: instrument.settlementAsset,
        reason: "funding_rounding",
        account: null,
        symbol: instrument.symbol,
        qty: null,
        price: null,
        decision: null,
      });
  }

  private priceDecimals(instrument: InstrumentConfig): number {
    return this.host.config.indices.find((i) => i.id === instrument.index)?.priceDecimals ?? 8;
  }

  /** Canonical text for the state hash. */
  /** The state for a snapshot (per-instrument arrays and when anything is next due). */
  snapshot(): FundingSnapshot {
    return {
      nextTs: encodeArray(this.nextTs),
      lastSample: encodeArray(this.lastSample),
      premiumSum: encodeArray(this.premiumSum),
      samples: encodeArray(this.samples),
      due: encodeFloat(this.due),
    };
  }

  restoreSnapshot(s: FundingSnapshot): void {
    decodeArray(s.nextTs, this.nextTs);
    decodeArray(s.lastSample, this.lastSample);
    decodeArray(s.premiumSum, this.premiumSum);
    decodeArray(s.samples, this.samples);
    this.due = decodeFloat(s.due);
  }

  *canonicalLines(): Generator<string> {
    for (const no of this.perpetuals)
      yield `funding ${no} ${this.nextTs[no]} ${this.lastSample[no]} ${this.premiumSum[no]} ${this.samples[no]} ${this.due}`;
  }
}

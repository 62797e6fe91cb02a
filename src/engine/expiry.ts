// Expiry of dated instruments in the engine's sequence: the index is averaged over the last `settlementTwapMs`
// before expiry (time-weighted, only while the index is ok), and at the first command at or after expiry every
// position of the instrument is closed at that price in one step, all or nothing: the plan is computed first,
// then applied with an undo log, so a failure halfway leaves no account changed (the seed's "partial asset
// settlement"). Resting orders are cancelled first; the instrument then accepts nothing more.

import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import {
  decodeArray,
  decodeFloat,
  type Encoded,
  encodeArray,
  encodeFloat,
} from "../kernel/snapshot-codec.js";
import { wadDiv, wadMul, wadOf, wadOfPrice, wadToRaw } from "../kernel/wad.js";
import { CLEARING, type Ledger } from "../ledger/ledger.js";
import { unitOf } from "../margin/account-margin.js";
import type { Positions } from "../margin/positions.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { BALANCE_REASONS, type BalanceEventFn, type EventSink } from "./events.js";

const PNL = BALANCE_REASONS.indexOf("pnl");

export interface ExpiryHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly prices: MarketPrices;
  nextSeq(): number;
  /** Cancels every resting order of an instrument, with their events. */
  cancelAll(instrument: number, reason: string, ts: number, cause: number, out: EventSink): void;
  readonly balanceEvent: BalanceEventFn;
  /** Queues an account whose margin the settlement changed. */
  touch(account: number): void;
  /** Tests inject a failure after `n` accounts have been settled, to check all-or-nothing. */
  readonly settlementFault?: (settled: number) => void;
}

interface Close {
  readonly slot: number;
  readonly account: number;
  readonly lots: number;
  readonly entryValue: bigint;
  readonly pnl: bigint;
}

export interface ExpirySnapshot {
  readonly weighted: Encoded[];
  readonly counted: Encoded[];
  readonly lastValue: Encoded[];
  readonly lastTs: Encoded[];
  readonly expired: Encoded[];
  readonly due: Encoded;
}

export class Expiry {
  private readonly host: ExpiryHost;
  private readonly dated: number[] = [];
  /** Σ index × ms and ms counted in the TWAP window; last index seen and when. */
  private readonly weighted: Float64Array;
  private readonly counted: Float64Array;
  private readonly lastValue: Float64Array;
  private readonly lastTs: Float64Array;
  private readonly expired: Uint8Array;
  private due = Number.NEGATIVE_INFINITY;

  constructor(host: ExpiryHost) {
    this.host = host;
    const n = host.config.instruments.length;
    this.weighted = new Float64Array(n);
    this.counted = new Float64Array(n);
    this.lastValue = new Float64Array(n).fill(Number.NaN);
    this.lastTs = new Float64Array(n).fill(Number.NaN);
    this.expired = new Uint8Array(n);
    host.config.instruments.forEach((instrument, i) => {
      if (instrument.expiry !== null) this.dated.push(i);
    });
  }

  /** The instrument has expired and been settled: it accepts no more orders or fills. */
  isExpired(instrument: number): boolean {
    return this.expired[instrument] === 1;
  }

  advance(now: number, cause: number, out: EventSink): void {
    if (now < this.due) return;
    let due = Number.POSITIVE_INFINITY;
    for (const no of this.dated) {
      if (this.expired[no] === 1) continue;
      const instrument = this.host.config.instruments[no] as InstrumentConfig;
      const expiry = instrument.expiry as number;
      const start = expiry - instrument.settlementTwapMs;
      if (now >= start) this.observe(no, instrument, Math.min(now, expiry), start);
      if (now >= expiry) this.settle(no, instrument, now, cause, out);
      else due = Math.min(due, now >= start ? now : start);
    }
    this.due = due;
  }

  /** Time-weighted: each index value holds until the next observation, within [start, expiry]. */
  private observe(no: number, instrument: InstrumentConfig, until: number, start: number): void {
    const last = this.lastTs[no] as number;
    const value = this.lastValue[no] as number;
    if (!Number.isNaN(last) && !Number.isNaN(value) && until > last) {
      const from = Math.max(last, start);
      if (until > from) {
        this.weighted[no] = (this.weighted[no] as number) + value * (until - from);
        this.counted[no] = (this.counted[no] as number) + (until - from);
      }
    }
    const index = this.host.prices.indexPrice(instrument.index, until);
    this.lastValue[no] = index !== null && index.status === "ok" ? index.value : Number.NaN;
    this.lastTs[no] = until;
  }

  private settle(no: number, instrument: InstrumentConfig, now: number, cause: number, out: EventSink): void {
    const { config, ledger, positions } = this.host;
    const decimals = config.indices.find((i) => i.id === instrument.index)?.priceDecimals ?? 8;
    const counted = this.counted[no] as number;
    let twap = counted > 0 ? (this.weighted[no] as number) / counted : (this.lastValue[no] as number);
    if (Number.isNaN(twap)) {
      // No ok index in the window: settle at the last index there is, flagged by its status in the event.
      const index = this.host.prices.indexPrice(instrument.index, now);
      if (index === null || Number.isNaN(index.value)) return; // never priced: wait for a price
      twap = index.value;
    }
    const underlying = wadOfPrice(twap, decimals);
    // An option settles at its intrinsic value on the settlement index: max(0, S − K) or max(0, K − S).
    let price = underlying;
    if (instrument.kind === "option") {
      const strike = wadOf(instrument.strike as NonNullable<InstrumentConfig["strike"]>);
      const intrinsic = instrument.right === "call" ? underlying - strike : strike - underlying;
      price = intrinsic > 0n ? intrinsic : 0n;
    }
    this.host.cancelAll(no, "expired", now, cause, out);
    const asset = ledger.asset(instrument.settlementAsset);
    const assetDecimals = (config.assets[asset] as AssetConfig).decimals;
    const unit = unitOf(instrument);
    // Plan: every position's PnL at the settlement price, before anything moves.
    const plan: Close[] = [];
    for (let s = 0; s < positions.total; s++) {
      if (positions.instrument(s) !== no || positions.lots(s) === 0) continue;
      const lots = positions.lots(s);
      const exposure = BigInt(lots) * unit;
      const entryValue = positions.entryValue(s);
      const exact = instrument.inverse
        ? entryValue - wadDiv(exposure, price, "ceil")
        : wadMul(exposure, price, "floor") - entryValue;
      plan.push({
        slot: s,
        account: positions.account(s),
        lots,
        entryValue,
        pnl: wadToRaw(exact, assetDecimals, "floor"),
      });
    }
    // Apply with an undo log: a failure restores every account touched and rethrows (a bug, not a user error).
    let applied = 0;
    try {
      for (const close of plan) {
        this.host.settlementFault?.(applied);
        positions.applyFill(close.slot, -close.lots, price, unit, instrument.inverse);
        if (close.pnl !== 0n) ledger.move(CLEARING, close.account, asset, close.pnl);
        applied++;
      }
    } catch (error) {
      for (let i = applied - 1; i >= 0; i--) {
        const close = plan[i] as Close;
        if (close.pnl !== 0n) ledger.move(close.account, CLEARING, asset, close.pnl);
        positions.restore(close.slot, close.lots, close.entryValue);
      }
      throw error;
    }
    this.expired[no] = 1;
    const priceText = formatDecimal(wadToRaw(price, decimals, "half-even"), decimals);
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "settlement",
      cause,
      symbol: instrument.symbol,
      price: priceText,
      kind: "expiry",
      positions: plan.length,
      ...(instrument.kind === "option"
        ? { underlying: formatDecimal(wadToRaw(underlying, decimals, "half-even"), decimals) }
        : {}),
    });
    for (const close of plan) {
      this.host.touch(close.account);
      if (close.pnl !== 0n)
        this.host.balanceEvent(now, cause, close.account, asset, close.pnl, PNL, CLEARING, out);
      out.push({
        seq: this.host.nextSeq(),
        ts: now,
        type: "position",
        cause,
        account: ledger.accountId(close.account),
        symbol: instrument.symbol,
        qty: "0",
        entryPrice: null,
        realizedPnl: formatDecimal(close.pnl, assetDecimals),
        fee: "0",
      });
    }
    assert(
      plan.every((c) => positions.lots(c.slot) === 0),
      "expiry: a position survived settlement",
    );
  }

  /** The state for a snapshot: the TWAP sums per instrument, expiries settled, and when anything is next due. */
  snapshot(): ExpirySnapshot {
    return {
      weighted: encodeArray(this.weighted),
      counted: encodeArray(this.counted),
      lastValue: encodeArray(this.lastValue),
      lastTs: encodeArray(this.lastTs),
      expired: encodeArray(this.expired),
      due: encodeFloat(this.due),
    };
  }

  restoreSnapshot(s: ExpirySnapshot): void {
    decodeArray(s.weighted, this.weighted);
    decodeArray(s.counted, this.counted);
    decodeArray(s.lastValue, this.lastValue);
    decodeArray(s.lastTs, this.lastTs);
    decodeArray(s.expired, this.expired);
    this.due = decodeFloat(s.due);
  }

  *canonicalLines(): Generator<string> {
    for (const no of this.dated)
      yield `expiry ${no} ${this.weighted[no]} ${this.counted[no]} ${this.lastValue[no]} ${this.lastTs[no]} ${this.expired[no]} ${this.due}`;
  }
}

// Partial liquidation in the engine's sequence. For each account the margin watch marks liquidating (and not
// frozen on a bad price), in account order and at most MAX_LIQUIDATION_ORDERS per command (the rest continue at
// the next command, so a crash cannot stall the engine): its resting orders are cancelled; then, largest
// maintenance first, just enough of a position is closed to restore MM × (1 + buffer), through the book with an
// IOC order limited at the bankruptcy price (never worse for the account than bankruptcy); the liquidation fee
// (never making equity negative) goes to the insurance fund. Each `liquidation` event names the `margin` decision
// it carries out. What the book cannot take at the bankruptcy price waits for the next command (the insurance
// fund's takeover and ADL are the next increment).
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal } from "../kernel/decimal.js";
import { WAD, wadDiv, wadMul, wadOf, wadToRaw } from "../kernel/wad.js";
import { INSURANCE, type Ledger } from "../ledger/ledger.js";
import type { MarginWatch } from "../liquidation/margin-watch.js";
import { type AccountMargin, type PositionFigures, unitOf } from "../margin/account-margin.js";
import { BUY, SELL, type Side } from "../orderbook/order-books.js";
import type { EventSink } from "./events.js";
import type { Trading } from "./trading.js";

/** Liquidation orders per command at most: the rest continue at the next command. */
export const MAX_LIQUIDATION_ORDERS = 16;

export interface LiquidatorHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly margin: AccountMargin;
  readonly watch: MarginWatch;
  readonly trading: Trading;
  nextSeq(): number;
}

export class Liquidator {
  private readonly host: LiquidatorHost;
  private readonly feeRate: bigint;
  private readonly buffer: bigint;
  private readonly quote: number;
  private readonly quoteDecimals: number;
  private readonly tickWad: readonly bigint[];

  constructor(host: LiquidatorHost) {
    this.host = host;
    this.feeRate = wadOf(host.config.liquidation.feeRate);
    this.buffer = wadOf(host.config.liquidation.bufferRatio);
    this.quote = host.ledger.asset(host.config.quoteAsset);
    this.quoteDecimals = (host.config.assets[this.quote] as AssetConfig).decimals;
    this.tickWad = host.config.instruments.map((i) => wadOf(i.tickSize));
  }

  /** Liquidates what the watch marks liquidatable; true when anything traded (the accounts are decided again). */
  run(now: number, cause: number, out: EventSink): boolean {
    if (!this.host.watch.anyFlagged) return false; // the common case, one comparison per command
    let budget = MAX_LIQUIDATION_ORDERS;
    let traded = false;
    for (const account of this.host.watch.liquidatable()) {
      if (budget === 0) break;
      this.host.trading.cancelAccountOrders(account, now, cause, out);
      const f = this.host.margin.check(account, now);
      if (f.crossEquity >= wadMul(f.crossMaintenance, WAD + this.buffer, "ceil")) continue;
      // Largest risk first: the cross position with the largest maintenance margin (linear instruments).
      let worst: PositionFigures | null = null;
      for (const p of f.positions) {
        const instrument = this.host.config.instruments[p.instrument] as InstrumentConfig;
        if (p.isolated || instrument.inverse || p.mark.price === null) continue;
        if (worst === null || p.maintenanceQuote > worst.maintenanceQuote) worst = p;
      }
      if (worst === null) continue;
      budget--;
      if (this.closePart(account, worst, f.crossEquity, f.crossMaintenance, now, cause, out)) traded = true;
      this.host.watch.touch(account);
    }
    return traded;
  }

  private closePart(
    account: number,
    p: PositionFigures,
    equity: bigint,
    maintenance: bigint,
    now: number,
    cause: number,
    out: EventSink,
  ): boolean {
    const no = p.instrument;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    const absLots = Math.abs(p.lots);
    // Share f to close: E − fee·f·N ≥ (1 + b)(MM − f·MMp) ⇒ f ≥ ((1 + b)·MM − E) / ((1 + b)·MMp − fee·N)
    const onePlusB = WAD + this.buffer;
    const numerator = wadMul(onePlusB, maintenance, "ceil") - equity;
    const denominator =
      wadMul(onePlusB, p.maintenanceQuote, "floor") - wadMul(this.feeRate, p.notional, "ceil");
    let lots = absLots;
    if (denominator > 0n && numerator < denominator) {
      const share = wadDiv(numerator, denominator, "ceil");
      lots = Math.min(absLots, Math.max(1, Number((share * BigInt(absLots) + WAD - 1n) / WAD)));
    }
    // Bankruptcy price: the mark at which the account's equity is 0, this position moving alone: m − E / X.
    const exposure = BigInt(p.lots) * unitOf(instrument);
    const bankruptcy = (p.mark.price as bigint) - wadDiv(equity, exposure, p.lots > 0 ? "floor" : "ceil");
    const tick = this.tickWad[no] as bigint;
    const side: Side = p.lots > 0 ? SELL : BUY;
    // A sell may not go below it (ticks rounded up), a buy not above it (rounded down).
    let limit = side === SELL ? (bankruptcy + tick - 1n) / tick : bankruptcy / tick;
    if (limit < 1n) limit = 1n;
    const decision = this.host.watch.decisionOf(account);
    const fills = this.host.trading.liquidationOrder(
      account,
      no,
      side,
      lots,
      Number(limit),
      `liq:${decision}`,
      now,
      cause,
      out,
    );
    for (const [q, price] of fills) {
      const fee = this.chargeFee(account, instrument, q, price, now, cause, out);
      this.liquidationEvent(account, instrument, q, price, fee, decision, now, cause, out);
    }
    return fills.length > 0;
  }

  /** Liquidation fee = feeRate × notional closed, to the insurance fund, never making the account's equity negative. */
  private chargeFee(
    account: number,
    instrument: InstrumentConfig,
    lots: number,
    price: bigint,
    now: number,
    cause: number,
    out: EventSink,
  ): bigint {
    const { ledger, margin } = this.host;
    const notional = wadMul(BigInt(lots) * unitOf(instrument), price, "ceil");
    let fee = wadToRaw(wadMul(notional, this.feeRate, "ceil"), this.quoteDecimals, "ceil");
    const equity = wadToRaw(margin.check(account, now).crossEquity, this.quoteDecimals, "floor");
    if (fee > equity) fee = equity > 0n ? equity : 0n;
    if (fee === 0n) return 0n;
    ledger.move(account, INSURANCE, this.quote, fee);
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "insurance",
      cause,
      delta: formatDecimal(fee, this.quoteDecimals),
      balance: formatDecimal(ledger.balance(INSURANCE, this.quote), this.quoteDecimals),
      asset: this.host.config.quoteAsset,
      reason: "liquidation_fee",
    });
    return fee;
  }

  private liquidationEvent(
    account: number,
    instrument: InstrumentConfig,
    lots: number,
    price: bigint,
    fee: bigint,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): void {
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "liquidation",
      cause,
      account: this.host.ledger.accountId(account),
      symbol: instrument.symbol,
      qty: formatDecimal(BigInt(lots) * instrument.lotSize.raw, instrument.qtyScale),
      price: formatDecimal(wadToRaw(price, instrument.priceScale, "half-even"), instrument.priceScale),
      fee: formatDecimal(fee, this.quoteDecimals),
      via: "book",
      decision,
    });
  }
}

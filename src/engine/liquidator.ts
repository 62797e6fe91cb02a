// The liquidation waterfall, in the engine's sequence. For each account the margin watch marks liquidating (and
// not frozen on a bad price), riskiest first, at most `liquidation.maxOrdersPerCommand` steps per command (the
// rest continue at the next command, so a crash cannot stall the engine):
//   1. its resting orders are cancelled;
//   2. book: largest maintenance first, just enough of a position to restore MM × (1 + buffer) is offered IOC,
//      limited at the bankruptcy price (never worse for the account); the fee (never making equity negative)
//      goes to the insurance fund;
//   3. insurance: what the book cannot take at the bankruptcy price, the fund takes over — the whole position, at
//      the bankruptcy price — when it can carry it (its equity covers its initial margin after the takeover);
//      it unwinds such positions through the book later, no worse than the mark less `insuranceFund.unwindBand`;
//   4. ADL: otherwise opposite positions are closed at the bankruptcy price, first in the ADL queue first;
//   5. a deficit left on an account with nothing open is paid by the fund, and what the fund cannot pay is
//      shared pro rata over the other accounts' balances (socialised loss).
// Every event of a step names the `margin` decision (its seq) that it carries out.
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal } from "../kernel/decimal.js";
import { WAD, wadDiv, wadMul, wadOf, wadOfPrice, wadToRaw } from "../kernel/wad.js";
import { INSURANCE, type Ledger } from "../ledger/ledger.js";
import type { MarginWatch } from "../liquidation/margin-watch.js";
import {
  type AccountFigures,
  type AccountMargin,
  type PositionFigures,
  unitOf,
} from "../margin/account-margin.js";
import {
  crossLiquidationPriceInverse,
  crossLiquidationPriceLinear,
  isolatedLiquidationPrice,
  type LiquidationModel,
} from "../margin/liquidation-price.js";
import type { Positions } from "../margin/positions.js";
import { BUY, SELL, type Side } from "../orderbook/order-books.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { type AdlQueue, AdlRanking } from "./adl-ranking.js";
import { BALANCE_REASONS, type BalanceEventFn, type EventSink } from "./events.js";
import type { Trading } from "./trading.js";

const LIQUIDATION_FEE = BALANCE_REASONS.indexOf("liquidation_fee");
const BANKRUPTCY_COVER = BALANCE_REASONS.indexOf("bankruptcy_cover");
const SOCIALIZED_LOSS = BALANCE_REASONS.indexOf("socialized_loss");
/** No maintenance at all: the liquidation-price solvers then give the bankruptcy price (equity = 0). */
const NO_MAINTENANCE: LiquidationModel = { kind: "scaling", initial: 0n, maintenance: 0n, perUnit: 0n };

export interface LiquidatorHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly margin: AccountMargin;
  readonly prices: MarketPrices;
  readonly watch: MarginWatch;
  readonly trading: Trading;
  readonly balanceEvent: BalanceEventFn;
  isExpired(instrument: number): boolean;
  nextSeq(): number;
}

export class Liquidator {
  private readonly host: LiquidatorHost;
  readonly ranking: AdlRanking;
  private readonly feeRate: bigint;
  private readonly buffer: bigint;
  private readonly unwindBand: bigint;
  private readonly maxSteps: number;
  private readonly quote: number;
  private readonly quoteDecimals: number;
  private readonly fundAsset: number;
  /** One unit of the quote asset at its decimals, as a wad. */
  private readonly quoteUnit: bigint;
  private readonly bandWad: readonly bigint[];
  private readonly tickWad: readonly bigint[];
  private readonly priceDecimals: readonly number[];
  /** ADL queues ranked in this command, by instrument and side (positions are read live: sizes change as it goes). */
  private readonly queues = new Map<number, AdlQueue>();

  constructor(host: LiquidatorHost) {
    this.host = host;
    const { config, ledger } = host;
    this.feeRate = wadOf(config.liquidation.feeRate);
    this.buffer = wadOf(config.liquidation.bufferRatio);
    this.unwindBand = wadOf(config.insuranceFund.unwindBand);
    this.maxSteps = config.liquidation.maxOrdersPerCommand;
    this.quote = ledger.asset(config.quoteAsset);
    this.quoteDecimals = (config.assets[this.quote] as AssetConfig).decimals;
    this.fundAsset = ledger.asset(config.insuranceFund.asset);
    this.quoteUnit = 10n ** BigInt(18 - this.quoteDecimals);
    this.tickWad = config.instruments.map((i) => wadOf(i.tickSize));
    this.bandWad = config.instruments.map((i) => wadOf(i.priceBand));
    this.priceDecimals = config.instruments.map(
      (i) => config.indices.find((x) => x.id === i.index)?.priceDecimals ?? 8,
    );
    this.ranking = new AdlRanking({
      config,
      positions: host.positions,
      margin: host.margin,
      screenEquity: (account, now) => host.trading.screenEquity(account, now),
    });
  }

  /** Whether `run` has anything to do: an account flagged, or positions held by the fund. */
  get due(): boolean {
    return this.host.watch.anyFlagged || this.fundHolds();
  }

  /** Runs the waterfall for what the watch marks liquidatable; true when anything changed (decide again). */
  run(now: number, cause: number, out: EventSink): boolean {
    if (!this.due) return false; // the common case
    let budget = this.maxSteps;
    let acted = false;
    this.queues.clear(); // a queue is ranked once per command: the prices it was ranked at hold for the command
    if (this.host.watch.anyFlagged)
      for (const account of this.host.watch.liquidatable()) {
        if (budget <= 0) break;
        const steps = this.liquidate(account, budget, now, cause, out);
        if (steps > 0) acted = true;
        budget -= steps;
        this.host.watch.touch(account);
      }
    if (budget > 0 && this.fundHolds()) {
      if (this.unwind(budget, now, cause, out)) acted = true;
      if (this.fundHolds() && this.deleverageFund(now, cause, out)) acted = true;
    }
    return acted;
  }

  /**
   * The fund is held to its own maintenance margin: when the positions it took over have lost so much that its
   * equity no longer covers their maintenance, they are closed against the ADL queue at the mark, so that the
   * fund never owes more than it holds.
   */
  private deleverageFund(now: number, cause: number, out: EventSink): boolean {
    const f = this.host.margin.check(INSURANCE, now);
    if (f.crossEquity >= f.crossMaintenance) return false;
    const p = largestRisk(f);
    if (p === null || p.mark.status !== "ok") return false;
    const instrument = this.host.config.instruments[p.instrument] as InstrumentConfig;
    const tick = this.tickWad[p.instrument] as bigint;
    const m = p.mark.price as bigint;
    // At the mark, unless realising the loss there would leave the fund's cash below zero: then at the price
    // where its cash is exactly spent (its bankruptcy on cash alone), which the opposite side bears.
    const spent = instrument.inverse
      ? null
      : crossLiquidationPriceLinear({
          otherEquity: f.collateralValue,
          otherMaintenance: 0n,
          exposure: BigInt(p.lots) * unitOf(instrument),
          entryValue: this.host.positions.entryValue(p.slot),
          model: NO_MAINTENANCE,
        });
    let target = m;
    if (spent !== null && (p.lots > 0 ? spent > m : spent < m)) target = spent;
    // On the tick grid, rounded in the fund's favour: a sell up, a buy down.
    const price = p.lots > 0 ? ((target + tick - 1n) / tick) * tick : (target / tick) * tick;
    return this.deleverage(INSURANCE, p, price, 1, 0, now, cause, out) > 0;
  }

  /** One account's turn: returns the steps taken (orders, takeovers, deleveragings, covers). */
  private liquidate(account: number, budget: number, now: number, cause: number, out: EventSink): number {
    const { margin, trading, watch } = this.host;
    const decision = watch.decisionOf(account);
    trading.cancelAccountOrders(account, now, cause, out);
    const f = margin.check(account, now);
    const breached = isolatedBreach(f);
    if (breached !== null)
      return this.liquidateIsolated(account, breached, budget, decision, now, cause, out);
    const worst = largestRisk(f);
    if (worst === null) return this.cover(account, f, decision, now, cause, out) ? 1 : 0;
    if (f.crossEquity >= wadMul(f.crossMaintenance, WAD + this.buffer, "ceil")) return 0;
    let steps = 1;
    const no = worst.instrument;
    const absLots = Math.abs(worst.lots);
    const lots = f.crossEquity <= 0n ? absLots : this.lotsToRestore(worst, f, absLots);
    const side: Side = worst.lots > 0 ? SELL : BUY;
    const fills = trading.liquidationOrder(
      account,
      no,
      side,
      lots,
      this.bookLimit(worst, f),
      `liq:${decision}`,
      now,
      cause,
      out,
    );
    let filled = 0;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    for (const [q, price] of fills) {
      filled += q;
      const fee = this.chargeFee(account, instrument, q, price, decision, now, cause, out);
      this.liquidationEvent(account, instrument, q, price, fee, "book", decision, now, cause, out);
    }
    if (filled < lots) {
      // The book cannot take it at the bankruptcy price: the fund takes the whole position over, or ADL.
      const after = margin.check(account, now);
      const p = after.positions.find((x) => x.instrument === no && !x.isolated);
      if (p !== undefined && p.mark.price !== null) {
        const price = this.priceWad(no, this.bankruptcyTicks(p, after));
        steps += this.beyondTheBook(account, p, price, budget - steps, decision, now, cause, out);
      }
    }
    const end = margin.check(account, now);
    if (largestRisk(end) === null && steps < budget && this.cover(account, end, decision, now, cause, out))
      steps++;
    return steps;
  }

  /**
   * An isolated position below its maintenance is closed whole, on its own margin: through the book no worse than
   * its bankruptcy price (where its margin plus PnL is 0), the fee capped at what its margin has left, then the
   * fund or ADL at that price for what the book could not take. The cross figures are not involved.
   */
  private liquidateIsolated(
    account: number,
    p: PositionFigures,
    budget: number,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): number {
    const { trading } = this.host;
    const no = p.instrument;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    const lots = Math.abs(p.lots);
    const ticks = this.isolatedBankruptcyTicks(p);
    const fills = trading.liquidationOrder(
      account,
      no,
      p.lots > 0 ? SELL : BUY,
      lots,
      ticks,
      `liq:${decision}`,
      now,
      cause,
      out,
    );
    let filled = 0;
    let left = p.isolatedMarginQuote + p.unrealizedPnlQuote; // what the position's margin has left for fees
    for (const [q, price] of fills) {
      filled += q;
      const fee = this.chargeFee(account, instrument, q, price, decision, now, cause, out, left);
      left -= fee * this.quoteUnit;
      this.liquidationEvent(account, instrument, q, price, fee, "book", decision, now, cause, out);
    }
    let steps = 1;
    if (filled < lots) {
      const rest = this.host.margin.check(account, now).positions.find((x) => x.instrument === no);
      if (rest !== undefined && rest.lots !== 0) {
        steps += this.beyondTheBook(
          account,
          rest,
          this.priceWad(no, ticks),
          budget - steps,
          decision,
          now,
          cause,
          out,
        );
      }
    }
    return steps;
  }

  /** What the book could not take at the bankruptcy price `price`: the fund takes it over, or ADL. Returns steps. */
  private beyondTheBook(
    account: number,
    p: PositionFigures,
    price: bigint,
    budget: number,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): number {
    if (!this.fundCanTake(p, price, now))
      return this.deleverage(account, p, price, budget, decision, now, cause, out);
    this.takeover(account, p, price, decision, now, cause, out);
    return 1;
  }

  /** Where an isolated position's margin plus PnL is 0 (the isolated liquidation price at zero maintenance), in
   * ticks rounded in the account's favour. */
  private isolatedBankruptcyTicks(p: PositionFigures): number {
    const instrument = this.host.config.instruments[p.instrument] as InstrumentConfig;
    const price = isolatedLiquidationPrice({
      isolatedMargin: p.isolatedMargin,
      exposure: BigInt(p.lots) * unitOf(instrument),
      entryValue: this.host.positions.entryValue(p.slot),
      rate: 0n,
      amount: 0n,
      basis: "mark",
      inverse: instrument.inverse,
    });
    if (price === null) return 1;
    const tick = this.tickWad[p.instrument] as bigint;
    const ticks = p.lots > 0 ? (price + tick - 1n) / tick : price / tick;
    return ticks < 1n ? 1 : Number(ticks);
  }

  /** The fund holds positions it took over (to unwind, and to hold to its maintenance). */
  private fundHolds(): boolean {
    return this.host.positions.hasOpenPosition(INSURANCE);
  }

  /** Lots to close so that equity − fee ≥ (1 + b)·MM after: f ≥ ((1 + b)·MM − E) / ((1 + b)·MMp − fee·N). */
  private lotsToRestore(p: PositionFigures, f: AccountFigures, absLots: number): number {
    const onePlusB = WAD + this.buffer;
    const numerator = wadMul(onePlusB, f.crossMaintenance, "ceil") - f.crossEquity;
    const denominator =
      wadMul(onePlusB, p.maintenanceQuote, "floor") - wadMul(this.feeRate, p.notional, "ceil");
    if (denominator <= 0n || numerator >= denominator) return absLots;
    const share = wadDiv(numerator, denominator, "ceil");
    return Math.min(absLots, Math.max(1, Number((share * BigInt(absLots) + WAD - 1n) / WAD)));
  }

  /**
   * The bankruptcy price of a position in ticks — the mark at which the account's equity is 0, this mark moving
   * alone — rounded in the account's favour (a sell up, a buy down), so that closing there never leaves it below
   * zero on account of the rounding. A long that cannot go bankrupt at any price gets the lowest tick.
   */
  private bankruptcyTicks(p: PositionFigures, f: AccountFigures): number {
    const instrument = this.host.config.instruments[p.instrument] as InstrumentConfig;
    const exposure = BigInt(p.lots) * unitOf(instrument);
    const entryValue = this.host.positions.entryValue(p.slot);
    const otherEquity = f.crossEquity - p.unrealizedPnlQuote;
    const m = p.mark.price as bigint;
    const price = instrument.inverse
      ? crossLiquidationPriceInverse({
          otherEquityBase: wadDiv(otherEquity, m, "floor"),
          otherMaintenanceBase: 0n,
          exposure,
          entryValue,
          model: NO_MAINTENANCE,
        })
      : crossLiquidationPriceLinear({
          otherEquity,
          otherMaintenance: 0n,
          exposure,
          entryValue,
          model: NO_MAINTENANCE,
        });
    if (price === null) return 1;
    const tick = this.tickWad[p.instrument] as bigint;
    const ticks = p.lots > 0 ? (price + tick - 1n) / tick : price / tick;
    return ticks < 1n ? 1 : Number(ticks);
  }

  /**
   * The limit of a liquidation's book order: the bankruptcy price; for an option no further than its price band
   * from the mark (`priceBand` × the forward), since a short option's bankruptcy price can be far above its value
   * and a thin book would be paid that (what a normal order could not pay). The rest goes to the fund or ADL.
   */
  private bookLimit(p: PositionFigures, f: AccountFigures): number {
    const ticks = this.bankruptcyTicks(p, f);
    if (p.underlying === null || p.mark.price === null) return ticks;
    const width = wadMul(p.underlying, this.bandWad[p.instrument] as bigint, "floor");
    const tick = this.tickWad[p.instrument] as bigint;
    if (p.lots < 0) {
      const edge = Number((p.mark.price + width) / tick); // a buy: down to the grid
      return Math.max(1, Math.min(ticks, edge));
    }
    const low = p.mark.price - width;
    const edge = low <= 0n ? 1 : Number((low + tick - 1n) / tick); // a sell: up to the grid
    return Math.max(ticks, edge);
  }

  private priceWad(no: number, ticks: number): bigint {
    return BigInt(ticks) * (this.tickWad[no] as bigint);
  }

  /**
   * The fund can take the position over at `price` when, after it, its equity (the position at the mark) still
   * covers its initial margin at the instrument's own rates. A fund that could not would itself be liquidatable.
   */
  private fundCanTake(p: PositionFigures, price: bigint, now: number): boolean {
    const { config, positions, margin } = this.host;
    if (!positions.canOpen(INSURANCE, p.instrument)) return false;
    const instrument = config.instruments[p.instrument] as InstrumentConfig;
    // Its PnL would settle in another asset than the fund holds: a loss there would be a debt of the fund.
    if (instrument.settlementAsset !== config.insuranceFund.asset) return false;
    const fund = margin.check(INSURANCE, now);
    const m = p.mark.price as bigint;
    const exposure = BigInt(p.lots) * unitOf(instrument);
    // What the position is worth to the fund at the mark, having paid `price`: X·(m − price), or for an inverse
    // position (X/price − X/m) in base, converted at the mark.
    const gain = instrument.inverse
      ? wadMul(wadDiv(exposure, price, "floor") - wadDiv(exposure, m, "ceil"), m, "floor")
      : wadMul(exposure, m - price, "floor");
    const slot = positions.slot(INSURANCE, p.instrument);
    const held = slot < 0 ? 0 : positions.lots(slot);
    const heldInitial = fund.positions.find((x) => x.instrument === p.instrument)?.initialQuote ?? 0n;
    const initial =
      fund.crossInitial - heldInitial + margin.initialMarginAt(p.instrument, held + p.lots, m, p.underlying);
    return fund.crossEquity + gain >= initial;
  }

  private takeover(
    account: number,
    p: PositionFigures,
    price: bigint,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): void {
    const { config, ledger, trading } = this.host;
    const instrument = config.instruments[p.instrument] as InstrumentConfig;
    const lots = Math.abs(p.lots);
    const before = ledger.balance(INSURANCE, this.fundAsset);
    if (p.lots > 0) trading.transferPosition(INSURANCE, account, p.instrument, lots, price, now, cause, out);
    else trading.transferPosition(account, INSURANCE, p.instrument, lots, price, now, cause, out);
    this.liquidationEvent(account, instrument, lots, price, 0n, "insurance", decision, now, cause, out);
    this.insuranceEvent(
      ledger.balance(INSURANCE, this.fundAsset) - before,
      "takeover",
      account,
      instrument,
      lots,
      price,
      decision,
      now,
      cause,
      out,
    );
  }

  /**
   * ADL: the opposite side's positions, first in the queue first, each closed against the bankrupt position at
   * its bankruptcy price until it is gone or the step budget is spent (the rest continues at the next command).
   */
  private deleverage(
    account: number,
    p: PositionFigures,
    price: bigint,
    budget: number,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): number {
    if (budget <= 0) return 0;
    const { config, ledger, positions, trading } = this.host;
    const instrument = config.instruments[p.instrument] as InstrumentConfig;
    const mark = Number(p.mark.price as bigint) / 1e18;
    const side = -Math.sign(p.lots);
    const key = p.instrument * 2 + (side > 0 ? 1 : 0);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = this.ranking.queue(p.instrument, side, mark, now);
      this.queues.set(key, queue);
    }
    let remaining = Math.abs(p.lots);
    let steps = 0;
    const n = queue.slots.length;
    for (let k = 0; k < n && remaining > 0 && steps < budget; k++) {
      const slot = queue.slots[k] as number;
      const other = positions.account(slot);
      // Read live: a position already closed by an earlier step of this command is passed over.
      if (Math.sign(positions.lots(slot)) !== side) continue;
      const lots = Math.min(remaining, Math.abs(positions.lots(slot)));
      if (p.lots > 0) trading.transferPosition(other, account, p.instrument, lots, price, now, cause, out);
      else trading.transferPosition(account, other, p.instrument, lots, price, now, cause, out);
      remaining -= lots;
      steps++;
      out.push({
        seq: this.host.nextSeq(),
        ts: now,
        type: "adl",
        cause,
        account: ledger.accountId(other),
        counterparty: ledger.accountId(account),
        symbol: instrument.symbol,
        qty: formatDecimal(BigInt(lots) * instrument.lotSize.raw, instrument.qtyScale),
        price: this.priceText(instrument, price),
        rank: (n - k) / n,
        score: queue.scores[k] as number,
        decision,
      });
      this.liquidationEvent(account, instrument, lots, price, 0n, "adl", decision, now, cause, out);
    }
    return steps;
  }

  /**
   * A deficit on an account with nothing open (a debt in the quote asset and no other collateral) is paid by the
   * fund as far as it can, then shared pro rata over the other accounts' quote balances. A debt backed by other
   * collateral stays: that collateral is the account's to sell. True when anything moved.
   */
  private cover(
    account: number,
    f: AccountFigures,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): boolean {
    const { ledger } = this.host;
    const quote = this.quote;
    const balance = ledger.balance(account, quote);
    if (balance >= 0n || f.positions.length > 0) return false;
    for (let asset = 0; asset < ledger.assets.length; asset++)
      if (asset !== quote && ledger.balance(account, asset) > 0n) return false;
    let deficit = -balance;
    if (this.fundAsset === quote) {
      const fund = ledger.balance(INSURANCE, quote);
      const paid = fund < deficit ? (fund > 0n ? fund : 0n) : deficit;
      if (paid > 0n) {
        ledger.move(INSURANCE, account, quote, paid);
        this.host.balanceEvent(now, cause, account, quote, paid, BANKRUPTCY_COVER, INSURANCE, out);
        this.insuranceEvent(-paid, "bankruptcy_cover", account, null, 0, 0n, decision, now, cause, out);
        deficit -= paid;
      }
    }
    if (deficit > 0n) this.socialize(account, deficit, decision, now, cause, out);
    return true;
  }

  /** Shares `deficit` over every other account's positive quote balance, pro rata, exactly (largest remainders). */
  private socialize(
    account: number,
    deficit: bigint,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
  ): void {
    const { ledger, watch } = this.host;
    const quote = this.quote;
    const payers: number[] = [];
    let total = 0n;
    for (let a = 0; a < ledger.accountCount; a++) {
      if (a === account || ledger.isSystem(a)) continue;
      const b = ledger.balance(a, quote);
      if (b > 0n) {
        payers.push(a);
        total += b;
      }
    }
    const charge = deficit < total ? deficit : total;
    const shares = payers.map((a) => (charge * ledger.balance(a, quote)) / total);
    // The units rounding left go one each to the largest remainders (ties: account order); an account with a
    // remainder has a share below its balance, so no share passes its balance.
    let residue = charge - shares.reduce((x, y) => x + y, 0n);
    if (residue > 0n) {
      const remainder = payers.map((a) => (charge * ledger.balance(a, quote)) % total);
      const order = payers.map((_, i) => i);
      order.sort((i, j) => {
        const d = (remainder[j] as bigint) - (remainder[i] as bigint);
        return d > 0n ? 1 : d < 0n ? -1 : i - j;
      });
      for (let k = 0; k < order.length && residue > 0n; k++, residue--) {
        const i = order[k] as number;
        shares[i] = (shares[i] as bigint) + 1n;
      }
    }
    let charged = 0;
    for (let i = 0; i < payers.length; i++) {
      const share = shares[i] as bigint;
      if (share === 0n) continue;
      const payer = payers[i] as number;
      ledger.move(payer, account, quote, share);
      this.host.balanceEvent(now, cause, payer, quote, -share, SOCIALIZED_LOSS, account, out);
      watch.touch(payer);
      charged++;
    }
    if (charge > 0n) this.host.balanceEvent(now, cause, account, quote, charge, SOCIALIZED_LOSS, -1, out);
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "socialized_loss",
      cause,
      account: ledger.accountId(account),
      asset: this.host.config.quoteAsset,
      amount: formatDecimal(charge, this.quoteDecimals),
      accounts: charged,
      uncovered: formatDecimal(deficit - charge, this.quoteDecimals),
      decision,
    });
  }

  /**
   * The fund's positions go back to the market through the book, IOC, no worse than the mark less (sells) or
   * plus (buys) the unwind band, while their prices are good and their instruments trade normally.
   */
  private unwind(budget: number, now: number, cause: number, out: EventSink): boolean {
    const { config, ledger, positions, prices, trading } = this.host;
    let acted = false;
    for (let slot = positions.first(INSURANCE); slot >= 0 && budget > 0; slot = positions.next(slot)) {
      const lots = positions.lots(slot);
      if (lots === 0) continue;
      const no = positions.instrument(slot);
      const instrument = config.instruments[no] as InstrumentConfig;
      if (this.host.isExpired(no) || prices.tradingMode(instrument.symbol) !== "normal") continue;
      const mark = prices.markPrice(instrument.symbol, now);
      if (mark === null || mark.status !== "ok" || !(mark.value > 0)) continue;
      const side: Side = lots > 0 ? SELL : BUY;
      const m = wadOfPrice(mark.value, this.priceDecimals[no] as number);
      const tick = this.tickWad[no] as bigint;
      const limit =
        side === SELL
          ? (wadMul(m, WAD - this.unwindBand, "ceil") + tick - 1n) / tick
          : wadMul(m, WAD + this.unwindBand, "floor") / tick;
      if (limit < 1n) continue;
      const before = ledger.balance(INSURANCE, this.fundAsset);
      const fills = trading.liquidationOrder(
        INSURANCE,
        no,
        side,
        Math.abs(lots),
        Number(limit),
        "fund:unwind",
        now,
        cause,
        out,
      );
      if (fills.length === 0) continue;
      budget--;
      acted = true;
      let filled = 0;
      for (const [q] of fills) filled += q;
      const last = fills[fills.length - 1] as [number, bigint];
      this.insuranceEvent(
        ledger.balance(INSURANCE, this.fundAsset) - before,
        "unwind",
        -1,
        instrument,
        filled,
        last[1],
        null,
        now,
        cause,
        out,
      );
    }
    return acted;
  }

  /** Liquidation fee = feeRate × notional closed, to the insurance fund, never making the account's equity negative. */
  private chargeFee(
    account: number,
    instrument: InstrumentConfig,
    lots: number,
    price: bigint,
    decision: number,
    now: number,
    cause: number,
    out: EventSink,
    cap: bigint | null = null,
  ): bigint {
    const { ledger, margin } = this.host;
    const notional = wadMul(BigInt(lots) * unitOf(instrument), price, "ceil");
    let fee = wadToRaw(wadMul(notional, this.feeRate, "ceil"), this.quoteDecimals, "ceil");
    // Capped at the equity the position stands on: the cross equity, or an isolated position's own margin left.
    const equity = wadToRaw(cap ?? margin.check(account, now).crossEquity, this.quoteDecimals, "floor");
    if (fee > equity) fee = equity > 0n ? equity : 0n;
    if (fee === 0n) return 0n;
    ledger.move(account, INSURANCE, this.quote, fee);
    this.host.balanceEvent(now, cause, account, this.quote, -fee, LIQUIDATION_FEE, INSURANCE, out);
    this.insuranceEvent(fee, "liquidation_fee", account, null, 0, 0n, decision, now, cause, out);
    return fee;
  }

  private insuranceEvent(
    delta: bigint,
    reason: "liquidation_fee" | "takeover" | "bankruptcy_cover" | "unwind",
    account: number,
    instrument: InstrumentConfig | null,
    lots: number,
    price: bigint,
    decision: number | null,
    now: number,
    cause: number,
    out: EventSink,
  ): void {
    const { config, ledger } = this.host;
    const decimals = (config.assets[this.fundAsset] as AssetConfig).decimals;
    out.push({
      seq: this.host.nextSeq(),
      ts: now,
      type: "insurance",
      cause,
      delta: formatDecimal(delta, decimals),
      balance: formatDecimal(ledger.balance(INSURANCE, this.fundAsset), decimals),
      asset: config.insuranceFund.asset,
      reason,
      account: account < 0 ? null : ledger.accountId(account),
      symbol: instrument === null ? null : instrument.symbol,
      qty:
        instrument === null || lots === 0
          ? null
          : formatDecimal(BigInt(lots) * instrument.lotSize.raw, instrument.qtyScale),
      price: instrument === null || lots === 0 ? null : this.priceText(instrument, price),
      decision,
    });
  }

  private priceText(instrument: InstrumentConfig, price: bigint): string {
    return formatDecimal(wadToRaw(price, instrument.priceScale, "half-even"), instrument.priceScale);
  }

  private liquidationEvent(
    account: number,
    instrument: InstrumentConfig,
    lots: number,
    price: bigint,
    fee: bigint,
    via: "book" | "insurance" | "adl",
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
      price: this.priceText(instrument, price),
      fee: formatDecimal(fee, this.quoteDecimals),
      via,
      decision,
    });
  }
}

/** The isolated position whose own margin plus PnL is furthest below its maintenance, or null. */
function isolatedBreach(f: AccountFigures): PositionFigures | null {
  let worst: PositionFigures | null = null;
  let worstGap = 0n;
  for (const p of f.positions) {
    if (!p.isolated || p.mark.price === null) continue;
    const gap = p.maintenanceQuote - (p.isolatedMarginQuote + p.unrealizedPnlQuote);
    if (gap > 0n && (worst === null || gap > worstGap)) {
      worst = p;
      worstGap = gap;
    }
  }
  return worst;
}

/** The cross position with the largest maintenance margin, with a mark: the one to reduce first. */
function largestRisk(f: AccountFigures): PositionFigures | null {
  let worst: PositionFigures | null = null;
  for (const p of f.positions) {
    if (p.isolated || p.mark.price === null) continue;
    if (worst === null || p.maintenanceQuote > worst.maintenanceQuote) worst = p;
  }
  return worst;
}

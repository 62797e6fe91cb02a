// Trading in the engine's one sequence: orders are validated, margin-checked and matched in the same step, so the
// book and the margin state can never disagree; fills from an external matcher (`fill`) update the same
// positions. Every fill moves both positions, realised PnL (against sys:clearing) and fees (to sys:fees) at once.
import type { AssetConfig, InstrumentConfig, MarginTier, MarketConfig } from "../config/types.js";
import { fixedToNumber, formatDecimal, formatFixed, parseFixed } from "../kernel/decimal.js";
import { type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { WAD, wadAbs, wadDiv, wadMul, wadOf, wadOfPrice, wadToRaw } from "../kernel/wad.js";
import { CLEARING, FEES, type Ledger } from "../ledger/ledger.js";
import { type AccountMargin, unitOf } from "../margin/account-margin.js";
import { priceQualityFactorFloat } from "../margin/collateral-weight.js";
import { exceedsTiers, maxLeverage } from "../margin/margin-tiers.js";
import { MAX_LOTS, MAX_POSITIONS_PER_ACCOUNT, type Positions } from "../margin/positions.js";
import { RiskScreen } from "../margin/risk-screen.js";
import { inverseEntryPrice, linearEntryPrice } from "../margin/unrealized-pnl.js";
import { BUY, type OrderBooks, SELL, type Side } from "../orderbook/order-books.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { checkOptionPriceBand, checkPriceBand } from "../prices/price-band.js";
import { BALANCE_REASONS, type BalanceEventFn, type EventSink } from "./events.js";
import { parseLots, parseTickPrice } from "./instrument-args.js";

type Fields = Record<string, unknown>;
const PNL = BALANCE_REASONS.indexOf("pnl");
const FEE = BALANCE_REASONS.indexOf("fee");
const TIFS = ["GTC", "IOC", "FOK", "POST_ONLY"] as const;
type Tif = (typeof TIFS)[number];
/** Order flags kept in the book. */
const REDUCE_ONLY = 1;

/** What trading needs from the engine that owns it. */
export interface TradingHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly books: OrderBooks;
  readonly margin: AccountMargin;
  readonly prices: MarketPrices;
  nextSeq(): number;
  readonly balanceEvent: BalanceEventFn;
  existingAccount(c: Fields, type: string, field: string): number | DomainError;
  instrument(c: Fields, type: string): number | DomainError;
  /** Moves the engine's clock: called once a command is known to be accepted. */
  accept(ts: number): void;
  /** A dated instrument that has expired and settled: it takes no more orders or fills. */
  isExpired(instrument: number): boolean;
  /** An account whose margin may have changed (a fill): its margin state is re-evaluated after the command. */
  touch(account: number): void;
  /** The account may only reduce risk: it is liquidating, or frozen on a price that cannot be trusted. */
  reduceOnlyAccount(account: number): boolean;
  /** Tests: decide every pre-trade check on the exact path (to compare with the float screen's decisions). */
  readonly exactChecks?: boolean;
}

/** A validated order, ready to apply. */
interface OrderArgs {
  account: number;
  id: string;
  no: number;
  instrument: InstrumentConfig;
  side: Side;
  lots: number;
  /** Limit in ticks; for a market order, the band's edge. */
  limit: number;
  market: boolean;
  tif: Tif;
  reduceOnly: boolean;
}

export class Trading {
  private readonly host: TradingHost;
  private readonly tickWad: readonly bigint[];
  private readonly unit: readonly bigint[];
  private readonly priceDecimals: ReadonlyMap<string, number>;
  private readonly tickFloat: Float64Array;
  /** The last margin bracket's notional per instrument, in float (infinite without brackets). */
  private readonly notionalCapFloat: Float64Array;
  /** Last trade price per instrument (NaN: none yet); mirrored in the mark's state, which the hash covers. */

  // Float screen of the pre-trade check, and its reused inputs (no allocation per order).
  private readonly screen: RiskScreen;
  private readonly screenMarks: Float64Array;
  private readonly collateralPrice: Float64Array;
  private readonly debtPrice: Float64Array;
  private readonly halfUlp: Float64Array;
  private readonly assetHalfUlp: Float64Array;
  private readonly unitFloat: Float64Array;
  private readonly takerRate: Float64Array;
  private readonly band: Float64Array;
  private readonly weight: Float64Array;
  private readonly profitWeight: number;
  private cacheRevision = -1;
  private cacheTs = -1;
  private readonly markStamp: Int8Array;
  private readonly assetStamp: Int8Array;
  private readonly degradedFactor: number;
  private readonly decay: readonly { ageMs: number; factor: number }[];

  constructor(host: TradingHost) {
    this.host = host;
    const { config } = host;
    this.screen = new RiskScreen(config, host.ledger, host.positions);
    this.screenMarks = new Float64Array(config.instruments.length);
    this.markStamp = new Int8Array(config.instruments.length);
    this.assetStamp = new Int8Array(config.assets.length);
    this.collateralPrice = new Float64Array(config.assets.length);
    this.debtPrice = new Float64Array(config.assets.length);
    this.halfUlp = new Float64Array(config.assets.length);
    this.assetHalfUlp = Float64Array.from(config.assets, (a) => {
      const decimals = config.indices.find((i) => i.id === a.index)?.priceDecimals ?? 8;
      return 0.5 * 10 ** -decimals;
    });
    this.unitFloat = Float64Array.from(
      config.instruments,
      (i) => fixedToNumber(i.lotSize) * fixedToNumber(i.contractSize),
    );
    this.takerRate = Float64Array.from(config.instruments, (i) => fixedToNumber(i.fees.taker));
    this.band = Float64Array.from(config.instruments, (i) => fixedToNumber(i.priceBand));
    this.weight = Float64Array.from(config.assets, (a) => fixedToNumber(a.collateralWeight));
    this.profitWeight = fixedToNumber(config.margin.unrealizedProfitWeight);
    this.degradedFactor = fixedToNumber(config.margin.degradedCollateralFactor);
    this.decay = config.margin.collateralAgeDecay.map((p) => ({
      ageMs: p.ageMs,
      factor: fixedToNumber(p.factor),
    }));
    this.tickFloat = Float64Array.from(config.instruments, (i) => fixedToNumber(i.tickSize));
    this.notionalCapFloat = Float64Array.from(config.instruments, (i) =>
      i.margin?.kind === "tiers"
        ? fixedToNumber((i.margin.tiers[i.margin.tiers.length - 1] as MarginTier).upToNotional)
        : Number.POSITIVE_INFINITY,
    );
    this.tickWad = host.config.instruments.map((i) => wadOf(i.tickSize));
    this.unit = host.config.instruments.map(unitOf);
    this.priceDecimals = new Map(host.config.indices.map((i) => [i.id, i.priceDecimals]));
  }

  // ---- order ----

  order(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const args = this.validateOrder(c, ts);
    if (!("account" in args)) return args;
    const { books, positions } = this.host;
    this.host.accept(ts);
    const { account, id, no, instrument, side, reduceOnly } = args;
    out.push({
      seq: this.host.nextSeq(),
      ts,
      type: "order.accepted",
      cause,
      account: this.host.ledger.accountId(account),
      id,
      symbol: instrument.symbol,
      side: side === BUY ? "buy" : "sell",
      qty: this.qtyText(instrument, args.lots),
      price: args.market ? null : this.priceText(no, args.limit),
      tif: args.tif,
      reduceOnly,
    });
    let remaining = args.lots;
    const opposite: Side = side === BUY ? SELL : BUY;
    const slot = positions.open(account, no);
    while (remaining > 0) {
      const resting = books.best(no, opposite);
      if (resting < 0) break;
      const price = books.price(resting);
      if (side === BUY ? price > args.limit : price < args.limit) break;
      if (books.account(resting) === account) {
        // Self-trade prevention: the resting order is cancelled, the incoming one goes on.
        this.cancelResting(resting, "self_trade", ts, cause, out);
        continue;
      }
      let lots = Math.min(remaining, books.lots(resting));
      if (reduceOnly) {
        const position = positions.lots(slot);
        const reducible = side === BUY ? Math.max(0, -position) : Math.max(0, position);
        if (reducible === 0) break;
        lots = Math.min(lots, reducible);
      }
      this.match(no, instrument, resting, account, id, side, lots, ts, cause, out);
      remaining -= lots;
    }
    if (remaining === 0) {
      this.publishBook(no);
      return null;
    }
    const rests = !args.market && (args.tif === "GTC" || args.tif === "POST_ONLY");
    const reducedAway = reduceOnly && this.reducible(slot, side) === 0;
    if (rests && !reducedAway) {
      books.add(account, id, no, side, args.limit, remaining, reduceOnly ? REDUCE_ONLY : 0);
      positions.changeOpen(
        slot,
        side,
        remaining,
        this.priceWad(no, args.limit),
        this.unit[no] as bigint,
        instrument.inverse,
        1,
      );
      this.publishBook(no);
      return null;
    }
    this.cancelledEvent(
      account,
      id,
      instrument,
      remaining,
      reducedAway ? "reduce_only" : args.market ? "market" : "ioc",
      ts,
      cause,
      out,
    );
    this.publishBook(no);
    return null;
  }

  cancel(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.host.existingAccount(c, "cancel", "account");
    if (typeof account !== "number") return account;
    const id = parseId(c["id"], "cancel.id");
    if (typeof id !== "string") return id;
    const order = this.host.books.find(account, id);
    if (order < 0)
      return domainError("unknown_order", `cancel.id: "${id}" is not a resting order of this account`);
    this.host.accept(ts);
    const no = this.host.books.book(order);
    this.cancelResting(order, "cancelled", ts, cause, out);
    this.publishBook(no);
    return null;
  }

  /** Hands the book's price (mid, else last trade) to the instrument's mark, whose basis samples it. */
  private publishBook(no: number): void {
    const books = this.host.books;
    const bid = books.bestPrice(no, BUY);
    const ask = books.bestPrice(no, SELL);
    const tick = this.tickFloat[no] as number;
    const mid = Number.isNaN(bid) || Number.isNaN(ask) ? Number.NaN : ((bid + ask) / 2) * tick;
    this.host.prices.observeBook((this.host.config.instruments[no] as InstrumentConfig).symbol, mid);
  }

  /** Cancels every resting order of an instrument (expiry), best first on each side. */
  cancelAll(no: number, reason: string, ts: number, cause: number, out: EventSink): void {
    for (const side of [BUY, SELL] as const)
      for (let order = this.host.books.best(no, side); order >= 0; order = this.host.books.best(no, side))
        this.cancelResting(order, reason, ts, cause, out);
    this.publishBook(no);
  }

  private cancelResting(order: number, reason: string, ts: number, cause: number, out: EventSink): void {
    const { books, positions } = this.host;
    const no = books.book(order);
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    const account = books.account(order);
    const lots = books.lots(order);
    const side = books.orderSideOf(order);
    const id = books.id(order);
    positions.changeOpen(
      positions.slot(account, no),
      side,
      lots,
      this.priceWad(no, books.price(order)),
      this.unit[no] as bigint,
      instrument.inverse,
      -1,
    );
    books.remove(order);
    this.cancelledEvent(account, id, instrument, lots, reason, ts, cause, out);
  }

  /** What was left of an order left the book (CONTRACT.md `order.cancelled`, with Plimsoll's reason). */
  private cancelledEvent(
    account: number,
    id: string,
    instrument: InstrumentConfig,
    lots: number,
    reason: string,
    ts: number,
    cause: number,
    out: EventSink,
  ): void {
    out.push({
      seq: this.host.nextSeq(),
      ts,
      type: "order.cancelled",
      cause,
      account: this.host.ledger.accountId(account),
      id,
      symbol: instrument.symbol,
      remaining: this.qtyText(instrument, lots),
      reason,
    });
  }

  /** One match between the incoming order and a resting one, at the resting order's price. */
  private match(
    no: number,
    instrument: InstrumentConfig,
    resting: number,
    taker: number,
    takerId: string,
    side: Side,
    lots: number,
    ts: number,
    cause: number,
    out: EventSink,
    liquidation = false,
  ): void {
    const { books, positions } = this.host;
    const maker = books.account(resting);
    const makerId = books.id(resting);
    const price = this.priceWad(no, books.price(resting));
    positions.changeOpen(
      positions.slot(maker, no),
      books.orderSideOf(resting),
      lots,
      price,
      this.unit[no] as bigint,
      instrument.inverse,
      -1,
    );
    books.fill(resting, lots);
    const buyer = side === BUY ? taker : maker;
    const seller = side === BUY ? maker : taker;
    this.trade(
      no,
      instrument,
      buyer,
      seller,
      lots,
      price,
      liquidation ? null : side === BUY ? "buy" : "sell",
      side === BUY ? takerId : makerId,
      side === BUY ? makerId : takerId,
      ts,
      cause,
      out,
      liquidation,
    );
  }

  /** The trade event and both sides' settlement. `takerSide` null: no taker known (both at the maker rate). */
  private trade(
    no: number,
    instrument: InstrumentConfig,
    buyer: number,
    seller: number,
    lots: number,
    price: bigint,
    takerSide: "buy" | "sell" | null,
    buyOrder: string | null,
    sellOrder: string | null,
    ts: number,
    cause: number,
    out: EventSink,
    liquidation = false,
    transfer = false,
  ): void {
    const ledger = this.host.ledger;
    // A transfer at a bankruptcy price (takeover, deleveraging) is not a market price: the mark never sees it.
    if (!transfer) this.host.prices.observeTrade(instrument.symbol, Number(price) / 1e18, ts);
    out.push({
      seq: this.host.nextSeq(),
      ts,
      type: "trade",
      cause,
      symbol: instrument.symbol,
      price: formatDecimal(wadToRaw(price, instrument.priceScale, "down"), instrument.priceScale),
      qty: this.qtyText(instrument, lots),
      buyer: ledger.accountId(buyer),
      seller: ledger.accountId(seller),
      buyOrder,
      sellOrder,
      liquidation,
    });
    this.settleSide(
      instrument,
      no,
      buyer,
      lots,
      price,
      takerSide === "buy",
      takerSide !== null,
      ts,
      cause,
      out,
      transfer,
    );
    this.settleSide(
      instrument,
      no,
      seller,
      -lots,
      price,
      takerSide === "sell",
      takerSide !== null,
      ts,
      cause,
      out,
      transfer,
    );
  }

  private validateOrder(c: Fields, now: number): OrderArgs | DomainError {
    const host = this.host;
    const account = host.existingAccount(c, "order", "account");
    if (typeof account !== "number") return account;
    const id = parseId(c["id"], "order.id");
    if (typeof id !== "string") return id;
    if (host.books.find(account, id) >= 0)
      return domainError("invalid", `order.id: "${id}" already names a resting order of this account`);
    const no = this.tradable(c, "order");
    if (typeof no !== "number") return no;
    const instrument = host.config.instruments[no] as InstrumentConfig;
    const sideText = c["side"];
    if (sideText !== "buy" && sideText !== "sell")
      return domainError("invalid", `order.side: ${describeValue(sideText)} is not "buy" or "sell"`);
    const side: Side = sideText === "buy" ? BUY : SELL;
    const lots = parseLots(c["qty"], instrument, "order.qty");
    if (typeof lots !== "number") return lots;
    const market = c["price"] === undefined;
    let limitWad = 0n;
    if (!market) {
      const parsed = parseTickPrice(c["price"], instrument, "order.price");
      if (typeof parsed !== "bigint") return parsed;
      limitWad = parsed;
    }
    const tifText = c["tif"] ?? (market ? "IOC" : "GTC");
    if (!TIFS.includes(tifText as Tif))
      return domainError("invalid", `order.tif: ${describeValue(tifText)} is not one of ${TIFS.join(", ")}`);
    const tif = tifText as Tif;
    if (market && (tif === "GTC" || tif === "POST_ONLY"))
      return domainError(
        "invalid",
        `order.tif: a market order cannot rest (${tif}); give a price or use IOC or FOK`,
      );
    const reduceOnlyValue = c["reduceOnly"] ?? false;
    if (typeof reduceOnlyValue !== "boolean")
      return domainError(
        "invalid",
        `order.reduceOnly: ${describeValue(reduceOnlyValue)} is not true or false`,
      );
    const reduceOnly = reduceOnlyValue;

    const slot = host.positions.slot(account, no);
    if (slot < 0 && !host.positions.canOpen(account, no))
      return domainError(
        "limit_exceeded",
        `order.symbol: the account already holds its maximum of ${MAX_POSITIONS_PER_ACCOUNT} instruments`,
      );
    const position = slot < 0 ? 0 : host.positions.lots(slot);
    const reduces = side === BUY ? position < 0 && lots <= -position : position > 0 && lots <= position;
    if (Math.abs(position) + lots > MAX_LOTS)
      return domainError("limit_exceeded", "order.qty: the position could exceed the largest size");
    const mark = host.prices.markPrice(instrument.symbol, now);
    const option = instrument.kind === "option";
    // An option's forward prices its band; a worthless option (mark 0) is still a mark.
    const underlying = option ? host.prices.optionForward(instrument.symbol, now) : Number.NaN;
    const markOk =
      mark !== null && mark.status === "ok" && (option ? mark.value >= 0 && underlying > 0 : mark.value > 0);
    if (!markOk && !reduces && !reduceOnly)
      return domainError(
        "stale_price",
        `order.symbol: the ${instrument.symbol} mark is ${mark === null || Number.isNaN(mark.value) ? "not priced yet" : mark.status}; only orders that reduce a position are accepted`,
      );
    const mode = host.prices.tradingMode(instrument.symbol);
    if (mode === "halted") return domainError("halted", `order.symbol: "${instrument.symbol}" is halted`);
    if (mode === "reduce_only" && !reduces && !reduceOnly)
      return domainError(
        "reduce_only",
        `order.symbol: "${instrument.symbol}" accepts only orders that reduce a position (a circuit breaker is tripped)`,
      );
    if (host.reduceOnlyAccount(account) && !reduces && !reduceOnly)
      return domainError(
        "reduce_only",
        `order.account: "${host.ledger.accountId(account)}" may only reduce its positions (liquidating, or frozen on a price that cannot be trusted)`,
      );
    if (reduceOnly && (side === BUY ? position >= 0 : position <= 0))
      return domainError(
        "reduce_only",
        `order.reduceOnly: the account has no ${side === BUY ? "short" : "long"} ${instrument.symbol} position to reduce`,
      );
    const band = this.band[no] as number;
    let limit: number;
    if (market) {
      // A market order sweeps no further than the band around the mark (Binance's market price cap).
      if (!markOk)
        return domainError(
          "stale_price",
          `order.price: a market order needs an ok mark to bound it; give a limit price`,
        );
      const m = (mark as { value: number }).value;
      const edge = wadOfPrice(
        option
          ? Math.max(0, m + (side === BUY ? 1 : -1) * band * underlying)
          : m * (side === BUY ? 1 + band : 1 - band),
        12,
      );
      const ticks = edge / (this.tickWad[no] as bigint);
      limit = Number(ticks);
      if (limit <= 0) limit = 1;
    } else {
      limit = Number(limitWad / (this.tickWad[no] as bigint));
      if (markOk) {
        const m = (mark as { value: number }).value;
        const outside = option
          ? checkOptionPriceBand(sideText, Number(limitWad) / 1e18, m, underlying, band, "order.price")
          : checkPriceBand(sideText, Number(limitWad) / 1e18, m, band, "order.price");
        if (outside !== null) return outside;
      }
    }
    const opposite: Side = side === BUY ? SELL : BUY;
    const bestOpposite = host.books.bestPrice(no, opposite);
    const crosses =
      !Number.isNaN(bestOpposite) && (side === BUY ? bestOpposite <= limit : bestOpposite >= limit);
    if (tif === "POST_ONLY" && crosses)
      return domainError(
        "would_cross",
        `order.price: a post-only order at ${this.priceText(no, limit)} would trade against the book at ${this.priceText(no, bestOpposite)}`,
      );
    if (tif === "FOK" && host.books.available(no, opposite, limit, account, lots) < lots)
      return domainError(
        "unfillable",
        `order.qty: the book cannot fill all ${this.qtyText(instrument, lots)} within ${this.priceText(no, limit)} (fill-or-kill)`,
      );
    if (!market && (tif === "GTC" || tif === "POST_ONLY")) {
      const full = host.books.refusal(account, no, side, limit);
      if (full !== null) return domainError("limit_exceeded", `order: ${full}`);
    }
    if (!reduceOnly) {
      const beyond = this.beyondLastBracket(account, no, instrument, side, lots, limit);
      if (beyond !== null) return beyond;
    }
    const short = this.marginShortfall(account, no, instrument, side, lots, limit, now);
    if (short !== null) return short;
    return { account, id, no, instrument, side, lots, limit, market, tif, reduceOnly };
  }

  /**
   * Pre-trade check, in the same step as matching: with the order resting in full (its worst case, as Drift and
   * Mango reserve), plus its taker fee at its limit, the account's initial margin must stay covered — unless the
   * order does not raise the requirement (it reduces risk), which is always allowed.
   */
  /**
   * A position may not grow past its instrument's last margin bracket (Binance's maximum notional): with every
   * resting order on this side and this order filled at its limit, the notional must stay within it. Refused with
   * `limit_exceeded`; an order that only reduces the position always passes.
   */
  private beyondLastBracket(
    account: number,
    no: number,
    instrument: InstrumentConfig,
    side: Side,
    lots: number,
    limit: number,
  ): DomainError | null {
    const margin = instrument.margin;
    if (margin === null || margin.kind !== "tiers") return null;
    const { positions } = this.host;
    const slot = positions.slot(account, no);
    const held = slot < 0 ? 0 : positions.lots(slot);
    const resting = slot < 0 ? 0 : positions.openLots(slot, side);
    const after = Math.abs(held + (side === BUY ? 1 : -1) * (resting + lots));
    if (after <= Math.abs(held)) return null;
    // In float first: only a notional within a hair of the cap needs the exact product.
    const size = after * (this.unitFloat[no] as number);
    const priceFloat = limit * (this.tickFloat[no] as number);
    const approx = instrument.inverse ? size / priceFloat : size * priceFloat;
    if (approx < (this.notionalCapFloat[no] as number) * (1 - 1e-9)) return null;
    const price = this.priceWad(no, limit);
    const exposure = BigInt(after) * (this.unit[no] as bigint);
    const notional = instrument.inverse ? wadDiv(exposure, price, "ceil") : wadMul(exposure, price, "ceil");
    if (!exceedsTiers(margin.tiers, notional)) return null;
    return tierLimit(instrument, margin.tiers);
  }

  private marginShortfall(
    account: number,
    no: number,
    instrument: InstrumentConfig,
    side: Side,
    lots: number,
    limit: number,
    now: number,
  ): DomainError | null {
    const { positions, margin, config } = this.host;
    const price = this.priceWad(no, limit);
    const unit = this.unit[no] as bigint;
    const existing = positions.slot(account, no);
    const slot = existing >= 0 ? existing : positions.open(account, no);
    if (!this.host.exactChecks && this.screenPasses(account, slot, no, instrument, side, lots, limit, now))
      return null;
    const before = margin.check(account, now);
    positions.changeOpen(slot, side, lots, price, unit, instrument.inverse, 1);
    const after = margin.check(account, now);
    positions.changeOpen(slot, side, lots, price, unit, instrument.inverse, -1);
    if (after.crossInitial <= before.crossInitial) return null;
    const exposure = BigInt(lots) * unit;
    const notional = instrument.inverse ? wadDiv(exposure, price, "ceil") : wadMul(exposure, price, "ceil");
    let fee = wadMul(notional, wadOf(instrument.fees.taker), "ceil");
    if (instrument.inverse) fee = wadMul(fee, price, "ceil");
    const need = after.crossInitial + fee;
    if (after.initialEquity >= need) return null;
    const quote = config.assets.find((a) => a.id === config.quoteAsset) as AssetConfig;
    const q = (wad: bigint) => formatDecimal(wadToRaw(wad, quote.decimals, "ceil"), quote.decimals);
    return domainError(
      "insufficient_margin",
      `order.qty: initial margin with this order would be ${q(need)} ${quote.id} (fee included) against ${q(after.initialEquity > 0n ? after.initialEquity : 0n)} ${quote.id} of equity: short by ${q(need - after.initialEquity)} ${quote.id}`,
    );
  }

  /** The pre-trade margin check alone, for what-if queries and the latency benchmark: null when it passes. */
  preTradeCheck(
    account: number,
    no: number,
    side: Side,
    lots: number,
    limit: number,
    now: number,
  ): DomainError | null {
    return this.marginShortfall(
      account,
      no,
      this.host.config.instruments[no] as InstrumentConfig,
      side,
      lots,
      limit,
      now,
    );
  }

  /**
   * The float screen's answer to the pre-trade check (src/margin/risk-screen.ts): true only when the order
   * certainly passes — its margin wider than the screen's error bound; anything closer, or anything the screen
   * cannot price (an isolated position, tiered collateral, a missing mark), goes to the exact check.
   */
  private screenPasses(
    account: number,
    slot: number,
    no: number,
    instrument: InstrumentConfig,
    side: Side,
    lots: number,
    limit: number,
    now: number,
  ): boolean {
    if (!this.loadScreenInputs(account, now)) return false;
    const marks = this.screenMarks;
    const screen = this.screen;
    const priceFloat = limit * (this.tickFloat[no] as number);
    const orders = lots * (this.unitFloat[no] as number);
    const value = instrument.inverse ? orders / priceFloat : orders * priceFloat;
    screen.screen(account, marks, this.collateralPrice, this.debtPrice, this.halfUlp, this.profitWeight);
    if (screen.exactOnly) return false;
    const initialBefore = screen.initial;
    const boundBefore = screen.bound;
    screen.screen(
      account,
      marks,
      this.collateralPrice,
      this.debtPrice,
      this.halfUlp,
      this.profitWeight,
      slot,
      side,
      lots,
      value,
    );
    // The order's own slot can make the screen give way (an option, an isolated position opening).
    if (screen.exactOnly) return false;
    const bound = screen.bound + boundBefore;
    if (screen.initial + bound < initialBefore) return true; // certainly does not raise the requirement
    const notional = instrument.inverse ? orders / priceFloat : orders * priceFloat;
    const fee = notional * (this.takerRate[no] as number) * (instrument.inverse ? priceFloat : 1);
    return screen.initialEquity - screen.initial - fee > bound + fee * 1e-9 + 1e-9;
  }

  /** Marks and collateral prices of the account's instruments and assets into the screen's inputs; false when
   * the screen cannot price it (a missing mark, tiered collateral). */
  private loadScreenInputs(account: number, now: number): boolean {
    const { config, ledger, positions, prices } = this.host;
    const marks = this.screenMarks;
    // Reads of marks and indices are cached for the current (prices revision, ts): orders between two price
    // updates read them once.
    if (this.cacheRevision !== prices.revision || this.cacheTs !== now) {
      this.cacheRevision = prices.revision;
      this.cacheTs = now;
      this.markStamp.fill(-1);
      this.assetStamp.fill(-1);
    }
    for (let s = positions.first(account); s >= 0; s = positions.next(s)) {
      const i = positions.instrument(s);
      if (this.markStamp[i] !== 1) {
        const mark = prices.markPrice((config.instruments[i] as InstrumentConfig).symbol, now);
        marks[i] = mark === null ? Number.NaN : mark.value;
        this.markStamp[i] = 1;
      }
      if (!((marks[i] as number) > 0)) return false;
    }
    for (let a = 0; a < config.assets.length; a++) {
      if (ledger.balance(account, a) === 0n) continue;
      const asset = config.assets[a] as AssetConfig;
      if (asset.collateralTiers.length > 0) return false;
      const weight = this.weight[a] as number;
      if (asset.id === config.quoteAsset) {
        this.collateralPrice[a] = weight;
        this.debtPrice[a] = 1;
        this.halfUlp[a] = 0;
        continue;
      }
      if (this.assetStamp[a] === 1) continue;
      this.assetStamp[a] = 1;
      const priced = asset.index === null ? null : prices.indexPrice(asset.index, now);
      if (priced === null || Number.isNaN(priced.value)) {
        this.collateralPrice[a] = 0;
        this.debtPrice[a] = 0;
        this.halfUlp[a] = 0;
        continue;
      }
      const factor = priceQualityFactorFloat(priced.status, priced.ageMs, this.degradedFactor, this.decay);
      this.collateralPrice[a] = priced.value * weight * factor;
      this.debtPrice[a] = priced.value;
      this.halfUlp[a] = this.assetHalfUlp[a] as number;
    }
    return true;
  }

  private reducible(slot: number, side: Side): number {
    const position = this.host.positions.lots(slot);
    return side === BUY ? Math.max(0, -position) : Math.max(0, position);
  }

  // ---- liquidation (driven by src/engine/liquidator.ts) ----

  /** Cancels every resting order of an account (a liquidation starts so), with their events. */
  cancelAccountOrders(account: number, ts: number, cause: number, out: EventSink): void {
    const books: number[] = [];
    for (const order of this.host.books.ordersOf(account)) {
      const no = this.host.books.book(order);
      if (!books.includes(no)) books.push(no);
      this.cancelResting(order, "liquidation", ts, cause, out);
    }
    for (const no of books.sort((a, b) => a - b)) this.publishBook(no);
  }

  /**
   * A liquidation order: IOC through the book for `lots`, no worse than `limit` ticks (the bankruptcy price), with
   * no trading fee for the liquidated side (the liquidator charges its liquidation fee). Returns each fill as
   * [lots, price wad], in order.
   */
  liquidationOrder(
    account: number,
    no: number,
    side: Side,
    lots: number,
    limit: number,
    id: string,
    ts: number,
    cause: number,
    out: EventSink,
  ): [number, bigint][] {
    const books = this.host.books;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    const opposite: Side = side === BUY ? SELL : BUY;
    const fills: [number, bigint][] = [];
    let remaining = lots;
    while (remaining > 0) {
      const resting = books.best(no, opposite);
      if (resting < 0) break;
      const price = books.price(resting);
      if (side === BUY ? price > limit : price < limit) break;
      const take = Math.min(remaining, books.lots(resting));
      fills.push([take, this.priceWad(no, price)]);
      this.match(no, instrument, resting, account, id, side, take, ts, cause, out, true);
      remaining -= take;
    }
    this.publishBook(no);
    return fills;
  }

  /**
   * A position moved between two accounts at a set price, outside the book (an insurance takeover or a
   * deleveraging at the bankruptcy price): both sides settle as in a trade, without fees, and the price does not
   * reach the mark.
   */
  transferPosition(
    buyer: number,
    seller: number,
    no: number,
    lots: number,
    price: bigint,
    ts: number,
    cause: number,
    out: EventSink,
  ): void {
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    this.trade(no, instrument, buyer, seller, lots, price, null, null, null, ts, cause, out, true, true);
  }

  /**
   * An account's cross equity in float from the screen (quote asset), for rankings that must not cost an exact
   * recomputation per account; NaN when the screen cannot price the account.
   */
  screenEquity(account: number, now: number): number {
    if (!this.loadScreenInputs(account, now)) return Number.NaN;
    const screen = this.screen;
    screen.screen(
      account,
      this.screenMarks,
      this.collateralPrice,
      this.debtPrice,
      this.halfUlp,
      this.profitWeight,
    );
    return screen.exactOnly ? Number.NaN : screen.crossEquity;
  }

  /** The instrument a trading command names, if it can trade now: not expired. */
  private tradable(c: Fields, type: "order" | "fill"): number | DomainError {
    const no = this.host.instrument(c, type);
    if (typeof no !== "number") return no;
    const symbol = (this.host.config.instruments[no] as InstrumentConfig).symbol;
    if (this.host.isExpired(no))
      return domainError("halted", `${type}.symbol: "${symbol}" has expired and settled`);
    return no;
  }

  // ---- fill (an external matcher's trade) ----

  /**
   * A trade matched outside the engine: applied to both positions at once, PnL realised against sys:clearing
   * and fees paid to sys:fees, all or nothing. It is a fact, not a request: it is not margin-checked (the
   * venue's matcher did that); the accounts' margin is what it is after it.
   */
  fill(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const host = this.host;
    const no = this.tradable(c, "fill");
    if (typeof no !== "number") return no;
    const instrument = host.config.instruments[no] as InstrumentConfig;
    const price = parseTickPrice(c["price"], instrument, "fill.price");
    if (typeof price !== "bigint") return price;
    const lots = parseLots(c["qty"], instrument, "fill.qty");
    if (typeof lots !== "number") return lots;
    const buyer = host.existingAccount(c, "fill", "buyer");
    if (typeof buyer !== "number") return buyer;
    const seller = host.existingAccount(c, "fill", "seller");
    if (typeof seller !== "number") return seller;
    if (buyer === seller)
      return domainError("invalid", `fill.seller: "${c["seller"]}" is the same account as fill.buyer`);
    const takerSide = c["takerSide"];
    if (takerSide !== undefined && takerSide !== "buy" && takerSide !== "sell")
      return domainError("invalid", `fill.takerSide: ${describeValue(takerSide)} is not "buy" or "sell"`);
    for (const [account, field, sign] of [
      [buyer, "buyer", 1],
      [seller, "seller", -1],
    ] as const) {
      if (!host.positions.canOpen(account, no))
        return domainError(
          "limit_exceeded",
          `fill.${field}: account "${host.ledger.accountId(account)}" already holds its maximum of ${MAX_POSITIONS_PER_ACCOUNT} instruments`,
        );
      const slot = host.positions.slot(account, no);
      const after = (slot < 0 ? 0 : host.positions.lots(slot)) + sign * lots;
      if (Math.abs(after) > MAX_LOTS)
        return domainError(
          "limit_exceeded",
          `fill.qty: the ${field}'s position would exceed the largest size`,
        );
    }
    host.accept(ts);
    host.positions.open(buyer, no);
    host.positions.open(seller, no);
    this.trade(
      no,
      instrument,
      buyer,
      seller,
      lots,
      price,
      (takerSide as "buy" | "sell" | undefined) ?? null,
      null,
      null,
      ts,
      cause,
      out,
    );
    this.publishBook(no);
    return null;
  }

  /** One side of a fill: position, realised PnL against sys:clearing, fee to sys:fees; then its events. */
  private settleSide(
    instrument: InstrumentConfig,
    no: number,
    account: number,
    lots: number,
    price: bigint,
    taker: boolean,
    rebates: boolean,
    ts: number,
    cause: number,
    out: EventSink,
    feeless = false,
  ): void {
    const { positions, ledger } = this.host;
    const slot = positions.open(account, no);
    const unit = this.unit[no] as bigint;
    this.host.touch(account);
    const effect = positions.applyFill(slot, lots, price, unit, instrument.inverse);
    const asset = ledger.asset(instrument.settlementAsset);
    const decimals = (this.host.config.assets[asset] as AssetConfig).decimals;
    // Realised PnL is credited rounded down (a loss is charged rounded up); the residue stays in clearing.
    const pnl = wadToRaw(effect.realized, decimals, "floor");
    if (pnl !== 0n) {
      ledger.move(CLEARING, account, asset, pnl);
      this.host.balanceEvent(ts, cause, account, asset, pnl, PNL, CLEARING, out);
    }
    // Fee = notional × rate: charged rounded up, a maker rebate paid rounded down (and only when the taker pays).
    const exposure = wadAbs(BigInt(lots) * unit);
    const notional = instrument.inverse ? wadDiv(exposure, price, "ceil") : wadMul(exposure, price, "ceil");
    const rate = feeless ? 0n : wadOf(taker ? instrument.fees.taker : instrument.fees.maker);
    let fee = 0n;
    if (rate > 0n) fee = wadToRaw(wadMul(notional, rate, "ceil"), decimals, "ceil");
    else if (rate < 0n && rebates) fee = -wadToRaw(wadMul(notional, -rate, "floor"), decimals, "floor");
    if (fee !== 0n) {
      ledger.move(account, FEES, asset, fee);
      this.host.balanceEvent(ts, cause, account, asset, -fee, FEE, FEES, out);
    }
    const after = positions.lots(slot);
    const entryValue = positions.entryValue(slot);
    const exposureAfter = BigInt(after) * unit;
    const entry =
      after === 0
        ? null
        : instrument.inverse
          ? inverseEntryPrice(exposureAfter, entryValue)
          : linearEntryPrice(exposureAfter, entryValue);
    out.push({
      seq: this.host.nextSeq(),
      ts,
      type: "position",
      cause,
      account: ledger.accountId(account),
      symbol: instrument.symbol,
      qty: this.qtyText(instrument, after),
      entryPrice:
        entry === null
          ? null
          : formatDecimal(wadToRaw(entry, instrument.priceScale, "half-even"), instrument.priceScale),
      realizedPnl: formatDecimal(pnl, decimals),
      fee: formatDecimal(fee, decimals),
    });
  }

  // ---- position.mode ----

  /**
   * Isolated or cross margin for one instrument, and the leverage that sets its IM (CONTRACT.md
   * `position.mode`). The leverage is bounded by the instrument's first bracket (1 / IMR). Switching between
   * isolated and cross needs a flat position; a new leverage on an open position must still be covered.
   */
  positionMode(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const { positions, margin } = this.host;
    const account = this.host.existingAccount(c, "position.mode", "account");
    if (typeof account !== "number") return account;
    const no = this.host.instrument(c, "position.mode");
    if (typeof no !== "number") return no;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    if (instrument.margin === null)
      return domainError(
        "invalid",
        `position.mode.symbol: "${instrument.symbol}" is an option; its margin has no leverage`,
      );
    const isolated = c["isolated"];
    if (typeof isolated !== "boolean")
      return domainError(
        "invalid",
        `position.mode.isolated: ${describeValue(isolated)} is not true or false`,
      );
    let leverage = 0n;
    if (c["leverage"] !== undefined) {
      const parsed = parseFixed(c["leverage"], "position.mode.leverage", "positive");
      if (!("raw" in parsed)) return parsed;
      leverage = wadOf(parsed);
      const max =
        instrument.margin.kind === "tiers"
          ? maxLeverage(instrument.margin.tiers[0] as (typeof instrument.margin.tiers)[number])
          : wadDiv(WAD, wadOf(instrument.margin.initial), "floor");
      if (leverage < WAD || leverage > max)
        return domainError(
          "invalid",
          `position.mode.leverage: ${describeValue(c["leverage"])} is outside 1 to the instrument's maximum of ${formatDecimal(wadToRaw(max, 4, "floor"), 4)}`,
        );
    }
    if (!positions.canOpen(account, no))
      return domainError(
        "limit_exceeded",
        `position.mode.symbol: the account already holds its maximum of ${MAX_POSITIONS_PER_ACCOUNT} instruments`,
      );
    const existing = positions.slot(account, no);
    const open = existing >= 0 && positions.lots(existing) !== 0;
    if (open && positions.isolated(existing) !== isolated)
      return domainError(
        "invalid",
        `position.mode.isolated: the ${instrument.symbol} position is open; close it before switching between isolated and cross`,
      );
    if (open) {
      // Check the new leverage by trying it, and put the old one back if it is not covered.
      const old = positions.leverage(existing);
      const before = margin.check(account, ts);
      positions.setMode(existing, isolated, leverage);
      const after = margin.check(account, ts);
      if (after.initialEquity < after.crossInitial && after.crossInitial > before.crossInitial) {
        positions.setMode(existing, isolated, old);
        const decimals = (
          this.host.config.assets.find((a) => a.id === this.host.config.quoteAsset) as AssetConfig
        ).decimals;
        return domainError(
          "insufficient_margin",
          `position.mode.leverage: ${describeValue(c["leverage"])} raises initial margin beyond the account's equity (short by ${formatDecimal(wadToRaw(after.crossInitial - after.initialEquity, decimals, "ceil"), decimals)} ${this.host.config.quoteAsset})`,
        );
      }
    }
    this.host.accept(ts);
    positions.setMode(positions.open(account, no), isolated, leverage);
    out.push({
      seq: this.host.nextSeq(),
      ts,
      type: "position.mode",
      cause,
      account: this.host.ledger.accountId(account),
      symbol: instrument.symbol,
      isolated,
      leverage: leverage === 0n ? null : formatDecimal(wadToRaw(leverage, 18, "down"), 18),
    });
    return null;
  }

  // ---- units ----

  private priceWad(no: number, ticks: number): bigint {
    return BigInt(ticks) * (this.tickWad[no] as bigint);
  }

  private priceText(no: number, ticks: number): string {
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    return formatDecimal(
      wadToRaw(this.priceWad(no, ticks), instrument.priceScale, "down"),
      instrument.priceScale,
    );
  }

  private qtyText(instrument: InstrumentConfig, lots: number): string {
    return formatDecimal(BigInt(lots) * instrument.lotSize.raw, instrument.qtyScale);
  }
}

/** Built apart from the check so that the hot path formats nothing. */
function tierLimit(instrument: InstrumentConfig, tiers: readonly MarginTier[]): DomainError {
  const last = tiers[tiers.length - 1] as MarginTier;
  return domainError(
    "limit_exceeded",
    `order.qty: the ${instrument.symbol} position with this order and the account's resting orders on its side would pass the last margin bracket (notional ${formatFixed(last.upToNotional)})`,
  );
}

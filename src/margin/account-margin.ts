// An account's margin figures, exactly: collateral by asset, each position's PnL and requirements, the account's
// equity, initial and maintenance margin, free collateral and liquidation prices — with every price used, its
// age and status. All arithmetic is on wads; figures leave at the quote asset's decimals, requirements rounded
// up and equity down (docs/margin.md).
import type { AssetConfig, InstrumentConfig, MarginModelConfig, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import { WAD, wadAbs, wadDiv, wadFromRaw, wadMul, wadOf, wadOfPrice } from "../kernel/wad.js";
import type { Ledger } from "../ledger/ledger.js";
import type { MarketPrices } from "../prices/market-prices.js";
import type { PriceStatus } from "../prices/priced.js";
import { AccountPortfolio, type PortfolioGroup, type PortfolioPosition } from "./account-portfolio.js";
import { flatCollateralValue, priceQualityFactor, tieredCollateralValue } from "./collateral-weight.js";
import {
  crossLiquidationPriceInverse,
  crossLiquidationPriceLinear,
  isolatedLiquidationPrice,
  type LiquidationModel,
} from "./liquidation-price.js";
import { scaledInitialMargin, scaledMaintenanceMargin, scaledRate } from "./margin-scaling.js";
import { bracketIndex, tieredInitialMargin, tieredMaintenanceMargin } from "./margin-tiers.js";
import { type OptionMarginRates, optionInitialMargin, optionMaintenanceMargin } from "./option-margin.js";
import { type OptionMarks, optionQuote } from "./option-marks.js";
import type { Positions } from "./positions.js";
import {
  inverseEntryPrice,
  inverseUnrealizedPnl,
  linearEntryPrice,
  linearUnrealizedPnl,
} from "./unrealized-pnl.js";

/** A price as a margin decision used it. */
export interface PriceUsed {
  /** wad, or null when there has never been one. */
  readonly price: bigint | null;
  readonly status: PriceStatus;
  readonly ageMs: number;
}

export interface CollateralFigures extends PriceUsed {
  readonly asset: number;
  /** Raw at the asset's decimals; negative for a debt (a realised loss beyond the balance). */
  readonly balance: bigint;
  /** Collateral weight before the price's quality (wad): the flat weight, or the tiers' average at this value. */
  readonly weight: bigint;
  /** Share of the weight that counts for the price's age and status (wad, 1 = full). */
  readonly factor: bigint;
  /** Value counted in the quote asset (wad): weighted and decayed if positive, in full if a debt. */
  readonly value: bigint;
}

export interface PositionFigures {
  readonly slot: number;
  readonly instrument: number;
  readonly lots: number;
  /** wad, or null when flat. */
  readonly entryPrice: bigint | null;
  /** The mark used (wad) and where it came from: the mark, else the index, else the entry (PnL 0). */
  readonly mark: PriceUsed;
  readonly isolated: boolean;
  /** wad; 0n when the instrument's own rates apply. */
  readonly leverage: bigint;
  // In the settlement asset, wad:
  readonly notional: bigint;
  readonly unrealizedPnl: bigint;
  readonly initial: bigint;
  readonly maintenance: bigint;
  readonly isolatedMargin: bigint;
  // The same in the quote asset, wad (inverse positions converted at their mark):
  readonly unrealizedPnlQuote: bigint;
  readonly initialQuote: bigint;
  readonly maintenanceQuote: bigint;
  readonly isolatedMarginQuote: bigint;
  /** Options: the forward their margin is measured on (wad); null for perpetuals and futures. */
  readonly underlying: bigint | null;
  /** wad at the instrument's tick, or null when no move of this mark alone liquidates the position (options). */
  liquidationPrice: bigint | null;
}

export interface AccountFigures {
  readonly collateral: readonly CollateralFigures[];
  readonly positions: readonly PositionFigures[];
  /** Portfolio margin by underlying, for an account in portfolio mode (null in standard mode). */
  readonly portfolio: readonly PortfolioGroup[] | null;
  // In the quote asset, wad:
  readonly collateralValue: bigint;
  /** Collateral plus all unrealised PnL. */
  readonly equity: bigint;
  /** Collateral less isolated margin plus cross PnL: what the cross positions' maintenance is measured against. */
  readonly crossEquity: bigint;
  /** crossEquity with positive cross PnL weighted by unrealizedProfitWeight: what initial margin is measured against. */
  readonly initialEquity: bigint;
  /** Cross positions' IM plus isolated margin plus what resting orders reserve. */
  readonly initial: bigint;
  readonly maintenance: bigint;
  readonly crossInitial: bigint;
  readonly crossMaintenance: bigint;
  /** max(0, initialEquity − crossInitial). */
  readonly freeCollateral: bigint;
}

/** Reads what an account's figures need; one per engine. */
export class AccountMargin {
  private readonly config: MarketConfig;
  private readonly ledger: Ledger;
  private readonly positions: Positions;
  private readonly prices: MarketPrices;
  private readonly priceDecimals: ReadonlyMap<string, number>;
  private readonly profitWeight: bigint;
  private readonly degradedFactor: bigint;
  private readonly decay: readonly { ageMs: number; factor: bigint }[];
  private readonly tiersOf: readonly (readonly { upToValue: bigint; weight: bigint }[])[];
  private readonly options: OptionMarks | null;
  /** Per instrument: the option's margin rates and strike (wad), null for perpetuals and futures. */
  private readonly optionTerms: readonly ({
    rates: OptionMarginRates;
    strike: bigint;
    call: boolean;
  } | null)[];
  private readonly quote = optionQuote();
  private readonly portfolio: AccountPortfolio;
  /** lotSize × contractSize per instrument, in float: a position's size for the portfolio scenarios. */
  private readonly unitFloat: Float64Array;
  private readonly unitWad: readonly bigint[];
  /** Options' marks and forwards as wads, with the (prices revision, time) they were read at. Not state. */
  private readonly optionReads: (
    | {
        revision: number;
        ts: number;
        price: bigint | null;
        status: PriceStatus;
        ageMs: number;
        underlying: bigint;
      }
    | undefined
  )[] = [];

  constructor(
    config: MarketConfig,
    ledger: Ledger,
    positions: Positions,
    prices: MarketPrices,
    options: OptionMarks | null = null,
  ) {
    this.config = config;
    this.ledger = ledger;
    this.positions = positions;
    this.prices = prices;
    this.options = options;
    this.portfolio = new AccountPortfolio(config, prices, options);
    this.unitWad = config.instruments.map(unitOf);
    this.unitFloat = Float64Array.from(
      config.instruments,
      (i) => fixedToNumber(i.lotSize) * fixedToNumber(i.contractSize),
    );
    this.optionTerms = config.instruments.map((i) =>
      i.optionMargin === null || i.strike === null
        ? null
        : {
            rates: {
              initialBase: wadOf(i.optionMargin.initialBase),
              initialFloor: wadOf(i.optionMargin.initialFloor),
              maintenance: wadOf(i.optionMargin.maintenance),
            },
            strike: wadOf(i.strike),
            call: i.right === "call",
          },
    );
    this.priceDecimals = new Map(config.indices.map((i) => [i.id, i.priceDecimals]));
    this.profitWeight = wadOf(config.margin.unrealizedProfitWeight);
    this.degradedFactor = wadOf(config.margin.degradedCollateralFactor);
    this.decay = config.margin.collateralAgeDecay.map((p) => ({ ageMs: p.ageMs, factor: wadOf(p.factor) }));
    this.tiersOf = config.assets.map((a) =>
      a.collateralTiers.map((t) => ({ upToValue: wadOf(t.upToValue), weight: wadOf(t.weight) })),
    );
  }

  /** The account's figures at `now`, with `adjust` added to one asset's balance (a withdrawal being checked). */
  figures(account: number, now: number, adjustAsset = -1, adjust = 0n): AccountFigures {
    return this.compute(account, now, adjustAsset, adjust, true);
  }

  /** The figures a margin check needs: as `figures`, without liquidation prices (the costly part). */
  check(account: number, now: number, adjustAsset = -1, adjust = 0n): AccountFigures {
    return this.compute(account, now, adjustAsset, adjust, false);
  }

  private compute(
    account: number,
    now: number,
    adjustAsset: number,
    adjust: bigint,
    liquidation: boolean,
  ): AccountFigures {
    const collateral: CollateralFigures[] = [];
    let collateralValue = 0n;
    for (let asset = 0; asset < this.config.assets.length; asset++) {
      let balance = this.ledger.balance(account, asset);
      if (asset === adjustAsset) balance += adjust;
      if (balance === 0n) continue;
      const line = this.collateralLine(asset, balance, now);
      collateral.push(line);
      collateralValue += line.value;
    }
    const positions: PositionFigures[] = [];
    let crossPnl = 0n;
    let crossPnlForInitial = 0n;
    let allPnl = 0n;
    let crossInitial = 0n;
    let crossMaintenance = 0n;
    let isolatedMargin = 0n;
    let isolatedMaintenance = 0n;
    let orderReserve = 0n;
    // Portfolio margin needs only sizes: its groups are decided first, and the positions it covers skip the
    // standard requirements it replaces.
    const pm = this.positions.portfolio(account) ? this.portfolioGroups(account, now) : null;
    for (let slot = this.positions.first(account); slot >= 0; slot = this.positions.next(slot))
      if (this.positions.lots(slot) !== 0)
        positions.push(this.position(slot, now, pm?.covered.has(slot) ?? false));
    const portfolio = pm === null ? null : this.applyPortfolio(account, positions, pm, now);
    let j = 0;
    for (let slot = this.positions.first(account); slot >= 0; slot = this.positions.next(slot)) {
      const resting = this.positions.openLots(slot, 0) + this.positions.openLots(slot, 1) > 0;
      const held = this.positions.lots(slot) !== 0 ? (positions[j++] as PositionFigures) : null;
      if (resting) orderReserve += portfolio?.orders.get(slot) ?? this.orderReserve(slot, now, held);
    }
    for (const p of positions) {
      allPnl += p.unrealizedPnlQuote;
      if (p.isolated) {
        isolatedMargin += p.isolatedMarginQuote;
        isolatedMaintenance += p.maintenanceQuote;
      } else {
        crossPnl += p.unrealizedPnlQuote;
        // An option's requirement holds its whole value: its profit is not usable twice (docs/options.md).
        crossPnlForInitial +=
          p.unrealizedPnlQuote > 0n && p.underlying === null
            ? wadMul(p.unrealizedPnlQuote, this.profitWeight, "floor")
            : p.unrealizedPnlQuote;
        crossInitial += p.initialQuote;
        crossMaintenance += p.maintenanceQuote;
      }
    }
    crossInitial += orderReserve;
    const crossEquity = collateralValue - isolatedMargin + crossPnl;
    const initialEquity = collateralValue - isolatedMargin + crossPnlForInitial;
    const free = initialEquity - crossInitial;
    const figures: AccountFigures = {
      collateral,
      positions,
      portfolio: portfolio?.groups ?? null,
      collateralValue,
      equity: collateralValue + allPnl,
      crossEquity,
      initialEquity,
      initial: crossInitial + isolatedMargin,
      maintenance: crossMaintenance + isolatedMaintenance,
      crossInitial,
      crossMaintenance,
      freeCollateral: free > 0n ? free : 0n,
    };
    // Under portfolio margin no single mark decides: the scenarios do.
    if (liquidation && portfolio === null)
      for (const p of positions) p.liquidationPrice = this.liquidationPrice(p, figures);
    return figures;
  }

  /** The account's cross positions in covered instruments, and the groups the scenarios could price. */
  private portfolioGroups(
    account: number,
    now: number,
  ): { list: PortfolioPosition[]; groups: PortfolioGroup[]; covered: Set<number> } {
    const pm = this.portfolio;
    const list: PortfolioPosition[] = [];
    for (let slot = this.positions.first(account); slot >= 0; slot = this.positions.next(slot)) {
      const lots = this.positions.lots(slot);
      const no = this.positions.instrument(slot);
      if (lots !== 0 && !this.positions.isolated(slot) && pm.covers(no))
        list.push({ slot, instrument: no, qty: lots * (this.unitFloat[no] as number) });
    }
    const groups = pm.evaluate(list, now);
    const covered = new Set<number>();
    for (const g of groups) for (const slot of g.slots) covered.add(slot);
    return { list, groups, covered };
  }

  /**
   * Portfolio margin: each underlying's IM and MM shared among its positions by their loss in the worst scenario
   * (equally when none loses: the contingency alone), replacing their standard figures in `positions`; and what
   * each slot's resting orders reserve — the worse side's rise of the underlying's IM with the orders filled, plus
   * the loss of filling at limits worse than the mark. Requirements leave the float scenarios rounded up.
   */
  private applyPortfolio(
    account: number,
    positions: PositionFigures[],
    portfolio: { list: PortfolioPosition[]; groups: PortfolioGroup[] },
    now: number,
  ): { groups: PortfolioGroup[]; orders: Map<number, bigint> } {
    const pm = this.portfolio;
    const { list, groups } = portfolio;
    for (const g of groups) {
      let total = 0;
      for (const loss of g.losses) if (loss > 0) total += loss;
      g.slots.forEach((slot, k) => {
        const loss = g.losses[k] as number;
        const share = total > 0 ? (loss > 0 ? loss / total : 0) : 1 / g.slots.length;
        const i = positions.findIndex((p) => p.slot === slot);
        const p = positions[i] as PositionFigures;
        const initial = wadCeilOfFloat(g.initial * share);
        const maintenance = wadCeilOfFloat(g.maintenance * share);
        positions[i] = { ...p, initial, maintenance, initialQuote: initial, maintenanceQuote: maintenance };
      });
    }
    // Resting orders in the portfolio's underlyings.
    const orders = new Map<number, bigint>();
    for (let slot = this.positions.first(account); slot >= 0; slot = this.positions.next(slot)) {
      if (this.positions.openLots(slot, 0) + this.positions.openLots(slot, 1) === 0) continue;
      const no = this.positions.instrument(slot);
      if (this.positions.isolated(slot) || !pm.covers(no)) continue;
      const index = (this.config.instruments[no] as InstrumentConfig).index;
      const mine = list.filter(
        (p) => (this.config.instruments[p.instrument] as InstrumentConfig).index === index,
      );
      // Alone, as the trials below are (without the offset across underlyings).
      const base = mine.length === 0 ? 0 : (pm.evaluate(mine, now)[0]?.initial ?? 0);
      const at = mine.findIndex((p) => p.slot === slot);
      const held = at < 0 ? 0 : (mine[at] as PortfolioPosition).qty;
      const mark = this.positions.lots(slot) === 0 ? null : (positions.find((p) => p.slot === slot) ?? null);
      let worst = 0n;
      let priced = true;
      for (const side of [0, 1] as const) {
        const lots = this.positions.openLots(slot, side);
        if (lots === 0) continue;
        const qty = held + (side === 0 ? 1 : -1) * lots * (this.unitFloat[no] as number);
        const trial = mine.filter((p) => p.slot !== slot);
        trial.push({ slot, instrument: no, qty });
        const after = pm.evaluate(trial, now).find((g) => g.index === index);
        if (after === undefined) {
          priced = false; // the underlying cannot be priced: the standard reserve applies
          break;
        }
        const rise = wadCeilOfFloat(after.initial - base);
        const need = rise + this.fillLoss(slot, side, now, mark);
        if (need > worst) worst = need;
      }
      if (priced) orders.set(slot, worst);
    }
    return { groups, orders };
  }

  /** The loss of filling a slot's resting orders on one side at their limits, where worse than the mark (wad). */
  private fillLoss(slot: number, side: 0 | 1, now: number, p: PositionFigures | null): bigint {
    const no = this.positions.instrument(slot);
    const instrument = this.config.instruments[no] as InstrumentConfig;
    const mark =
      p?.mark.price ??
      (this.optionTerms[no] === null ? this.markOf(instrument, 0n, now) : this.optionMarkOf(no, 0n, now))
        .price;
    if (mark === null || mark === 0n) return 0n;
    const orders = BigInt(this.positions.openLots(slot, side)) * (this.unitWad[no] as bigint);
    return limitLoss(orders, this.positions.openValue(slot, side), mark, side, false);
  }

  /**
   * The most of `asset` that can leave the account now while initial margin stays covered (raw at the asset's
   * decimals): all of it without open positions, else the largest amount whose lost collateral value fits in
   * the free collateral (bisection on the asset's own value, which is monotone in the balance).
   */
  availableToWithdraw(account: number, asset: number, f: AccountFigures, now: number): bigint {
    const balance = this.ledger.balance(account, asset);
    if (balance <= 0n) return 0n;
    if (!this.positions.hasOpenPosition(account)) return balance;
    const free = f.initialEquity - f.crossInitial;
    if (free <= 0n) return 0n;
    const full = this.collateralLine(asset, balance, now).value;
    const lost = (amount: bigint) =>
      full - (amount === balance ? 0n : this.collateralLine(asset, balance - amount, now).value);
    if (lost(balance) <= free) return balance;
    let low = 0n;
    let high = balance;
    while (low < high) {
      const mid = (low + high + 1n) / 2n;
      if (lost(mid) <= free) low = mid;
      else high = mid - 1n;
    }
    return low;
  }

  /**
   * IM that an instrument's resting orders reserve (quote asset, wad), as Drift and Mango do: the worse of all
   * bids filling and all asks filling — the IM of the position that would result, plus the loss of filling at
   * limits worse than the mark — less the IM the position already carries.
   */
  private orderReserve(slot: number, now: number, p: PositionFigures | null): bigint {
    const no = this.positions.instrument(slot);
    const instrument = this.config.instruments[no] as InstrumentConfig;
    const unit = this.unitWad[no] as bigint;
    const inverse = instrument.inverse;
    const exposure = BigInt(this.positions.lots(slot)) * unit;
    let m = p?.mark.price ?? null;
    let underlying = p?.underlying ?? null;
    if (p === null) {
      const mark =
        this.optionTerms[no] === null ? this.markOf(instrument, 0n, now) : this.optionMarkOf(no, 0n, now);
      m = mark.price !== null && mark.price > 0n ? mark.price : null;
      underlying = mark.underlying;
    }
    const leverage = this.positions.leverage(slot);
    let worst = 0n;
    let convert = m ?? WAD;
    for (const side of [0, 1] as const) {
      const lots = this.positions.openLots(slot, side);
      if (lots === 0) continue;
      const orders = BigInt(lots) * unit;
      const value = this.positions.openValue(slot, side);
      // Without a mark, value the orders at their own limits (the average: value ÷ size).
      const mark = m ?? (inverse ? wadDiv(orders, value, "ceil") : wadDiv(value, orders, "ceil"));
      if (m === null && mark > convert) convert = mark;
      const after = side === 0 ? exposure + orders : exposure - orders;
      const size = wadAbs(after);
      const notional = inverse ? wadDiv(size, mark, "ceil") : wadMul(size, mark, "ceil");
      let need =
        underlying === null
          ? requirements(instrument, notional, inverse ? notional : size, leverage).initial
          : this.optionRequirements(no, after, mark, underlying).initial;
      need += limitLoss(orders, value, mark, side, inverse);
      if (need > worst) worst = need;
    }
    const held = p === null ? 0n : p.isolated ? 0n : p.initial;
    const reserve = worst - held;
    if (reserve <= 0n) return 0n;
    return inverse ? wadMul(reserve, convert, "ceil") : reserve;
  }

  /** One asset's contribution in the quote asset (wad). */
  private collateralLine(asset: number, balance: bigint, now: number): CollateralFigures {
    const config = this.config.assets[asset] as AssetConfig;
    const amount = wadFromRaw(balance, config.decimals);
    if (config.id === this.config.quoteAsset) {
      if (balance < 0n)
        return {
          asset,
          balance,
          price: WAD,
          status: "ok",
          ageMs: 0,
          weight: WAD,
          factor: WAD,
          value: amount,
        };
      const value = this.weighted(asset, amount);
      const weight = this.weightOf(asset, amount, value);
      return { asset, balance, price: WAD, status: "ok", ageMs: 0, weight, factor: WAD, value };
    }
    const priced = config.index === null ? null : this.prices.indexPrice(config.index, now);
    if (priced === null || Number.isNaN(priced.value))
      return {
        asset,
        balance,
        price: null,
        status: "unavailable",
        ageMs: 0,
        weight: this.weightOf(asset, 0n, 0n),
        factor: 0n,
        value: 0n,
      };
    const price = wadOfPrice(priced.value, this.priceDecimals.get(config.index as string) ?? 8);
    const gross = wadMul(amount, price, "floor");
    const { status, ageMs } = priced;
    // A debt counts in full whatever its price's quality: discounting it would favour the account.
    if (balance < 0n) return { asset, balance, price, status, ageMs, weight: WAD, factor: WAD, value: gross };
    const factor = priceQualityFactor(status, ageMs, this.degradedFactor, this.decay);
    const weighted = this.weighted(asset, gross);
    const value = wadMul(weighted, factor, "floor");
    return {
      asset,
      balance,
      price,
      status,
      ageMs,
      weight: this.weightOf(asset, gross, weighted),
      factor,
      value,
    };
  }

  private weightOf(asset: number, gross: bigint, weighted: bigint): bigint {
    if ((this.tiersOf[asset] as readonly unknown[]).length === 0)
      return wadOf((this.config.assets[asset] as AssetConfig).collateralWeight);
    if (gross === 0n) return (this.tiersOf[asset] as readonly { weight: bigint }[])[0]?.weight ?? 0n;
    return wadDiv(weighted, gross, "floor");
  }

  private weighted(asset: number, value: bigint): bigint {
    const tiers = this.tiersOf[asset] as readonly { upToValue: bigint; weight: bigint }[];
    if (tiers.length > 0) return tieredCollateralValue(value, tiers);
    return flatCollateralValue(value, wadOf((this.config.assets[asset] as AssetConfig).collateralWeight));
  }

  /** The mark a position is valued at: the mark, else its index, else the entry price (PnL 0). */
  private markOf(
    instrument: InstrumentConfig,
    entryPrice: bigint,
    now: number,
  ): PriceUsed & { underlying: null } {
    const decimals = this.priceDecimals.get(instrument.index) ?? 8;
    const mark = this.prices.markPrice(instrument.symbol, now);
    if (mark !== null && !Number.isNaN(mark.value) && mark.value > 0)
      return {
        price: wadOfPrice(mark.value, decimals),
        status: mark.status,
        ageMs: mark.ageMs,
        underlying: null,
      };
    return { price: entryPrice, status: "unavailable", ageMs: 0, underlying: null };
  }

  /**
   * An option's mark (0 is a mark: a worthless option), else the entry price (PnL 0), and the forward its margin
   * is measured on — the strike when there is no forward yet (the mark is then unavailable and nothing new trades).
   */
  private optionMarkOf(no: number, entryPrice: bigint, now: number): PriceUsed & { underlying: bigint } {
    // Read once per option per (prices revision, time): every account holding it then reads the same wads.
    let read = this.optionReads[no];
    if (read === undefined || read.revision !== this.prices.revision || read.ts !== now) {
      const instrument = this.config.instruments[no] as InstrumentConfig;
      assert(this.options !== null, "margin: an option position without option marks");
      const decimals = this.priceDecimals.get(instrument.index) ?? 8;
      const q = this.options.quote(no, now, this.quote);
      read = {
        revision: this.prices.revision,
        ts: now,
        price: q.value >= 0 ? wadOfPrice(q.value, decimals) : null,
        status: q.status,
        ageMs: q.ageMs,
        underlying:
          q.forward > 0
            ? wadOfPrice(q.forward, decimals)
            : (this.optionTerms[no] as { strike: bigint }).strike,
      };
      this.optionReads[no] = read;
    }
    if (read.price !== null)
      return { price: read.price, status: read.status, ageMs: read.ageMs, underlying: read.underlying };
    return { price: entryPrice, status: "unavailable", ageMs: 0, underlying: read.underlying };
  }

  /** IM and MM of a signed option exposure (base units, wad) at mark `m` on `underlying` (quote asset, wad, up). */
  private optionRequirements(
    no: number,
    exposure: bigint,
    m: bigint,
    underlying: bigint,
  ): { initial: bigint; maintenance: bigint } {
    const terms = this.optionTerms[no];
    assert(
      terms !== null && terms !== undefined,
      "margin: option rules for an instrument that is not an option",
    );
    const short = exposure < 0n;
    const size = wadAbs(exposure);
    const im = optionInitialMargin(terms.rates, terms.call, short, underlying, terms.strike, m);
    const mm = optionMaintenanceMargin(terms.rates, short, underlying, m);
    return { initial: wadMul(size, im, "ceil"), maintenance: wadMul(size, mm, "ceil") };
  }

  /**
   * IM of `lots` of instrument `no` at mark `m` (wad), at the instrument's own rates, in the quote asset (wad,
   * rounded up): what an account taking the position over must hold. `underlying` is an option's forward.
   */
  initialMarginAt(no: number, lots: number, m: bigint, underlying: bigint | null): bigint {
    if (lots === 0) return 0n;
    const instrument = this.config.instruments[no] as InstrumentConfig;
    const exposure = BigInt(lots) * (this.unitWad[no] as bigint);
    if (this.optionTerms[no] !== null)
      return this.optionRequirements(
        no,
        exposure,
        m,
        underlying ?? (this.optionTerms[no] as { strike: bigint }).strike,
      ).initial;
    const size = wadAbs(exposure);
    const notional = instrument.inverse ? wadDiv(size, m, "ceil") : wadMul(size, m, "ceil");
    const { initial } = requirements(instrument, notional, instrument.inverse ? notional : size, 0n);
    return instrument.inverse ? wadMul(initial, m, "ceil") : initial;
  }

  /** A position in an option: valued at its option mark, margined by the option rules, never isolated. */
  private optionPosition(slot: number, no: number, now: number, scenarios: boolean): PositionFigures {
    const lots = this.positions.lots(slot);
    const entryValue = this.positions.entryValue(slot);
    const exposure = BigInt(lots) * (this.unitWad[no] as bigint);
    const entryPrice = linearEntryPrice(exposure, entryValue);
    const { underlying, ...mark } = this.optionMarkOf(no, entryPrice, now);
    const m = mark.price as bigint;
    const upnl = linearUnrealizedPnl(exposure, entryValue, m);
    const { initial, maintenance } = scenarios
      ? NO_REQUIREMENT
      : this.optionRequirements(no, exposure, m, underlying);
    return {
      slot,
      instrument: no,
      lots,
      entryPrice,
      mark,
      isolated: false,
      leverage: 0n,
      notional: wadMul(wadAbs(exposure), m, "ceil"),
      unrealizedPnl: upnl,
      initial,
      maintenance,
      isolatedMargin: 0n,
      unrealizedPnlQuote: upnl,
      initialQuote: initial,
      maintenanceQuote: maintenance,
      isolatedMarginQuote: 0n,
      underlying,
      liquidationPrice: null,
    };
  }

  /** A position's figures; `scenarios`: its requirements come from portfolio margin (left 0 here). */
  private position(slot: number, now: number, scenarios: boolean): PositionFigures {
    const instrumentNo = this.positions.instrument(slot);
    if (this.optionTerms[instrumentNo] !== null)
      return this.optionPosition(slot, instrumentNo, now, scenarios);
    const instrument = this.config.instruments[instrumentNo] as InstrumentConfig;
    const lots = this.positions.lots(slot);
    const entryValue = this.positions.entryValue(slot);
    const exposure = BigInt(lots) * unitOf(instrument);
    const inverse = instrument.inverse;
    const entryPrice = inverse
      ? inverseEntryPrice(exposure, entryValue)
      : linearEntryPrice(exposure, entryValue);
    const { underlying, ...mark } = this.markOf(instrument, entryPrice, now);
    const m = mark.price as bigint;
    const upnl = inverse
      ? inverseUnrealizedPnl(exposure, entryValue, m)
      : linearUnrealizedPnl(exposure, entryValue, m);
    const notional = inverse ? wadDiv(wadAbs(exposure), m, "ceil") : wadMul(wadAbs(exposure), m, "ceil");
    const baseSize = inverse ? notional : wadAbs(exposure);
    const leverage = this.positions.leverage(slot);
    const { initial, maintenance } = requirements(instrument, notional, baseSize, leverage);
    const isolated = this.positions.isolated(slot);
    const isolatedMargin = isolated
      ? isolatedMarginOf(instrument, wadAbs(entryValue), baseSize, leverage)
      : 0n;
    // An inverse position's amounts are in its base asset; its mark converts them to the quote asset.
    const toQuote = (x: bigint, mode: "floor" | "ceil") => (inverse ? wadMul(x, m, mode) : x);
    return {
      slot,
      instrument: instrumentNo,
      lots,
      entryPrice,
      mark,
      isolated,
      leverage,
      notional,
      unrealizedPnl: upnl,
      initial: isolated ? isolatedMargin : initial,
      maintenance,
      isolatedMargin,
      unrealizedPnlQuote: toQuote(upnl, "floor"),
      initialQuote: toQuote(isolated ? isolatedMargin : initial, "ceil"),
      maintenanceQuote: toQuote(maintenance, "ceil"),
      isolatedMarginQuote: toQuote(isolatedMargin, "ceil"),
      underlying,
      liquidationPrice: null,
    };
  }

  private liquidationPrice(p: PositionFigures, account: AccountFigures): bigint | null {
    if (p.underlying !== null) return null; // an option's value moves with its forward, volatility and time
    const instrument = this.config.instruments[p.instrument] as InstrumentConfig;
    const exposure = BigInt(p.lots) * unitOf(instrument);
    const entryValue = this.positions.entryValue(p.slot);
    const model = liquidationModel(instrument);
    if (p.isolated) {
      const basisNotional = instrument.maintenanceBasis === "entry" ? wadAbs(entryValue) : p.notional;
      const { rate, amount } = maintenanceTerms(
        instrument,
        basisNotional,
        instrument.inverse ? p.notional : wadAbs(exposure),
      );
      return isolatedLiquidationPrice({
        isolatedMargin: p.isolatedMargin,
        exposure,
        entryValue,
        rate,
        amount,
        basis: instrument.maintenanceBasis,
        inverse: instrument.inverse,
      });
    }
    const otherEquity = account.crossEquity - p.unrealizedPnlQuote;
    const otherMaintenance = account.crossMaintenance - p.maintenanceQuote;
    if (!instrument.inverse)
      return crossLiquidationPriceLinear({ otherEquity, otherMaintenance, exposure, entryValue, model });
    const m = p.mark.price as bigint;
    return crossLiquidationPriceInverse({
      otherEquityBase: wadDiv(otherEquity, m, "floor"),
      otherMaintenanceBase: wadDiv(otherMaintenance, m, "ceil"),
      exposure,
      entryValue,
      model,
    });
  }
}

const NO_REQUIREMENT = { initial: 0n, maintenance: 0n } as const;

/** A float requirement (quote asset) as a wad, rounded up at a millionth (or a unit past 2^53 millionths). */
function wadCeilOfFloat(x: number): bigint {
  if (!(x > 0)) return 0n;
  const up = x * (1 + 1e-12); // the scenarios' float error is far below this
  const micros = Math.ceil(up * 1e6);
  return Number.isSafeInteger(micros) ? BigInt(micros) * 10n ** 12n : BigInt(Math.ceil(up)) * WAD;
}

/** The margin model of a perpetual or future; an option reaching it is a bug (options have their own rules). */
function futuresMargin(instrument: InstrumentConfig): MarginModelConfig {
  assert(instrument.margin !== null, "margin: an option position reached the futures margin model");
  return instrument.margin;
}

/**
 * What filling resting orders (size `orders`, entry value `value`) at their limits loses at once against mark `m`,
 * where the limits are worse than the mark (wad, ≥ 0): a buy pays more than the mark, a sell gets less (for an
 * inverse position its entry value is in the base asset, so the comparison turns over).
 */
function limitLoss(orders: bigint, value: bigint, m: bigint, side: 0 | 1, inverse: boolean): bigint {
  const atMark = inverse ? wadDiv(orders, m, "floor") : wadMul(orders, m, "floor");
  const loss = (side === 0) !== inverse ? value - atMark : atMark - value;
  return loss > 0n ? loss : 0n;
}

/** lotSize × contractSize as a wad: the exposure of one lot (base units if linear, quote units if inverse). */
export function unitOf(instrument: InstrumentConfig): bigint {
  return wadMul(wadOf(instrument.lotSize), wadOf(instrument.contractSize), "down");
}

function liquidationModel(instrument: InstrumentConfig): LiquidationModel {
  const margin = futuresMargin(instrument);
  if (margin.kind === "tiers") return { kind: "tiers", tiers: margin.tiers };
  return {
    kind: "scaling",
    initial: wadOf(margin.initial),
    maintenance: wadOf(margin.maintenance),
    perUnit: wadOf(margin.perUnit),
  };
}

/** IM and MM of a position in its settlement asset (wad, rounded up). */
function requirements(
  instrument: InstrumentConfig,
  notional: bigint,
  baseSize: bigint,
  leverage: bigint,
): { initial: bigint; maintenance: bigint } {
  const margin = futuresMargin(instrument);
  if (margin.kind === "tiers")
    return {
      initial: tieredInitialMargin(margin.tiers, notional, leverage > 0n ? leverage : null),
      maintenance: tieredMaintenanceMargin(margin.tiers, notional),
    };
  const model = {
    initial: wadOf(margin.initial),
    maintenance: wadOf(margin.maintenance),
    perUnit: wadOf(margin.perUnit),
  };
  let initial = scaledInitialMargin(model, notional, baseSize);
  if (leverage > 0n) {
    const byLeverage = wadDiv(notional, leverage, "ceil");
    if (byLeverage > initial) initial = byLeverage;
  }
  return { initial, maintenance: scaledMaintenanceMargin(model, notional, baseSize) };
}

/** Isolated margin: the initial margin of the entry value (Binance/Bybit isolated): entry value / leverage. */
function isolatedMarginOf(
  instrument: InstrumentConfig,
  entryNotional: bigint,
  baseSize: bigint,
  leverage: bigint,
): bigint {
  return requirements(instrument, entryNotional, baseSize, leverage).initial;
}

/** The maintenance rate and amount that apply at a notional. */
function maintenanceTerms(
  instrument: InstrumentConfig,
  notional: bigint,
  baseSize: bigint,
): { rate: bigint; amount: bigint } {
  const margin = futuresMargin(instrument);
  if (margin.kind === "tiers") {
    const tier = margin.tiers[bracketIndex(margin.tiers, notional)];
    assert(tier !== undefined, "margin: no bracket");
    return { rate: wadOf(tier.maintenance), amount: wadOf(tier.maintenanceAmount) };
  }
  return { rate: scaledRate(wadOf(margin.maintenance), wadOf(margin.perUnit), baseSize), amount: 0n };
}

// Feeds the liquidation sweep from exact evaluations, and the sweep's candidates back to the margin watch. After
// an account's exact evaluation its float figures, tolerance and state band are set, and each position becomes a
// holder of its instrument with the maintenance slope of its margin bracket; when prices move, each instrument
// whose mark changed is swept, and the accounts it names are queued for an exact evaluation.
import type { AssetConfig, InstrumentConfig, MarginTier, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import type { AccountFigures, PositionFigures } from "../margin/account-margin.js";
import { bracketIndex } from "../margin/margin-tiers.js";
import type { Positions } from "../margin/positions.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { LiquidationSweep, SWEEP_TOLERANCE } from "./liquidation-sweep.js";

const STATUS_CODE = { ok: 0, degraded: 1, unavailable: 2 } as const;
const MODE_CODE = { normal: 0, reduce_only: 1, halted: 2 } as const;

/** Bracket edges are moved inward by this share, so that a float mark on the edge is never on the wrong side. */
const EDGE = 1e-9;

export class SweepFeed {
  readonly sweep: LiquidationSweep;
  private readonly config: MarketConfig;
  private readonly positions: Positions;
  private readonly prices: MarketPrices;
  private readonly unit: Float64Array;
  /** Half a unit in the last place of each instrument's mark, as the exact path reads it. */
  private readonly markHalfUlp: Float64Array;
  private readonly symbols: readonly string[];
  /** The equity / maintenance ratios at which the state can change (bankrupt, liquidating, buffered, margin call). */
  private readonly thresholds: readonly number[];
  private readonly quote: number;
  /** Accounts holding collateral other than the quote asset: re-evaluated when a collateral price changes. */
  private collateralHeld = new Uint8Array(1024);
  private readonly collateralAccounts: number[] = [];
  private readonly collateralSeen: Float64Array;
  private candidates = new Int32Array(1 << 16);
  /** Each swept instrument's mark status and trading mode as last seen (a change freezes or frees accounts). */
  private readonly conditionSeen: Int8Array;

  constructor(config: MarketConfig, positions: Positions, prices: MarketPrices) {
    this.config = config;
    this.positions = positions;
    this.prices = prices;
    this.sweep = new LiquidationSweep(config.instruments.length);
    this.unit = Float64Array.from(
      config.instruments,
      (i) => fixedToNumber(i.lotSize) * fixedToNumber(i.contractSize),
    );
    this.markHalfUlp = Float64Array.from(config.instruments, (i) => {
      const decimals = config.indices.find((x) => x.id === i.index)?.priceDecimals ?? 8;
      return 0.5 * 10 ** -decimals;
    });
    this.symbols = config.instruments.map((i) => i.symbol);
    const ratio = fixedToNumber(config.liquidation.marginCallRatio);
    const buffer = 1 + fixedToNumber(config.liquidation.bufferRatio);
    this.thresholds = [0, 1, buffer, 1 / ratio, buffer / ratio].sort((a, b) => a - b);
    this.quote = config.assets.findIndex((a) => a.id === config.quoteAsset);
    this.collateralSeen = new Float64Array(config.assets.length).fill(Number.NaN);
    this.conditionSeen = new Int8Array(config.instruments.length).fill(-1);
  }

  /** After an exact evaluation of `account` with figures `f`. */
  sync(account: number, f: AccountFigures): void {
    const { positions, sweep } = this;
    // Taken to the marks the sweep last moved each instrument's holders to (the exact path may have read a mark
    // a little newer, e.g. with a source gone stale since), so that the next move starts from the same place.
    const exactEquity = Number(f.crossEquity) / 1e18;
    const exactMaintenance = Number(f.crossMaintenance) / 1e18;
    let equity = exactEquity;
    let maintenance = exactMaintenance;
    let scale = Math.abs(exactEquity) + exactMaintenance;
    let slack = 0;
    let j = 0;
    for (let slot = positions.first(account); slot >= 0; slot = positions.next(slot)) {
      const no = positions.instrument(slot);
      if (positions.lots(slot) === 0) {
        sweep.removeHolder(slot, no);
        continue;
      }
      const p = f.positions[j++] as PositionFigures;
      const instrument = this.config.instruments[no] as InstrumentConfig;
      if (p.isolated || instrument.inverse || p.mark.price === null) {
        sweep.setHolder(slot, account, no, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
        continue;
      }
      const m = Number(p.mark.price) / 1e18;
      const exposure = p.lots * (this.unit[no] as number);
      const size = Math.abs(exposure);
      const [slope, low, high] = this.maintenanceSlope(instrument, p, size);
      let reference = sweep.mark(no);
      if (Number.isNaN(reference)) sweep.setMark(no, (reference = m));
      equity -= exposure * (m - reference);
      maintenance -= slope * (m - reference);
      sweep.setHolder(
        slot,
        account,
        no,
        exposure,
        slope,
        Math.max(low * (1 + EDGE), m / 2),
        Math.min(high * (1 - EDGE), m * 2),
      );
      scale += size * m;
      slack += size * (this.markHalfUlp[no] as number) * 2;
    }
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    // The band of the state just decided, on the exact figures.
    if (exactMaintenance > 0)
      for (const k of this.thresholds) {
        if (exactEquity >= k * exactMaintenance) low = k;
        else {
          high = k;
          break;
        }
      }
    sweep.setAccount(account, equity, maintenance, SWEEP_TOLERANCE * scale + slack, low, high);
    for (const c of f.collateral)
      if (c.asset !== this.quote && c.balance !== 0n) {
        this.holdCollateral(account);
        break;
      }
  }

  /**
   * Prices moved (a price, a tick, a halt): sweeps every instrument whose mark changed, and queues the accounts
   * named, and the accounts holding other collateral when a collateral price changed or is ageing. True when a
   * held instrument's mark status or trading mode changed: accounts being liquidated must then be decided again
   * (a liquidation never acts on a bad price).
   */
  pricesMoved(now: number, touch: (account: number) => void): boolean {
    const { sweep } = this;
    let conditionChanged = false;
    for (let no = 0; no < this.symbols.length; no++) {
      if (sweep.holderCount(no) === 0) continue;
      const symbol = this.symbols[no] as string;
      const mark = this.prices.markPrice(symbol, now);
      const condition =
        (mark === null ? 3 : STATUS_CODE[mark.status]) * 4 + MODE_CODE[this.prices.tradingMode(symbol)];
      if (condition !== this.conditionSeen[no]) {
        this.conditionSeen[no] = condition;
        conditionChanged = true;
      }
      const m = mark === null ? Number.NaN : mark.value;
      if (!(m > 0) || m === sweep.mark(no)) continue;
      let found = sweep.markMoved(no, m, this.candidates);
      if (found > this.candidates.length) {
        // More than the buffer: grow it and take the rest by sweeping again with no move.
        this.candidates = new Int32Array(found * 2);
        found = sweep.markMoved(no, m, this.candidates);
      }
      for (let i = 0; i < found; i++) touch(this.candidates[i] as number);
    }
    if (this.collateralAccounts.length > 0 && this.collateralMoved(now))
      for (const account of this.collateralAccounts) touch(account);
    return conditionChanged;
  }

  /** MM slope (per unit of mark) of a linear position and the marks between which it holds. */
  private maintenanceSlope(
    instrument: InstrumentConfig,
    p: PositionFigures,
    size: number,
  ): [number, number, number] {
    const margin = instrument.margin;
    if (margin === null) return [0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    if (margin.kind === "scaling") {
      const rate = fixedToNumber(margin.maintenance) + size * fixedToNumber(margin.perUnit);
      return [rate * size, 0, Number.POSITIVE_INFINITY];
    }
    const b = bracketIndex(margin.tiers, p.notional);
    const tier = margin.tiers[b] as MarginTier;
    const from = b === 0 ? 0 : fixedToNumber((margin.tiers[b - 1] as MarginTier).upToNotional);
    const to = b === margin.tiers.length - 1 ? Number.POSITIVE_INFINITY : fixedToNumber(tier.upToNotional);
    // MM = max(0, notional × rate − amount): flat at 0 where the amount exceeds it.
    const slope = p.maintenance === 0n ? 0 : fixedToNumber(tier.maintenance) * size;
    return [slope, from / size, to / size];
  }

  private holdCollateral(account: number): void {
    if (account >= this.collateralHeld.length) {
      const grown = new Uint8Array(Math.max(account + 1, this.collateralHeld.length * 2));
      grown.set(this.collateralHeld);
      this.collateralHeld = grown;
    }
    if (this.collateralHeld[account] === 1) return;
    this.collateralHeld[account] = 1;
    this.collateralAccounts.push(account);
  }

  /** Some collateral price changed since the last look, or is not fresh (its weight decays with age). */
  private collateralMoved(now: number): boolean {
    let moved = false;
    this.config.assets.forEach((asset: AssetConfig, i) => {
      if (i === this.quote || asset.index === null) return;
      const priced = this.prices.indexPrice(asset.index, now);
      if (priced === null) return;
      const key = priced.status === "ok" && priced.ageMs === 0 ? priced.value : Number.NaN;
      if (!(key === this.collateralSeen[i])) moved = true;
      this.collateralSeen[i] = key;
    });
    return moved;
  }
}

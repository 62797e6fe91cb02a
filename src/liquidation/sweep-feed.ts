// Feeds the liquidation sweep from exact evaluations, and the sweep's candidates back to the margin watch. After
// an account's exact evaluation each of its positions gets the range of marks within which the account's state
// cannot change; when prices move, each instrument whose mark changed is swept, and the accounts it names are
// queued for an exact evaluation (which gives them new ranges).

import type { AssetConfig, InstrumentConfig, MarginTier, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import { decodeArray, type Encoded, encodeArray } from "../kernel/snapshot-codec.js";
import type { AccountFigures, PositionFigures } from "../margin/account-margin.js";
import { bracketIndex } from "../margin/margin-tiers.js";
import { MAX_POSITIONS_PER_ACCOUNT, type Positions } from "../margin/positions.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { LiquidationSweep } from "./liquidation-sweep.js";

const STATUS_CODE = { ok: 0, degraded: 1, unavailable: 2 } as const;
const MODE_CODE = { normal: 0, reduce_only: 1, halted: 2 } as const;

/** Bracket edges are moved inward by this share, so that a float mark on the edge is never on the wrong side. */
const EDGE = 1e-9;

export interface SweepFeedSnapshot {
  readonly marks: Encoded[];
  readonly conditionSeen: number[];
  readonly collateralSeen: Encoded[];
  readonly forwardSeen: Encoded[];
  readonly collateralAccounts: number[];
}

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
  /** The largest threshold k: how much a maintenance move can count against the slack. */
  private readonly kMax: number;
  // Results of maintenanceSlope.
  private slope = 0;
  private bracketLow = 0;
  private bracketHigh = 0;
  /** One account's linear positions during a sync (at most MAX_POSITIONS_PER_ACCOUNT). */
  private readonly scratch = {
    slot: new Int32Array(MAX_POSITIONS_PER_ACCOUNT),
    instrument: new Int32Array(MAX_POSITIONS_PER_ACCOUNT),
    mark: new Float64Array(MAX_POSITIONS_PER_ACCOUNT),
    low: new Float64Array(MAX_POSITIONS_PER_ACCOUNT),
    high: new Float64Array(MAX_POSITIONS_PER_ACCOUNT),
  };
  /** Each swept instrument's mark status and trading mode as last seen (a change freezes or frees accounts). */
  private readonly conditionSeen: Int8Array;
  /** Options: their forward as last swept, since an option's margin moves with it. */
  private readonly option: Uint8Array;
  private readonly forwardSeen: Float64Array;

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
    this.kMax = this.thresholds[this.thresholds.length - 1] as number;
    this.quote = config.assets.findIndex((a) => a.id === config.quoteAsset);
    this.collateralSeen = new Float64Array(config.assets.length).fill(Number.NaN);
    this.conditionSeen = new Int8Array(config.instruments.length).fill(-1);
    this.option = Uint8Array.from(config.instruments, (i) => (i.kind === "option" ? 1 : 0));
    this.forwardSeen = new Float64Array(config.instruments.length).fill(Number.NaN);
  }

  /**
   * After an exact evaluation of `account` with figures `f`: each position's range of marks.
   *
   * The bound. The state is decided by the signs of g_k = E − k·MM for the thresholds k (bankrupt 0, liquidating 1,
   * buffered 1 + b, margin call 1/ratio and (1 + b)/ratio); it cannot change while every g_k keeps its sign. Within
   * a margin bracket, E and MM are linear in each mark: dE/dm_j = X_j (the exposure), dMM/dm_j = s_j (the slope),
   * so |dg_k| ≤ Σ_j (|X_j| + k_max·s_j)·|Δm_j|. With S the slack — the distance of E to the nearest threshold
   * k·MM, less the tolerance — and every mark kept within m_j·(1 ± r), r = S / Σ_j (|X_j| + k_max·s_j)·m_j, no g_k
   * can change sign. The tolerance covers the figures' conversion to float (1e-9 of the account's scale) and the
   * exact path's reading of each mark at its published decimals.
   */
  sync(account: number, f: AccountFigures): void {
    const { positions, sweep } = this;
    const equity = Number(f.crossEquity) / 1e18;
    const maintenance = Number(f.crossMaintenance) / 1e18;
    let scale = Math.abs(equity) + maintenance;
    let slack = 0;
    let sensitivity = 0;
    let j = 0;
    let n = 0;
    for (let slot = positions.first(account); slot >= 0; slot = positions.next(slot)) {
      const no = positions.instrument(slot);
      if (positions.lots(slot) === 0) {
        sweep.removeHolder(slot, no);
        continue;
      }
      const p = f.positions[j++] as PositionFigures;
      const instrument = this.config.instruments[no] as InstrumentConfig;
      const scratch = this.scratch;
      scratch.slot[n] = slot;
      scratch.instrument[n] = no;
      if (
        p.isolated ||
        instrument.inverse ||
        p.underlying !== null ||
        f.portfolio !== null ||
        p.mark.price === null
      ) {
        // Not linear in its mark here (or margined by scenarios): every move of it (for an option, of its
        // forward too) names the account.
        scratch.mark[n] = Number.NaN;
        n++;
        continue;
      }
      const m = Number(p.mark.price) / 1e18;
      const size = Math.abs(p.lots * (this.unit[no] as number));
      this.maintenanceSlope(instrument, p, size);
      scratch.mark[n] = m;
      scratch.low[n] = this.bracketLow;
      scratch.high[n] = this.bracketHigh;
      n++;
      sensitivity += (size + this.kMax * this.slope) * m;
      scale += size * m;
      slack += size * (this.markHalfUlp[no] as number) * 2;
    }
    // Distance to the nearest threshold of the state just decided, on the exact figures.
    let distance = Number.POSITIVE_INFINITY;
    if (maintenance > 0)
      for (const k of this.thresholds) {
        const g = Math.abs(equity - k * maintenance);
        if (g < distance) distance = g;
      }
    else distance = Math.abs(equity);
    const reach = (distance - 1e-9 * scale - slack) / sensitivity; // r: the relative move each mark may make
    const scratch = this.scratch;
    for (let i = 0; i < n; i++) {
      const m = scratch.mark[i] as number;
      const slot = scratch.slot[i] as number;
      const no = scratch.instrument[i] as number;
      if (Number.isNaN(m) || !(reach > 0)) {
        sweep.setHolder(slot, account, no, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
        continue;
      }
      const low = Math.max(scratch.low[i] as number, m * (1 - reach));
      const high = Math.min(scratch.high[i] as number, m * (1 + reach));
      sweep.setHolder(slot, account, no, low, high);
    }
    for (const c of f.collateral)
      if (c.asset !== this.quote && c.balance !== 0n) {
        this.holdCollateral(account);
        break;
      }
  }

  /** What the feed has seen, for a snapshot (the holders' ranges are not: they are rebuilt by syncing). */
  snapshot(): SweepFeedSnapshot {
    return {
      marks: encodeArray(this.sweep.marks()),
      conditionSeen: encodeArray(this.conditionSeen) as number[],
      collateralSeen: encodeArray(this.collateralSeen),
      forwardSeen: encodeArray(this.forwardSeen),
      collateralAccounts: [...this.collateralAccounts],
    };
  }

  restoreSnapshot(s: SweepFeedSnapshot): void {
    this.sweep.restoreMarks(decodeArray(s.marks, new Float64Array(s.marks.length)));
    decodeArray(s.conditionSeen, this.conditionSeen);
    decodeArray(s.collateralSeen, this.collateralSeen);
    decodeArray(s.forwardSeen, this.forwardSeen);
    for (const account of s.collateralAccounts) this.holdCollateral(account);
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
    const instruments = sweep.totalHolders === 0 ? 0 : this.symbols.length; // nobody holds anything: no sweep
    for (let no = 0; no < instruments; no++) {
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
      if (this.option[no] === 1) {
        // An option's holders have no range: any move of its mark or of its forward (its margin's underlying).
        const forward = this.prices.optionForward(symbol, now);
        const moved = !(forward === this.forwardSeen[no]) || !(m === sweep.mark(no));
        this.forwardSeen[no] = forward;
        if (!moved || !(m >= 0)) continue;
      } else if (!(m > 0) || m === sweep.mark(no)) continue;
      let found = sweep.markMoved(no, m, this.candidates);
      if (found > this.candidates.length) {
        // More than the buffer: grow it and sweep again at the same mark (both edges, the same answer).
        this.candidates = new Int32Array(found * 2);
        found = sweep.markMoved(no, m, this.candidates);
      }
      for (let i = 0; i < found; i++) touch(this.candidates[i] as number);
    }
    if (this.collateralAccounts.length > 0 && this.collateralMoved(now))
      for (const account of this.collateralAccounts) touch(account);
    return conditionChanged;
  }

  /** MM slope (per unit of mark) of a linear position, and the marks between which it holds (its bracket, edges
   * moved inward), into `slope`, `bracketLow`, `bracketHigh`. */
  private maintenanceSlope(instrument: InstrumentConfig, p: PositionFigures, size: number): void {
    const margin = instrument.margin;
    this.bracketLow = 0;
    this.bracketHigh = Number.POSITIVE_INFINITY;
    if (margin === null) {
      this.slope = 0;
      return;
    }
    if (margin.kind === "scaling") {
      this.slope = (fixedToNumber(margin.maintenance) + size * fixedToNumber(margin.perUnit)) * size;
      return;
    }
    const b = bracketIndex(margin.tiers, p.notional);
    const tier = margin.tiers[b] as MarginTier;
    if (b > 0)
      this.bracketLow = (fixedToNumber((margin.tiers[b - 1] as MarginTier).upToNotional) / size) * (1 + EDGE);
    if (b < margin.tiers.length - 1)
      this.bracketHigh = (fixedToNumber(tier.upToNotional) / size) * (1 - EDGE);
    // MM = max(0, notional × rate − amount): flat at 0 where the amount exceeds it.
    this.slope = p.maintenance === 0n ? 0 : fixedToNumber(tier.maintenance) * size;
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

// The float screen of an account's margin: the same figures as AccountMargin in float64 over typed arrays, with
// no allocation, plus a bound on how far they can be from the exact figures. A decision (is equity below
// maintenance?) is taken from the screen only when the gap is wider than the bound; otherwise the exact path
// confirms it (DEVELOPERS.md: "a float screen ... confirmed exactly before anything acts").
//
// Error bound. Each float operation has relative error at most u = 2^-53; a sum or product chain of n operations
// over terms of absolute sum S is within γ(n)·S, γ(n) = n·u / (1 − n·u) (Higham, "Accuracy and Stability of
// Numerical Algorithms", §3.1). The exact path also differs by its own roundings: prices taken at their published
// decimals (≤ half a unit in the last place each, times the exposure it multiplies), and one unit at 18 decimals
// per rounded operation. The bound adds all three; tests check it against the exact path on random portfolios.
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import type { Ledger } from "../ledger/ledger.js";
import type { Positions } from "./positions.js";

const U = 2 ** -53;
/** Rounding of the exact path: one unit at 18 decimals per operation, a few operations per term. */
const EXACT_STEP = 1e-17;

export class RiskScreen {
  private readonly positions: Positions;
  private readonly ledger: Ledger;
  private readonly assetCount: number;
  private readonly assetScale: Float64Array;
  /** Per instrument. */
  private readonly unit: Float64Array;
  private readonly inverse: Uint8Array;
  /** Options: valued on a surface the screen does not price; the exact path decides. */
  private readonly option: Uint8Array;
  private readonly scaling: Uint8Array;
  private readonly imr0: Float64Array;
  private readonly mmr0: Float64Array;
  private readonly perUnit: Float64Array;
  private readonly tierStart: Int32Array;
  private readonly tierEnd: Int32Array;
  /** Half a unit in the last place of the instrument's published mark. */
  private readonly markHalfUlp: Float64Array;
  // Tiers of all instruments, flattened.
  private readonly tierUpTo: Float64Array;
  private readonly tierImr: Float64Array;
  private readonly tierMmr: Float64Array;
  private readonly tierAmount: Float64Array;

  // Results of the last `screen` (no object is allocated per call).
  equity = 0;
  crossEquity = 0;
  /** crossEquity with positive PnL weighted by unrealizedProfitWeight: what initial margin is measured against. */
  initialEquity = 0;
  initial = 0;
  maintenance = 0;
  crossMaintenance = 0;
  /** |float figure − exact figure| ≤ bound for each of the figures above. */
  bound = 0;
  /** The screen cannot decide for this account (an isolated position, an option, portfolio margin): use the exact path. */
  exactOnly = false;

  constructor(config: MarketConfig, ledger: Ledger, positions: Positions) {
    this.positions = positions;
    this.ledger = ledger;
    const n = config.instruments.length;
    this.assetCount = config.assets.length;
    this.assetScale = Float64Array.from(config.assets, (a: AssetConfig) => 10 ** a.decimals);
    this.unit = new Float64Array(n);
    this.inverse = new Uint8Array(n);
    this.option = new Uint8Array(n);
    this.scaling = new Uint8Array(n);
    this.imr0 = new Float64Array(n);
    this.mmr0 = new Float64Array(n);
    this.perUnit = new Float64Array(n);
    this.tierStart = new Int32Array(n);
    this.tierEnd = new Int32Array(n);
    this.markHalfUlp = new Float64Array(n);
    const decimals = new Map(config.indices.map((i) => [i.id, i.priceDecimals]));
    const upTo: number[] = [];
    const imr: number[] = [];
    const mmr: number[] = [];
    const amount: number[] = [];
    config.instruments.forEach((instrument: InstrumentConfig, i) => {
      this.unit[i] = fixedToNumber(instrument.lotSize) * fixedToNumber(instrument.contractSize);
      this.inverse[i] = instrument.inverse ? 1 : 0;
      this.option[i] = instrument.kind === "option" ? 1 : 0;
      this.markHalfUlp[i] = 0.5 * 10 ** -(decimals.get(instrument.index) ?? 8);
      this.tierStart[i] = upTo.length;
      const margin = instrument.margin;
      if (margin?.kind === "scaling") {
        this.scaling[i] = 1;
        this.imr0[i] = fixedToNumber(margin.initial);
        this.mmr0[i] = fixedToNumber(margin.maintenance);
        this.perUnit[i] = fixedToNumber(margin.perUnit);
      } else if (margin?.kind === "tiers")
        for (const tier of margin.tiers) {
          upTo.push(fixedToNumber(tier.upToNotional));
          imr.push(fixedToNumber(tier.initial));
          mmr.push(fixedToNumber(tier.maintenance));
          amount.push(fixedToNumber(tier.maintenanceAmount));
        }
      this.tierEnd[i] = upTo.length;
    });
    this.tierUpTo = Float64Array.from(upTo);
    this.tierImr = Float64Array.from(imr);
    this.tierMmr = Float64Array.from(mmr);
    this.tierAmount = Float64Array.from(amount);
  }

  /**
   * Screens one account. `marks[instrument]` is each mark; `collateralPrice[asset]` is the value in the quote asset
   * that one unit of the asset counts for (price × weight × quality factor; the weight for the quote asset),
   * `debtPrice[asset]` what one unit of a debt counts for (the price), and `priceHalfUlp[asset]` the rounding of
   * the published price. `profitWeight` is margin.unrealizedProfitWeight. An order being checked can be added as
   * if resting (`extraSlot` ≥ 0, its side, lots and value as Positions.changeOpen would add them). An isolated
   * position, or collateral the caller cannot price in float (tiers), sets `exactOnly`: the exact path decides.
   */
  screen(
    account: number,
    marks: Float64Array,
    collateralPrice: Float64Array,
    debtPrice: Float64Array,
    priceHalfUlp: Float64Array,
    profitWeight = 0,
    extraSlot = -1,
    extraSide = 0,
    extraLots = 0,
    extraValue = 0,
  ): void {
    if (this.positions.portfolio(account)) {
      // Portfolio margin is priced on scenarios the screen does not run: the exact path decides.
      this.exactOnly = true;
      return;
    }
    let collateral = 0;
    let absSum = 0;
    let priceSlack = 0;
    let ops = 0;
    const ledger = this.ledger;
    for (let a = 0; a < this.assetCount; a++) {
      const raw = ledger.balance(account, a);
      if (raw === 0n) continue;
      const units = Number(raw) / (this.assetScale[a] as number);
      const value = units * (units < 0 ? (debtPrice[a] as number) : (collateralPrice[a] as number));
      collateral += value;
      absSum += value < 0 ? -value : value;
      priceSlack += (units < 0 ? -units : units) * (priceHalfUlp[a] as number);
      ops += 4;
    }
    let pnl = 0;
    let crossPnl = 0;
    let pnlForInitial = 0;
    let crossInitial = 0;
    let maintenance = 0;
    let crossMaintenance = 0;
    let exactOnly = false;
    const positions = this.positions;
    for (let s = positions.first(account); s >= 0; s = positions.next(s)) {
      const lots = positions.lots(s);
      const extra = s === extraSlot ? extraLots : 0;
      const buys = positions.openLots(s, 0) + (extraSide === 0 ? extra : 0);
      const sells = positions.openLots(s, 1) + (extraSide === 1 ? extra : 0);
      if (lots === 0 && buys === 0 && sells === 0) continue;
      const i = positions.instrument(s);
      if (positions.isolated(s) || this.option[i] === 1) {
        exactOnly = true;
        continue;
      }
      const m = marks[i] as number;
      const unit = this.unit[i] as number;
      const inverse = this.inverse[i] === 1;
      const leverage = positions.leverageFloat(s);
      const exposure = lots * unit;
      const absExposure = exposure < 0 ? -exposure : exposure;
      let held = 0;
      if (lots !== 0) {
        const entry = positions.entryValueFloat(s);
        const upnl = inverse ? (entry - exposure / m) * m : exposure * m - entry;
        const mm = this.requirement(i, absExposure, m, 0, false);
        held = this.requirement(i, absExposure, m, leverage, true);
        pnl += upnl;
        crossPnl += upnl;
        pnlForInitial += upnl > 0 ? upnl * profitWeight : upnl;
        crossMaintenance += mm;
        maintenance += mm;
        absSum +=
          (upnl < 0 ? -upnl : upnl) +
          absExposure * (inverse ? 1 : m) +
          mm +
          held +
          (entry < 0 ? -entry : entry);
        priceSlack += absExposure * (this.markHalfUlp[i] as number) * (inverse ? 4 / m : 2);
        ops += 16;
      }
      if (buys === 0 && sells === 0) {
        crossInitial += held;
        continue;
      }
      // Resting orders reserve the worse of all bids or all asks filling at their limits (AccountMargin.orderReserve).
      let worst = 0;
      for (let side = 0; side < 2; side++) {
        const orderLots = side === 0 ? buys : sells;
        if (orderLots === 0) continue;
        const orders = orderLots * unit;
        const value =
          positions.openValueFloat(s, side) + (side === extraSide && s === extraSlot ? extraValue : 0);
        const after = side === 0 ? exposure + orders : exposure - orders;
        let need = this.requirement(i, after < 0 ? -after : after, m, leverage, true);
        const atMark = inverse ? orders / m : orders * m;
        const loss =
          side === 0
            ? inverse
              ? atMark - value
              : value - atMark
            : inverse
              ? value - atMark
              : atMark - value;
        if (loss > 0) need += inverse ? loss * m : loss;
        if (need > worst) worst = need;
        absSum += need + (value < 0 ? -value : value) * (inverse ? m : 1) + orders * (inverse ? 1 : m);
        priceSlack += orders * (this.markHalfUlp[i] as number) * (inverse ? 4 / m : 4);
        ops += 16;
      }
      crossInitial += worst > held ? worst : held;
    }
    this.equity = collateral + pnl;
    this.crossEquity = collateral + crossPnl;
    this.initialEquity = collateral + pnlForInitial;
    this.initial = crossInitial;
    this.maintenance = maintenance;
    this.crossMaintenance = crossMaintenance;
    this.exactOnly = exactOnly;
    const nu = ops * U;
    this.bound = (nu / (1 - nu)) * absSum * 4 + priceSlack + ops * EXACT_STEP;
  }

  /** IM (initial) or MM of a position of |size| `absExposure` at mark `m`, in the quote asset. */
  private requirement(i: number, absExposure: number, m: number, leverage: number, initial: boolean): number {
    const inverse = this.inverse[i] === 1;
    const notional = inverse ? absExposure / m : absExposure * m;
    const baseSize = inverse ? notional : absExposure;
    let r: number;
    if (this.scaling[i] === 1) {
      const extra = baseSize * (this.perUnit[i] as number);
      r = notional * ((initial ? (this.imr0[i] as number) : (this.mmr0[i] as number)) + extra);
    } else {
      const end = (this.tierEnd[i] as number) - 1;
      let t = this.tierStart[i] as number;
      while (t < end && notional > (this.tierUpTo[t] as number)) t++;
      r = initial
        ? notional * (this.tierImr[t] as number)
        : Math.max(0, notional * (this.tierMmr[t] as number) - (this.tierAmount[t] as number));
    }
    if (initial && leverage > 0 && notional / leverage > r) r = notional / leverage;
    return inverse ? r * m : r;
  }
}

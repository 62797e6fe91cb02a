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
  initial = 0;
  maintenance = 0;
  crossMaintenance = 0;
  /** |float figure − exact figure| ≤ bound for each of the figures above. */
  bound = 0;
  /** The account holds an isolated position: its cross figures need the exact path (isolated margin). */
  exactOnly = false;

  constructor(config: MarketConfig, ledger: Ledger, positions: Positions) {
    this.positions = positions;
    this.ledger = ledger;
    const n = config.instruments.length;
    this.assetCount = config.assets.length;
    this.assetScale = Float64Array.from(config.assets, (a: AssetConfig) => 10 ** a.decimals);
    this.unit = new Float64Array(n);
    this.inverse = new Uint8Array(n);
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
      this.unit[i] = fixed(instrument.lotSize) * fixed(instrument.contractSize);
      this.inverse[i] = instrument.inverse ? 1 : 0;
      this.markHalfUlp[i] = 0.5 * 10 ** -(decimals.get(instrument.index) ?? 8);
      this.tierStart[i] = upTo.length;
      const margin = instrument.margin;
      if (margin?.kind === "scaling") {
        this.scaling[i] = 1;
        this.imr0[i] = fixed(margin.initial);
        this.mmr0[i] = fixed(margin.maintenance);
        this.perUnit[i] = fixed(margin.perUnit);
      } else if (margin?.kind === "tiers")
        for (const tier of margin.tiers) {
          upTo.push(fixed(tier.upToNotional));
          imr.push(fixed(tier.initial));
          mmr.push(fixed(tier.maintenance));
          amount.push(fixed(tier.maintenanceAmount));
        }
      this.tierEnd[i] = upTo.length;
    });
    this.tierUpTo = Float64Array.from(upTo);
    this.tierImr = Float64Array.from(imr);
    this.tierMmr = Float64Array.from(mmr);
    this.tierAmount = Float64Array.from(amount);
  }

  /**
   * Screens one account. `marks[instrument]` is each mark (NaN: none); `collateralPrice[asset]` is the value in
   * the quote asset that one unit of the asset counts for (price × weight × quality factor; 1 × weight for the
   * quote asset), `debtPrice[asset]` what one unit of a debt counts for (the price), and `priceHalfUlp[asset]` the
   * rounding of the published price. An isolated position sets `exactOnly`: its isolated margin (set at entry)
   * is the exact path's.
   */
  screen(
    account: number,
    marks: Float64Array,
    collateralPrice: Float64Array,
    debtPrice: Float64Array,
    priceHalfUlp: Float64Array,
  ): void {
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
    let initial = 0;
    let maintenance = 0;
    let crossMaintenance = 0;
    let exactOnly = false;
    const positions = this.positions;
    for (let s = positions.first(account); s >= 0; s = positions.next(s)) {
      const lots = positions.lots(s);
      if (lots === 0) continue;
      const i = positions.instrument(s);
      const m = marks[i] as number;
      const exposure = lots * (this.unit[i] as number);
      const absExposure = exposure < 0 ? -exposure : exposure;
      const entry = positions.entryValueFloat(s);
      let upnl: number;
      let notional: number;
      let baseSize: number;
      if (this.inverse[i] === 1) {
        notional = absExposure / m;
        upnl = (entry - exposure / m) * m; // in the quote asset at the mark
        baseSize = notional;
        priceSlack += absExposure * (this.markHalfUlp[i] as number) * (1 / m) * 4;
      } else {
        notional = absExposure * m;
        upnl = exposure * m - entry;
        baseSize = absExposure;
        priceSlack += absExposure * (this.markHalfUlp[i] as number) * 2;
      }
      let mm: number;
      let im: number;
      if (this.scaling[i] === 1) {
        const extra = baseSize * (this.perUnit[i] as number);
        mm = notional * ((this.mmr0[i] as number) + extra);
        im = notional * ((this.imr0[i] as number) + extra);
      } else {
        const end = (this.tierEnd[i] as number) - 1;
        let t = this.tierStart[i] as number;
        while (t < end && notional > (this.tierUpTo[t] as number)) t++;
        mm = notional * (this.tierMmr[t] as number) - (this.tierAmount[t] as number);
        if (mm < 0) mm = 0;
        im = notional * (this.tierImr[t] as number);
      }
      const leverage = positions.leverageFloat(s);
      if (leverage > 0 && notional / leverage > im) im = notional / leverage;
      if (this.inverse[i] === 1) {
        mm *= m;
        im *= m;
      }
      pnl += upnl;
      maintenance += mm;
      initial += im;
      if (positions.isolated(s)) exactOnly = true;
      else {
        crossPnl += upnl;
        crossMaintenance += mm;
      }
      absSum +=
        (upnl < 0 ? -upnl : upnl) +
        notional * (this.inverse[i] === 1 ? m : 1) +
        mm +
        im +
        (entry < 0 ? -entry : entry);
      ops += 12;
    }
    this.equity = collateral + pnl;
    this.crossEquity = collateral + crossPnl;
    this.initial = initial;
    this.maintenance = maintenance;
    this.crossMaintenance = crossMaintenance;
    this.exactOnly = exactOnly;
    const nu = ops * U;
    this.bound = (nu / (1 - nu)) * absSum * 4 + priceSlack + ops * EXACT_STEP * (1 + absSum * 1e-12);
  }
}

function fixed(value: { raw: bigint; scale: number }): number {
  return Number(value.raw) / 10 ** value.scale;
}

// Portfolio margin of one underlying: every position (options, futures, perpetuals) revalued over a grid of spot
// and volatility shocks; maintenance is the worst loss plus contingency charges, initial a multiple of it.
//
// The grid: spot moves from −16 % to +16 % in 2 % steps (17) and extended moves (±25 %, ±33 %) counted at a
// reduced weight, like SPAN's extreme scenarios (35 % of the loss, CME); each under three volatility states — up,
// none, down — where an option's volatility moves by s(T) = min(cap, base·(30 days / T)^p) of itself (short-dated
// volatility moves more). 21 spot moves × 3 = 63 scenarios by default. Options are revalued with Black-76 at the
// shocked forward with their volatility at their strike (sticky strike), shocked.
//
// For speed the work is split as a risk engine does it: each instrument is priced once per scenario into a row of
// P&L per unit (`instrumentRow`), and an account's requirement is then a sum of rows weighted by its positions
// (`accountRequirement`): 63 multiply-adds per position, nothing allocated.
import { black76Greeks, black76Price, CALL, greeks, PUT } from "../volatility/black76.js";

export interface PortfolioMarginParams {
  readonly spotShocks: readonly number[];
  readonly extendedShocks: readonly number[];
  /** Share of an extended move's loss that counts (SPAN: 0.35). */
  readonly extendedWeight: number;
  /** Volatility shock s(T) = min(cap, base·(30 days / T)^power), relative to the volatility. */
  readonly volShockBase: number;
  readonly volShockPower: number;
  readonly volShockCap: number;
  /** Contingency per unit of short option: this share of the underlying (the short-option minimum). */
  readonly shortOptionMinimum: number;
  /** Contingency for the surface's own uncertainty: |net vega| × this many volatility units (0.01 = 1 point). */
  readonly surfaceUncertainty: number;
  /** IM = factor × MM. */
  readonly initialFactor: number;
}

export const DEFAULT_PORTFOLIO_MARGIN: PortfolioMarginParams = {
  spotShocks: Array.from({ length: 17 }, (_, i) => -0.16 + 0.02 * i),
  extendedShocks: [-0.33, -0.25, 0.25, 0.33],
  extendedWeight: 0.35,
  volShockBase: 0.25,
  volShockPower: 0.3,
  volShockCap: 0.75,
  shortOptionMinimum: 0.005,
  surfaceUncertainty: 0.01,
  initialFactor: 1.3,
};

const DAY = 1 / 365;

/** The scenarios: a spot shock, a volatility state (−1, 0, 1) and the weight of the loss. */
export class ScenarioGrid {
  readonly count: number;
  readonly spot: Float64Array;
  readonly volState: Int8Array;
  readonly weight: Float64Array;
  readonly params: PortfolioMarginParams;

  constructor(params: PortfolioMarginParams = DEFAULT_PORTFOLIO_MARGIN) {
    this.params = params;
    const moves = [...params.spotShocks, ...params.extendedShocks];
    this.count = moves.length * 3;
    this.spot = new Float64Array(this.count);
    this.volState = new Int8Array(this.count);
    this.weight = new Float64Array(this.count);
    let s = 0;
    moves.forEach((move, i) => {
      for (const state of [1, 0, -1]) {
        this.spot[s] = move;
        this.volState[s] = state;
        this.weight[s] = i < params.spotShocks.length ? 1 : params.extendedWeight;
        s++;
      }
    });
  }

  // s(T) = min(cap, base·(30 days / T)^p)
  volShock(years: number): number {
    const { volShockBase, volShockPower, volShockCap } = this.params;
    const t = years > DAY ? years : DAY;
    return Math.min(volShockCap, volShockBase * ((30 * DAY) / t) ** volShockPower);
  }
}

export interface OptionTerms {
  readonly call: boolean;
  readonly strike: number;
  readonly years: number;
  /** Volatility at the strike now. */
  readonly vol: number;
}

/**
 * P&L per unit of an instrument in every scenario (`out`, `grid.count` long), from the forward now: an option's
 * Black-76 value at the shocked forward and volatility less its value now; a future's or perpetual's (`option`
 * null) the forward's move.
 */
export function instrumentRow(
  grid: ScenarioGrid,
  forward: number,
  option: OptionTerms | null,
  out: Float64Array,
): void {
  if (option === null) {
    for (let s = 0; s < grid.count; s++) out[s] = forward * (grid.spot[s] as number);
    return;
  }
  const side = option.call ? CALL : PUT;
  const now = black76Price(forward, option.strike, option.years, option.vol, 1, side);
  const shock = grid.volShock(option.years);
  for (let s = 0; s < grid.count; s++) {
    const vol = option.vol * (1 + shock * (grid.volState[s] as number));
    out[s] =
      black76Price(forward * (1 + (grid.spot[s] as number)), option.strike, option.years, vol, 1, side) - now;
  }
}

/** Vega per unit of an option now (∂V/∂σ), for the surface-uncertainty charge. */
export function optionVega(forward: number, option: OptionTerms): number {
  return black76Greeks(
    forward,
    option.strike,
    option.years,
    option.vol,
    0,
    option.call ? CALL : PUT,
    greeks(),
  ).vega;
}

/** The figures of one account's portfolio margin on one underlying. */
export class PortfolioFigures {
  worstScenario = -1;
  /** The weighted loss in the worst scenario (≥ 0). */
  worstLoss = 0;
  contingency = 0;
  maintenance = 0;
  initial = 0;
}

/**
 * An account's requirement over its `n` positions from index `from`: `rows` holds each instrument's row
 * (`grid.count` per instrument, by instrument number), `instrument[i]` and `qty[i]` (signed units) each position, `shortOptions` the units of
 * options it is short, `netVega` its vega; `totals` receives the P&L in each scenario (`grid.count`). Writes into `out`.
 */
export function accountRequirement(
  grid: ScenarioGrid,
  rows: Float64Array,
  instrument: Int32Array,
  qty: Float64Array,
  from: number,
  n: number,
  underlying: number,
  shortOptions: number,
  netVega: number,
  totals: Float64Array,
  out: PortfolioFigures,
): PortfolioFigures {
  const count = grid.count;
  // Position by position, each row read in order; two positions a pass, so `totals` is read and written half as often.
  const q0 = qty[from] as number;
  const base0 = (instrument[from] as number) * count;
  for (let s = 0; s < count; s++) totals[s] = q0 * (rows[base0 + s] as number);
  let i = from + 1;
  for (; i + 1 < from + n; i += 2) {
    const qa = qty[i] as number;
    const qb = qty[i + 1] as number;
    const a = (instrument[i] as number) * count;
    const b = (instrument[i + 1] as number) * count;
    for (let s = 0; s < count; s++)
      totals[s] = (totals[s] as number) + qa * (rows[a + s] as number) + qb * (rows[b + s] as number);
  }
  if (i < from + n) {
    const q = qty[i] as number;
    const base = (instrument[i] as number) * count;
    for (let s = 0; s < count; s++) totals[s] = (totals[s] as number) + q * (rows[base + s] as number);
  }
  let worst = 0;
  let at = -1;
  const weight = grid.weight;
  for (let s = 0; s < count; s++) {
    const loss = -(totals[s] as number) * (weight[s] as number);
    if (loss > worst) {
      worst = loss;
      at = s;
    }
  }
  const { shortOptionMinimum, surfaceUncertainty, initialFactor } = grid.params;
  out.worstScenario = at;
  out.worstLoss = worst;
  out.contingency =
    shortOptionMinimum * shortOptions * underlying + surfaceUncertainty * (netVega < 0 ? -netVega : netVega);
  out.maintenance = worst + out.contingency;
  out.initial = initialFactor * out.maintenance;
  return out;
}

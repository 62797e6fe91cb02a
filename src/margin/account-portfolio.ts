// Portfolio margin of one account, per underlying (src/margin/portfolio-margin.ts for the scenarios): the account's
// cross positions in linear instruments are grouped by index; each group's MM is its worst weighted scenario loss
// plus contingency charges, IM a multiple of it; across underlyings they add, less the correlation offset. The
// requirement is shared among the group's positions by their loss in the worst scenario, so that the riskiest
// position carries it (the one a liquidation closes first).
//
// Rows (P&L per unit per scenario) are priced once per instrument per (prices revision, time) and shared by every
// account read at that moment. An underlying whose options cannot be priced on the surface (no surface yet) is left
// to the standard rules: its positions keep their standard figures.
import type { InstrumentConfig, MarketConfig, PortfolioMarginConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import type { MarketPrices } from "../prices/market-prices.js";
import { type OptionMarks, optionQuote } from "./option-marks.js";
import {
  accountRequirement,
  instrumentRow,
  optionVega,
  PortfolioFigures,
  type PortfolioMarginParams,
  ScenarioGrid,
} from "./portfolio-margin.js";

/** One position as portfolio margin takes it: its slot, instrument and signed size in base units. */
export interface PortfolioPosition {
  readonly slot: number;
  readonly instrument: number;
  readonly qty: number;
}

/** The figures of one underlying (floats, in the quote asset). */
export interface PortfolioGroup {
  readonly index: string;
  readonly slots: readonly number[];
  /** Each position's weighted loss in the worst scenario (negative: a gain). */
  readonly losses: readonly number[];
  readonly worstScenario: number;
  readonly spotMove: number;
  /** −1 down, 0 unchanged, 1 up. */
  readonly volMove: number;
  readonly weight: number;
  readonly worstLoss: number;
  readonly contingency: number;
  readonly maintenance: number;
  readonly initial: number;
}

/** Grid parameters from the configuration. */
export function portfolioParams(c: PortfolioMarginConfig): PortfolioMarginParams {
  const shock = fixedToNumber(c.spotShock);
  const extended = c.extendedShocks.map(fixedToNumber);
  return {
    spotShocks: Array.from({ length: c.spotSteps }, (_, i) => -shock + (2 * shock * i) / (c.spotSteps - 1)),
    extendedShocks: [...extended.map((x) => -x).reverse(), ...extended],
    extendedWeight: fixedToNumber(c.extendedWeight),
    volShockBase: fixedToNumber(c.volShockBase),
    volShockPower: fixedToNumber(c.volShockPower),
    volShockCap: fixedToNumber(c.volShockCap),
    shortOptionMinimum: fixedToNumber(c.shortOptionMinimum),
    surfaceUncertainty: fixedToNumber(c.surfaceUncertainty),
    initialFactor: fixedToNumber(c.initialFactor),
  };
}

export class AccountPortfolio {
  readonly grid: ScenarioGrid;
  private readonly config: MarketConfig;
  private readonly prices: MarketPrices;
  private readonly options: OptionMarks | null;
  private readonly offset: number;
  /** Per instrument: whether portfolio margin covers it (linear), and its row, vega per unit and forward. */
  private readonly covered: Uint8Array;
  private readonly rows: Float64Array;
  private readonly vega: Float64Array;
  private readonly forward: Float64Array;
  /** (revision, now) each row was priced at; NaN row when it cannot be priced. */
  private readonly rowRevision: Float64Array;
  private readonly rowTs: Float64Array;
  private readonly strike: Float64Array;
  private readonly quote = optionQuote();
  private readonly totals: Float64Array;
  private readonly figures = new PortfolioFigures();

  constructor(config: MarketConfig, prices: MarketPrices, options: OptionMarks | null) {
    this.config = config;
    this.prices = prices;
    this.options = options;
    this.grid = new ScenarioGrid(portfolioParams(config.portfolioMargin));
    this.offset = fixedToNumber(config.portfolioMargin.correlationOffset);
    const n = config.instruments.length;
    this.covered = Uint8Array.from(config.instruments, (i) => (i.inverse ? 0 : 1));
    this.rows = new Float64Array(n * this.grid.count);
    this.vega = new Float64Array(n);
    this.forward = new Float64Array(n);
    this.rowRevision = new Float64Array(n).fill(-1);
    this.rowTs = new Float64Array(n).fill(Number.NaN);
    this.strike = Float64Array.from(config.instruments, (i) =>
      i.strike === null ? 0 : fixedToNumber(i.strike),
    );
    this.totals = new Float64Array(this.grid.count);
  }

  /** Whether portfolio margin covers an instrument (linear ones; inverse ones keep the standard rules). */
  covers(instrument: number): boolean {
    return this.covered[instrument] === 1;
  }

  /**
   * The account's groups at `now`. Positions in uncovered instruments, or in an underlying with an option that
   * cannot be priced, are left out (they keep the standard rules). The correlation offset is applied to the groups'
   * figures in proportion (each group's share of the total is kept).
   */
  evaluate(positions: readonly PortfolioPosition[], now: number): PortfolioGroup[] {
    const byIndex = new Map<string, PortfolioPosition[]>();
    for (const p of positions) {
      if (!this.covers(p.instrument) || p.qty === 0) continue;
      const index = (this.config.instruments[p.instrument] as InstrumentConfig).index;
      const list = byIndex.get(index) ?? [];
      list.push(p);
      byIndex.set(index, list);
    }
    const groups: PortfolioGroup[] = [];
    for (const [index, list] of byIndex) {
      const group = this.group(index, list, now);
      if (group !== null) groups.push(group);
    }
    if (this.offset > 0 && groups.length > 1) {
      let sum = 0;
      let largest = 0;
      for (const g of groups) {
        sum += g.maintenance;
        if (g.maintenance > largest) largest = g.maintenance;
      }
      const scale = sum > 0 ? (sum - this.offset * (sum - largest)) / sum : 1;
      return groups.map((g) => ({ ...g, maintenance: g.maintenance * scale, initial: g.initial * scale }));
    }
    return groups;
  }

  private group(index: string, list: readonly PortfolioPosition[], now: number): PortfolioGroup | null {
    const n = list.length;
    const instrument = new Int32Array(n);
    const qty = new Float64Array(n);
    let shortOptions = 0;
    let netVega = 0;
    let underlying = 0;
    for (let i = 0; i < n; i++) {
      const p = list[i] as PortfolioPosition;
      if (!this.priceRow(p.instrument, now)) return null;
      instrument[i] = p.instrument;
      qty[i] = p.qty;
      const option = (this.config.instruments[p.instrument] as InstrumentConfig).kind === "option";
      if (option) {
        if (p.qty < 0) shortOptions -= p.qty;
        netVega += p.qty * (this.vega[p.instrument] as number);
      }
      if ((this.forward[p.instrument] as number) > underlying)
        underlying = this.forward[p.instrument] as number;
    }
    const f = accountRequirement(
      this.grid,
      this.rows,
      instrument,
      qty,
      0,
      n,
      underlying,
      shortOptions,
      netVega,
      this.totals,
      this.figures,
    );
    const count = this.grid.count;
    const at = f.worstScenario;
    const losses = list.map((p) =>
      at < 0
        ? 0
        : -p.qty * (this.rows[p.instrument * count + at] as number) * (this.grid.weight[at] as number),
    );
    return {
      index,
      slots: list.map((p) => p.slot),
      losses,
      worstScenario: at,
      spotMove: at < 0 ? 0 : (this.grid.spot[at] as number),
      volMove: at < 0 ? 0 : (this.grid.volState[at] as number),
      weight: at < 0 ? 0 : (this.grid.weight[at] as number),
      worstLoss: f.worstLoss,
      contingency: f.contingency,
      maintenance: f.maintenance,
      initial: f.initial,
    };
  }

  /** Prices an instrument's row for (revision, now) if not yet; false when it cannot be priced. */
  private priceRow(no: number, now: number): boolean {
    if (this.rowRevision[no] === this.prices.revision && this.rowTs[no] === now)
      return !Number.isNaN(this.forward[no] as number);
    this.rowRevision[no] = this.prices.revision;
    this.rowTs[no] = now;
    const instrument = this.config.instruments[no] as InstrumentConfig;
    const out = this.rows.subarray(no * this.grid.count, (no + 1) * this.grid.count);
    this.forward[no] = Number.NaN;
    if (instrument.kind !== "option") {
      const mark = this.prices.markPrice(instrument.symbol, now);
      if (mark === null || !(mark.value > 0)) return false;
      this.forward[no] = mark.value;
      instrumentRow(this.grid, mark.value, null, out);
      return true;
    }
    if (this.options === null) return false;
    const q = this.options.quote(no, now, this.quote);
    if (!(q.forward > 0 && q.vol > 0 && q.years > 0)) return false;
    const terms = {
      call: instrument.right === "call",
      strike: this.strike[no] as number,
      years: q.years,
      vol: q.vol,
    };
    instrumentRow(this.grid, q.forward, terms, out);
    this.vega[no] = optionVega(q.forward, terms);
    this.forward[no] = q.forward;
    return true;
  }
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { black76Price, CALL, PUT } from "../volatility/black76.js";
import {
  accountRequirement,
  instrumentRow,
  type OptionTerms,
  PortfolioFigures,
  ScenarioGrid,
} from "./portfolio-margin.js";

const grid = new ScenarioGrid();
const F = 9_000;

function rowsOf(options: (OptionTerms | null)[]): Float64Array {
  const rows = new Float64Array(options.length * grid.count);
  options.forEach((o, i) => {
    instrumentRow(grid, F, o, rows.subarray(i * grid.count, (i + 1) * grid.count));
  });
  return rows;
}

describe("portfolio margin", () => {
  it("the default grid: 17 spot moves of 2 % and 4 extended ones, each under three volatility states — 63", () => {
    expect(grid.count).toBe(63);
    expect(Math.min(...grid.spot)).toBeCloseTo(-0.33, 12);
    expect([...grid.weight].filter((w) => w < 1)).toHaveLength(12);
    // Short-dated volatility moves more: s(T) falls with T, capped.
    expect(grid.volShock(1 / 365)).toBeGreaterThan(grid.volShock(30 / 365));
    expect(grid.volShock(30 / 365)).toBeCloseTo(0.25, 12);
    expect(grid.volShock(1e-9)).toBeLessThanOrEqual(0.75);
  });

  it("a perpetual long loses 16 % at worst (33 % at 35 % weight is less); a hedged pair loses nothing", () => {
    const rows = rowsOf([null]);
    const out = new PortfolioFigures();
    const totals = new Float64Array(grid.count);
    accountRequirement(grid, rows, Int32Array.of(0), Float64Array.of(2), 0, 1, F, 0, 0, totals, out);
    expect(out.worstLoss).toBeCloseTo(2 * F * 0.16, 9);
    expect(grid.spot[out.worstScenario]).toBeCloseTo(-0.16, 12);
    expect(out.initial).toBeCloseTo(1.3 * out.maintenance, 9);
    const call: OptionTerms = { call: true, strike: 10_000, years: 0.1, vol: 0.8 };
    const pair = rowsOf([call, call]);
    accountRequirement(grid, pair, Int32Array.of(0, 1), Float64Array.of(1, -1), 0, 2, F, 1, 0, totals, out);
    expect(out.worstLoss).toBe(0);
    expect(out.contingency).toBeCloseTo(0.005 * F, 9); // the short leg's minimum still applies
  });

  it("a long option never loses more than its premium", () => {
    const put: OptionTerms = { call: false, strike: 8_000, years: 0.05, vol: 0.9 };
    const rows = rowsOf([put]);
    const out = accountRequirement(
      grid,
      rows,
      Int32Array.of(0),
      Float64Array.of(3),
      0,
      1,
      F,
      0,
      0,
      new Float64Array(grid.count),
      new PortfolioFigures(),
    );
    expect(out.worstLoss).toBeLessThanOrEqual(3 * black76Price(F, 8_000, 0.05, 0.9, 1, PUT) + 1e-9);
  });

  it("agrees with an independent revaluation of every position in every scenario (random portfolios)", () => {
    const option = fc.record({
      call: fc.boolean(),
      strike: fc.integer({ min: 6_000, max: 13_000 }),
      days: fc.integer({ min: 1, max: 365 }),
      vol: fc.integer({ min: 30, max: 150 }),
      qty: fc.integer({ min: -20, max: 20 }),
    });
    fc.assert(
      fc.property(
        fc.array(option, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: -5, max: 5 }),
        (legs, perp) => {
          const terms: (OptionTerms | null)[] = legs.map((l) => ({
            call: l.call,
            strike: l.strike,
            years: l.days / 365,
            vol: l.vol / 100,
          }));
          terms.push(null);
          const rows = rowsOf(terms);
          const qty = Float64Array.from([...legs.map((l) => l.qty / 10), perp / 10]);
          const instrument = Int32Array.from(terms.map((_, i) => i));
          const out = accountRequirement(
            grid,
            rows,
            instrument,
            qty,
            0,
            terms.length,
            F,
            0,
            0,
            new Float64Array(grid.count),
            new PortfolioFigures(),
          );
          // Independently: every position at every scenario, from the prices themselves.
          let worst = 0;
          for (let s = 0; s < grid.count; s++) {
            let pnl = 0;
            terms.forEach((t, i) => {
              const shocked = F * (1 + (grid.spot[s] as number));
              if (t === null) pnl += (qty[i] as number) * (shocked - F);
              else {
                const side = t.call ? CALL : PUT;
                const vol = t.vol * (1 + grid.volShock(t.years) * (grid.volState[s] as number));
                pnl +=
                  (qty[i] as number) *
                  (black76Price(shocked, t.strike, t.years, vol, 1, side) -
                    black76Price(F, t.strike, t.years, t.vol, 1, side));
              }
            });
            worst = Math.max(worst, -pnl * (grid.weight[s] as number));
          }
          expect(Math.abs(out.worstLoss - worst)).toBeLessThanOrEqual(1e-9 * Math.max(1, worst));
        },
      ),
      { numRuns: 200 },
    );
  });
});

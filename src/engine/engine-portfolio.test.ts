// Portfolio margin through the engine (`margin.mode`): the requirement of a hedged book by scenarios, checked
// against an independent revaluation of every position in every scenario; the account view's worst scenario and
// per-position losses; the pre-trade check and liquidation in portfolio mode; refusals that change nothing; the
// correlation offset across underlyings.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { black76Price, CALL, PUT } from "../volatility/black76.js";
import { Engine } from "./engine.js";
import type { AccountEvent, EngineEvent } from "./events.js";
import { EXPIRY, optionsMarket, smileQuotes, T0 } from "./options-market.fixture.js";

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], type: T) =>
  events.filter((x) => x.type === type) as Extract<EngineEvent, { type: T }>[];

function setUp(root: Record<string, unknown> = {}) {
  const e = new Engine(optionsMarket(root), { assertInvariants: true });
  const price = (ts: number, p: string) =>
    e.apply({ type: "price", ts, index: "I", source: "x", price: p, sourceTs: ts });
  price(T0, "10000");
  e.apply({
    type: "smile",
    ts: T0,
    index: "I",
    expiry: EXPIRY,
    forward: "10000",
    quotes: smileQuotes(EXPIRY, T0, 10_000),
  });
  for (const a of ["mm", "u"])
    e.apply({ type: "deposit", ts: T0, account: a, asset: "USDC", amount: a === "mm" ? "1000000" : "3000" });
  const fill = (symbol: string, buyer: string, seller: string, qty: string, p: string) =>
    e.apply({ type: "fill", ts: T0, symbol, buyer, seller, qty, price: p });
  const view = (account: string, ts = T0) =>
    of(e.apply({ type: "query.account", ts, account }), "account")[0] as AccountEvent;
  return { e, price, fill, view };
}

/** The default grid, independently: 17 moves −16 % … +16 % and ±25 %, ±33 % at 35 %, each with vol up/none/down. */
function independentMaintenance(
  positions: { kind: "option" | "linear"; call?: boolean; strike?: number; qty: number }[],
  forward: number,
  years: number,
  volAt: (strike: number) => number,
): number {
  const moves: [number, number][] = [];
  for (let i = 0; i <= 16; i++) moves.push([-0.16 + 0.02 * i, 1]);
  for (const x of [-0.33, -0.25, 0.25, 0.33]) moves.push([x, 0.35]);
  const shock = Math.min(0.75, 0.25 * (30 / 365 / Math.max(years, 1 / 365)) ** 0.3);
  let worst = 0;
  for (const [move, weight] of moves)
    for (const state of [1, 0, -1]) {
      let pnl = 0;
      for (const p of positions) {
        if (p.kind === "linear") {
          pnl += p.qty * forward * move;
          continue;
        }
        const k = p.strike as number;
        const side = p.call ? CALL : PUT;
        const vol = volAt(k);
        const now = black76Price(forward, k, years, vol, 1, side);
        const then = black76Price(forward * (1 + move), k, years, vol * (1 + shock * state), 1, side);
        pnl += p.qty * (then - now);
      }
      worst = Math.max(worst, -pnl * weight);
    }
  let shortOptions = 0;
  for (const p of positions) if (p.kind === "option" && p.qty < 0) shortOptions -= p.qty;
  return worst + 0.005 * shortOptions * forward; // + the vega charge, checked separately below
}

describe("margin.mode portfolio", () => {
  it("margins a delta-hedged short call by scenarios: less than the standard rules, equal to an independent revaluation", () => {
    const { e, fill, view } = setUp();
    fill("C", "mm", "u", "1", "720");
    fill("F", "u", "mm", "0.5", "10000");
    const standard = view("u");
    const switched = e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
    expect(of(switched, "margin.mode")).toMatchObject([{ account: "u", mode: "portfolio" }]);
    const pm = view("u");
    expect(pm.marginMode).toBe("portfolio");
    expect(Number(pm.maintenance)).toBeLessThan(Number(standard.maintenance));
    const line = pm.portfolio?.[0];
    expect(line).toMatchObject({ index: "I" });
    // The mark's volatility at the strike, from the surface the engine uses.
    const years = (EXPIRY - T0) / (365 * 86_400_000);
    const markC = e.prices.markPrice("C", T0)?.value as number;
    // Invert the mark for the volatility the scenarios start from (bisection; independent of the engine's solver).
    let lo = 0.01;
    let hi = 3;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (black76Price(10_000, 10_000, years, mid, 1, CALL) < markC) lo = mid;
      else hi = mid;
    }
    const vol = (lo + hi) / 2;
    const base = independentMaintenance(
      [
        { kind: "option", call: true, strike: 10_000, qty: -1 },
        { kind: "linear", qty: 0.5 },
      ],
      10_000,
      years,
      () => vol,
    );
    // Net vega of −1 call × 1 point.
    const vega =
      (10_000 * Math.sqrt(years) * Math.exp(-0.5 * (0.5 * vol * Math.sqrt(years)) ** 2)) /
      Math.sqrt(2 * Math.PI);
    const expected = base + 0.01 * vega;
    expect(Number(line?.maintenance)).toBeCloseTo(expected, 3);
    expect(Number(pm.maintenance)).toBeGreaterThanOrEqual(expected - 1e-6);
    expect(Number(pm.maintenance)).toBeLessThan(expected + 0.01);
    expect(Number(pm.initial)).toBeCloseTo(1.3 * expected, 2);
    // The worst scenario and each position's loss in it; the losses add up to the worst loss.
    expect(line?.scenario).not.toBeNull();
    const losses = line?.positions ?? [];
    expect(losses.map((p) => p.symbol).sort()).toEqual(["C", "F"]);
    const sum = losses.reduce((s, p) => s + Number(p.loss), 0);
    expect(sum).toBeCloseTo(Number(line?.worstLoss), 4);
  });

  it("refuses a bad mode naming the field, and a switch whose initial margin the account cannot cover; nothing changes", () => {
    const { e, fill } = setUp();
    const bad = e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "spanish" });
    expect(bad[0]).toMatchObject({ type: "rejected", code: "invalid" });
    expect((bad[0] as { message: string }).message).toContain("margin.mode.mode");
    // A hedged book that portfolio margin covers and the standard rules do not.
    e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
    fill("C", "mm", "u", "2", "720");
    fill("F", "u", "mm", "1", "10000");
    const hash = e.stateHash();
    const back = e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "standard" });
    expect(back[0]).toMatchObject({ type: "rejected", code: "insufficient_margin" });
    expect(e.stateHash()).toBe(hash);
  });

  it("checks orders against the portfolio: a hedge the standard rules refuse is accepted, added risk is refused", () => {
    const { e, fill } = setUp();
    e.apply({ type: "deposit", ts: T0, account: "s", asset: "USDC", amount: "2300" });
    e.apply({ type: "withdraw", ts: T0, account: "u", asset: "USDC", amount: "700" }); // u holds 2,300 too
    e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
    fill("C", "mm", "u", "1", "720");
    fill("C", "mm", "s", "1", "720");
    e.apply({
      type: "order",
      ts: T0,
      account: "mm",
      id: "ask",
      symbol: "F",
      side: "sell",
      qty: "2",
      price: "10000",
    });
    const order = (account: string, id: string, symbol: string, qty: string) =>
      e.apply({ type: "order", ts: T0, account, id, symbol, side: "buy", qty, price: "10000" });
    // Standard: the short call's IM (~2,220) plus the future's (500) exceeds 2,300.
    expect(of(order("s", "h", "F", "0.5"), "order.rejected")[0]).toMatchObject({
      code: "insufficient_margin",
    });
    // Portfolio: the future hedges the call's delta, so the requirement falls.
    expect(of(order("u", "h", "F", "0.5"), "trade")).toHaveLength(1);
    expect(of(order("u", "x", "P", "2"), "order.rejected")[0]).toMatchObject({ code: "insufficient_margin" });
  });

  it("liquidates a portfolio account when a crash leaves its equity below its scenario maintenance", () => {
    const { e, fill, price, view } = setUp();
    e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
    fill("PUT", "mm", "u", "1", "700");
    fill("C", "mm", "u", "1", "720");
    // At 8,000 the short straddle has lost ~700 of 3,000 and its scenarios ask for ~1,270: still healthy.
    price(T0 + 1, "8000");
    expect(view("u", T0 + 1).state).toBe("healthy");
    const events = price(T0 + 2, "6500");
    expect(of(events, "margin").find((x) => x.account === "u")?.state).toBe("liquidating");
    expect(of(events, "liquidation").filter((x) => x.account === "u").length).toBeGreaterThan(0);
  });
});

describe("portfolio margin across underlyings", () => {
  it("adds the underlyings' requirements, less correlationOffset of all but the largest", () => {
    const perp = (symbol: string, index: string) => ({
      symbol,
      kind: "perpetual",
      index,
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.5",
      lotSize: "0.01",
      mark: { method: "index" },
      marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
      breakers: { divergence: null },
    });
    const index = (id: string) => ({
      id,
      sources: [{ id: "x", weight: "1" }],
      minSources: 1,
      staleAfterMs: 600_000,
    });
    const loaded = loadConfig({
      quoteAsset: "USDC",
      assets: [{ id: "USDC", decimals: 6 }],
      indices: [index("A"), index("B")],
      instruments: [perp("PA", "A"), perp("PB", "B")],
      portfolioMargin: { correlationOffset: "0.5" },
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const e = new Engine(loaded.config, { assertInvariants: true });
    for (const i of ["A", "B"])
      e.apply({ type: "price", ts: T0, index: i, source: "x", price: "100", sourceTs: T0 });
    for (const a of ["u", "mm"])
      e.apply({ type: "deposit", ts: T0, account: a, asset: "USDC", amount: "100000" });
    e.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
    e.apply({ type: "fill", ts: T0, symbol: "PA", buyer: "u", seller: "mm", qty: "100", price: "100" });
    e.apply({ type: "fill", ts: T0, symbol: "PB", buyer: "mm", seller: "u", qty: "50", price: "100" });
    const view = of(e.apply({ type: "query.account", ts: T0, account: "u" }), "account")[0] as AccountEvent;
    // A: 16 % of 10,000 = 1,600; B: 16 % of 5,000 = 800; total 2,400 − 0.5 × 800 = 2,000.
    expect(Number(view.maintenance)).toBeCloseTo(2_000, 4);
    expect(Number(view.initial)).toBeCloseTo(2_600, 4);
  });
});

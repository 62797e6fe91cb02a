// Options through the engine: the mark from the volatility surface and the expiry's forward, the standard option
// margin in the pre-trade check and in account figures, the band on the underlying, liquidation of a short
// option, settlement at intrinsic value, and the surface breaker.
import { describe, expect, it } from "vitest";
import { black76Price, CALL, PUT } from "../volatility/black76.js";
import { Engine } from "./engine.js";
import type { EngineEvent } from "./events.js";
import { DAY, EXPIRY, EXPIRY2, optionsMarket, SLICE, smileQuotes, T0 } from "./options-market.fixture.js";

const MIN = 60_000;
const WAD = 10n ** 18n;

function setUp(root: Record<string, unknown> = {}) {
  const e = new Engine(optionsMarket(root), { assertInvariants: true });
  const price = (ts: number, p: string) =>
    e.apply({ type: "price", ts, index: "I", source: "x", price: p, sourceTs: ts });
  const smile = (ts: number, expiry: number, forward: number, scale = 1) =>
    e.apply({
      type: "smile",
      ts,
      index: "I",
      expiry,
      forward: String(forward),
      quotes: smileQuotes(expiry, ts, forward, scale),
    });
  const order = (
    ts: number,
    account: string,
    id: string,
    symbol: string,
    side: string,
    qty: string,
    p?: string,
  ) =>
    e.apply({ type: "order", ts, account, id, symbol, side, qty, ...(p === undefined ? {} : { price: p }) });
  price(T0, "10000");
  for (const a of ["a", "b", "c"])
    e.apply({ type: "deposit", ts: T0, account: a, asset: "USDC", amount: "100000" });
  return { e, price, smile, order };
}

/** The slice's implied volatility at strike K on forward F, T years out. */
function sliceVol(strike: number, forward: number, years: number): number {
  const x = Math.log(strike / forward) - SLICE.m;
  return Math.sqrt(
    (SLICE.a + SLICE.b * (SLICE.rho * x + Math.sqrt(x * x + SLICE.sigma * SLICE.sigma))) / years,
  );
}

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], type: T) =>
  events.filter((x) => x.type === type) as Extract<EngineEvent, { type: T }>[];
const wad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n;

describe("option marks", () => {
  it("without a surface an option has no mark: orders that add risk are refused stale_price", () => {
    const { e, order } = setUp();
    expect(e.prices.markPrice("C", T0)?.status).toBe("unavailable");
    const [rejected] = of(order(T0, "b", "o1", "C", "buy", "1", "500"), "order.rejected");
    expect(rejected).toMatchObject({ code: "stale_price" });
  });

  it("is Black-76 at the surface's volatility on the expiry's forward (the future's mark, else the smile's basis)", () => {
    const { e, smile, price } = setUp();
    smile(T0, EXPIRY, 10_000);
    smile(T0, EXPIRY2, 10_100, 1.5);
    const years = 30 / 365;
    const call = e.prices.markPrice("C", T0);
    const put = e.prices.markPrice("PUT", T0);
    const expected = black76Price(10_000, 10_000, years, sliceVol(10_000, 10_000, years), 1, CALL);
    expect(call?.status).toBe("ok");
    expect(call?.value).toBeCloseTo(expected, 1);
    // At the money forward, call and put are worth the same (parity with F = K).
    expect(put?.value).toBeCloseTo(
      black76Price(10_000, 10_000, years, sliceVol(10_000, 10_000, years), 1, PUT),
      1,
    );
    // C2's expiry has no future: its forward is the index times the smile's F/S, which moves with the index.
    expect(e.prices.optionForward("C2", T0)).toBeCloseTo(10_100, 6);
    price(T0 + 1, "11000");
    expect(e.prices.optionForward("C2", T0 + 1)).toBeCloseTo(11_110, 6);
    expect(e.prices.optionForward("C", T0 + 1)).toBe(11_000); // the future F's mark
  });

  it("is degraded once its surface is older than volatility.staleAfterMs: new risk is refused", () => {
    const { e, smile, price, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    const later = T0 + 11 * MIN;
    price(later, "10000");
    const mark = e.prices.markPrice("C", later);
    expect(mark).toMatchObject({ status: "degraded", ageMs: 11 * MIN });
    expect(of(order(later, "b", "o1", "C", "buy", "1", "400"), "order.rejected")[0]).toMatchObject({
      code: "stale_price",
    });
  });
});

describe("option margin and trading", () => {
  it("margins a short by Deribit's rule and a long by its value; the long's free collateral is cash less the premium", () => {
    const { e, smile, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    const m = e.prices.markPrice("C", T0)?.value as number;
    const p = (Math.round(m * 2) / 2).toFixed(1);
    expect(of(order(T0, "a", "s1", "C", "sell", "1", p), "order.accepted")).toHaveLength(1);
    expect(of(order(T0, "b", "b1", "C", "buy", "1", p), "trade")[0]).toMatchObject({ price: p, qty: "1" });
    const short = e.margin.figures(e.ledger.account("a"), T0);
    const long = e.margin.figures(e.ledger.account("b"), T0);
    const markWad = BigInt(Math.round(m * 1e8)) * 10n ** 10n;
    // Short ATM call: IM = max(0.15·S − 0, 0.1·S) + mark; MM = 0.075·S + mark (S = 10,000).
    expect(Number(short.positions[0]?.initial) / 1e18).toBeCloseTo(1_500 + m, 5);
    expect(Number(short.positions[0]?.maintenance) / 1e18).toBeCloseTo(750 + m, 5);
    expect(short.positions[0]?.liquidationPrice).toBeNull();
    expect(short.positions[0]?.underlying).toBe(10_000n * WAD);
    expect(long.positions[0]?.initial).toBe(markWad);
    expect(long.freeCollateral).toBe(100_000n * WAD - wad(Number(p)));
    const view = of(e.apply({ type: "query.account", ts: T0, account: "a" }), "account")[0];
    expect(view?.positions[0]).toMatchObject({
      symbol: "C",
      qty: "-1",
      underlying: "10000",
      liquidationPrice: null,
    });
  });

  it("refuses a short the account cannot margin, and a limit beyond the band on the underlying", () => {
    const { e, smile, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "deposit", ts: T0, account: "poor", asset: "USDC", amount: "1000" });
    const m = e.prices.markPrice("C", T0)?.value as number;
    expect(of(order(T0, "poor", "s1", "C", "sell", "1", "600"), "order.rejected")[0]).toMatchObject({
      code: "insufficient_margin",
    });
    // Band: 5 % of the underlying (500) around the mark.
    const high = String(Math.ceil(m + 520));
    expect(of(order(T0, "b", "b1", "C", "buy", "1", high), "order.rejected")[0]).toMatchObject({
      code: "price_band",
    });
    expect(
      of(order(T0, "b", "b2", "C", "buy", "1", String(Math.floor(m + 480))), "order.accepted"),
    ).toHaveLength(1);
  });

  it("liquidates a short call when the underlying rallies: the fund takes it over at the bankruptcy price", () => {
    const { e, smile, price, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "deposit", ts: T0, account: "w", asset: "USDC", amount: "2300" });
    const m = e.prices.markPrice("C", T0)?.value as number;
    const p = (Math.round(m * 2) / 2).toFixed(1);
    order(T0, "w", "s1", "C", "sell", "1", p);
    order(T0, "b", "b1", "C", "buy", "1", p);
    const events = price(T0 + 1, "11500");
    const margin = of(events, "margin").find((x) => x.account === "w");
    expect(margin?.state).toBe("liquidating");
    const liquidation = of(events, "liquidation").find((x) => x.account === "w");
    expect(liquidation).toMatchObject({ symbol: "C", qty: "1", via: "insurance" });
    const figures = e.margin.figures(e.ledger.account("w"), T0 + 1);
    expect(figures.positions).toHaveLength(0);
  });
});

describe("option liquidation through the book", () => {
  it("pays no more than the band above the mark: a far ask is left, the fund takes the position over", () => {
    const { e, smile, price, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "deposit", ts: T0, account: "w", asset: "USDC", amount: "2300" });
    e.apply({ type: "fill", ts: T0, symbol: "C", buyer: "b", seller: "w", qty: "1", price: "720" });
    // An ask far above any fair value: within the short's bankruptcy price, beyond the band (5 % of the forward).
    order(T0, "c", "far", "C", "sell", "1", "2900");
    const events = price(T0 + 1, "11500");
    const mark = e.prices.markPrice("C", T0 + 1)?.value as number;
    const trades = of(events, "trade").filter((t) => t.buyer === "w" && t.seller !== "sys:insurance");
    for (const t of trades) expect(Number(t.price)).toBeLessThanOrEqual(mark + 0.05 * 11_500);
    expect(trades.some((t) => t.seller === "c")).toBe(false);
    expect(of(events, "liquidation").find((x) => x.account === "w")).toMatchObject({ via: "insurance" });
  });
});

describe("option expiry", () => {
  it("settles at intrinsic value on the index TWAP of the last 30 minutes, all positions in one step", () => {
    const { e, smile, price } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "fill", ts: T0, symbol: "C", buyer: "b", seller: "a", qty: "2", price: "450" });
    e.apply({ type: "fill", ts: T0, symbol: "PUT", buyer: "b", seller: "c", qty: "1", price: "440" });
    price(EXPIRY - 30 * MIN, "10800");
    const events = price(EXPIRY, "10900");
    const settlements = of(events, "settlement").filter((x) => x.symbol !== "F");
    expect(settlements).toEqual([
      expect.objectContaining({
        symbol: "C",
        price: "800",
        kind: "expiry",
        positions: 2,
        underlying: "10800",
      }),
      expect.objectContaining({
        symbol: "PUT",
        price: "0",
        kind: "expiry",
        positions: 2,
        underlying: "10800",
      }),
    ]);
    const b = e.ledger.account("b");
    // b: +2 × (800 − 450) on the call, −440 on the put.
    expect(e.ledger.balance(b, 0)).toBe((100_000n + 700n - 440n) * 1_000_000n);
    expect(e.ledger.balance(e.ledger.account("a"), 0)).toBe((100_000n - 700n) * 1_000_000n);
    expect(e.ledger.balance(e.ledger.account("c"), 0)).toBe((100_000n + 440n) * 1_000_000n);
    expect(
      of(
        e.apply({
          type: "order",
          ts: EXPIRY,
          account: "b",
          id: "x",
          symbol: "C",
          side: "buy",
          qty: "1",
          price: "1",
        }),
        "order.rejected",
      )[0],
    ).toMatchObject({ code: "halted" });
  });
});

describe("surface breaker", () => {
  it("trips after volatility.tripAfterRefusals refused smiles in a row (options reduce-only) and clears on an accepted one", () => {
    const { e, smile, order } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "fill", ts: T0, symbol: "C", buyer: "b", seller: "a", qty: "1", price: "450" });
    // A later expiry with less total variance: calendar arbitrage, refused.
    const bad = (ts: number) => smile(ts, EXPIRY2, 10_000, 0.3);
    expect(of(bad(T0 + 1), "breaker")).toHaveLength(0);
    expect(of(bad(T0 + 2), "breaker")).toHaveLength(0);
    const [tripped] = of(bad(T0 + 3), "breaker");
    expect(tripped).toMatchObject({
      scope: "I",
      state: "tripped",
      reason: "surface",
      value: "3",
      threshold: "3",
    });
    expect(e.prices.tradingMode("C")).toBe("reduce_only");
    expect(e.prices.tradingMode("P")).toBe("normal");
    expect(of(order(T0 + 3, "c", "o1", "C", "buy", "1", "450"), "order.rejected")[0]).toMatchObject({
      code: "reduce_only",
    });
    // Reducing is still allowed.
    expect(of(order(T0 + 3, "b", "o2", "C", "sell", "1", "450"), "order.accepted")).toHaveLength(1);
    const [cleared] = of(smile(T0 + 4, EXPIRY2, 10_000, 1.5), "breaker");
    expect(cleared).toMatchObject({ scope: "I", state: "cleared", reason: "surface" });
    expect(e.prices.tradingMode("C")).toBe("normal");
  });
});

describe("option position bookkeeping", () => {
  it("closes a position at 0 only when it is linear (an option expiring worthless)", () => {
    const { e, smile, price } = setUp();
    smile(T0, EXPIRY, 10_000);
    e.apply({ type: "fill", ts: T0, symbol: "C", buyer: "b", seller: "a", qty: "1", price: "450" });
    price(EXPIRY - DAY, "8000");
    const events = price(EXPIRY, "8000");
    expect(of(events, "settlement").find((x) => x.symbol === "C")).toMatchObject({
      price: "0",
      underlying: "8000",
    });
    expect(e.ledger.balance(e.ledger.account("b"), 0)).toBe((100_000n - 450n) * 1_000_000n);
  });
});

describe("option marks between smiles", () => {
  it("keep the slice's implied volatility as time passes: the option decays, its volatility does not grow", () => {
    const { e, smile, price } = setUp({ volatility: { staleAfterMs: 40 * DAY } });
    smile(T0, EXPIRY, 10_000);
    const at = (ts: number) => e.prices.markPrice("C", ts)?.value as number;
    const v0 = at(T0);
    price(T0 + 15 * DAY, "10000");
    const v15 = at(T0 + 15 * DAY);
    // At the money with a flat volatility: value ∝ √T, so half the time leaves 1/√2 of the value.
    expect(v15 / v0).toBeCloseTo(Math.SQRT1_2, 3);
    price(EXPIRY - 1, "10000");
    expect(at(EXPIRY - 1)).toBeLessThan(1);
  });
});

// Orders in the engine's one sequence: validation and pre-trade margin, matching by price-time priority, each
// time-in-force, self-trade prevention, cancels, and the IM that resting orders reserve.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "./engine.js";
import type { AccountEvent, EngineEvent } from "./events.js";
import { onePerpetual } from "./one-perpetual.fixture.js";

const T0 = 1_700_000_000_000;

function market(): MarketConfig {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [{ id: "BTC-USD", sources: [{ id: "x", weight: "1" }], minSources: 1, staleAfterMs: 10_000 }],
    instruments: [
      {
        symbol: "PERP",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.01",
        mark: { method: "index" },
        fees: { maker: "-0.0001", taker: "0.0005" },
        marginTiers: [{ upToNotional: "10000000", initial: "0.1", maintenance: "0.05" }],
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

class Desk {
  readonly engine = new Engine(market(), { assertInvariants: true });
  ts = T0;
  constructor() {
    this.do({ type: "price", index: "BTC-USD", source: "x", price: "20000", sourceTs: T0 });
    for (const a of ["m1", "m2", "t"])
      this.do({ type: "deposit", account: a, asset: "USDC", amount: "100000" });
  }
  do(command: Record<string, unknown>): EngineEvent[] {
    return this.engine.apply({ ts: this.ts, ...command });
  }
  order(
    account: string,
    id: string,
    side: string,
    qty: string,
    price?: string,
    extra: Record<string, unknown> = {},
  ) {
    return this.do({
      type: "order",
      account,
      id,
      symbol: "PERP",
      side,
      qty,
      ...(price ? { price } : {}),
      ...extra,
    });
  }
  view(account: string): AccountEvent {
    return this.do({ type: "query.account", account })[0] as AccountEvent;
  }
}

const types = (events: EngineEvent[]) => events.map((e) => e.type);

describe("orders", () => {
  it("match by price, then time; the maker's price; fees to the taker and rebates to the maker", () => {
    const d = new Desk();
    d.order("m1", "a", "sell", "1", "20010");
    d.order("m2", "b", "sell", "1", "20005");
    d.order("m1", "c", "sell", "1", "20005");
    const events = d.order("t", "x", "buy", "2.5", "20010", { tif: "IOC" });
    const trades = events.filter((e) => e.type === "trade");
    expect(trades).toMatchObject([
      { price: "20005", qty: "1", seller: "m2", sellOrder: "b", buyer: "t", buyOrder: "x" },
      { price: "20005", qty: "1", seller: "m1", sellOrder: "c" },
      { price: "20010", qty: "0.5", seller: "m1", sellOrder: "a" },
    ]);
    expect(events.at(-1)).toMatchObject({ type: "position", account: "m1", qty: "-1.5" }); // filled: nothing left to cancel
    const fees = events.filter((e) => e.type === "balance" && e.reason === "fee");
    expect(fees[0]).toMatchObject({ account: "t", delta: "-10.0025" }); // 20,005 × 0.05 %
    expect(fees[1]).toMatchObject({ account: "m2", delta: "2.0005" }); // rebate 20,005 × 0.01 %
    expect(d.view("m1").positions[0]).toMatchObject({ qty: "-1.5" });
    d.engine.ledger.assertBalanced();
  });

  it("rests GTC remainders, cancels them on request, and reserves IM for resting orders (worst side)", () => {
    const d = new Desk();
    const placed = d.order("t", "bid", "buy", "2", "19900");
    expect(types(placed)).toEqual(["order.accepted"]);
    // 2 × 19,900 at 10 % IMR plus the buy's loss against the 20,000 mark (none: a bid below the mark)
    expect(d.view("t")).toMatchObject({ initial: "4000", freeCollateral: "96000" });
    d.order("t", "ask", "sell", "1", "20100");
    expect(d.view("t").initial).toBe("4000"); // all bids filling is still the worse side
    const cancel = d.do({ type: "cancel", account: "t", id: "bid" });
    expect(cancel).toMatchObject([
      { type: "order.cancelled", id: "bid", remaining: "2", reason: "cancelled" },
    ]);
    expect(d.view("t").initial).toBe("2000");
    expect(d.do({ type: "cancel", account: "t", id: "bid" })[0]).toMatchObject({
      type: "rejected",
      code: "unknown_order",
    });
  });

  it("refuses what it must, as order.rejected, changing nothing", () => {
    const d = new Desk();
    d.order("m1", "s", "sell", "1", "20000");
    const cases: [Parameters<Desk["order"]>, string][] = [
      [["t", "a", "buy", "100", "20000"], "insufficient_margin"],
      [["t", "b", "buy", "1", "21500"], "price_band"],
      [["t", "c", "buy", "1", "19999.7"], "invalid"],
      [["t", "d", "buy", "1", "20000", { tif: "POST_ONLY" }], "would_cross"],
      [["t", "e", "buy", "2", "20000", { tif: "FOK" }], "unfillable"],
      [["t", "f", "sell", "1", "20000", { reduceOnly: true }], "reduce_only"],
      [["t", "g", "buy", "1", undefined, { tif: "GTC" }], "invalid"],
      [["m1", "s", "sell", "1", "20100"], "invalid"],
    ];
    for (const [args, code] of cases) {
      const before = d.engine.stateHash();
      const events = d.order(...args);
      expect(events, `${args[1]}`).toMatchObject([{ type: "order.rejected", id: args[1], code }]);
      expect(d.engine.stateHash()).toBe(before);
    }
    d.do({ type: "halt", scope: "PERP", reason: "test" });
    expect(d.order("t", "h", "buy", "1", "20000")[0]).toMatchObject({
      type: "order.rejected",
      code: "halted",
    });
  });

  it("refuses risk-increasing orders on a stale mark, but lets a position be reduced", () => {
    const d = new Desk();
    d.order("m1", "s", "sell", "1", "20000");
    d.order("t", "b", "buy", "1", "20000");
    d.order("m2", "bid", "buy", "1", "20000");
    d.ts += 20_000; // the only venue is now stale: the index is unavailable
    d.do({ type: "tick" });
    expect(d.order("t", "more", "buy", "1", "20000")[0]).toMatchObject({ code: "stale_price" });
    const out = d.order("t", "out", "sell", "1", "20000", { reduceOnly: true });
    expect(types(out)).toContain("trade");
    expect(d.view("t").positions).toEqual([]);
  });

  it("self-trade prevention cancels the resting order and goes on", () => {
    const d = new Desk();
    d.order("t", "own", "sell", "1", "20000");
    d.order("m1", "other", "sell", "1", "20000");
    const events = d.order("t", "take", "buy", "1", "20000");
    expect(types(events)).toEqual([
      "order.accepted",
      "order.cancelled",
      "trade",
      "balance",
      "position",
      "balance",
      "position",
    ]);
    expect(events[1]).toMatchObject({ id: "own", reason: "self_trade" });
    expect(events[2]).toMatchObject({ seller: "m1", buyer: "t" });
  });

  it("a market order sweeps no further than the band around the mark", () => {
    const d = new Desk();
    d.order("m1", "near", "sell", "1", "20500");
    d.order("m2", "far", "sell", "1", "21500");
    const events = d.order("t", "mkt", "buy", "2");
    expect(events.filter((e) => e.type === "trade")).toMatchObject([{ price: "20500" }]);
    expect(events.at(-1)).toMatchObject({ type: "order.cancelled", remaining: "1", reason: "market" });
  });
});

describe("the mark follows the book", () => {
  it("samples mid − index into the basis EMA, clamped to the basis band", () => {
    const config = onePerpetual({
      instrument: {
        lotSize: "1",
        mark: { method: "ema-basis", basisHalfLifeMs: 1_000, basisSampleMs: 1_000, basisBand: "0.005" },
        marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
      },
    });
    const engine = new Engine(config);
    let ts = T0;
    const price = () =>
      engine.apply({ type: "price", ts, index: "I", source: "x", price: "10000", sourceTs: ts });
    price();
    engine.apply({ type: "deposit", ts, account: "a", asset: "USDC", amount: "1000000" });
    // A book 1 % above the index: bid 10,090, ask 10,110 → mid 10,100, basis +100, clamped to +50 (0.5 %).
    engine.apply({
      type: "order",
      ts,
      account: "a",
      id: "b",
      symbol: "P",
      side: "buy",
      qty: "1",
      price: "10090",
    });
    engine.apply({
      type: "order",
      ts,
      account: "a",
      id: "s",
      symbol: "P",
      side: "sell",
      qty: "1",
      price: "10110",
    });
    const marks: string[] = [];
    for (let i = 0; i < 30; i++) {
      ts += 1_000;
      for (const e of price()) if (e.type === "mark") marks.push(e.price);
    }
    expect(Number(marks[0])).toBeGreaterThan(10_000);
    expect(marks.at(-1)).toBe("10050");
    expect(marks.every((m) => Number(m) <= 10_050)).toBe(true);
  });

  it("uses the last trade only while it is fresh: a stale trade says nothing about the basis", () => {
    const config = onePerpetual({
      instrument: {
        lotSize: "1",
        mark: { method: "ema-basis", basisHalfLifeMs: 60_000, basisSampleMs: 1_000, basisBand: "0.005" },
        marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
      },
    });
    const engine = new Engine(config);
    let ts = T0;
    const price = (p: string) =>
      engine.apply({ type: "price", ts, index: "I", source: "x", price: p, sourceTs: ts });
    price("10000");
    for (const a of ["a", "b"])
      engine.apply({ type: "deposit", ts, account: a, asset: "USDC", amount: "1000000" });
    engine.apply({
      type: "order",
      ts,
      account: "a",
      id: "s",
      symbol: "P",
      side: "sell",
      qty: "1",
      price: "10000",
    });
    engine.apply({
      type: "order",
      ts,
      account: "b",
      id: "b",
      symbol: "P",
      side: "buy",
      qty: "1",
      price: "10000",
    });
    ts += 5_000; // a fresh trade 5 % under the index pulls the mark (clamped to the 0.5 % band)
    const fresh = price("10500").find((e) => e.type === "mark");
    expect(Number((fresh as { price: string }).price)).toBeLessThan(10_500);
    ts += 120_000; // two minutes later the trade is stale: no basis is observed, the EMA decays toward 0
    for (let i = 0; i < 600; i++) {
      ts += 1_000;
      price("10500");
    }
    // Twelve half-lives of no basis: the mark is back within 0.02 of the index (a stale trade would hold it 52.5 below).
    const mark = price("10501").find((e) => e.type === "mark") as { price: string };
    expect(Math.abs(Number(mark.price) - 10_501)).toBeLessThan(0.02);
  });
});

describe("maximum position", () => {
  it("an order that would take the position past the last margin bracket is refused; one that reduces it passes", () => {
    const config = onePerpetual({
      instrument: { marginTiers: [{ upToNotional: "50000", initial: "0.1", maintenance: "0.05" }] },
    });
    const e = new Engine(config, { assertInvariants: true });
    let ts = 1_700_000_000_000;
    const run = (c: Record<string, unknown>) => e.apply({ ts: (ts += 1000), ...c });
    run({ type: "price", index: "I", source: "x", price: "1000", sourceTs: ts + 1000 });
    run({ type: "deposit", account: "u", asset: "USDC", amount: "100000" });
    run({ type: "deposit", account: "mm", asset: "USDC", amount: "100000" });
    run({ type: "order", account: "u", id: "b1", symbol: "P", side: "buy", qty: "30", price: "1000" });
    // 30 resting + 21 more at 1,000 = 51,000 of notional: past the bracket's 50,000.
    const refused = run({
      type: "order",
      account: "u",
      id: "b2",
      symbol: "P",
      side: "buy",
      qty: "21",
      price: "1000",
    });
    expect(refused[0]).toMatchObject({ type: "order.rejected", code: "limit_exceeded" });
    expect((refused[0] as { message: string }).message).toMatch(/last margin bracket \(notional 50000\)/);
    expect(
      run({ type: "order", account: "u", id: "b3", symbol: "P", side: "buy", qty: "20", price: "1000" })[0],
    ).toMatchObject({ type: "order.accepted" });
    // Sells are counted on their own side (the worse of all bids or all asks fills, never both).
    expect(
      run({ type: "order", account: "u", id: "s1", symbol: "P", side: "sell", qty: "40", price: "1010" })[0],
    ).toMatchObject({ type: "order.accepted" });
  });
});

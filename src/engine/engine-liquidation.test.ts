// Partial liquidation through the book: at the first mark beyond the threshold and not before, its resting orders
// cancelled, just enough closed toward MM × (1 + buffer) at no worse than the bankruptcy price, the fee to the
// insurance fund, every liquidation naming its margin decision; bounded work; conservation throughout.
import { describe, expect, it } from "vitest";
import { INSURANCE } from "../ledger/ledger.js";
import { Engine } from "./engine.js";
import type { EngineEvent, LiquidationEvent, MarginEvent } from "./events.js";
import { onePerpetual } from "./one-perpetual.fixture.js";

const T0 = 1_700_000_000_000;

function setUp() {
  const config = onePerpetual({
    index: { breakers: { move: null, divergence: null } },
    instrument: { priceBand: "0.2", breakers: { divergence: null } },
    root: { liquidation: { feeRate: "0.005", bufferRatio: "0.02", marginCallRatio: "0.8" } },
  });
  const e = new Engine(config, { assertInvariants: true });
  let ts = T0;
  const run = (c: Record<string, unknown>) => e.apply({ ts: (ts += 1000), ...c });
  const price = (p: string) => run({ type: "price", index: "I", source: "x", price: p, sourceTs: ts + 1000 });
  price("1000");
  run({ type: "deposit", account: "u", asset: "USDC", amount: "1500" });
  run({ type: "deposit", account: "mm", asset: "USDC", amount: "1000000" });
  run({ type: "fill", symbol: "P", buyer: "u", seller: "mm", qty: "10", price: "1000" });
  run({ type: "order", account: "u", id: "tp", symbol: "P", side: "sell", qty: "1", price: "1100" });
  run({ type: "order", account: "mm", id: "b1", symbol: "P", side: "buy", qty: "2", price: "880" });
  run({ type: "order", account: "mm", id: "b2", symbol: "P", side: "buy", qty: "20", price: "860" });
  return { e, price };
}

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], type: T) =>
  events.filter((x) => x.type === type) as Extract<EngineEvent, { type: T }>[];

describe("partial liquidation", () => {
  it("acts at the first mark beyond the threshold and not before, through the book, no worse than bankruptcy", () => {
    const { e, price } = setUp();
    // u: long 10 from 1,000 with 1,500: liquidating below 894.7; bankruptcy at 850 on the mark alone.
    expect(of(price("900"), "liquidation")).toEqual([]);
    const fund = e.ledger.balance(INSURANCE, 0);
    const events = price("890");
    const [decision] = of(events, "margin") as MarginEvent[];
    expect(decision).toMatchObject({ account: "u", state: "liquidating" });
    expect(of(events, "order.cancelled")).toMatchObject([{ account: "u", id: "tp", reason: "liquidation" }]);
    const liquidations = of(events, "liquidation") as LiquidationEvent[];
    expect(liquidations.length).toBeGreaterThan(0);
    for (const l of liquidations) {
      expect(l).toMatchObject({ account: "u", symbol: "P", via: "book", decision: decision?.seq });
      expect(Number(l.price)).toBeGreaterThanOrEqual(850);
    }
    expect(of(events, "trade").every((t) => t.liquidation)).toBe(true);
    // 1.32 of 10 closed first (just enough on the mark's figures), at the best bid 880; fee 0.5 % to the fund
    expect(liquidations[0]).toMatchObject({ qty: "1.32", price: "880", fee: "5.808" });
    expect(e.ledger.balance(INSURANCE, 0) - fund).toBeGreaterThan(0n);
    e.ledger.assertBalanced();
  });

  it("continues at later commands until restored, each step bounded", () => {
    const { e, price } = setUp();
    price("890");
    for (let i = 0; i < 5; i++) price("890");
    const view = e.apply({ type: "query.account", ts: T0 + 60_000, account: "u" })[0];
    expect(view).toMatchObject({ type: "account" });
    const state = e.watch.stateOf(e.ledger.account("u"));
    expect(state).toBeLessThan(2); // healthy or margin call: restored past MM × (1 + buffer)
    e.ledger.assertBalanced();
  });
});

describe("isolated liquidation", () => {
  it("an isolated position is liquidated on its own margin, at the first mark beyond its liquidation price", () => {
    const config = onePerpetual({
      index: { breakers: { move: null, divergence: null } },
      instrument: { priceBand: "0.2", breakers: { divergence: null } },
    });
    const e = new Engine(config, { assertInvariants: true });
    let ts = T0;
    const run = (c: Record<string, unknown>) => e.apply({ ts: (ts += 1000), ...c });
    const price = (p: string) =>
      run({ type: "price", index: "I", source: "x", price: p, sourceTs: ts + 1000 });
    price("1000");
    run({ type: "deposit", account: "u", asset: "USDC", amount: "10000" });
    run({ type: "deposit", account: "mm", asset: "USDC", amount: "1000000" });
    run({ type: "position.mode", account: "u", symbol: "P", isolated: true, leverage: "10" });
    run({ type: "fill", symbol: "P", buyer: "u", seller: "mm", qty: "10", price: "1000" });
    run({ type: "order", account: "mm", id: "bid", symbol: "P", side: "buy", qty: "10", price: "920" });
    // Isolated margin 1,000 (10×): liquidation price (10,000 − 1,000) / (10 − 0.5) = 947.37, bankruptcy 900.
    const view = run({ type: "query.account", account: "u" })[0] as Extract<EngineEvent, { type: "account" }>;
    expect(view.positions[0]).toMatchObject({
      isolated: true,
      isolatedMargin: "1000",
      liquidationPrice: "948",
    });
    expect(of(price("948"), "liquidation")).toEqual([]);
    const events = price("947");
    const [decision] = of(events, "margin");
    // The cross figures are healthy (9,000 of collateral outside the position): the isolated position decides.
    expect(decision).toMatchObject({ account: "u", state: "liquidating", isolated: "P" });
    expect(of(events, "liquidation")).toMatchObject([
      { account: "u", qty: "10", price: "920", fee: "46", via: "book", decision: decision?.seq },
    ]);
    // Lost: (920 − 1,000) × 10 and the fee, no more than the isolated margin; the rest of the collateral is untouched.
    expect(e.ledger.balance(e.ledger.account("u"), 0)).toBe(9_154_000_000n);
    expect(e.watch.stateOf(e.ledger.account("u"))).toBe(0);
  });
});

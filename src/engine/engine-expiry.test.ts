// Expiry settlement of a dated future: at the index TWAP of the last 30 minutes, every position closed in one step,
// all or nothing.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine, type EngineOptions } from "./engine.js";
import type { EngineEvent, PositionEvent } from "./events.js";

const MIN = 60_000;
const EXPIRY = 1_700_000_000_000 + 120 * MIN;
const T0 = EXPIRY - 60 * MIN;

function market(): MarketConfig {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [{ id: "I", sources: [{ id: "x", weight: "1" }], minSources: 1, staleAfterMs: 3_600_000 }],
    instruments: [
      {
        symbol: "FUT",
        kind: "future",
        expiry: EXPIRY,
        index: "I",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.01",
        mark: { method: "index" },
        marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
        breakers: { divergence: null },
      },
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

function setUp(options: EngineOptions = {}) {
  const e = new Engine(market(), { assertInvariants: true, ...options });
  const price = (ts: number, p: string) =>
    e.apply({ type: "price", ts, index: "I", source: "x", price: p, sourceTs: ts });
  price(T0, "100");
  for (const a of ["a", "b", "c"])
    e.apply({ type: "deposit", ts: T0, account: a, asset: "USDC", amount: "10000" });
  e.apply({ type: "fill", ts: T0, symbol: "FUT", buyer: "a", seller: "b", qty: "3", price: "100" });
  e.apply({ type: "fill", ts: T0, symbol: "FUT", buyer: "c", seller: "b", qty: "1.5", price: "104" });
  e.apply({
    type: "order",
    ts: T0,
    account: "c",
    id: "rest",
    symbol: "FUT",
    side: "buy",
    qty: "1",
    price: "99",
  });
  // The last 30 minutes: 110 for the first 15, 120 for the last 15 → TWAP 115 (the 100 before counts nothing).
  price(EXPIRY - 30 * MIN, "110");
  price(EXPIRY - 15 * MIN, "120");
  return { e, price };
}

describe("expiry settlement", () => {
  it("closes every position at the 30-minute index TWAP in one step, cancels resting orders, then refuses trading", () => {
    const { e } = setUp();
    const events: EngineEvent[] = e.apply({ type: "tick", ts: EXPIRY + 500 });
    expect(events.find((x) => x.type === "order.cancelled")).toMatchObject({ id: "rest", reason: "expired" });
    expect(events.find((x) => x.type === "settlement")).toMatchObject({
      symbol: "FUT",
      price: "115",
      kind: "expiry",
      positions: 3,
    });
    const closes = events.filter((x): x is PositionEvent => x.type === "position");
    expect(closes.map((p) => [p.account, p.qty, p.realizedPnl])).toEqual([
      ["a", "0", "45"], // 3 × (115 − 100)
      ["b", "0", "-61.5"], // −3 × 15 − 1.5 × 11
      ["c", "0", "16.5"], // 1.5 × (115 − 104)
    ]);
    const order = e.apply({
      type: "order",
      ts: EXPIRY + 600,
      account: "a",
      id: "late",
      symbol: "FUT",
      side: "buy",
      qty: "1",
      price: "115",
    });
    expect(order[0]).toMatchObject({ type: "order.rejected", code: "halted" });
    e.ledger.assertBalanced();
  });

  it("is all or nothing: a failure after one account leaves every account as it was", () => {
    let armed = false;
    const { e } = setUp({
      settlementFault: (settled) => {
        if (armed && settled === 1) throw new Error("injected failure");
      },
    });
    const before = e.stateHash();
    const balances = ["a", "b", "c"].map((a) => e.ledger.balance(e.ledger.account(a), 0));
    armed = true;
    expect(() => e.apply({ type: "tick", ts: EXPIRY + 500 })).toThrow("injected failure");
    expect(["a", "b", "c"].map((a) => e.ledger.balance(e.ledger.account(a), 0))).toEqual(balances);
    expect(e.positions.lots(e.positions.slot(e.ledger.account("a"), 0))).toBe(300);
    e.ledger.assertBalanced();
    // The resting order was cancelled before the settlement step; everything else is as before.
    expect(e.stateHash()).not.toBe(before);
    armed = false;
    const events = e.apply({ type: "tick", ts: EXPIRY + 600 });
    expect(events.find((x) => x.type === "settlement")).toMatchObject({ price: "115", positions: 3 });
  });
});

// The margin state machine in the engine: transitions with margin events carrying the prices, hysteresis on the
// way back, never liquidating on a bad price (frozen, reduce-only, with the reason), and a single outlier venue
// print moving nobody.
import { describe, expect, it } from "vitest";
import { Engine } from "./engine.js";
import type { EngineEvent, MarginEvent } from "./events.js";
import { onePerpetual } from "./one-perpetual.fixture.js";

const T0 = 1_700_000_000_000;

function setUp() {
  const config = onePerpetual({
    index: {
      sources: ["a", "b", "c"].map((id) => ({ id, weight: "1" })),
      minSources: 2,
      staleAfterMs: 10_000,
      outlierBand: "0.03",
      breakers: { move: null, divergence: null, degraded: false },
    },
    instrument: { breakers: { divergence: null } },
  });
  const e = new Engine(config, { assertInvariants: true });
  let ts = T0;
  const at = (dt: number) => {
    ts += dt;
    return ts;
  };
  const prices = (a: string, b = a, c = a): EngineEvent[] => {
    const t = at(1000);
    return ["a", "b", "c"].flatMap((source, i) =>
      e.apply({ type: "price", ts: t, index: "I", source, price: [a, b, c][i] as string, sourceTs: t }),
    );
  };
  prices("1000");
  e.apply({ type: "deposit", ts, account: "u", asset: "USDC", amount: "1500" });
  e.apply({ type: "deposit", ts, account: "mm", asset: "USDC", amount: "1000000" });
  // u long 10 at 1,000: equity 1,500 + 10 (p − 1,000), MM 0.5 p. Margin call once MM/equity ≥ 0.8 (p ≤ 906.6),
  // liquidating once equity < MM (p < 894.7).
  e.apply({ type: "fill", ts, symbol: "P", buyer: "u", seller: "mm", qty: "10", price: "1000" });
  const margins = (events: EngineEvent[]) => events.filter((x): x is MarginEvent => x.type === "margin");
  return { e, prices, margins, at, now: () => ts };
}

describe("margin states", () => {
  it("margin call, then liquidating, with the prices behind each; back only past MM × (1 + buffer)", () => {
    const { prices, margins } = setUp();
    expect(margins(prices("920"))).toEqual([]);
    const call = margins(prices("905"));
    expect(call).toMatchObject([
      { account: "u", state: "margin_call", equity: "550", maintenance: "452.5", frozen: false },
    ]);
    // Every price with its index and the sources it stood on, each with the price counted and its age.
    const sources = ["a", "b", "c"].map((source) => ({ source, price: "905", ageMs: 0 }));
    expect(call[0]?.prices).toEqual([
      { symbol: "P", price: "905", ageMs: 0, status: "ok", index: "I", sources },
    ]);
    expect(call[0]?.positions).toEqual([
      { symbol: "P", qty: "10", entryPrice: "1000", unrealizedPnl: "-950", maintenance: "452.5" },
    ]);
    // 907: MM/equity = 453.5 / 570 < 0.8, but 0.8 × 570 = 456 < MM × 1.02 = 462.57: still a margin call
    expect(margins(prices("907"))).toEqual([]);
    expect(margins(prices("950")).at(-1)).toMatchObject({ state: "healthy" });
    // Venues report one by one: the state follows each recomputed index.
    expect(margins(prices("890")).find((m) => m.state === "liquidating")).toMatchObject({
      state: "liquidating",
      equity: "400",
      maintenance: "445",
    });
  });

  it("never liquidates on a bad price: frozen reduce-only with the reason, then decided when the price is back", () => {
    const { e, prices, margins, at } = setUp();
    prices("905");
    // Only venue a keeps reporting, at a crash price: the index is degraded (1 of 2 required).
    const t = at(11_000);
    const events = e.apply({ type: "price", ts: t, index: "I", source: "a", price: "880", sourceTs: t });
    expect(margins(events)).toMatchObject([
      { state: "margin_call", frozen: true, reason: "P mark degraded" },
    ]);
    const order = e.apply({
      type: "order",
      ts: t,
      account: "u",
      id: "more",
      symbol: "P",
      side: "buy",
      qty: "1",
      price: "880",
    });
    expect(order[0]).toMatchObject({ type: "order.rejected", code: "stale_price" });
    // The venues agree again: the decision is taken on a price that can be trusted.
    expect(margins(prices("880"))[0]).toMatchObject({ state: "liquidating", frozen: false, reason: null });
  });

  it("a single outlier venue print moves nobody: capped at the band", () => {
    const { prices, margins } = setUp();
    prices("950");
    // c prints −26 %: capped at the band (921.5), the index moves 1 % to 940.5, far from the margin call (906.6).
    expect(margins(prices("950", "950", "700"))).toEqual([]);
  });
});

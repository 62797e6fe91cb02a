// Trading scenarios through `plimsoll run` (examples/trading/): price-time priority, each order type and refusal,
// self-trade prevention, funding that sums to zero, expiry settlement; every run byte-identical when repeated.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventsOf as of, ROOT, runScenario } from "./plimsoll-run.js";

const DIR = join(ROOT, "examples", "trading");

const run = (name: string) => runScenario(join(DIR, "trading.config.json"), join(DIR, `${name}.jsonl`));
const micro = (text: unknown) => BigInt(Math.round(Number(text) * 1e6));

describe("trading scenarios", () => {
  it("price-time priority: the better price first, then the earlier order, at the resting price", () => {
    const { events } = run("price-time-priority");
    expect(of(events, "trade").map((t) => [t["sellOrder"], t["price"], t["qty"]])).toEqual([
      ["m2-a", "20005", "1"],
      ["m1-b", "20005", "1"],
      ["m1-a", "20010", "0.5"],
    ]);
  });

  it("order types: IOC remainder cancelled, FOK unfillable, POST_ONLY would cross, market bounded by the band", () => {
    const { events } = run("order-types");
    expect(of(events, "order.cancelled").map((e) => [e["id"], e["reason"], e["remaining"]])).toEqual([
      ["ioc", "ioc", "1"],
      ["mkt", "market", "1"],
      ["post-ok", "cancelled", "1"],
    ]);
    expect(of(events, "order.rejected").map((e) => [e["id"], e["code"]])).toEqual([
      ["fok", "unfillable"],
      ["post", "would_cross"],
    ]);
    expect(of(events, "trade").map((t) => t["sellOrder"])).toEqual(["rest", "rest2"]); // never "far", beyond the band
  });

  it("refusals: every code, as order.rejected (or rejected for a cancel), changing nothing", () => {
    const { events } = run("rejections");
    expect(of(events, "order.rejected").map((e) => [e["id"], e["code"]])).toEqual([
      ["too-big", "limit_exceeded"],
      ["no-margin", "insufficient_margin"],
      ["band", "price_band"],
      ["tick", "invalid"],
      ["lot", "invalid"],
      ["reduce", "reduce_only"],
      ["while-halted", "halted"],
      ["stale", "stale_price"],
    ]);
    expect(of(events, "rejected").map((e) => e["code"])).toEqual(["unknown_order"]);
    expect(of(events, "trade")).toEqual([]);
  });

  it("self-trade prevention cancels the resting order of the same account", () => {
    const { events } = run("self-trade-prevention");
    expect(of(events, "order.cancelled")).toMatchObject([{ id: "own", reason: "self_trade" }]);
    expect(of(events, "trade")).toMatchObject([{ buyer: "t", seller: "m1" }]);
  });

  it("funding: the premium of a book above the index funds longs to shorts; payments and the residue sum to zero", () => {
    const { events } = run("funding");
    const [funding] = of(events, "funding");
    expect(funding).toMatchObject({ symbol: "BTC-PERP", rate: "0.00197664", indexPrice: "20000" });
    const payments = of(events, "funding.payment");
    expect(payments.map((p) => p["account"])).toEqual(["t", "u", "m1", "m2"]);
    const sum = payments.reduce((s, p) => s + micro(p["amount"]), 0n);
    const residue = of(events, "insurance").reduce((s, e) => s + micro(e["delta"]), 0n);
    expect(sum + residue).toBe(0n);
  });

  it("expiry: every position closed at the 30-minute TWAP in one step, resting orders cancelled, trading refused after", () => {
    const { events } = run("expiry-settlement");
    expect(of(events, "settlement")).toMatchObject([
      { symbol: "BTC-FUT", price: "20200", kind: "expiry", positions: 2 },
    ]);
    expect(of(events, "order.cancelled")).toMatchObject([{ id: "bid", reason: "expired" }]);
    const closes = of(events, "position").filter((p) => p["qty"] === "0");
    expect(closes.map((p) => [p["account"], p["realizedPnl"]])).toEqual([
      ["m1", "-400"],
      ["t", "400"],
    ]);
    expect(of(events, "order.rejected")).toMatchObject([{ id: "late", code: "halted" }]);
  });

  it("is deterministic: each scenario's output is byte-identical when run again", () => {
    for (const name of ["price-time-priority", "order-types", "rejections", "funding", "expiry-settlement"])
      expect(run(name).text).toBe(run(name).text);
  });
});

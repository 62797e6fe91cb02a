// Liquidation scenarios through `plimsoll run` (examples/liquidation/): the BitMEX ADL example, an insurance
// takeover and the fund's unwind, bad prices that liquidate nobody until the wait runs out, a socialised loss;
// conservation and the evidence links checked in every one, and every run byte-identical when repeated.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Event, eventsOf as of, ROOT, runScenario } from "./plimsoll-run.js";

const DIR = join(ROOT, "examples", "liquidation");
const SCENARIOS = ["bitmex-adl", "insurance-takeover", "bad-prices", "socialized-loss"];

const run = (name: string) => runScenario(join(DIR, "liquidation.config.json"), join(DIR, `${name}.jsonl`));
const micro = (text: unknown) => BigInt(Math.round(Number(text) * 1e6));

/** Balances from the balance events, and positions from the position events: what every step conserved. */
function conserved(events: Event[]): void {
  const balances = new Map<string, bigint>();
  const positions = new Map<string, bigint>();
  for (const e of events) {
    if (e.type === "balance") balances.set(e["account"] as string, micro(e["balance"]));
    if (e.type === "position") positions.set(e["account"] as string, micro(e["qty"]));
    // Every account view agrees with the balance events before it.
    if (e.type === "account" && !(e["account"] as string).startsWith("sys:"))
      expect(micro((e["balances"] as Record<string, string>)["USD"])).toBe(
        balances.get(e["account"] as string),
      );
  }
  expect([...positions.values()].reduce((s, q) => s + q, 0n)).toBe(0n); // every long has its short
  // Each liquidation, insurance and adl event names the margin decision that caused it.
  const decisions = new Map(of(events, "margin").map((m) => [m["seq"], m]));
  for (const e of [...of(events, "liquidation"), ...of(events, "adl")]) {
    const decision = decisions.get(e["decision"]);
    expect(decision, JSON.stringify(e)).toBeDefined();
    expect(["liquidating", "bankrupt"]).toContain(decision?.["state"]);
  }
  for (const e of of(events, "insurance"))
    if (e["decision"] !== null) expect(decisions.has(e["decision"])).toBe(true);
  expect(of(events, "end")).toHaveLength(1); // the ledger invariant held to the end
}

describe("liquidation scenarios", () => {
  it("BitMEX ADL: a short of 20 the book and the fund cannot take closes against account 2 (10) then 5 (10 of 20), at 650", () => {
    const { events } = run("bitmex-adl");
    conserved(events);
    // The ADL queue of the longs as each account sees it: (account, size, rank) = (1,10,3) (2,10,6) (3,20,1)
    // (4,30,4) (5,20,5) (6,10,2), the rank shown as a quantile (rank / 6).
    const ranks = of(events, "account")
      .filter((e) => e["ts"] === 1_700_000_005_000 && e["account"] !== "s")
      .map((e) => {
        const [p] = e["positions"] as { qty: string; adlRank: number }[];
        return [e["account"], p?.qty, Math.round((p?.adlRank ?? 0) * 6)];
      });
    expect(ranks).toEqual([
      ["a1", "10", 3],
      ["a2", "10", 6],
      ["a3", "20", 1],
      ["a4", "30", 4],
      ["a5", "20", 5],
      ["a6", "10", 2],
    ]);
    const [decision] = of(events, "margin").filter((m) => m["state"] === "liquidating");
    expect(decision).toMatchObject({ account: "s", equity: "240", maintenance: "255.2" });
    expect(
      of(events, "adl").map((e) => [e["account"], e["counterparty"], e["qty"], e["price"], e["rank"]]),
    ).toEqual([
      ["a2", "s", "10", "650", 1],
      ["a5", "s", "10", "650", 5 / 6],
    ]);
    expect(of(events, "liquidation").map((e) => [e["via"], e["qty"], e["price"], e["decision"]])).toEqual([
      ["adl", "10", "650", decision?.["seq"]],
      ["adl", "10", "650", decision?.["seq"]],
    ]);
    // Closed at its bankruptcy price, the account is left with nothing and owes nothing; the fund is untouched.
    const s = of(events, "account")
      .filter((e) => e["account"] === "s")
      .at(-1);
    expect(s).toMatchObject({ equity: "0", positions: [] });
    expect(of(events, "insurance")).toEqual([]);
  });

  it("insurance: liquidated at the first mark beyond the liquidation price and not before; the fund takes over at bankruptcy, then unwinds", () => {
    const { events } = run("insurance-takeover");
    conserved(events);
    const view = of(events, "account").find((e) => e["account"] === "u");
    const [position] = (view?.["positions"] ?? []) as { liquidationPrice: string }[];
    const threshold = Number(position?.liquidationPrice); // 898 on the price grid (897.96)
    const [liquidation] = of(events, "liquidation");
    const marks = of(events, "mark").map((m) => [m["cause"] as number, Number(m["price"])] as const);
    // Every mark before the liquidation's command is at or above the threshold; the one that triggered it is below.
    for (const [cause, price] of marks)
      if (cause < (liquidation?.["cause"] as number)) expect(price).toBeGreaterThanOrEqual(threshold);
    expect(marks.find(([cause]) => cause === liquidation?.["cause"])?.[1]).toBeLessThan(threshold);
    // The only bid (870) is below the bankruptcy price (880): the book takes nothing, the fund takes all 5 at 880.
    expect(liquidation).toMatchObject({ account: "u", qty: "5", price: "880", via: "insurance", fee: "0" });
    expect(
      of(events, "insurance").map((e) => [e["reason"], e["delta"], e["balance"], e["qty"], e["price"]]),
    ).toEqual([
      ["takeover", "0", "200", "5", "880"],
      ["unwind", "50", "250", "5", "890"], // sold into a bid at 890, within 1 % of the mark
    ]);
    const fund = of(events, "account").filter((e) => e["account"] === "sys:insurance");
    expect(fund.map((e) => (e["positions"] as { qty: string }[]).map((p) => p.qty))).toEqual([["5"], []]);
  });

  it("bad prices: an outlier print and a stale venue liquidate nobody; a degraded index freezes the account until the wait runs out", () => {
    const { events } = run("bad-prices");
    conserved(events);
    const margins = of(events, "margin");
    expect(margins[0]).toMatchObject({
      state: "margin_call",
      frozen: true,
      reason: "XBT-PERP mark degraded",
    });
    expect(of(events, "order.rejected")).toMatchObject([{ id: "add", code: "stale_price" }]);
    const [override] = of(events, "margin.override");
    expect(override).toMatchObject({ account: "u", maxWaitMs: 60_000, decision: margins[0]?.["seq"] });
    expect(override?.["waitedMs"]).toBeGreaterThanOrEqual(60_000);
    // Nothing was liquidated before the wait ran out, on any price.
    for (const l of of(events, "liquidation"))
      expect(l["seq"] as number).toBeGreaterThan(override?.["seq"] as number);
    expect(of(events, "liquidation")).toMatchObject([{ via: "insurance", price: "880" }]);
  });

  it("socialised loss: a deficit beyond the fund is shared pro rata over the other balances, exactly", () => {
    const { events } = run("socialized-loss");
    conserved(events);
    expect(of(events, "insurance")).toMatchObject([
      { reason: "bankruptcy_cover", delta: "-200", balance: "0" },
    ]);
    expect(of(events, "socialized_loss")).toMatchObject([
      { account: "u", amount: "300", accounts: 3, uncovered: "0" },
    ]);
    const shares = of(events, "balance")
      .filter((b) => b["reason"] === "socialized_loss" && b["account"] !== "u")
      .map((b) => [b["account"], b["delta"]]);
    // mm 1,000,600, x 300,000, y 100,000 of 1,400,600: 300 × each share rounded down (214.322433|24,
    // 64.258175|07, 21.419391|69), the one unit left to the largest remainder (y)
    expect(shares).toEqual([
      ["mm", "-214.322433"],
      ["x", "-64.258175"],
      ["y", "-21.419392"],
    ]);
    expect(shares.reduce((s, [, d]) => s + micro(d), 0n)).toBe(-300_000_000n);
  });

  it("is deterministic: each scenario's output is byte-identical when run again", () => {
    for (const name of SCENARIOS) expect(run(name).text).toBe(run(name).text);
  });
});

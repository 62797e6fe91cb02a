// Options scenarios through `plimsoll run` (examples/options/): a short call margin-called then liquidated in a
// rally (book, then the fund, which unwinds), settlement at expiry on the index TWAP, and the surface breaker; each
// run byte-identical when repeated.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Event, eventsOf as of, ROOT, runScenario } from "./plimsoll-run.js";

const DIR = join(ROOT, "examples", "options");
const SCENARIOS = ["short-call-rally", "expiry", "surface-breaker"];
const CALL = "BTC-20000-C";
const PUT = "BTC-20000-P";
const E = 1_700_086_400_000; // the expiry of the future and both options
const MIN = 60_000;

const run = (name: string) => runScenario(join(DIR, "options.config.json"), join(DIR, `${name}.jsonl`));
const micro = (text: unknown) => BigInt(Math.round(Number(text) * 1e6));

/** Every long has its short, per symbol, after every event; every account view agrees with its balance events. */
function conserved(events: Event[]): void {
  const positions = new Map<string, bigint>();
  const balances = new Map<string, bigint>();
  for (const e of events) {
    if (e.type === "position") positions.set(`${e["symbol"]} ${e["account"]}`, micro(e["qty"]));
    if (e.type === "balance") balances.set(e["account"] as string, micro(e["balance"]));
    if (e.type === "account" && !(e["account"] as string).startsWith("sys:"))
      expect(micro((e["balances"] as Record<string, string>)["USDC"])).toBe(
        balances.get(e["account"] as string),
      );
  }
  for (const symbol of ["BTC-FUT", CALL, PUT]) {
    const open = [...positions].filter(([key]) => key.startsWith(`${symbol} `));
    expect(
      open.reduce((s, [, q]) => s + q, 0n),
      symbol,
    ).toBe(0n);
  }
  expect(of(events, "end")).toHaveLength(1); // the ledger invariant held to the end
}

const last = (events: Event[], type: string, account: string) =>
  of(events, type)
    .filter((e) => e["account"] === account)
    .at(-1);

describe("options scenarios", () => {
  it("short call in a rally: margin-called at 20,800, bought back from the book 0.1 at a time, the rest taken over by the fund, which unwinds", () => {
    const { events } = run("short-call-rally");
    conserved(events);
    expect(of(events, "trade")[0]).toMatchObject({
      symbol: CALL,
      price: "250",
      qty: "1",
      buyer: "t",
      seller: "w",
    });
    const margins = of(events, "margin").filter((m) => m["account"] === "w");
    expect(margins.map((m) => m["state"])).toEqual([
      "margin_call",
      "liquidating",
      "margin_call",
      "liquidating",
      "margin_call",
      "liquidating",
      "healthy",
    ]);
    // The margin call: a short call's maintenance is 0.075 × S + mark, and MM ≥ 0.8 × equity.
    const call = margins[0] as Event;
    const [mark] = call["prices"] as { symbol: string; price: string; sources: { price: string }[] }[];
    expect(mark?.sources.map((s) => s.price)).toEqual(["20800", "20800", "20800"]);
    expect(Number(call["maintenance"])).toBeCloseTo(0.075 * 20_800 + Number(mark?.price), 5);
    expect(0.8 * Number(call["equity"])).toBeLessThanOrEqual(Number(call["maintenance"]));
    // Just enough is bought back from the book each time (0.1, at mm's ask), then the fund takes the rest at the
    // bankruptcy price: far above the mark (1,407.87), as the margin is a share of the underlying.
    const decisions = new Map(margins.map((m) => [m["seq"], m["state"]]));
    const liquidations = of(events, "liquidation");
    expect(liquidations.map((l) => [l["via"], l["qty"], l["price"], l["fee"]])).toEqual([
      ["book", "0.1", "1150", "0.575"], // 0.5 % of the premium bought back
      ["book", "0.1", "1150", "0.575"],
      ["insurance", "0.8", "4398.5", "0"],
    ]);
    for (const l of liquidations) expect(decisions.get(l["decision"])).toBe("liquidating");
    expect(of(events, "insurance").map((i) => [i["reason"], i["delta"], i["qty"], i["price"]])).toEqual([
      ["liquidation_fee", "0.575", null, null],
      ["liquidation_fee", "0.575", null, null],
      ["takeover", "0", "0.8", "4398.5"],
      ["unwind", "2230.8", "0.8", "1610"], // 0.8 × (4,398.5 − 1,610): w's remaining equity, realised by the fund
    ]);
    expect(last(events, "account", "w")).toMatchObject({ balances: { USDC: "0.05" }, positions: [] });
    expect(last(events, "account", "sys:insurance")).toMatchObject({
      balances: { USDC: "52231.95" },
      positions: [],
    });
    // The long is untouched throughout.
    expect(of(events, "position").filter((p) => p["account"] === "t")).toMatchObject([{ qty: "1" }]);
  });

  it("expiry: the future, the call and the put settle at the 30-minute index TWAP (20,400); the put expires worthless", () => {
    const { events } = run("expiry");
    conserved(events);
    // The TWAP, recomputed from the index events: each value holds until the next, over [E − 30 min, E).
    let weighted = 0;
    let previous: { ts: number; value: number } | null = null;
    for (const i of of(events, "index")) {
      const ts = i["ts"] as number;
      if (previous !== null && ts > E - 30 * MIN)
        weighted += previous.value * (Math.min(ts, E) - Math.max(previous.ts, E - 30 * MIN));
      previous = { ts, value: Number(i["price"]) };
    }
    expect(weighted / (30 * MIN)).toBe(20_400);
    expect(
      of(events, "settlement").map((s) => [s["symbol"], s["price"], s["underlying"], s["positions"]]),
    ).toEqual([
      ["BTC-FUT", "20400", undefined, 2],
      [CALL, "400", "20400", 2],
      [PUT, "0", "20400", 2], // out of the money: closes at 0
    ]);
    for (const s of of(events, "settlement")) expect(s["ts"]).toBe(E);
    const closed = of(events, "position").filter((p) => p["ts"] === E);
    expect(closed.map((p) => [p["account"], p["symbol"], p["qty"], p["realizedPnl"]])).toEqual([
      ["f", "BTC-FUT", "0", "-400"],
      ["m", "BTC-FUT", "0", "400"],
      ["m", CALL, "0", "-710"], // 2 × (45 − 400)
      ["l", CALL, "0", "710"],
      ["m", PUT, "0", "40"], // the writer keeps the premium
      ["l", PUT, "0", "-40"], // the holder loses it
    ]);
    expect(last(events, "account", "l")).toMatchObject({ balances: { USDC: "1670" }, positions: [] });
    expect(last(events, "account", "m")).toMatchObject({ balances: { USDC: "19730" }, positions: [] });
    expect(last(events, "account", "f")).toMatchObject({ balances: { USDC: "4600" }, positions: [] });
    expect(of(events, "order.rejected")).toMatchObject([{ id: "late", code: "halted" }]);
  });

  it("surface breaker: three refused smiles in a row make options reduce-only; an accepted one clears it", () => {
    const { events } = run("surface-breaker");
    conserved(events);
    const surfaces = of(events, "surface");
    expect(surfaces.map((s) => [s["accepted"], s["code"]])).toEqual([
      [true, null],
      [false, "calendar"],
      [false, "calendar"],
      [false, "calendar"],
      [true, null],
    ]);
    const [tripped, cleared] = of(events, "breaker");
    expect(tripped).toMatchObject({
      scope: "BTC-USD",
      state: "tripped",
      reason: "surface",
      value: "3",
      threshold: "3",
      action: "reduce_only",
      cause: surfaces[3]?.["cause"],
    });
    expect(cleared).toMatchObject({
      scope: "BTC-USD",
      state: "cleared",
      reason: "surface",
      cause: surfaces[4]?.["cause"],
    });
    expect(of(events, "breaker")).toHaveLength(2);
    // Refused smiles never touch margin: the call's mark moves only by its time decay over those 28 seconds (a
    // slice keeps its implied volatilities as time passes: ~T/2 of a day's value, 0.016 %).
    const views = of(events, "account").filter((a) => a["account"] === "l");
    const marks = views.map((v) => Number((v["positions"] as { markPrice: string }[])[0]?.markPrice));
    expect(marks).toHaveLength(2);
    expect((marks[1] as number) < (marks[0] as number)).toBe(true);
    expect(Math.abs((marks[1] as number) / (marks[0] as number) - 1)).toBeLessThan(3e-4);
    // While tripped, new risk is refused and closing trades go through.
    const between = (e: Event) =>
      (e["seq"] as number) > (tripped?.["seq"] as number) &&
      (e["seq"] as number) < (cleared?.["seq"] as number);
    expect(of(events, "order.rejected").map((r) => [r["id"], r["code"], between(r)])).toEqual([
      ["l-more", "reduce_only", true],
      ["m-put", "reduce_only", true],
    ]);
    expect(of(events, "trade").filter(between)).toMatchObject([
      { symbol: CALL, price: "255", qty: "1", buyer: "m", seller: "l" },
    ]);
    expect(of(events, "order.accepted").at(-1)).toMatchObject({ id: "l-again" });
    expect((of(events, "order.accepted").at(-1)?.["seq"] as number) > (cleared?.["seq"] as number)).toBe(
      true,
    );
  });

  it("is deterministic: each scenario's output is byte-identical when run again", () => {
    for (const name of SCENARIOS) expect(run(name).text).toBe(run(name).text);
  });
});

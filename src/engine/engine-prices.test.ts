// The engine's price commands (`price`, `tick`, `halt`, `resume`) in-process: every refusal changes nothing
// (state hash and clock), every acceptance changes the state, collateral is valued only at an `ok` price, and
// random interleavings stay deterministic. The market is examples/scenarios/prices.config.json (inlined: this
// layer does no I/O).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "./engine.js";
import type { AccountEvent, EngineEvent, EventSink, IndexEvent } from "./events.js";

const T0 = 1_700_000_000_000;
const PLAIN_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

const breakers = (action: string) => ({
  move: { limit: "0.05", windowMs: 10_000 },
  degraded: true,
  action,
  coolDownMs: 3000,
});
const perpetual = (symbol: string, index: string, tickSize: string) => ({
  symbol,
  kind: "perpetual",
  index,
  settlementAsset: "USDC",
  contractSize: "1",
  tickSize,
  lotSize: "0.001",
  marginTiers: [{ upToNotional: "1000000", initial: "0.02", maintenance: "0.01" }],
});

/** examples/scenarios/prices.config.json, with `btc` overriding BTC-USD's options. */
function market(btc: Record<string, unknown> = {}): MarketConfig {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.9" },
      { id: "ETH", decimals: 8, index: "ETH-USD", collateralWeight: "0.8" },
    ],
    indices: [
      {
        id: "BTC-USD",
        sources: ["a", "b", "c", "d"].map((id) => ({ id, weight: "0.25" })),
        staleAfterMs: 5000,
        outlierBand: "0.02",
        outlierMode: "cap",
        minSources: 3,
        breakers: breakers("reduce_only"),
        ...btc,
      },
      {
        id: "ETH-USD",
        sources: [
          { id: "a", weight: "0.4" },
          { id: "b", weight: "0.3" },
          { id: "c", weight: "0.3" },
        ],
        staleAfterMs: 5000,
        outlierBand: "0.02",
        outlierMode: "exclude",
        minSources: 2,
        breakers: breakers("halted"),
      },
    ],
    instruments: [perpetual("BTC-PERP", "BTC-USD", "0.1"), perpetual("ETH-PERP", "ETH-USD", "0.01")],
    insuranceFund: { asset: "USDC", initialBalance: "1000000" },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function price(ts: number, source: string, value: string, index = "BTC-USD", sourceTs = ts) {
  return { type: "price", ts, index, source, price: value, sourceTs };
}

const BTC = { a: "20000", b: "20010", c: "19990", d: "20020" } as const; // index 20005

/** A market with both indices priced at T0, alice holding USDC and BTC, and BTC-PERP halted by an operator. */
function warm(): Engine {
  const engine = new Engine(market(), { assertInvariants: true });
  const accept = (command: unknown) => {
    for (const e of engine.apply(command))
      if (e.type === "rejected") throw new Error(`setup: ${JSON.stringify(e)}`);
  };
  for (const [source, value] of Object.entries(BTC)) accept(price(T0, source, value));
  for (const [source, value] of [
    ["a", "2000"],
    ["b", "2001"],
    ["c", "1999"],
  ] as const)
    accept(price(T0, source, value, "ETH-USD"));
  accept({ type: "deposit", ts: T0, account: "alice", asset: "BTC", amount: "0.5" });
  accept({ type: "deposit", ts: T0, account: "alice", asset: "USDC", amount: "100" });
  accept({ type: "halt", ts: T0 + 500, scope: "BTC-PERP", reason: "setup" });
  accept(price(T0 + 1000, "a", "20000"));
  return engine;
}

/** Applies `command`, expects exactly one `rejected` event with `code`, and that nothing changed. */
function expectRejected(engine: Engine, command: unknown, code: string): string {
  const hash = engine.stateHash();
  const ts = engine.lastTs;
  const events = engine.apply(command);
  expect(events).toHaveLength(1);
  const e = events[0] as EngineEvent;
  if (e.type !== "rejected") throw new Error(`expected a rejection, got ${JSON.stringify(e)}`);
  expect(e.code).toBe(code);
  expect(engine.stateHash()).toBe(hash);
  expect(engine.lastTs).toBe(ts);
  return e.message;
}

const LATER = T0 + 2000; // after warm()'s last command (T0 + 1000)

describe("engine: refused price, halt and resume commands change nothing", () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    // price
    [
      "price: index missing",
      { type: "price", ts: LATER, source: "a", price: "1", sourceTs: LATER },
      "invalid",
      "price.index",
    ],
    ["price: index not a string", { ...price(LATER, "a", "1"), index: 7 }, "invalid", "price.index"],
    ["price: unknown index", price(LATER, "a", "1", "SOL-USD"), "unknown_index", '"SOL-USD"'],
    [
      "price: source missing",
      { type: "price", ts: LATER, index: "BTC-USD", price: "1", sourceTs: LATER },
      "invalid",
      "price.source",
    ],
    ["price: source not a string", { ...price(LATER, "a", "1"), source: 1 }, "invalid", "price.source"],
    ["price: unknown source", price(LATER, "e", "20000"), "unknown_source", '"e"'],
    ["price: source of another index", price(LATER, "d", "2000", "ETH-USD"), "unknown_source", "ETH-USD"],
    [
      "price: price missing",
      { type: "price", ts: LATER, index: "BTC-USD", source: "a", sourceTs: LATER },
      "invalid",
      "price.price",
    ],
    ["price: price a JSON number", { ...price(LATER, "a", "1"), price: 20000 }, "invalid", "price.price"],
    ["price: price zero", price(LATER, "a", "0"), "invalid", "price.price"],
    ["price: price negative", price(LATER, "a", "-20000"), "invalid", "price.price"],
    ["price: price with an exponent", price(LATER, "a", "2e4"), "invalid", "price.price"],
    ["price: price empty", price(LATER, "a", ""), "invalid", "price.price"],
    ["price: price with a blank", price(LATER, "a", " 20000"), "invalid", "price.price"],
    [
      "price: price with 19 decimals",
      price(LATER, "a", "20000.0000000000000000001"),
      "invalid",
      "price.price",
    ],
    [
      "price: sourceTs missing",
      { type: "price", ts: LATER, index: "BTC-USD", source: "a", price: "1" },
      "invalid",
      "price.sourceTs",
    ],
    [
      "price: sourceTs a string",
      { ...price(LATER, "a", "1"), sourceTs: String(LATER) },
      "invalid",
      "price.sourceTs",
    ],
    ["price: sourceTs negative", price(LATER, "a", "20000", "BTC-USD", -1), "invalid", "price.sourceTs"],
    [
      "price: sourceTs fractional",
      price(LATER, "a", "20000", "BTC-USD", LATER - 0.5),
      "invalid",
      "price.sourceTs",
    ],
    [
      "price: sourceTs beyond the clock skew",
      price(LATER, "a", "20000", "BTC-USD", LATER + 2001),
      "invalid",
      "2001 ms ahead",
    ],
    [
      "price: sourceTs before the source's last",
      price(LATER, "a", "20000", "BTC-USD", T0 + 999),
      "stale_price",
      "older than BTC-USD/a",
    ],
    [
      "price: ts before the last command",
      price(T0 + 999, "a", "20000", "BTC-USD", T0 + 999),
      "ts_regression",
      "price.ts",
    ],
    [
      "price: ts missing",
      { type: "price", index: "BTC-USD", source: "a", price: "1", sourceTs: 1 },
      "invalid",
      "price.ts",
    ],
    ["price: unknown field", { ...price(LATER, "a", "20000"), venue: "x" }, "invalid", "price.venue"],
    // halt / resume
    ["halt: scope missing", { type: "halt", ts: LATER, reason: "x" }, "invalid", "halt.scope"],
    ["halt: scope not a string", { type: "halt", ts: LATER, scope: 1 }, "invalid", "halt.scope"],
    ["halt: scope empty", { type: "halt", ts: LATER, scope: "" }, "invalid", "halt.scope"],
    ["halt: scope too long", { type: "halt", ts: LATER, scope: "x".repeat(130) }, "invalid", "halt.scope"],
    ["halt: unknown symbol", { type: "halt", ts: LATER, scope: "DOGE-PERP" }, "invalid", '"DOGE-PERP"'],
    ["halt: unknown venue", { type: "halt", ts: LATER, scope: "BTC-USD/zz" }, "invalid", '"BTC-USD/zz"'],
    [
      "halt: venue of another index",
      { type: "halt", ts: LATER, scope: "ETH-USD/d" },
      "invalid",
      '"ETH-USD/d"',
    ],
    [
      "halt: index with an empty venue",
      { type: "halt", ts: LATER, scope: "BTC-USD/" },
      "invalid",
      "halt.scope",
    ],
    ["halt: venue without an index", { type: "halt", ts: LATER, scope: "/a" }, "invalid", "halt.scope"],
    [
      "halt: reason not a string",
      { type: "halt", ts: LATER, scope: "ETH-PERP", reason: 5 },
      "invalid",
      "halt.reason",
    ],
    [
      "halt: reason too long",
      { type: "halt", ts: LATER, scope: "ETH-PERP", reason: "r".repeat(257) },
      "invalid",
      "halt.reason",
    ],
    [
      "halt: already halted",
      { type: "halt", ts: LATER, scope: "BTC-PERP", reason: "again" },
      "invalid",
      "already halted",
    ],
    [
      "halt: ts before the last command",
      { type: "halt", ts: T0, scope: "ETH-PERP" },
      "ts_regression",
      "halt.ts",
    ],
    ["halt: unknown field", { type: "halt", ts: LATER, scope: "ETH-PERP", why: "x" }, "invalid", "halt.why"],
    ["resume: not halted", { type: "resume", ts: LATER, scope: "ETH-PERP" }, "invalid", "not halted"],
    ["resume: venue not halted", { type: "resume", ts: LATER, scope: "BTC-USD/a" }, "invalid", "not halted"],
    ["resume: unknown scope", { type: "resume", ts: LATER, scope: "SOL-USD" }, "invalid", '"SOL-USD"'],
    [
      "resume: reason too long",
      { type: "resume", ts: LATER, scope: "BTC-PERP", reason: "r".repeat(257) },
      "invalid",
      "resume.reason",
    ],
    [
      "resume: ts before the last command",
      { type: "resume", ts: T0, scope: "BTC-PERP" },
      "ts_regression",
      "resume.ts",
    ],
    // tick
    ["tick: ts before the last command", { type: "tick", ts: T0 }, "ts_regression", "tick.ts"],
    ["tick: unknown field", { type: "tick", ts: LATER, index: "BTC-USD" }, "invalid", "tick.index"],
  ];

  it.each(cases)("%s → rejected, state hash and clock unchanged", (_, command, code, mentions) => {
    const engine = warm();
    const message = expectRejected(engine, command, code);
    expect(message).toContain(mentions);
  });

  it("a refused price is not half-applied: the next accepted command sees the state as if it never came", () => {
    const a = warm();
    const b = warm();
    expectRejected(a, price(LATER, "a", "20000", "BTC-USD", LATER + 5000), "invalid");
    expectRejected(a, price(LATER, "e", "99999"), "unknown_source");
    const next = price(LATER + 1, "b", "20011");
    const withoutSeq = (events: EngineEvent[]) => events.map(({ seq: _, ...rest }) => rest);
    const [fromA, fromB] = [a.apply(next, 100), b.apply(next, 100)];
    expect(fromA.map((e) => e.type)).toEqual(["index", "mark"]);
    expect(withoutSeq(fromA)).toEqual(withoutSeq(fromB));
    expect(a.stateHash()).toBe(b.stateHash());
  });
});

describe("engine: accepted price, tick, halt and resume commands change the state", () => {
  const accepted: [string, Record<string, unknown>][] = [
    ["a new price", price(LATER, "b", "20015")],
    ["the same price, newer sourceTs", price(LATER, "b", "20010")],
    [
      "the same price and sourceTs again (a duplicate: its latency counts)",
      price(LATER, "a", "20000", "BTC-USD", T0 + 1000),
    ],
    ["a price up to maxClockSkewMs ahead", price(LATER, "c", "19990", "BTC-USD", LATER + 2000)],
    ["a price for the other index", price(LATER, "a", "2002", "ETH-USD")],
    ["a tick", { type: "tick", ts: LATER }],
    ["a halt of a venue", { type: "halt", ts: LATER, scope: "BTC-USD/b", reason: "bad feed" }],
    ["a halt of an index", { type: "halt", ts: LATER, scope: "ETH-USD" }],
    ["a halt of an instrument", { type: "halt", ts: LATER, scope: "ETH-PERP", reason: "r".repeat(256) }],
    ["a resume", { type: "resume", ts: LATER, scope: "BTC-PERP", reason: "done" }],
  ];

  it.each(accepted)("%s: no rejection, a new state hash, the clock at its ts", (_, command) => {
    const engine = warm();
    const hash = engine.stateHash();
    const events = engine.apply(command);
    expect(events.filter((e) => e.type === "rejected")).toEqual([]);
    expect(engine.stateHash()).not.toBe(hash);
    expect(engine.lastTs).toBe(command["ts"]);
  });

  it("a halt then a resume of a venue takes it out of its index and puts it back, with breaker events", () => {
    const engine = warm();
    const halt = engine.apply({ type: "halt", ts: LATER, scope: "BTC-USD/d", reason: "off" });
    expect(halt.map((e) => e.type)).toEqual(["breaker", "index", "mark"]);
    expect(halt[1]).toMatchObject({
      price: "20000",
      status: "ok",
      excluded: [{ source: "d", reason: "halted" }],
    });
    expect(engine.prices.tradingMode("BTC-PERP")).toBe("halted"); // warm() halted the instrument
    const resume = engine.apply({ type: "resume", ts: LATER, scope: "BTC-USD/d" });
    expect(resume.map((e) => e.type)).toEqual(["breaker", "index", "mark"]);
    expect(resume[1]).toMatchObject({ price: "20005", status: "ok", excluded: [] });
  });
});

describe("engine: query.account values collateral at the index, discounted by the price's quality", () => {
  const btcLine = (engine: Engine, ts: number) => {
    const [e] = engine.apply({ type: "query.account", ts, account: "alice" });
    const account = e as AccountEvent;
    expect(account.type).toBe("account");
    const line = account.collateral.find((c) => c.asset === "BTC");
    return { equity: account.equity, ...line };
  };

  it("before any price: the asset counts 0, with no price and status unavailable", () => {
    const engine = new Engine(market());
    engine.apply({ type: "deposit", ts: T0, account: "alice", asset: "BTC", amount: "0.5" });
    expect(btcLine(engine, T0)).toEqual({
      equity: "0",
      asset: "BTC",
      balance: "0.5",
      price: null,
      status: "unavailable",
      ageMs: 0,
      weight: "0.9",
      factor: "0",
      value: "0",
    });
  });

  it("ok: balance × index × collateral weight, rounded down, with the price's age", () => {
    const engine = warm();
    expect(btcLine(engine, T0 + 1000)).toEqual({
      equity: "9102.25", // 100 USDC + 0.5 × 20005 × 0.9
      asset: "BTC",
      balance: "0.5",
      price: "20005",
      status: "ok",
      ageMs: 0,
      weight: "0.9",
      factor: "1",
      value: "9002.25",
    });
    expect(btcLine(engine, T0 + 3000)).toMatchObject({ status: "ok", ageMs: 2000, value: "9002.25" });
    // rounding is down, at the quote asset's decimals: 0.00000001 × 20005.12345678 × 0.9 = 0.000180046…
    const tiny = new Engine(market());
    for (const s of ["a", "b", "c", "d"]) tiny.apply(price(T0, s, "20005.12345678"));
    tiny.apply({ type: "deposit", ts: T0, account: "alice", asset: "BTC", amount: "0.00000001" });
    expect(btcLine(tiny, T0)).toMatchObject({ price: "20005.12345678", status: "ok", value: "0.00018" });
  });

  it("degraded: shown with its price, status and age, counted at most degradedCollateralFactor (0.5)", () => {
    const engine = warm();
    engine.apply(price(T0 + 3000, "a", "20000"));
    engine.apply(price(T0 + 3000, "b", "20010"));
    // c and d last reported at T0: stale once more than 5000 ms old
    const events = engine.apply({ type: "tick", ts: T0 + 5001 });
    expect(events.find((e): e is IndexEvent => e.type === "index")).toMatchObject({
      price: "20005",
      status: "degraded",
    });
    expect(btcLine(engine, T0 + 6000)).toMatchObject({
      equity: "4601.125", // 100 + 0.5 × 20005 × 0.9 × 0.5
      price: "20005",
      status: "degraded",
      ageMs: 999,
      factor: "0.5",
      value: "4501.125",
    });
  });

  it("unavailable: the last price carried, its age growing, counted 0; ok again once the venues return", () => {
    const engine = warm();
    engine.apply({ type: "tick", ts: T0 + 5000 }); // a (T0 + 1000) still fresh, the others exactly 5000 old
    engine.apply({ type: "tick", ts: T0 + 6001 }); // every venue more than 5000 ms old
    const line = (ts: number) => btcLine(engine, ts);
    expect(line(T0 + 6001)).toMatchObject({ price: "20005", status: "unavailable", ageMs: 1001, value: "0" });
    expect(line(T0 + 9001)).toMatchObject({ price: "20005", status: "unavailable", ageMs: 4001, value: "0" });
    expect(line(T0 + 60_001)).toMatchObject({ status: "unavailable", ageMs: 55_001, equity: "100" });
    for (const [source, value] of Object.entries(BTC)) engine.apply(price(T0 + 61_000, source, value));
    expect(line(T0 + 61_000)).toMatchObject({ price: "20005", status: "ok", ageMs: 0, value: "9002.25" });
  });
});

describe("engine: random interleavings of price, tick, halt, resume, deposit and query commands", () => {
  const SCOPES = [
    "BTC-PERP",
    "ETH-PERP",
    "BTC-USD",
    "ETH-USD",
    "BTC-USD/a",
    "BTC-USD/b",
    "BTC-USD/c",
    "BTC-USD/d",
    "ETH-USD/a",
    "ETH-USD/c",
  ];
  /** Mostly ordinary values, sometimes the unusual one: a weighted choice. */
  const mostly = <T>(usual: readonly T[], rare: readonly T[], rareWeight = 1) =>
    fc.oneof(
      { weight: 20 - rareWeight, arbitrary: fc.constantFrom(...usual) },
      { weight: rareWeight, arbitrary: fc.constantFrom(...rare) },
    );
  const step = fc.record({
    dt: fc.oneof(
      { weight: 40, arbitrary: fc.integer({ min: 0, max: 400 }) },
      { weight: 2, arbitrary: fc.integer({ min: -3000, max: -1 }) }, // back in time: ts_regression
      { weight: 1, arbitrary: fc.integer({ min: 5000, max: 20_000 }) }, // a gap: every venue goes stale
    ),
    kind: fc.oneof(
      { weight: 14, arbitrary: fc.constant("price") },
      { weight: 2, arbitrary: fc.constant("tick") },
      { weight: 1, arbitrary: fc.constant("halt") },
      { weight: 2, arbitrary: fc.constant("resume") },
      { weight: 1, arbitrary: fc.constant("deposit") },
      { weight: 1, arbitrary: fc.constant("query") },
    ),
    index: mostly(["BTC-USD", "BTC-USD", "ETH-USD"], ["SOL-USD"]),
    source: mostly(["a", "b", "c", "d"], ["e"]),
    // basis points from the base price: mostly within the band, sometimes a spike or a crash (±12 %)
    move: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -150, max: 150 }) },
      { weight: 1, arbitrary: fc.integer({ min: -1200, max: 1200 }) },
    ),
    cents: fc.integer({ min: 0, max: 99 }),
    lag: fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0, max: 800 }) },
      { weight: 2, arbitrary: fc.integer({ min: 800, max: 9000 }) }, // a lagging venue (and out-of-order ones)
      { weight: 1, arbitrary: fc.integer({ min: -2500, max: -1 }) }, // clock ahead (beyond 2000: invalid)
    ),
    bad: mostly<string | number | null>([null], ["0", "-5", "1e4", 20_000, "", "20000.0000000000000000001"]),
    scope: mostly(SCOPES, ["BTC-USD/zz", "DOGE-PERP", "ETH-USD/d"]),
    account: fc.constantFrom("u0", "u1", "u2"),
    asset: fc.constantFrom("USDC", "BTC", "ETH"),
    amount: fc.integer({ min: 1, max: 10_000_000 }),
  });
  type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

  function commands(steps: readonly Step[]): Record<string, unknown>[] {
    let ts = T0;
    return steps.map((s) => {
      const at = Math.max(0, ts + s.dt);
      if (s.dt >= 0) ts = at;
      switch (s.kind) {
        case "price": {
          const base = s.index === "ETH-USD" ? 2000 : 20_000;
          const value = `${Math.floor((base * (10_000 + s.move)) / 10_000)}.${String(s.cents).padStart(2, "0")}`;
          // a venue whose lag grows faster than time passes sends out of order (stale_price)
          const sourceTs = at - s.lag;
          return { type: "price", ts: at, index: s.index, source: s.source, price: s.bad ?? value, sourceTs };
        }
        case "tick":
          return { type: "tick", ts: at };
        case "halt":
        case "resume":
          return { type: s.kind, ts: at, scope: s.scope, reason: `${s.kind} ${s.scope}` };
        case "deposit": {
          const decimals = s.asset === "USDC" ? 6 : 8;
          const amount = `${Math.floor(s.amount / 10 ** decimals)}.${String(s.amount % 10 ** decimals).padStart(decimals, "0")}`;
          return { type: "deposit", ts: at, account: s.account, asset: s.asset, amount };
        }
        default:
          return { type: "query.account", ts: at, account: s.account };
      }
    });
  }

  it("never throw, keep seq gap-free, refuse without changing anything, and replay to the same state hash", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 2000, maxLength: 2300 }), (steps) => {
        const input = commands(steps);
        const engine = new Engine(market(), { assertInvariants: true });
        const events: EngineEvent[] = [];
        let lastTs = engine.lastTs;
        let rejected = 0;
        // plain checks in the loop (expect() per command would dominate the run time); fail with the command
        const fail = (i: number, what: string) => {
          throw new Error(`command ${i + 1} ${JSON.stringify(input[i])}: ${what}`);
        };
        input.forEach((command, i) => {
          const cause = i + 1;
          const hash = engine.stateHash();
          const from = events.length;
          engine.applyInto(command, cause, events);
          const produced = events.length - from;
          for (let k = from; k < events.length; k++) {
            const e = events[k] as EngineEvent;
            if (e.cause !== cause) fail(i, `event cause ${e.cause}`);
            if ((e.type === "index" || e.type === "mark") && !PLAIN_DECIMAL.test(e.price))
              fail(i, `price ${e.price} is not a plain decimal`);
          }
          if (events.slice(from).some((e) => e.type === "rejected")) {
            rejected++;
            if (produced !== 1) fail(i, `${produced} events with a rejection`);
            if (engine.stateHash() !== hash) fail(i, "rejected, yet the state hash changed");
            if (engine.lastTs !== lastTs) fail(i, "rejected, yet the clock moved");
          } else {
            if (engine.lastTs !== command["ts"]) fail(i, `accepted, clock at ${engine.lastTs}`);
            lastTs = engine.lastTs;
          }
        });
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(rejected).toBeGreaterThan(0);
        expect(rejected).toBeLessThan(input.length);
        expect(events.some((e) => e.type === "index")).toBe(true);
        expect(events.some((e) => e.type === "breaker")).toBe(true);
        // a twin fed the same commands, taking index and mark events raw and building their objects during the
        // call (as a consumer of the raw channel does): same events, same state
        const twin = new Engine(market());
        const twinEvents: EngineEvent[] = [];
        let raw = 0;
        const rawSink: EventSink = {
          push: (e) => twinEvents.push(e),
          index: (seq, ts, cause, index) => {
            raw++;
            twinEvents.push(twin.prices.indexEvent(index, seq, ts, cause));
          },
          mark: (seq, ts, cause, mark) => {
            raw++;
            twinEvents.push(twin.prices.markEvent(mark, seq, ts, cause));
          },
        };
        input.forEach((command, i) => {
          twin.applyInto(command, i + 1, rawSink);
        });
        expect(raw).toBe(events.filter((e) => e.type === "index" || e.type === "mark").length);
        expect(JSON.stringify(twinEvents)).toBe(JSON.stringify(events));
        expect(twin.stateHash()).toBe(engine.stateHash());
      }),
      { numRuns: 5, seed: 20_231_114 },
    );
  });
});

// ---- Bugs found while writing these tests: they fail until the price layer is fixed (see the report). ----

describe("price layer regressions found by the scenario work", () => {
  it("query.account long after the last price, with no tick in between, sees the price as stale", () => {
    // docs/prices.md: a source is fresh while ts − sourceTs ≤ staleAfterMs (5000 here); an hour later every
    // source is stale, so the BTC must count 0 (MakerDAO 2020-03: an hour-old oracle). The engine answers with
    // the status of the last computation (ok), ageMs 3600000, and counts the BTC at full value.
    const engine = new Engine(market());
    engine.apply({ type: "deposit", ts: T0, account: "alice", asset: "BTC", amount: "1" });
    for (const s of ["a", "b", "c", "d"]) engine.apply(price(T0, s, "20000"));
    const [late] = engine.apply({ type: "query.account", ts: T0 + 3_600_000, account: "alice" });
    const line = (late as AccountEvent).collateral[0];
    expect(line?.ageMs).toBe(3_600_000);
    expect(line?.status).not.toBe("ok");
    expect(line?.value).toBe("0");
  });

  it("cap mode with every fresh source an outlier (two clusters far apart) is degraded", () => {
    // docs/prices.md, Index step 3: "When every fresh source is an outlier (two sources far apart) no side can be
    // told right: they are capped and the status is `degraded`." The engine does so only in exclude mode.
    const engine = new Engine(market());
    const events: EngineEvent[] = [];
    for (const [s, p] of [
      ["a", "20000"],
      ["b", "20000"],
      ["c", "21000"],
      ["d", "21000"],
    ] as const)
      events.push(...engine.apply(price(T0, s, p)));
    const last = events.filter((e): e is IndexEvent => e.type === "index").at(-1) as IndexEvent;
    // median 20500; every source is more than 2 % from it and is capped (20090 / 20910)
    expect(last.sources.every((u) => u.raw !== undefined)).toBe(true);
    expect(last.price).toBe("20500");
    expect(last.status).toBe("degraded");
  });

  it("a price above 10^15 is refused; published prices never use an exponent", () => {
    const engine = new Engine(market());
    engine.apply({ type: "deposit", ts: T0, account: "alice", asset: "BTC", amount: "1" });
    const [refused] = engine.apply(price(T0, "a", "1000000000000000000000"));
    expect(refused).toMatchObject({ type: "rejected", code: "invalid" });
    expect((refused as { message: string }).message).toContain("10^15");
    const events: EngineEvent[] = [];
    for (const s of ["a", "b", "c"]) events.push(...engine.apply(price(T0, s, "999999999999999.99")));
    const index = events.filter((e): e is IndexEvent => e.type === "index");
    expect(index.length).toBeGreaterThan(0);
    for (const e of index) expect(e.price).toMatch(PLAIN_DECIMAL);
    expect(() => engine.apply({ type: "query.account", ts: T0, account: "alice" })).not.toThrow();
  });
});

// The price layer's snapshot through the engine: a stream of price, tick, halt and resume commands (and the book
// mids and trades the trading layer would hand the marks), snapshotted at some point, through JSON, restored into
// the prices of a fresh engine of the same configuration. From then on both engines must emit the same events and
// hold the same price state: a pure price stream touches nothing else (no accounts, no positions), and the market
// is perpetuals only, with the stream inside one funding interval (no funding settlement, no expiry).
// Here, not beside MarketPrices: a test in src/prices may not import the engine (test/layers.test.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import type { PricesSnapshot } from "../prices/market-prices.js";
import { Engine } from "./engine.js";
import type { EngineEvent } from "./events.js";

/** A multiple of the default 8-hour funding interval: the streams below stay inside one interval. */
const T0 = 59_028 * 28_800_000;

const divergence = { k: "3", sampleMs: 500, window: 10, minSamples: 4, minStd: "0.0005" };

function perpetual(symbol: string, index: string, mark: Record<string, unknown>, breakers: unknown) {
  return {
    symbol,
    kind: "perpetual",
    index,
    settlementAsset: "USDC",
    contractSize: "1",
    tickSize: "0.01",
    lotSize: "0.001",
    marginTiers: [{ upToNotional: "1000000", initial: "0.02", maintenance: "0.01" }],
    mark: { basisHalfLifeMs: 2000, basisSampleMs: 500, basisBand: "0.05", ...mark },
    breakers,
  };
}

/**
 * Three indices: BTC capped, with all three breaker kinds (divergence from its own sources' median); ETH
 * excluding outliers, halting on a move or too few sources; ALT diverging from BTC. Marks by ema-basis (with a
 * divergence breaker), median-of-three and the index itself.
 */
const CONFIG: MarketConfig = (() => {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "BTC-USD",
        sources: [
          { id: "a", weight: "0.55" },
          { id: "b", weight: "0.15" },
          { id: "c", weight: "0.15" },
          { id: "d", weight: "0.15" },
        ],
        staleAfterMs: 5000,
        outlierBand: "0.02",
        outlierMode: "cap",
        minSources: 3,
        priceDecimals: 2,
        latencyWindowMs: 4000,
        breakers: {
          divergence: { ...divergence, hardCap: "0.01" },
          move: { limit: "0.05", windowMs: 10_000 },
          degraded: true,
          action: "reduce_only",
          coolDownMs: 3000,
        },
      },
      {
        id: "ETH-USD",
        sources: [
          { id: "a", weight: "0.4" },
          { id: "b", weight: "0.3" },
          { id: "c", weight: "0.3" },
        ],
        staleAfterMs: 4000,
        outlierBand: "0.03",
        outlierMode: "exclude",
        minSources: 2,
        breakers: {
          divergence: null,
          move: { limit: "0.04", windowMs: 8000 },
          degraded: true,
          action: "halted",
          coolDownMs: 2000,
        },
      },
      {
        id: "ALT-USD",
        sources: [
          { id: "x", weight: "0.5" },
          { id: "y", weight: "0.5" },
        ],
        staleAfterMs: 6000,
        outlierBand: "0.05",
        minSources: 1,
        breakers: {
          divergence: { ...divergence, hardCap: "0.015", benchmark: "BTC-USD" },
          move: null,
          degraded: false,
          action: "reduce_only",
          coolDownMs: 2500,
        },
      },
    ],
    instruments: [
      perpetual(
        "BTC-PERP",
        "BTC-USD",
        { method: "ema-basis" },
        { divergence: { ...divergence, hardCap: "0.01" }, action: "halted", coolDownMs: 2000 },
      ),
      perpetual("ETH-PERP", "ETH-USD", { method: "median-of-three" }, { divergence: null }),
      perpetual("ALT-PERP", "ALT-USD", { method: "index" }, { divergence: null }),
    ],
    insuranceFund: { asset: "USDC", initialBalance: "1000" },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
})();

const INDICES = CONFIG.indices.map((i) => ({ id: i.id, sources: i.sources.map((s) => s.id) }));
const SYMBOLS = CONFIG.instruments.map((i) => i.symbol);
const SCOPES = [
  ...SYMBOLS,
  ...INDICES.map((i) => i.id),
  ...INDICES.flatMap((i) => i.sources.map((s) => `${i.id}/${s}`)),
];

/** One step of a stream: an engine command, or a book mid or trade handed to the marks as trading would. */
type Op =
  | { readonly kind: "command"; readonly command: Record<string, unknown> }
  | { readonly kind: "book"; readonly symbol: string; readonly mid: number }
  | { readonly kind: "trade"; readonly symbol: string; readonly price: number; readonly ts: number };

const withoutSeq = (events: EngineEvent[]) => events.map(({ seq: _seq, ...rest }) => rest);

function apply(engine: Engine, op: Op, cause: number): EngineEvent[] {
  if (op.kind === "command") return engine.apply(op.command, cause);
  if (op.kind === "book") engine.prices.observeBook(op.symbol, op.mid);
  else engine.prices.observeTrade(op.symbol, op.price, op.ts);
  return [];
}

/** What a reader of the layer sees at `now`: every index and mark, their sources and trading modes. */
function reads(engine: Engine, now: number): unknown {
  const p = engine.prices;
  return {
    indices: INDICES.map((i) => [p.indexPrice(i.id, now), p.indexSources(i.id, now)]),
    marks: SYMBOLS.map((s) => [p.markPrice(s, now), p.tradingMode(s)]),
  };
}

/** The price layer of a fresh engine restored from `snapshot`. */
function restored(snapshot: PricesSnapshot): Engine {
  const engine = new Engine(CONFIG);
  engine.prices.restore(snapshot);
  return engine;
}

/**
 * Runs `ops` on one engine; before op k for each k in `cuts`, snapshots its prices into a fresh engine, which
 * then takes the same ops. Checks each restored engine against the original at once and after every op.
 * Returns the original's events.
 */
function runWithRestores(ops: readonly Op[], cuts: ReadonlySet<number>): EngineEvent[] {
  const original = new Engine(CONFIG);
  const twins: Engine[] = [];
  const all: EngineEvent[] = [];
  let now = T0;
  for (let k = 0; k <= ops.length; k++) {
    if (cuts.has(k)) {
      const snapshot = JSON.parse(JSON.stringify(original.prices.snapshot())) as PricesSnapshot;
      expect(snapshot.format).toBe(1);
      const twin = restored(snapshot);
      expect([...twin.prices.canonicalLines()]).toEqual([...original.prices.canonicalLines()]);
      expect(JSON.stringify(twin.prices.snapshot())).toBe(JSON.stringify(snapshot));
      expect(reads(twin, now)).toEqual(reads(original, now));
      twins.push(twin);
    }
    const op = ops[k];
    if (op === undefined) break;
    if (op.kind === "command") now = op.command["ts"] as number;
    const events = apply(original, op, k + 1);
    all.push(...events);
    const lines = [...original.prices.canonicalLines()];
    const seen = reads(original, now);
    for (const twin of twins) {
      expect(withoutSeq(apply(twin, op, k + 1)), `op ${k}: ${JSON.stringify(op)}`).toEqual(
        withoutSeq(events),
      );
      expect([...twin.prices.canonicalLines()]).toEqual(lines);
      expect(reads(twin, now)).toEqual(seen);
    }
  }
  return all;
}

/** Builds a stream's ops with valid timestamps: time only moves on, a source's sourceTs never goes back. */
class Script {
  readonly ops: Op[] = [];
  ts = T0;
  private readonly sourceTs = new Map<string, number>();

  wait(ms: number): this {
    this.ts += ms;
    return this;
  }

  price(index: string, source: string, price: number, lagMs = 0): this {
    const key = `${index}/${source}`;
    const sourceTs = Math.max(this.sourceTs.get(key) ?? 0, this.ts - lagMs);
    this.sourceTs.set(key, sourceTs);
    const text = price.toFixed(2);
    this.command({ type: "price", ts: this.ts, index, source, price: text, sourceTs });
    return this;
  }

  /** Every listed source of `index` at its price. */
  prices(index: string, values: Record<string, number>): this {
    for (const [source, value] of Object.entries(values)) this.price(index, source, value);
    return this;
  }

  tick(): this {
    return this.command({ type: "tick", ts: this.ts });
  }

  /** Ticks every `stepMs` for `ms`. */
  ticks(ms: number, stepMs = 500): this {
    for (let t = 0; t < ms; t += stepMs) this.wait(stepMs).tick();
    return this;
  }

  halt(scope: string, type: "halt" | "resume" = "halt"): this {
    return this.command({ type, ts: this.ts, scope, reason: `${type} ${scope}` });
  }

  book(symbol: string, mid: number): this {
    this.ops.push({ kind: "book", symbol, mid });
    return this;
  }

  trade(symbol: string, price: number): this {
    this.ops.push({ kind: "trade", symbol, price, ts: this.ts });
    return this;
  }

  command(command: Record<string, unknown>): this {
    this.ops.push({ kind: "command", command });
    return this;
  }
}

const BTC = { a: 20_000, b: 20_010, c: 19_990, d: 20_005 };
const ETH = { a: 2000, b: 2001, c: 1999 };
const ALT = { x: 20_000, y: 20_010 };
const scaled = (values: Record<string, number>, factor: number) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v * factor]));

/** Every breaker kind trips and clears; indices go stale and unavailable; outliers are capped and excluded. */
function scripted(): Script {
  const s = new Script();
  // Warm-up: every index ok, baselines sampled.
  for (let i = 0; i < 8; i++)
    s.prices("BTC-USD", BTC).prices("ETH-USD", ETH).prices("ALT-USD", ALT).wait(500);
  s.trade("ETH-PERP", 2003).book("BTC-PERP", 20_010).tick();
  // BTC: a capped (an outlier, its heavy weight pulls the index off its sources' median: divergence trips).
  s.price("BTC-USD", "a", 21_000).wait(500).tick().wait(500).price("BTC-USD", "a", 20_000).ticks(4000);
  // ETH: c excluded as an outlier; then two sources stale (degraded trips, halting ETH-PERP), back, clears.
  s.prices("ETH-USD", ETH).price("ETH-USD", "c", 2200).wait(500).tick().price("ETH-USD", "c", 1999);
  s.wait(500).prices("BTC-USD", BTC).prices("ALT-USD", ALT).price("ETH-USD", "a", 2000).wait(1000);
  for (let i = 0; i < 4; i++)
    s.prices("BTC-USD", BTC).prices("ALT-USD", ALT).price("ETH-USD", "a", 2000).wait(1000);
  s.prices("ETH-USD", ETH).ticks(2500).prices("ETH-USD", ETH).prices("BTC-USD", BTC).prices("ALT-USD", ALT);
  // BTC moves 8% at once: move trips; ALT, left behind, diverges from BTC.
  s.wait(500).prices("BTC-USD", scaled(BTC, 1.08)).tick();
  for (let i = 0; i < 12; i++) s.wait(1000).prices("BTC-USD", scaled(BTC, 1.08)).prices("ETH-USD", ETH);
  s.prices("ALT-USD", scaled(ALT, 1.08)).ticks(3000);
  for (let i = 0; i < 4; i++)
    s.wait(1000)
      .prices("BTC-USD", scaled(BTC, 1.08))
      .prices("ETH-USD", ETH)
      .prices("ALT-USD", scaled(ALT, 1.08));
  // BTC-PERP's book 4% over its index: its mark's basis follows (band 5%), its divergence breaker trips; then
  // the book empties and the basis decays back.
  s.book("BTC-PERP", 21_600 * 1.04);
  for (let i = 0; i < 8; i++) s.wait(500).prices("BTC-USD", scaled(BTC, 1.08)).trade("ETH-PERP", 1990);
  s.book("BTC-PERP", Number.NaN);
  for (let i = 0; i < 16; i++)
    s.wait(500).prices("BTC-USD", scaled(BTC, 1.08)).prices("ALT-USD", scaled(ALT, 1.08));
  // Manual halts of a symbol, an index and a source (the index recomputed without it), and their resumes.
  s.halt("ETH-PERP").halt("ALT-USD").halt("BTC-USD/a").wait(500).prices("BTC-USD", scaled(BTC, 1.08));
  s.halt("BTC-USD/a", "resume").halt("ALT-USD", "resume").halt("ETH-PERP", "resume");
  // Every source silent: the indices go stale, then unavailable with their last price carried.
  s.ticks(8000, 1000).prices("BTC-USD", scaled(BTC, 1.08)).tick();
  return s;
}

describe("prices snapshot: restored into a fresh engine, the price layer carries on identically", () => {
  const { ops } = scripted();

  it("the script exercises every breaker kind, stale and unavailable indices, capped and excluded outliers", () => {
    const events = runWithRestores(ops, new Set());
    const breakers = new Set(
      events.flatMap((e) => (e.type === "breaker" ? [`${e.scope} ${e.reason} ${e.state}`] : [])),
    );
    for (const expected of [
      "BTC-USD divergence",
      "BTC-USD move",
      "ETH-USD degraded",
      "ALT-USD divergence",
      "BTC-PERP divergence",
      "ETH-PERP manual",
      "ALT-USD manual",
      "BTC-USD/a manual",
    ])
      for (const state of ["tripped", "cleared"])
        expect(breakers, expected).toContain(`${expected} ${state}`);
    const index = events.flatMap((e) => (e.type === "index" ? [e] : []));
    expect(index.some((e) => e.sources.some((s) => s.raw !== undefined))).toBe(true); // capped
    expect(index.some((e) => e.excluded.some((x) => x.reason === "outlier"))).toBe(true);
    expect(index.some((e) => e.excluded.some((x) => x.reason === "stale"))).toBe(true);
    expect(index.some((e) => e.excluded.some((x) => x.reason === "halted"))).toBe(true);
    const unavailable = index.filter((e) => e.status === "unavailable");
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.every((e) => e.price !== "" && e.ageMs > 0)).toBe(true); // the last price, carried
    expect(events.some((e) => e.type === "mark" && e.symbol === "ETH-PERP")).toBe(true);
  });

  it("restored before every third step of it, behaves as the original from there on", () => {
    runWithRestores(ops, new Set(ops.map((_, k) => k).filter((k) => k % 3 === 0)));
  });
});

/** One random step: numbers only, turned into ops by `build`. */
const step = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant("price" as const),
      index: fc.nat(2),
      source: fc.nat(3),
      walkBp: fc.integer({ min: -60, max: 60 }),
      offsetBp: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: -20, max: 20 }) },
        fc.integer({ min: -800, max: 800 }),
      ),
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 })),
      lag: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("jump" as const),
      index: fc.nat(2),
      bp: fc.integer({ min: -900, max: 900 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("tick" as const), dt: fc.integer({ min: 0, max: 4000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("halt" as const), scope: fc.nat(SCOPES.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("book" as const),
      symbol: fc.nat(1),
      bp: fc.option(fc.integer({ min: -600, max: 600 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("trade" as const),
      symbol: fc.nat(1),
      bp: fc.integer({ min: -300, max: 300 }),
    }),
  },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

/** The ops of random steps: each index's level walks and jumps, each source quotes it with an offset. */
function build(steps: readonly Step[]): Op[] {
  const s = new Script();
  const level = [20_000, 2000, 20_000];
  const halted = new Set<string>();
  for (const st of steps) {
    switch (st.t) {
      case "price": {
        const index = INDICES[st.index] as (typeof INDICES)[number];
        level[st.index] = (level[st.index] as number) * (1 + st.walkBp / 10_000);
        const source = index.sources[st.source % index.sources.length] as string;
        s.wait(st.dt).price(
          index.id,
          source,
          (level[st.index] as number) * (1 + st.offsetBp / 10_000),
          st.lag,
        );
        break;
      }
      case "jump":
        level[st.index] = (level[st.index] as number) * (1 + st.bp / 10_000);
        break;
      case "tick":
        s.wait(st.dt).tick();
        break;
      case "halt": {
        const scope = SCOPES[st.scope] as string;
        s.halt(scope, halted.has(scope) ? "resume" : "halt");
        if (halted.has(scope)) halted.delete(scope);
        else halted.add(scope);
        break;
      }
      case "book": {
        const base = level[st.symbol] as number;
        s.book(SYMBOLS[st.symbol] as string, st.bp === null ? Number.NaN : base * (1 + st.bp / 10_000));
        break;
      }
      case "trade":
        s.trade(SYMBOLS[st.symbol] as string, (level[st.symbol] as number) * (1 + st.bp / 10_000));
        break;
    }
  }
  return s.ops;
}

describe("prices snapshot: random streams", () => {
  it("restored at random points, a fresh engine's prices emit and hold what the original's do", () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 160 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        (steps, cuts) => {
          const ops = build(steps);
          runWithRestores(ops, new Set(cuts.map((c) => c % (ops.length + 1))));
        },
      ),
      { numRuns: 60 },
    );
  });
});

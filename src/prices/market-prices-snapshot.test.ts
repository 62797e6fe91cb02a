// Snapshots of the price layer: each structure restored from its snapshot (through JSON) into a fresh one of
// the same configuration continues bit for bit as the original, and MarketPrices as a whole emits the same
// events from then on. The same through a whole engine: src/engine/engine-prices-snapshot.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { decodeNumber, encodeNumber } from "../kernel/snapshot-numbers.js";
import { EWMA_ROW, TimeEwma } from "./ewma.js";
import { MarketPrices, type PricesSnapshot } from "./market-prices.js";
import type { PriceEvent } from "./price-events.js";
import { RollingStats } from "./rolling-stats.js";
import { WindowMax } from "./window-max.js";
import { WindowRange } from "./window-range.js";

const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
/** Equal bit for bit, NaN and −0 included. */
const same = (a: number, b: number) => expect(Object.is(a, b), `${a} vs ${b}`).toBe(true);

describe("snapshot numbers", () => {
  it("round-trip every double through JSON, NaN, ±Infinity and −0 included", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        same(decodeNumber(viaJson(encodeNumber(x)), "x"), x);
      }),
      { numRuns: 2000 },
    );
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, Number.MIN_VALUE])
      same(decodeNumber(viaJson(encodeNumber(x)), "x"), x);
  });

  it("refuse anything else", () => {
    for (const v of [null, "1", "nan", true, {}, [], undefined])
      expect(() => decodeNumber(v, "x")).toThrow(RangeError);
  });
});

/** Pushes at growing times with ties, and reads: the ops a window sees. */
/**
 * Pushes at growing times and reads, with values of one kind a stream: ties and −0, any sign, or all of one
 * sign (where a slot left zero by a bad restore would show as the extreme).
 */
const windowOps = fc
  .constantFrom(
    fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
    fc.integer({ min: 100, max: 110 }),
    fc.integer({ min: -110, max: -100 }),
  )
  .chain((x) =>
    fc.array(
      fc.record({ dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })), x, read: fc.boolean() }),
      { maxLength: 300 },
    ),
  );

describe("windows, stats and averages restored mid-stream continue as the original", () => {
  it("WindowRange: the same bounds, exact extremes and canonical text after every later push", () => {
    fc.assert(
      fc.property(
        // several blocks a ring (blocks are the largest power of two dividing the capacity), one for 64
        fc.constantFrom(6, 12, 24, 40, 64),
        fc.integer({ min: 1, max: 2000 }),
        windowOps,
        fc.nat(),
        (capacity, windowMs, ops, cut) => {
          const a = new WindowRange(capacity, windowMs);
          let b: WindowRange | null = null;
          let now = 1000;
          ops.forEach((op, k) => {
            if (k === cut % (ops.length + 1)) {
              b = new WindowRange(capacity, windowMs);
              b.restore(viaJson(a.snapshot()));
              expect(b.canonical()).toBe(a.canonical());
            }
            now += op.dt;
            for (const w of b === null ? [a] : [a, b as WindowRange]) {
              if (op.read) w.measure();
              else w.push(now, op.x);
            }
            if (b === null) return;
            const r = b as WindowRange;
            same(r.upperMax, a.upperMax);
            same(r.lowerMin, a.lowerMin);
            same(r.measuredMax, a.measuredMax);
            same(r.measuredMin, a.measuredMin);
            expect(r.canonical()).toBe(a.canonical());
          });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("WindowMax: the same maxima and canonical text", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 100 }),
        windowOps,
        fc.nat(),
        (capacity, windowMs, ops, cut) => {
          const a = new WindowMax(capacity, windowMs);
          let b: WindowMax | null = null;
          let now = 1000;
          ops.forEach((op, k) => {
            if (k === cut % (ops.length + 1)) {
              b = new WindowMax(capacity, windowMs);
              b.restore(viaJson(a.snapshot()));
              expect(b.canonical()).toBe(a.canonical());
            }
            now += op.dt;
            if (op.read) {
              const max = a.max(now);
              if (b !== null) same((b as WindowMax).max(now), max);
            } else for (const w of b === null ? [a] : [a, b as WindowMax]) w.push(now, op.x);
            if (b !== null) expect((b as WindowMax).canonical()).toBe(a.canonical());
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("RollingStats: the same mean and variance bit for bit, rebuilds at the same push", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constantFrom(1e9, -0, 0)), {
          maxLength: 200,
        }),
        fc.nat(),
        (capacity, xs, cut) => {
          const a = new RollingStats(capacity);
          let b: RollingStats | null = null;
          xs.forEach((x, k) => {
            if (k === cut % (xs.length + 1)) {
              b = new RollingStats(capacity);
              b.restore(viaJson(a.snapshot()));
            }
            a.push(x);
            if (b === null) return;
            const r = b as RollingStats;
            r.push(x);
            same(r.mean(), a.mean());
            same(r.variance(), a.variance());
            expect(r.canonical()).toBe(a.canonical());
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("TimeEwma: restored into another slab's row, the same values", () => {
    const slab = new Float64Array(EWMA_ROW * 2);
    const a = new TimeEwma(1000, slab, 1);
    const other = new TimeEwma(1000, slab, 0); // a neighbour in the slab, left alone by a's restore
    other.update(5, 42);
    for (let t = 0; t < 50; t++) a.update(t * 37, Math.sin(t) * 100);
    const b = new TimeEwma(1000);
    b.restore(viaJson(a.snapshot()));
    for (let t = 50; t < 100; t++) {
      a.update(t * 37, Math.sin(t) * 100);
      b.update(t * 37, Math.sin(t) * 100);
      same(b.value, a.value);
      same(b.lastTs, a.lastTs);
      expect(b.count).toBe(a.count);
    }
    const c = new TimeEwma(1000, new Float64Array(EWMA_ROW * 2), 1);
    c.restore(viaJson(other.snapshot()));
    same(c.value, 42);
  });
});

// ---- MarketPrices alone, driven as the engine drives it ----

const T0 = 1_700_000_000_000;

function market(): MarketConfig {
  const divergence = { k: "3", sampleMs: 500, window: 10, minSamples: 4, minStd: "0.0005" };
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "BTC-USD",
        sources: [
          { id: "a", weight: "0.55" },
          { id: "b", weight: "0.15" },
          { id: "c", weight: "0.3" },
        ],
        staleAfterMs: 3000,
        outlierBand: "0.02",
        minSources: 2,
        breakers: {
          divergence: { ...divergence, hardCap: "0.01" },
          move: { limit: "0.03", windowMs: 5000 },
          coolDownMs: 1500,
        },
      },
      {
        id: "ETH-USD",
        sources: [
          { id: "a", weight: "0.5" },
          { id: "b", weight: "0.5" },
        ],
        staleAfterMs: 3000,
        outlierMode: "exclude",
        minSources: 2,
        breakers: { divergence: null, coolDownMs: 1000 },
      },
    ],
    instruments: ["BTC", "ETH"].map((base) => ({
      symbol: `${base}-PERP`,
      kind: "perpetual",
      index: `${base}-USD`,
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      marginTiers: [{ upToNotional: "1000000", initial: "0.02", maintenance: "0.01" }],
      mark: {
        method: base === "BTC" ? "ema-basis" : "median-of-three",
        basisSampleMs: 300,
        basisBand: "0.05",
      },
      breakers: { divergence: { ...divergence, hardCap: "0.01" }, coolDownMs: 1000 },
    })),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

class Recorder {
  seq = 0;
  events: PriceEvent[] = [];
  nextSeq(): number {
    return ++this.seq;
  }
  push(e: PriceEvent): void {
    this.events.push(e);
  }
}

type Op =
  | { t: "price"; index: number; source: number; bp: number; dt: number }
  | { t: "tick"; dt: number }
  | { t: "halt"; scope: number }
  | { t: "book"; bp: number | null };

const SCOPES = ["BTC-PERP", "ETH-USD", "BTC-USD/a", "BTC-USD/c"];

/** Applies `op` at `now` as the engine would; returns the events, without the engine's seq. */
function applyOp(prices: MarketPrices, op: Op, now: number, cause: number): unknown[] {
  const rec = new Recorder();
  const level = [20_000, 2000];
  switch (op.t) {
    case "price": {
      const index = ["BTC-USD", "ETH-USD"][op.index] as string;
      const source = ["a", "b", "c"][op.source % (op.index === 0 ? 3 : 2)] as string;
      const price = ((level[op.index] as number) * (1 + op.bp / 10_000)).toFixed(2);
      const error = prices.checkPrice({ index, source, price, sourceTs: now }, now);
      if (error !== null) throw new Error(error.message);
      prices.applyPrice(now, cause, rec);
      break;
    }
    case "tick":
      prices.tick(now, cause, rec);
      break;
    case "halt": {
      const scope = SCOPES[op.scope] as string;
      if (prices.isHalted(scope)) prices.resume(scope, "", now, cause, rec);
      else prices.halt(scope, "test", now, cause, rec);
      break;
    }
    case "book":
      prices.observeBook("BTC-PERP", op.bp === null ? Number.NaN : 20_000 * (1 + op.bp / 10_000));
      break;
  }
  return rec.events.map(({ seq: _seq, ...rest }) => rest);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("price" as const),
      index: fc.nat(1),
      source: fc.nat(2),
      bp: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: -30, max: 30 }) },
        fc.integer({ min: -700, max: 700 }),
      ),
      dt: fc.integer({ min: 0, max: 800 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("tick" as const), dt: fc.integer({ min: 0, max: 3000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("halt" as const), scope: fc.nat(SCOPES.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("book" as const),
      bp: fc.option(fc.integer({ min: -500, max: 500 })),
    }),
  },
);

describe("MarketPrices.snapshot / restore", () => {
  it("a fresh layer restored mid-stream emits the same events and holds the same state from then on", () => {
    const config = market();
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150 }), fc.nat(), (ops, cut) => {
        const a = new MarketPrices(config);
        let b: MarketPrices | null = null;
        let now = T0;
        ops.forEach((op, k) => {
          if (k === cut % ops.length) {
            const snapshot = viaJson(a.snapshot());
            b = new MarketPrices(config);
            b.restore(snapshot);
            expect([...b.canonicalLines()]).toEqual([...a.canonicalLines()]);
            for (const id of ["BTC-USD", "ETH-USD"])
              expect(b.indexSources(id, now)).toEqual(a.indexSources(id, now));
          }
          if (op.t !== "halt" && op.t !== "book") now += op.dt;
          const events = applyOp(a, op, now, k + 1);
          if (b === null) return;
          const r = b as MarketPrices;
          expect(applyOp(r, op, now, k + 1)).toEqual(events);
          expect([...r.canonicalLines()]).toEqual([...a.canonicalLines()]);
          for (const id of ["BTC-USD", "ETH-USD"])
            expect(r.indexSources(id, now)).toEqual(a.indexSources(id, now));
          for (const symbol of ["BTC-PERP", "ETH-PERP"]) {
            expect(r.markPrice(symbol, now)).toEqual(a.markPrice(symbol, now));
            expect(r.tradingMode(symbol)).toBe(a.tradingMode(symbol));
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it("moves revision on, so a reader's cache keyed by it is stale", () => {
    const prices = new MarketPrices(market());
    const before = prices.revision;
    prices.restore(new MarketPrices(market()).snapshot());
    expect(prices.revision).toBeGreaterThan(before);
  });

  it("refuses another format or another market's snapshot", () => {
    const config = market();
    const snapshot = new MarketPrices(config).snapshot();
    const refuse = (s: unknown) =>
      expect(() => new MarketPrices(config).restore(s as PricesSnapshot)).toThrow(RangeError);
    refuse({ ...snapshot, format: 2 });
    refuse({ ...snapshot, indices: snapshot.indices.slice(1) });
    refuse({ ...snapshot, indices: [{ ...snapshot.indices[0], id: "SOL-USD" }, snapshot.indices[1]] });
    refuse({
      ...snapshot,
      indexWatches: [{ ...snapshot.indexWatches[0], move: null }, snapshot.indexWatches[1]],
    });
    refuse({ ...snapshot, halts: [["DOGE-PERP", "x"]] });
    refuse({ ...snapshot, marks: [{ ...snapshot.marks[0], value: null }, snapshot.marks[1]] });
  });
});

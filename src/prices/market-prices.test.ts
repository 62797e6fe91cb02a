import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { MarketPrices } from "./market-prices.js";
import type { BreakerEvent, IndexEvent, MarkEvent, PriceEvent } from "./price-events.js";

const T0 = 1_700_000_000_000;

function market(index: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): MarketConfig {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "BTC-USD",
        sources: [
          { id: "a", weight: "0.4" },
          { id: "b", weight: "0.3" },
          { id: "c", weight: "0.3" },
        ],
        staleAfterMs: 10_000,
        outlierBand: "0.03",
        minSources: 2,
        ...index,
      },
    ],
    instruments: [
      {
        symbol: "BTC-PERP",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.1",
        lotSize: "0.001",
        marginTiers: [{ upToNotional: "1000000", initial: "0.02", maintenance: "0.01" }],
      },
    ],
    ...extra,
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
  take(): PriceEvent[] {
    return this.events.splice(0);
  }
}

function feed(prices: MarketPrices, rec: Recorder, ts: number, source: string, price: string, sourceTs = ts) {
  const error = prices.checkPrice({ type: "price", ts, index: "BTC-USD", source, price, sourceTs }, ts);
  if (error !== null) throw new Error(error.message);
  prices.applyPrice(ts, 1, rec);
}

const indexEvents = (events: PriceEvent[]) => events.filter((e): e is IndexEvent => e.type === "index");
const breakerEvents = (events: PriceEvent[]) => events.filter((e): e is BreakerEvent => e.type === "breaker");

describe("index", () => {
  it("is the weighted average of fresh sources, renormalised over those used", () => {
    const prices = new MarketPrices(market());
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    let [e] = indexEvents(rec.take());
    expect(e).toMatchObject({
      price: "20000",
      status: "degraded",
      excluded: [
        { source: "b", reason: "stale" },
        { source: "c", reason: "stale" },
      ],
    });
    feed(prices, rec, T0 + 1, "b", "20100");
    [e] = indexEvents(rec.take());
    // (0.4 × 20000 + 0.3 × 20100) / 0.7
    expect(e).toMatchObject({ price: "20042.85714286", status: "ok" });
    expect(e?.sources).toEqual([
      { source: "a", price: "20000", weight: "0.571429" },
      { source: "b", price: "20100", weight: "0.428571" },
    ]);
  });

  it("caps an outlier to the band around the median of fresh sources (Binance's rule)", () => {
    const prices = new MarketPrices(market({ outlierMode: "cap" }));
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    feed(prices, rec, T0, "b", "21400"); // +7 % of the median-to-be
    feed(prices, rec, T0, "c", "20000");
    const e = indexEvents(rec.take()).at(-1) as IndexEvent;
    expect(e.sources.find((s) => s.source === "b")).toEqual({
      source: "b",
      price: "20600",
      weight: "0.3",
      raw: "21400",
    });
    expect(e.price).toBe("20180"); // 0.4·20000 + 0.3·20600 + 0.3·20000
  });

  it("excludes an outlier in exclude mode and says why", () => {
    const prices = new MarketPrices(market({ outlierMode: "exclude" }));
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    feed(prices, rec, T0, "b", "18800"); // −6 %
    feed(prices, rec, T0, "c", "20010");
    const e = indexEvents(rec.take()).at(-1) as IndexEvent;
    expect(e.excluded).toEqual([{ source: "b", reason: "outlier" }]);
    expect(e.status).toBe("ok");
  });

  it("drops a source once stale, goes degraded below quorum, and unavailable carries the last price with its age", () => {
    const prices = new MarketPrices(market());
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    feed(prices, rec, T0, "b", "20000");
    rec.take();
    prices.tick(T0 + 10_000, 2, rec); // exactly staleAfterMs: still fresh
    expect(indexEvents(rec.take())).toEqual([]);
    feed(prices, rec, T0 + 10_001, "a", "20010");
    const [degraded] = indexEvents(rec.take());
    expect(degraded).toMatchObject({
      status: "degraded",
      price: "20010",
      excluded: [
        { source: "b", reason: "stale" },
        { source: "c", reason: "stale" },
      ],
    });
    prices.tick(T0 + 30_000, 3, rec);
    const [gone] = indexEvents(rec.take());
    expect(gone).toMatchObject({ status: "unavailable", price: "20010", ageMs: 19_999 });
    expect(prices.indexPrice("BTC-USD", T0 + 60_000)).toEqual({
      value: 20010,
      ageMs: 49_999,
      status: "unavailable",
    });
  });

  it("measures staleness by the venue's own timestamp: a lagging venue is stale even when its message is new", () => {
    const prices = new MarketPrices(market());
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    feed(prices, rec, T0, "b", "20000");
    feed(prices, rec, T0 + 5_000, "c", "19000", T0 - 6_000); // 11 s old on arrival
    const e = indexEvents(rec.take()).at(-1) as IndexEvent;
    expect(e.excluded).toEqual([{ source: "c", reason: "stale" }]);
  });

  it("refuses out-of-order and future-dated observations without changing anything", () => {
    const prices = new MarketPrices(market());
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000", T0);
    const before = [...prices.canonicalLines()].join("\n");
    expect(
      prices.checkPrice({ index: "BTC-USD", source: "a", price: "1", sourceTs: T0 - 1 }, T0 + 5)?.code,
    ).toBe("stale_price");
    expect(
      prices.checkPrice({ index: "BTC-USD", source: "a", price: "1", sourceTs: T0 + 2_001 + 5 }, T0 + 5)
        ?.code,
    ).toBe("invalid");
    expect(prices.checkPrice({ index: "ETH-USD", source: "a", price: "1", sourceTs: T0 }, T0)?.code).toBe(
      "unknown_index",
    );
    expect(prices.checkPrice({ index: "BTC-USD", source: "z", price: "1", sourceTs: T0 }, T0)?.code).toBe(
      "unknown_source",
    );
    expect(
      prices.checkPrice({ index: "BTC-USD", source: "a", price: 1, sourceTs: T0 }, T0)?.message,
    ).toContain("price.price");
    expect(
      prices.checkPrice({ index: "BTC-USD", source: "a", price: "0", sourceTs: T0 }, T0)?.message,
    ).toContain("greater than zero");
    expect([...prices.canonicalLines()].join("\n")).toBe(before);
  });
});

describe("mark", () => {
  it("equals the index while there is no book (basis 0) and carries the index's status and age", () => {
    const prices = new MarketPrices(market());
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    feed(prices, rec, T0, "b", "20000");
    const marks = rec.take().filter((e): e is MarkEvent => e.type === "mark");
    expect(marks.at(-1)).toMatchObject({
      symbol: "BTC-PERP",
      price: "20000",
      index: "BTC-USD",
      status: "ok",
      ageMs: 0,
    });
    expect(prices.markPrice("BTC-PERP", T0 + 500)).toEqual({ value: 20000, ageMs: 500, status: "ok" });
  });
});

describe("breakers", () => {
  it("trip while the index is degraded and clear only after a clean cool-down", () => {
    const prices = new MarketPrices(
      market({ breakers: { coolDownMs: 5_000, divergence: null, move: null } }),
    );
    const rec = new Recorder();
    feed(prices, rec, T0, "a", "20000");
    // Warming up (never ok yet): degraded, but no breaker; the mark is not ok, which refuses new risk anyway.
    expect(breakerEvents(rec.take())).toEqual([]);
    feed(prices, rec, T0 + 1_000, "b", "20000");
    expect(breakerEvents(rec.take())).toEqual([]);
    expect(prices.tradingMode("BTC-PERP")).toBe("normal");
    // a goes stale (last sourceTs T0): one fresh venue of the two required.
    prices.tick(T0 + 10_001, 2, rec);
    expect(breakerEvents(rec.take())).toMatchObject([
      { scope: "BTC-USD", state: "tripped", reason: "degraded", action: "reduce_only" },
    ]);
    expect(prices.tradingMode("BTC-PERP")).toBe("reduce_only");
    feed(prices, rec, T0 + 10_002, "a", "20000");
    feed(prices, rec, T0 + 10_002, "b", "20000");
    expect(breakerEvents(rec.take())).toEqual([]);
    prices.tick(T0 + 15_001, 3, rec);
    expect(breakerEvents(rec.take())).toEqual([]);
    prices.tick(T0 + 15_002, 4, rec);
    expect(breakerEvents(rec.take())).toMatchObject([{ state: "cleared", reason: "degraded" }]);
    expect(prices.tradingMode("BTC-PERP")).toBe("normal");
  });

  it("trip on a fast move beyond the limit within the window", () => {
    const prices = new MarketPrices(
      market({
        breakers: {
          degraded: false,
          divergence: null,
          move: { limit: "0.05", windowMs: 60_000 },
          action: "halted",
        },
      }),
    );
    const rec = new Recorder();
    for (const s of ["a", "b", "c"]) feed(prices, rec, T0, s, "20000");
    for (const s of ["a", "b", "c"]) feed(prices, rec, T0 + 30_000, s, "21100");
    const [trip] = breakerEvents(rec.take());
    expect(trip).toMatchObject({
      scope: "BTC-USD",
      state: "tripped",
      reason: "move",
      threshold: "0.05",
      action: "halted",
    });
    expect(Number(trip?.value)).toBeCloseTo(0.055, 10);
    expect(prices.tradingMode("BTC-PERP")).toBe("halted");
  });

  it("manual halts: an instrument, an index, a single venue (which leaves its index at once)", () => {
    const prices = new MarketPrices(market({ breakers: { degraded: false } }));
    const rec = new Recorder();
    for (const s of ["a", "b", "c"]) feed(prices, rec, T0, s, "20000");
    rec.take();
    expect(prices.scopeKind("BTC-PERP")).toBe("symbol");
    expect(prices.scopeKind("BTC-USD/b")).toBe("source");
    expect(prices.scopeKind("BTC-USD/z")).toBeNull();
    prices.halt("BTC-USD/b", "bad feed", T0 + 1, 2, rec);
    const events = rec.take();
    expect(events[0]).toMatchObject({
      type: "breaker",
      scope: "BTC-USD/b",
      state: "tripped",
      reason: "manual",
      note: "bad feed",
    });
    expect(indexEvents(events).at(-1)?.excluded).toEqual([{ source: "b", reason: "halted" }]);
    prices.halt("BTC-PERP", "", T0 + 2, 3, rec);
    expect(prices.tradingMode("BTC-PERP")).toBe("halted");
    prices.resume("BTC-PERP", "", T0 + 3, 4, rec);
    expect(prices.tradingMode("BTC-PERP")).toBe("normal");
    prices.halt("BTC-USD", "index review", T0 + 4, 5, rec);
    expect(prices.tradingMode("BTC-PERP")).toBe("halted");
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { QuoteBar, TradeBar } from "./bars.js";
import {
  barPrice,
  buildPriceFeed,
  commandLine,
  type FeedSource,
  parsePriceFeedSpec,
  parseTime,
  priceCommands,
  quoteMid,
} from "./price-feed.js";

const T0 = Date.UTC(2022, 11, 13);
const MIN = 60_000;

function trade(minute: number, close: string, volume = "1"): TradeBar {
  const start = T0 + minute * MIN;
  return {
    kind: "trade",
    line: minute + 2,
    start,
    end: start + MIN,
    open: close,
    high: close,
    low: close,
    close,
    volume,
  };
}

function quote(minute: number, bid: string, ask: string): QuoteBar {
  const start = T0 + minute * MIN;
  return {
    kind: "quote",
    line: minute + 2,
    start,
    end: start + MIN,
    ...{ bidOpen: bid, bidHigh: bid, bidLow: bid, bidClose: bid, bidSize: "1" },
    ...{ askOpen: ask, askHigh: ask, askLow: ask, askClose: ask, askSize: "1" },
  };
}

describe("quoteMid", () => {
  it("is (bid + ask) / 2 exactly, at one more decimal when needed", () => {
    expect(quoteMid("17207.5", "17207.6")).toBe("17207.55");
    expect(quoteMid("17210", "17210.5")).toBe("17210.25");
    expect(quoteMid("100", "102")).toBe("101");
    expect(quoteMid("0.1", "0.2")).toBe("0.15"); // 0.15000000000000002 in floats
    expect(quoteMid("100", "100.01")).toBe("100.005");
    expect(quoteMid("17205.01", "17206.77")).toBe("17205.89");
    // far beyond float64 precision
    expect(quoteMid("123456789012345678.000000000000000001", "123456789012345678.000000000000000002")).toBe(
      "123456789012345678.0000000000000000015",
    );
  });

  it("lies between bid and ask and doubles back to their sum (property, on bigints)", () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
      .map(([raw, scale]) => ({ raw, scale }));
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const text = (d: { raw: bigint; scale: number }) =>
          d.scale === 0
            ? d.raw.toString()
            : `${d.raw / 10n ** BigInt(d.scale)}.${(d.raw % 10n ** BigInt(d.scale)).toString().padStart(d.scale, "0")}`;
        const mid = quoteMid(text(a), text(b));
        const s = 13;
        const at = (d: { raw: bigint; scale: number }) => d.raw * 10n ** BigInt(s - d.scale);
        const [whole, frac = ""] = mid.split(".");
        const m = BigInt(`${whole}${frac.padEnd(s, "0")}`);
        expect(2n * m).toBe(at(a) + at(b));
      }),
    );
  });
});

describe("barPrice", () => {
  it("takes a trade bar's close and a quote bar's mid, and refuses the other pairing", () => {
    expect(barPrice(trade(0, "17208.88"), "close")).toBe("17208.88");
    expect(barPrice(quote(0, "17207.5", "17207.6"), "mid")).toBe("17207.55");
    expect(() => barPrice(quote(0, "1", "2"), "close", "q.csv")).toThrow(
      'q.csv: priceField "close" needs trade bars, but line 2 is a quote bar (use "mid")',
    );
    expect(() => barPrice(trade(0, "1"), "mid", "t.csv")).toThrow(/"mid" needs quote bars/);
  });
});

describe("priceCommands", () => {
  const spot: FeedSource = {
    bars: [trade(0, "100"), trade(1, "101"), trade(2, "102")],
    index: "BTC-USD",
    source: "spot",
    priceField: "close",
    latencyMs: 500,
  };
  const perp: FeedSource = {
    bars: [quote(0, "99", "100"), quote(2, "101.5", "101.6")],
    index: "BTC-USD",
    source: "perp",
    priceField: "mid",
    latencyMs: 250,
  };

  it("stamps each bar at its close (sourceTs) plus the source's latency (ts), merged by ts", () => {
    expect(priceCommands([spot, perp]).map(commandLine)).toEqual([
      `{"type":"price","ts":${T0 + MIN + 250},"index":"BTC-USD","source":"perp","price":"99.5","sourceTs":${T0 + MIN}}`,
      `{"type":"price","ts":${T0 + MIN + 500},"index":"BTC-USD","source":"spot","price":"100","sourceTs":${T0 + MIN}}`,
      `{"type":"price","ts":${T0 + 2 * MIN + 500},"index":"BTC-USD","source":"spot","price":"101","sourceTs":${T0 + 2 * MIN}}`,
      `{"type":"price","ts":${T0 + 3 * MIN + 250},"index":"BTC-USD","source":"perp","price":"101.55","sourceTs":${T0 + 3 * MIN}}`,
      `{"type":"price","ts":${T0 + 3 * MIN + 500},"index":"BTC-USD","source":"spot","price":"102","sourceTs":${T0 + 3 * MIN}}`,
    ]);
  });

  it("defaults the latency to 0", () => {
    const { latencyMs: _, ...noLatency } = spot;
    expect(priceCommands([noLatency]).map((c) => c.ts)).toEqual([T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
  });

  it("orders ties by source id, then index id, in code-unit order, whatever the input order", () => {
    const source = (id: string, index: string): FeedSource => ({
      bars: [trade(0, "1")],
      index,
      source: id,
      priceField: "close",
    });
    const all = [source("b", "X"), source("a", "Y"), source("a", "X"), source("B", "X"), source("a-2", "X")];
    const expected = ["B/X", "a/X", "a/Y", "a-2/X", "b/X"];
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (shuffled) => {
        const out = priceCommands(shuffled).map((c) =>
          c.type === "price" ? `${c.source}/${c.index}` : "tick",
        );
        expect(out).toEqual(expected);
      }),
    );
  });

  it("keeps input order for equal keys (the same venue from two files)", () => {
    const a: FeedSource = { bars: [trade(0, "1")], index: "I", source: "s", priceField: "close" };
    const b: FeedSource = { bars: [trade(0, "2")], index: "I", source: "s", priceField: "close" };
    expect(priceCommands([a, b]).map((c) => (c.type === "price" ? c.price : ""))).toEqual(["1", "2"]);
  });

  it("inserts ticks on the period's grid between the first and last price, after prices of the same ts", () => {
    const zero: FeedSource = { ...spot, latencyMs: 0 };
    expect(
      priceCommands([zero, perp], { tickEveryMs: MIN }).map((c) => `${c.type}@${(c.ts - T0) / 1000}`),
    ).toEqual([
      "price@60",
      "tick@60",
      "price@60.25",
      "price@120",
      "tick@120",
      "price@180",
      "tick@180",
      "price@180.25",
    ]);
    expect(priceCommands([], { tickEveryMs: MIN })).toEqual([]);
    expect(() => priceCommands([spot], { tickEveryMs: 0 })).toThrow(/tickEveryMs 0/);
    const longSpan: FeedSource = { ...spot, bars: [trade(0, "1"), trade(200_000, "1")] };
    expect(() => priceCommands([longSpan], { tickEveryMs: 1000 })).toThrow(/more than 10000000/);
  });

  it("keeps bars that start in [from, to)", () => {
    const out = priceCommands([spot, perp], { from: T0 + MIN, to: T0 + 3 * MIN });
    expect(out.map((c) => (c.type === "price" ? `${c.source}:${c.price}` : ""))).toEqual([
      "spot:101",
      "perp:101.55",
      "spot:102",
    ]);
    expect(() => priceCommands([spot], { from: T0, to: T0 })).toThrow(/empty/);
  });

  it("leaves out zero-volume trade bars when asked", () => {
    const flat: FeedSource = { ...spot, bars: [trade(0, "1"), trade(1, "1", "0"), trade(2, "2")] };
    expect(priceCommands([flat])).toHaveLength(3);
    expect(
      priceCommands([{ ...flat, skipEmptyBars: true }]).map((c) => (c.type === "price" ? c.price : "")),
    ).toEqual(["1", "2"]);
  });

  it("refuses ids and latencies the engine would refuse", () => {
    expect(() => priceCommands([{ ...spot, index: "BTC USD" }])).toThrow(
      /index "BTC USD" is not an identifier/,
    );
    expect(() => priceCommands([{ ...spot, source: "" }])).toThrow(/source "" is not an identifier/);
    expect(() => priceCommands([{ ...spot, latencyMs: -1 }])).toThrow(/latencyMs -1/);
    expect(() => priceCommands([{ ...spot, latencyMs: 0.5 }])).toThrow(/latencyMs 0.5/);
  });

  it("writes fields in contract order: type, ts, index, source, price, sourceTs", () => {
    const [first] = priceCommands([spot]);
    expect(Object.keys(JSON.parse(commandLine(first!)))).toEqual([
      "type",
      "ts",
      "index",
      "source",
      "price",
      "sourceTs",
    ]);
    expect(commandLine({ type: "tick", ts: 5 })).toBe('{"type":"tick","ts":5}');
  });
});

describe("buildPriceFeed", () => {
  it("reads each file once however many sources use it, resolving paths against baseDir", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-feed-"));
    writeFileSync(
      join(dir, "usdc.csv"),
      "open_time,open,high,low,close,volume\n2023-03-11 07:50:00+00:00,22000.0,22100,21900,22000.10,1.5e-1\n",
    );
    const lines = buildPriceFeed({
      baseDir: dir,
      sources: [
        { file: "usdc.csv", format: "binanceus", index: "BTC-USDC", source: "usdc", priceField: "close" },
        {
          file: "usdc.csv",
          format: "binanceus",
          index: "BTC-USD",
          source: "usdc",
          priceField: "close",
          latencyMs: 7,
        },
      ],
    });
    const sourceTs = Date.UTC(2023, 2, 11, 7, 51);
    expect(lines).toEqual([
      `{"type":"price","ts":${sourceTs},"index":"BTC-USDC","source":"usdc","price":"22000.1","sourceTs":${sourceTs}}`,
      `{"type":"price","ts":${sourceTs + 7},"index":"BTC-USD","source":"usdc","price":"22000.1","sourceTs":${sourceTs}}`,
    ]);
  });
});

describe("parsePriceFeedSpec", () => {
  const source = { file: "a.csv", format: "lean-trade", index: "BTC-USD", source: "s", priceField: "close" };

  it("accepts a spec with ISO or ms times", () => {
    expect(
      parsePriceFeedSpec({
        sources: [{ ...source, latencyMs: 250 }],
        from: "2023-03-11T00:00Z",
        to: 1678579200000,
      }),
    ).toEqual({
      sources: [{ ...source, latencyMs: 250 }],
      from: Date.UTC(2023, 2, 11),
      to: Date.UTC(2023, 2, 12),
    });
  });

  it("names the field that is wrong", () => {
    const cases: [unknown, string][] = [
      [{}, "spec.sources: expected a non-empty array of sources"],
      [{ sources: [source], tick: 1 }, "spec.tick: unknown key"],
      [{ sources: [{ ...source, format: "csv" }] }, "spec.sources[0].format: expected one of lean-trade"],
      [
        { sources: [{ ...source, priceField: "last" }] },
        'spec.sources[0].priceField: expected "close" or "mid"',
      ],
      [{ sources: [{ ...source, index: "a b" }] }, 'spec.sources[0].index: "a b" is not an identifier'],
      [
        { sources: [{ ...source, latencyMs: "250" }] },
        'spec.sources[0].latencyMs: "250" is not a whole number',
      ],
      [{ sources: [{ ...source, barMs: 0 }] }, "spec.sources[0].barMs: 0 is not a whole number of ms ≥ 1"],
      [{ sources: [source], from: "2023-02-30" }, 'spec.from: "2023-02-30" is not a time'],
    ];
    for (const [json, message] of cases) expect(() => parsePriceFeedSpec(json)).toThrow(message);
  });
});

describe("parseTime", () => {
  it("reads ms and ISO-8601 UTC, and refuses local times and impossible dates", () => {
    expect(parseTime(0, "t")).toBe(0);
    expect(parseTime("2023-03-11", "t")).toBe(Date.UTC(2023, 2, 11));
    expect(parseTime("2023-03-11T07:50Z", "t")).toBe(Date.UTC(2023, 2, 11, 7, 50));
    expect(parseTime("2023-03-11T07:50:30.250Z", "t")).toBe(Date.UTC(2023, 2, 11, 7, 50, 30, 250));
    for (const bad of ["2023-03-11T07:50", "2023-02-29", "2023-03-11T24:00Z", "yesterday", -1, 1.5])
      expect(() => parseTime(bad, "t"), String(bad)).toThrow(/^t: /);
  });
});

// The price layer's options: index price options, breakers of indices and instruments, the instrument price band.
import { describe, expect, it } from "vitest";
import { type Fixed, formatFixed } from "../kernel/decimal.js";
import { contractExample } from "./contract-example.js";
import { formatConfigIssues, loadConfig } from "./load.js";
import type {
  ConfigIssue,
  DivergenceBreakerConfig,
  IndexBreakersConfig,
  IndexConfig,
  InstrumentConfig,
  MarketConfig,
} from "./types.js";

/** The example of CONTRACT.md "Market configuration", verbatim. */
const example = contractExample;

/** A second index, so that BTC-USD can be benchmarked against another index. */
const BTC_USDT = { id: "BTC-USDT", sources: [{ id: "binance", weight: "1" }] };

const INDEX = "indices[0]";
const PERP = "instruments[0]";
const OPTION = "instruments[1]";

type Container = Record<string | number, unknown>;

/** Sets (or, with undefined, deletes) the value at a path written as in issues: `indices[0].breakers.move`. */
function setAt(root: unknown, path: string, value: unknown): void {
  const keys = path.split(/\.|(?=\[)/).map((key) => (key.startsWith("[") ? Number(key.slice(1, -1)) : key));
  let node = root as Container;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    node = node[key] as Container;
  }
  const last = keys[keys.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function configWith(changes: Record<string, unknown>): Record<string, unknown> {
  const base = example();
  for (const [path, value] of Object.entries(changes)) setAt(base, path, value);
  return base;
}

function issuesOf(changes: Record<string, unknown>): readonly ConfigIssue[] {
  const result = loadConfig(configWith(changes));
  return result.ok ? [] : result.issues;
}

function load(changes: Record<string, unknown> = {}): MarketConfig {
  const result = loadConfig(configWith(changes));
  if (!result.ok) throw new Error(formatConfigIssues(result.issues));
  return result.config;
}

function expectIssue(changes: Record<string, unknown>, path: string, message: RegExp): void {
  expect(issuesOf(changes)).toContainEqual({ path, message: expect.stringMatching(message) });
}

function index(config: MarketConfig): IndexConfig {
  return config.indices[0] as IndexConfig;
}

function instrument(config: MarketConfig, i = 0): InstrumentConfig {
  return config.instruments[i] as InstrumentConfig;
}

function text(value: Fixed): string {
  return formatFixed(value);
}

/** A divergence breaker's parameters with its decimals as text. */
function divergenceText(d: DivergenceBreakerConfig | null) {
  if (d === null) return null;
  return { ...d, k: text(d.k), hardCap: text(d.hardCap), minStd: text(d.minStd) };
}

function indexBreakersText(b: IndexBreakersConfig) {
  return {
    ...b,
    divergence: divergenceText(b.divergence),
    move: b.move && { ...b.move, limit: text(b.move.limit) },
  };
}

describe("price options: defaults for the contract example", () => {
  const config = load();

  it("fills the index's price options", () => {
    expect(index(config)).toMatchObject({
      priceDecimals: 8,
      maxClockSkewMs: 2000,
      latencyHalfLifeMs: 60000,
      latencyWindowMs: 300000,
    });
  });

  it("fills the index's breakers", () => {
    expect(indexBreakersText(index(config).breakers)).toEqual({
      divergence: {
        benchmark: { kind: "sources" },
        k: "6",
        sampleMs: 1000,
        window: 600,
        minSamples: 60,
        hardCap: "0.05",
        minStd: "0.001",
      },
      move: { limit: "0.1", windowMs: 60000 },
      degraded: true,
      action: "reduce_only",
      coolDownMs: 300000,
    });
    expect(index(config).breakers.move?.limit).toEqual({ raw: 1n, scale: 1 });
  });

  it("fills every instrument's price band and breakers, options included", () => {
    for (const i of [0, 1]) {
      const resolved = instrument(config, i);
      expect(text(resolved.priceBand)).toBe("0.05");
      const { breakers } = resolved;
      expect({ ...breakers, divergence: divergenceText(breakers.divergence) }).toEqual({
        divergence: {
          k: "6",
          sampleMs: 1000,
          window: 600,
          minSamples: 60,
          hardCap: "0.03",
          minStd: "0.001",
        },
        action: "reduce_only",
        coolDownMs: 300000,
      });
    }
  });

  it("fills the fields left out of a partly written breaker", () => {
    const b = index(
      load({
        [`${INDEX}.breakers`]: { divergence: { k: "4" }, move: {}, action: "halted" },
      }),
    ).breakers;
    expect(divergenceText(b.divergence)).toMatchObject({
      benchmark: { kind: "sources" },
      k: "4",
      window: 600,
    });
    expect(b.move?.windowMs).toBe(60000);
    expect(b).toMatchObject({ degraded: true, action: "halted", coolDownMs: 300000 });
    const perp = instrument(load({ [`${PERP}.breakers`]: { divergence: { hardCap: "0.1" } } }));
    expect(divergenceText(perp.breakers.divergence)).toMatchObject({
      hardCap: "0.1",
      k: "6",
      minSamples: 60,
    });
  });
});

describe("price options: values that are set", () => {
  it("keeps every field as written", () => {
    const config = load({
      "indices[1]": BTC_USDT,
      [`${INDEX}.priceDecimals`]: 0,
      [`${INDEX}.maxClockSkewMs`]: 0,
      [`${INDEX}.latencyHalfLifeMs`]: 1,
      [`${INDEX}.latencyWindowMs`]: 1,
      [`${INDEX}.breakers`]: {
        divergence: {
          benchmark: "BTC-USDT",
          k: "3.5",
          sampleMs: 250,
          window: 10,
          minSamples: 10,
          hardCap: "0.999",
          minStd: "0",
        },
        move: { limit: "0.0001", windowMs: 1 },
        degraded: false,
        action: "halted",
        coolDownMs: 0,
      },
      [`${PERP}.priceBand`]: "0.001",
      [`${PERP}.breakers`]: { divergence: null, action: "halted", coolDownMs: 5 },
    });
    expect(index(config)).toMatchObject({
      priceDecimals: 0,
      maxClockSkewMs: 0,
      latencyHalfLifeMs: 1,
      latencyWindowMs: 1,
    });
    expect(indexBreakersText(index(config).breakers)).toEqual({
      divergence: {
        benchmark: { kind: "index", index: "BTC-USDT" },
        k: "3.5",
        sampleMs: 250,
        window: 10,
        minSamples: 10,
        hardCap: "0.999",
        minStd: "0",
      },
      move: { limit: "0.0001", windowMs: 1 },
      degraded: false,
      action: "halted",
      coolDownMs: 0,
    });
    const perp = instrument(config);
    expect(perp.priceBand).toEqual({ raw: 1n, scale: 3 });
    expect(perp.breakers).toEqual({ divergence: null, action: "halted", coolDownMs: 5 });
  });

  it("disables a breaker with null", () => {
    const config = load({
      [`${INDEX}.breakers.divergence`]: null,
      [`${INDEX}.breakers.move`]: null,
      [`${OPTION}.breakers.divergence`]: null,
    });
    expect(index(config).breakers).toMatchObject({ divergence: null, move: null, degraded: true });
    expect(instrument(config, 1).breakers.divergence).toBeNull();
    expect(instrument(config, 0).breakers.divergence).not.toBeNull();
  });

  it("accepts priceDecimals up to 12 and minSamples equal to the window", () => {
    expect(index(load({ [`${INDEX}.priceDecimals`]: 12 })).priceDecimals).toBe(12);
    const divergence = { window: 100000, minSamples: 100000 };
    expect(index(load({ [`${INDEX}.breakers.divergence`]: divergence })).breakers.divergence).toMatchObject(
      divergence,
    );
  });
});

describe("price options: index checks", () => {
  it("bounds priceDecimals to 0..12", () => {
    expectIssue({ [`${INDEX}.priceDecimals`]: 13 }, `${INDEX}.priceDecimals`, /^13 must be at most 12$/);
    expectIssue({ [`${INDEX}.priceDecimals`]: -1 }, `${INDEX}.priceDecimals`, /^-1 must be at least 0$/);
    expectIssue({ [`${INDEX}.priceDecimals`]: 2.5 }, `${INDEX}.priceDecimals`, /expected an integer/);
  });

  it("requires a non-negative clock skew", () => {
    expectIssue({ [`${INDEX}.maxClockSkewMs`]: -1 }, `${INDEX}.maxClockSkewMs`, /-1 is not a duration/);
    expectIssue({ [`${INDEX}.maxClockSkewMs`]: "2000" }, `${INDEX}.maxClockSkewMs`, /is not a duration/);
  });

  it("requires positive latency half-life and window", () => {
    expectIssue(
      { [`${INDEX}.latencyHalfLifeMs`]: 0 },
      `${INDEX}.latencyHalfLifeMs`,
      /^0 must be greater than zero$/,
    );
    expectIssue(
      { [`${INDEX}.latencyWindowMs`]: 0 },
      `${INDEX}.latencyWindowMs`,
      /^0 must be greater than zero$/,
    );
    expectIssue({ [`${INDEX}.latencyWindowMs`]: 1.5 }, `${INDEX}.latencyWindowMs`, /1.5 is not a duration/);
  });
});

describe("price options: divergence breakers", () => {
  const div = `${INDEX}.breakers.divergence`;
  const perpDiv = `${PERP}.breakers.divergence`;

  it("checks the benchmark: sources or another declared index", () => {
    expectIssue(
      { [`${div}.benchmark`]: "ETH-USD" },
      `${div}.benchmark`,
      /^unknown index "ETH-USD" \(not declared in indices\)$/,
    );
    expectIssue(
      { [`${div}.benchmark`]: "BTC-USD" },
      `${div}.benchmark`,
      /^"BTC-USD" is this index itself: the benchmark must be another index, or "sources" for the median of its own sources$/,
    );
    expectIssue({ [`${div}.benchmark`]: "BTC USD" }, `${div}.benchmark`, /"BTC USD" is not an identifier/);
  });

  it("accepts the other index as benchmark whatever its position", () => {
    const config = load({
      "indices[1]": { ...BTC_USDT, breakers: { divergence: { benchmark: "BTC-USD" } } },
      [`${div}.benchmark`]: "BTC-USDT",
    });
    expect(config.indices.map((i) => i.breakers.divergence?.benchmark)).toEqual([
      { kind: "index", index: "BTC-USDT" },
      { kind: "index", index: "BTC-USD" },
    ]);
  });

  it("requires k > 0", () => {
    expectIssue({ [`${div}.k`]: "0" }, `${div}.k`, /^"0" must be > 0$/);
    expectIssue({ [`${perpDiv}.k`]: "-6" }, `${perpDiv}.k`, /^"-6" must be > 0$/);
    expectIssue({ [`${div}.k`]: 6 }, `${div}.k`, /got the number 6/);
  });

  it("requires a positive sampling period", () => {
    expectIssue({ [`${div}.sampleMs`]: 0 }, `${div}.sampleMs`, /^0 must be greater than zero$/);
    expectIssue({ [`${perpDiv}.sampleMs`]: 0 }, `${perpDiv}.sampleMs`, /^0 must be greater than zero$/);
  });

  it("bounds the window to 10..100000 samples", () => {
    expectIssue({ [`${div}.window`]: 9 }, `${div}.window`, /^9 must be at least 10$/);
    expectIssue({ [`${div}.window`]: 100001 }, `${div}.window`, /^100001 must be at most 100000$/);
    expectIssue({ [`${perpDiv}.window`]: 9 }, `${perpDiv}.window`, /^9 must be at least 10$/);
  });

  it("requires 2 <= minSamples <= window", () => {
    expectIssue({ [`${div}.minSamples`]: 1 }, `${div}.minSamples`, /^1 must be at least 2$/);
    expectIssue({ [`${div}.window`]: 50 }, `${div}.minSamples`, /^60 is more than the window of 50 samples$/);
    expectIssue(
      { [`${perpDiv}.minSamples`]: 601 },
      `${perpDiv}.minSamples`,
      /^601 is more than the window of 600 samples$/,
    );
  });

  it("bounds hardCap to (0, 1) and minStd to >= 0", () => {
    expectIssue({ [`${div}.hardCap`]: "0" }, `${div}.hardCap`, /^"0" must be in \(0, 1\)$/);
    expectIssue({ [`${div}.hardCap`]: "1" }, `${div}.hardCap`, /^"1" must be in \(0, 1\)$/);
    expectIssue({ [`${perpDiv}.hardCap`]: "1.5" }, `${perpDiv}.hardCap`, /^"1.5" must be in \(0, 1\)$/);
    expectIssue({ [`${div}.minStd`]: "-0.0001" }, `${div}.minStd`, /^"-0.0001" must be >= 0$/);
    expectIssue({ [`${perpDiv}.minStd`]: "1e-4" }, `${perpDiv}.minStd`, /"1e-4" is not a plain decimal/);
  });

  it("has no benchmark on an instrument: its benchmark is the instrument's index", () => {
    expectIssue(
      { [`${perpDiv}.benchmark`]: "sources" },
      `${perpDiv}.benchmark`,
      /^unknown key \(allowed: k, sampleMs, window, minSamples, hardCap, minStd\)$/,
    );
  });

  it("takes an object or null", () => {
    expectIssue({ [div]: false }, div, /^expected an object or null, got false$/);
    expectIssue({ [perpDiv]: "off" }, perpDiv, /^expected an object or null, got "off"$/);
  });
});

describe("price options: move breaker and breaker settings", () => {
  const breakers = `${INDEX}.breakers`;

  it("bounds the move limit to (0, 1) and its window to > 0", () => {
    expectIssue({ [`${breakers}.move.limit`]: "1" }, `${breakers}.move.limit`, /^"1" must be in \(0, 1\)$/);
    expectIssue({ [`${breakers}.move.limit`]: "0" }, `${breakers}.move.limit`, /^"0" must be in \(0, 1\)$/);
    expectIssue(
      { [`${breakers}.move.windowMs`]: 0 },
      `${breakers}.move.windowMs`,
      /^0 must be greater than zero$/,
    );
    expectIssue({ [`${breakers}.move`]: 0.1 }, `${breakers}.move`, /^expected an object or null, got/);
  });

  it("checks degraded, action and coolDownMs", () => {
    expectIssue({ [`${breakers}.degraded`]: "yes" }, `${breakers}.degraded`, /expected true or false/);
    expectIssue({ [`${breakers}.degraded`]: null }, `${breakers}.degraded`, /expected true or false/);
    expectIssue(
      { [`${breakers}.action`]: "halt" },
      `${breakers}.action`,
      /^"halt" is not one of "reduce_only", "halted"$/,
    );
    expectIssue(
      { [`${PERP}.breakers.action`]: "close_only" },
      `${PERP}.breakers.action`,
      /^"close_only" is not one of "reduce_only", "halted"$/,
    );
    expectIssue({ [`${breakers}.coolDownMs`]: -1 }, `${breakers}.coolDownMs`, /-1 is not a duration/);
    expectIssue(
      { [`${PERP}.breakers.coolDownMs`]: 1.5 },
      `${PERP}.breakers.coolDownMs`,
      /1.5 is not a duration/,
    );
  });

  it("takes an object for breakers, never null", () => {
    expectIssue({ [breakers]: null }, breakers, /^expected an object, got null$/);
    expectIssue({ [`${PERP}.breakers`]: [] }, `${PERP}.breakers`, /^expected an object, got/);
  });

  it("rejects unknown keys inside breakers, naming their paths", () => {
    expectIssue(
      { [`${breakers}.cooldownMs`]: 1000 },
      `${breakers}.cooldownMs`,
      /^unknown key \(allowed: divergence, move, degraded, action, coolDownMs\)$/,
    );
    expectIssue(
      { [`${breakers}.divergence.K`]: "6" },
      `${breakers}.divergence.K`,
      /^unknown key \(allowed: benchmark, k, sampleMs, window, minSamples, hardCap, minStd\)$/,
    );
    expectIssue(
      { [`${breakers}.move.window`]: 100 },
      `${breakers}.move.window`,
      /^unknown key \(allowed: limit, windowMs\)$/,
    );
    // An index-only breaker on an instrument is an unknown key there.
    expectIssue(
      { [`${PERP}.breakers.move`]: null },
      `${PERP}.breakers.move`,
      /^unknown key \(allowed: divergence, action, coolDownMs\)$/,
    );
    expectIssue(
      { [`${PERP}.breakers.divergence.windowMs`]: 1 },
      `${PERP}.breakers.divergence.windowMs`,
      /^unknown key/,
    );
  });
});

describe("price options: instrument price band", () => {
  it("bounds the band to (0, 1)", () => {
    expectIssue({ [`${PERP}.priceBand`]: "0" }, `${PERP}.priceBand`, /^"0" must be in \(0, 1\)$/);
    expectIssue({ [`${PERP}.priceBand`]: "1" }, `${PERP}.priceBand`, /^"1" must be in \(0, 1\)$/);
    expectIssue({ [`${OPTION}.priceBand`]: 0.05 }, `${OPTION}.priceBand`, /got the number 0.05/);
  });
});

describe("price options: several mistakes", () => {
  it("are reported together, in document order, alongside the other checks", () => {
    const issues = issuesOf({
      [`${INDEX}.priceDecimals`]: 20,
      [`${INDEX}.breakers`]: {
        divergence: { benchmark: "BTC-USD", k: "0", window: 20, hardCap: "2" },
        move: { limit: "1", windowMs: 0 },
        coolDownMs: -5,
        typo: true,
      },
      [`${INDEX}.minSources`]: 9,
      [`${PERP}.priceBand`]: "0",
      [`${PERP}.breakers`]: { divergence: { minStd: "-1", minSamples: 1000 }, action: "stop" },
      [`${OPTION}.breakers`]: { divergence: { hardCap: "0" } },
    });
    expect(issues.map((i) => i.path)).toEqual([
      // Structural errors of the index stop its semantic checks (benchmark, k, window...), as for any item.
      `${INDEX}.priceDecimals`,
      `${INDEX}.breakers.move.windowMs`,
      `${INDEX}.breakers.coolDownMs`,
      `${INDEX}.breakers.typo`,
      // Perpetual: action is structural, so the decimals inside are not checked.
      `${PERP}.breakers.action`,
      `${OPTION}.breakers.divergence.hardCap`,
    ]);
  });

  it("reports every semantic problem of an item that parsed", () => {
    const issues = issuesOf({
      [`${INDEX}.breakers`]: {
        divergence: { benchmark: "BTC-USD", k: "0", window: 20, hardCap: "2", minStd: "-1" },
        move: { limit: "1" },
      },
      [`${INDEX}.minSources`]: 9,
      [`${PERP}.priceBand`]: "0",
      [`${PERP}.breakers`]: { divergence: { minStd: "-1", minSamples: 1000 } },
    });
    expect(issues.map((i) => i.path)).toEqual([
      `${INDEX}.minSources`,
      `${INDEX}.breakers.divergence.benchmark`,
      `${INDEX}.breakers.divergence.k`,
      `${INDEX}.breakers.divergence.hardCap`,
      `${INDEX}.breakers.divergence.minStd`,
      // Not written: its default (60) is more than the window; a key left out sorts after those written.
      `${INDEX}.breakers.divergence.minSamples`,
      `${INDEX}.breakers.move.limit`,
      `${PERP}.priceBand`,
      `${PERP}.breakers.divergence.minStd`,
      `${PERP}.breakers.divergence.minSamples`,
    ]);
  });
});

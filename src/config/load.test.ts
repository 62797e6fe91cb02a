import { describe, expect, it } from "vitest";
import { compareFixed, type Fixed, formatFixed } from "../kernel/decimal.js";
import { contractExample } from "./contract-example.js";
import { formatConfigIssues, loadConfig } from "./load.js";
import type { ConfigIssue, InstrumentConfig, MarketConfig } from "./types.js";

/** The example of CONTRACT.md "Market configuration", verbatim. */
const example = contractExample;

type Container = Record<string | number, unknown>;

/** Sets (or, with undefined, deletes) the value at a path written as in issues: `instruments[0].fees.maker`. */
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

/** The example with some values changed; `undefined` removes a key. */
function configWith(changes: Record<string, unknown>, base = example()): Record<string, unknown> {
  for (const [path, value] of Object.entries(changes)) setAt(base, path, value);
  return base;
}

function issuesOf(json: unknown): readonly ConfigIssue[] {
  const result = loadConfig(json);
  return result.ok ? [] : result.issues;
}

function load(json: unknown): MarketConfig {
  const result = loadConfig(json);
  if (!result.ok) throw new Error(formatConfigIssues(result.issues));
  return result.config;
}

function expectIssue(changes: Record<string, unknown>, path: string, message: RegExp): void {
  expect(issuesOf(configWith(changes))).toContainEqual({ path, message: expect.stringMatching(message) });
}

function expectValid(changes: Record<string, unknown>): MarketConfig {
  return load(configWith(changes));
}

function text(value: Fixed | null | undefined): string | undefined {
  return value ? formatFixed(value) : undefined;
}

function perpetual(config: MarketConfig): InstrumentConfig {
  return config.instruments[0] as InstrumentConfig;
}

const SPOT_BTC_INVERSE = {
  "instruments[0].inverse": true,
  "instruments[0].settlementAsset": "BTC",
  "instruments[0].contractSize": "100",
};

describe("loadConfig: the contract example", () => {
  const config = load(example());

  it("resolves assets with their collateral weights", () => {
    const [usdc, btc] = config.assets;
    expect(usdc).toMatchObject({ id: "USDC", decimals: 6, index: null });
    expect(text(usdc?.collateralWeight)).toBe("1");
    expect(btc).toMatchObject({ id: "BTC", decimals: 8, index: "BTC-USD" });
    expect(text(btc?.collateralWeight)).toBe("0.95");
  });

  it("resolves the index with its defaults", () => {
    const index = config.indices[0];
    expect(index).toMatchObject({ id: "BTC-USD", staleAfterMs: 10000, outlierMode: "cap", minSources: 2 });
    expect(text(index?.outlierBand)).toBe("0.03");
    expect(index?.sources.map((s) => [s.id, text(s.weight)])).toEqual([
      ["coinbase", "0.4"],
      ["kraken", "0.3"],
      ["bitstamp", "0.3"],
    ]);
  });

  it("resolves the perpetual: scales, defaults and the computed maintenance amount", () => {
    const perp = perpetual(config);
    expect(perp).toMatchObject({
      symbol: "BTC-PERP",
      kind: "perpetual",
      inverse: false,
      priceScale: 1,
      qtyScale: 3,
    });
    expect(perp).toMatchObject({ expiry: null, right: null, strike: null });
    expect(perp.tickSize).toEqual({ raw: 1n, scale: 1 });
    expect(perp.lotSize).toEqual({ raw: 1n, scale: 3 });
    const margin = perp.margin;
    expect(margin?.kind).toBe("tiers");
    if (margin?.kind !== "tiers") return;
    // Tier 2: cum = 50000 × (0.005 − 0.004) = 50, exactly, at the rates' scale.
    expect(margin.tiers.map((t) => text(t.maintenanceAmount))).toEqual(["0", "50"]);
    expect(margin.tiers[1]?.maintenanceAmount).toEqual({ raw: 50000n, scale: 3 });
    expect(perp.mark).toMatchObject({ method: "ema-basis", basisHalfLifeMs: 60000, basisSampleMs: 1000 });
    expect(text(perp.mark.basisBand)).toBe("0.005");
    expect([text(perp.fees.maker), text(perp.fees.taker)]).toEqual(["0", "0"]);
    expect(perp.funding?.intervalMs).toBe(28800000);
    expect([text(perp.funding?.cap), text(perp.funding?.interestRate)]).toEqual(["0.0075", "0.0001"]);
  });

  it("resolves the option without margin model or funding", () => {
    const option = config.instruments[1];
    expect(option).toMatchObject({
      kind: "option",
      right: "call",
      expiry: 1774598400000,
      margin: null,
      funding: null,
    });
    expect(option).toMatchObject({ inverse: false, priceScale: 1, qtyScale: 2 });
    expect(text(option?.strike)).toBe("100000");
  });

  it("resolves liquidation and the insurance fund at the asset's decimals", () => {
    expect(
      [config.liquidation.feeRate, config.liquidation.bufferRatio, config.liquidation.marginCallRatio].map(
        text,
      ),
    ).toEqual(["0.005", "0.02", "0.8"]);
    expect(config.insuranceFund).toMatchObject({ asset: "USDC", initialBalance: 1_000_000_000_000n });
    expect(text(config.insuranceFund.unwindBand)).toBe("0.01");
    expect([config.liquidation.maxOrdersPerCommand, config.liquidation.maxPriceWaitMs]).toEqual([
      16, 900_000,
    ]);
  });
});

describe("loadConfig: defaults", () => {
  const minimal = configWith({
    "indices[0].staleAfterMs": undefined,
    "indices[0].outlierBand": undefined,
    "indices[0].minSources": undefined,
    "instruments[0].inverse": undefined,
    "instruments[0].funding": undefined,
    liquidation: undefined,
    insuranceFund: undefined,
    "assets[1].collateralWeight": undefined,
    "assets[1].index": undefined,
  });

  it("fills in every documented default", () => {
    const config = load(minimal);
    expect(config.indices[0]).toMatchObject({ staleAfterMs: 10000, outlierMode: "cap", minSources: 2 });
    expect(text(config.indices[0]?.outlierBand)).toBe("0.03");
    expect(text(config.assets[1]?.collateralWeight)).toBe("0");
    expect(config.assets[1]?.index).toBeNull();
    const perp = perpetual(config);
    expect(perp.inverse).toBe(false);
    expect(perp.funding?.intervalMs).toBe(28800000);
    expect([text(perp.funding?.cap), text(perp.funding?.interestRate)]).toEqual(["0.0075", "0.0001"]);
    expect(
      [config.liquidation.feeRate, config.liquidation.bufferRatio, config.liquidation.marginCallRatio].map(
        text,
      ),
    ).toEqual(["0.005", "0.02", "0.8"]);
    expect(config.insuranceFund).toMatchObject({ asset: "USDC", initialBalance: 0n });
    expect(text(config.insuranceFund.unwindBand)).toBe("0.01");
  });

  it("requires a majority of sources by default", () => {
    const four = configWith({
      "indices[0].minSources": undefined,
      "indices[0].sources[3]": { id: "okx", weight: "0.1" },
    });
    expect(load(four).indices[0]?.minSources).toBe(3);
    const one = configWith({
      "indices[0].minSources": undefined,
      "indices[0].sources": [{ id: "okx", weight: "1" }],
    });
    expect(load(one).indices[0]?.minSources).toBe(1);
  });

  it("accepts marginScaling instead of tiers, and an inverse contract settled in its base asset", () => {
    const config = expectValid({
      ...SPOT_BTC_INVERSE,
      "instruments[0].marginTiers": undefined,
      "instruments[0].marginScaling": { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" },
    });
    const perp = perpetual(config);
    expect(perp.inverse).toBe(true);
    expect(perp.margin).toEqual({
      kind: "scaling",
      initial: { raw: 2n, scale: 2 },
      maintenance: { raw: 1n, scale: 2 },
      perUnit: { raw: 5n, scale: 5 },
    });
  });

  it("accepts a maker rebate covered by the taker fee", () => {
    const fees = perpetual(
      expectValid({ "instruments[0].fees": { maker: "-0.0001", taker: "0.0005" } }),
    ).fees;
    expect([text(fees.maker), text(fees.taker)]).toEqual(["-0.0001", "0.0005"]);
  });
});

describe("loadConfig: maintenance amount (Binance cum)", () => {
  const tiers = (list: object[]) => perpetual(expectValid({ "instruments[0].marginTiers": list })).margin;

  it("accumulates across brackets, exactly", () => {
    const margin = tiers([
      { upToNotional: "100.5", initial: "0.01", maintenance: "0.001" },
      { upToNotional: "1000", initial: "0.02", maintenance: "0.0025" },
      { upToNotional: "5000", initial: "0.05", maintenance: "0.025" },
    ]);
    if (margin?.kind !== "tiers") throw new Error("expected tiers");
    // 100.5 × 0.0015 = 0.15075; then + 1000 × 0.0225 = 22.65075.
    expect(margin.tiers.map((t) => text(t.maintenanceAmount))).toEqual(["0", "0.15075", "22.65075"]);
  });

  it("keeps a given amount and continues from it", () => {
    const margin = tiers([
      { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
      { upToNotional: "250000", initial: "0.02", maintenance: "0.005", maintenanceAmount: "60" },
      { upToNotional: "1000000", initial: "0.05", maintenance: "0.01" },
    ]);
    if (margin?.kind !== "tiers") throw new Error("expected tiers");
    expect(margin.tiers.map((t) => text(t.maintenanceAmount))).toEqual(["0", "60", "1310"]);
    expect(compareFixed(margin.tiers[2]?.maintenanceAmount as Fixed, { raw: 1310n, scale: 0 })).toBe(0);
  });
});

describe("loadConfig: document structure", () => {
  it("refuses a document that is not an object", () => {
    for (const json of [null, 5, "config", [], undefined])
      expect(issuesOf(json)).toEqual([{ path: "(root)", message: expect.stringMatching(/an object/) }]);
  });

  it("names every missing section", () => {
    expect(issuesOf({}).map((i) => i.path)).toEqual(["assets", "indices", "instruments", "quoteAsset"]);
  });

  it("rejects unknown keys, naming each key's path", () => {
    expectIssue({ extra: 1 }, "extra", /unknown key \(allowed: quoteAsset, assets/);
    expectIssue({ "instruments[0].fundng": {} }, "instruments[0].fundng", /unknown key .*funding/);
    expectIssue(
      { "instruments[0].marginTiers[1].maintenanceAmt": "1" },
      "instruments[0].marginTiers[1].maintenanceAmt",
      /unknown key/,
    );
    expectIssue({ "indices[0].sources[0].wieght": "1" }, "indices[0].sources[0].wieght", /unknown key/);
    expectIssue({ "liquidation.fee": "0.1" }, "liquidation.fee", /unknown key/);
    expectIssue({ "a b": 1 }, '["a b"]', /unknown key/);
  });

  it("rejects numbers for decimals, naming the path", () => {
    expectIssue(
      { "assets[1].collateralWeight": 0.95 },
      "assets[1].collateralWeight",
      /got the number 0\.95.*JSON string/,
    );
    expectIssue(
      { "instruments[0].marginTiers[1].initial": 0.02 },
      "instruments[0].marginTiers[1].initial",
      /got the number/,
    );
    expectIssue(
      { "insuranceFund.initialBalance": 1000000 },
      "insuranceFund.initialBalance",
      /got the number/,
    );
  });

  it("rejects exponents and other non-plain decimal strings", () => {
    expectIssue(
      { "instruments[0].funding.cap": "1e-3" },
      "instruments[0].funding.cap",
      /"1e-3" is not a plain decimal/,
    );
    expectIssue({ "instruments[0].tickSize": "+0.1" }, "instruments[0].tickSize", /not a plain decimal/);
    expectIssue({ "liquidation.feeRate": " 0.005" }, "liquidation.feeRate", /not a plain decimal/);
    expectIssue({ "liquidation.bufferRatio": "-0" }, "liquidation.bufferRatio", /not a plain decimal/);
  });

  it("rejects durations and timestamps that are not non-negative safe integers", () => {
    expectIssue({ "indices[0].staleAfterMs": 1.5 }, "indices[0].staleAfterMs", /not a duration/);
    expectIssue({ "indices[0].staleAfterMs": "10000" }, "indices[0].staleAfterMs", /not a duration/);
    expectIssue({ "instruments[1].expiry": -1 }, "instruments[1].expiry", /not a timestamp/);
    expectIssue({ "instruments[1].expiry": 2 ** 60 }, "instruments[1].expiry", /not a timestamp/);
  });

  it("reports a bad identifier", () => {
    expectIssue({ "assets[1].id": "B TC" }, "assets[1].id", /"B TC" is not an identifier/);
    expectIssue({ "instruments[0].symbol": "x".repeat(65) }, "instruments[0].symbol", /not an identifier/);
    expectIssue({ quoteAsset: 7 }, "quoteAsset", /7 is not an identifier/);
  });

  it("bounds the sizes of lists", () => {
    const assets = Array.from({ length: 1025 }, (_, i) => ({ id: `A${i}`, decimals: 2 }));
    expectIssue({ assets }, "assets", /too many assets: at most 1024 \(got 1025\)/);
    expectIssue({ assets: [] }, "assets", /at least one/);
    const sources = Array.from({ length: 65 }, (_, i) => ({ id: `s${i}`, weight: "1" }));
    expectIssue({ "indices[0].sources": sources }, "indices[0].sources", /too many sources: at most 64/);
    const tiers = Array.from({ length: 65 }, (_, i) => ({
      upToNotional: `${i + 1}`,
      initial: "0.1",
      maintenance: "0.05",
    }));
    expectIssue(
      { "instruments[0].marginTiers": tiers },
      "instruments[0].marginTiers",
      /too many margin tiers: at most 64/,
    );
    expectIssue({ instruments: {} }, "instruments", /expected an array/);
  });

  it("bounds indices and instruments", () => {
    const indices = Array.from({ length: 1025 }, (_, i) => ({
      id: `I${i}`,
      sources: [{ id: "s", weight: "1" }],
    }));
    expectIssue({ indices }, "indices", /too many indices: at most 1024/);
    const instruments = Array.from({ length: 4097 }, () => ({}));
    expectIssue({ instruments }, "instruments", /too many instruments: at most 4096/);
  });
});

describe("loadConfig: assets", () => {
  it("requires the quote asset to be declared", () => {
    expectIssue({ quoteAsset: "USDT" }, "quoteAsset", /"USDT" is not one of the assets/);
  });

  it("rejects duplicate ids", () => {
    expectIssue(
      { "assets[2]": { id: "BTC", decimals: 8 } },
      "assets[2].id",
      /duplicate asset id "BTC" \(first at assets\[1\]\)/,
    );
  });

  it("bounds decimals, saying why", () => {
    expectIssue(
      { "assets[1].decimals": 13 },
      "assets[1].decimals",
      /13 is more than 12: balances are 64-bit/,
    );
    expectIssue({ "assets[1].decimals": -1 }, "assets[1].decimals", /-1 must be at least 0/);
    expectIssue({ "assets[1].decimals": 2.5 }, "assets[1].decimals", /expected an integer, got 2\.5/);
    expectIssue({ "assets[1].decimals": undefined }, "assets[1].decimals", /missing/);
  });

  it("checks the asset's index", () => {
    expectIssue(
      { "assets[1].index": "ETH-USD" },
      "assets[1].index",
      /unknown index "ETH-USD" \(not declared in indices\)/,
    );
    expectIssue(
      { "assets[0].index": "BTC-USD" },
      "assets[0].index",
      /quote asset "USDC" .* must not have an index/,
    );
    expectIssue(
      { "assets[1].index": undefined },
      "assets[1].index",
      /missing: "BTC" counts as collateral.*needs an index/,
    );
  });

  it("bounds the collateral weight to [0, 1]", () => {
    expectIssue(
      { "assets[1].collateralWeight": "1.01" },
      "assets[1].collateralWeight",
      /"1.01" must be in \[0, 1\]/,
    );
    expectIssue(
      { "assets[1].collateralWeight": "-0.5" },
      "assets[1].collateralWeight",
      /must be in \[0, 1\]/,
    );
  });
});

describe("loadConfig: indices", () => {
  it("rejects duplicate index and source ids", () => {
    expectIssue(
      { "indices[1]": { id: "BTC-USD", sources: [{ id: "a", weight: "1" }] } },
      "indices[1].id",
      /duplicate index id "BTC-USD"/,
    );
    expectIssue(
      { "indices[0].sources[2].id": "coinbase" },
      "indices[0].sources[2].id",
      /duplicate source id "coinbase" \(first at indices\[0\]\.sources\[0\]\)/,
    );
  });

  it("requires sources with positive weights", () => {
    expectIssue(
      { "indices[0].sources": [] },
      "indices[0].sources",
      /at least one of the sources is required/,
    );
    expectIssue({ "indices[0].sources[1].weight": "0" }, "indices[0].sources[1].weight", /"0" must be > 0/);
  });

  it("bounds staleness, outlier band and mode", () => {
    expectIssue({ "indices[0].staleAfterMs": 0 }, "indices[0].staleAfterMs", /0 must be greater than zero/);
    expectIssue({ "indices[0].outlierBand": "1" }, "indices[0].outlierBand", /"1" must be in \(0, 1\)/);
    expectIssue({ "indices[0].outlierBand": "0" }, "indices[0].outlierBand", /must be in \(0, 1\)/);
    expectIssue(
      { "indices[0].outlierMode": "drop" },
      "indices[0].outlierMode",
      /"drop" is not one of "cap", "exclude"/,
    );
  });

  it("bounds minSources by the number of sources", () => {
    expectIssue({ "indices[0].minSources": 4 }, "indices[0].minSources", /4 is more than the 3 sources/);
    expectIssue({ "indices[0].minSources": 0 }, "indices[0].minSources", /0 must be at least 1/);
  });
});

describe("loadConfig: instruments", () => {
  it("rejects duplicate symbols and unknown kinds", () => {
    expectIssue(
      { "instruments[1].symbol": "BTC-PERP" },
      "instruments[1].symbol",
      /duplicate instrument symbol "BTC-PERP"/,
    );
    expectIssue(
      { "instruments[0].kind": "swap" },
      "instruments[0].kind",
      /"swap" is not one of "perpetual", "future", "option"/,
    );
  });

  it("checks references to the index and the settlement asset", () => {
    expectIssue({ "instruments[0].index": "ETH-USD" }, "instruments[0].index", /unknown index "ETH-USD"/);
    expectIssue(
      { "instruments[0].settlementAsset": "USDT" },
      "instruments[0].settlementAsset",
      /unknown asset "USDT" \(not declared in assets\)/,
    );
  });

  it("requires positive sizes with at most 12 decimals", () => {
    expectIssue({ "instruments[0].contractSize": "0" }, "instruments[0].contractSize", /"0" must be > 0/);
    expectIssue({ "instruments[0].lotSize": "-0.001" }, "instruments[0].lotSize", /must be > 0/);
    expectIssue(
      { "instruments[0].tickSize": "0.0000000000001" },
      "instruments[0].tickSize",
      /more than 12 decimal places/,
    );
    expect(perpetual(expectValid({ "instruments[0].tickSize": "0.000000000001" })).priceScale).toBe(12);
  });

  it("requires expiry exactly for futures and options", () => {
    expectIssue(
      { "instruments[1].expiry": undefined },
      "instruments[1].expiry",
      /missing \(an option needs an expiry/,
    );
    expectIssue(
      { "instruments[0].kind": "future", "instruments[0].funding": undefined },
      "instruments[0].expiry",
      /missing \(a future needs an expiry/,
    );
    expectIssue(
      { "instruments[0].expiry": 1774598400000 },
      "instruments[0].expiry",
      /not allowed: perpetuals do not expire/,
    );
    const future = expectValid({
      "instruments[0].kind": "future",
      "instruments[0].funding": undefined,
      "instruments[0].expiry": 1,
    });
    expect(perpetual(future)).toMatchObject({ kind: "future", expiry: 1, funding: null });
  });

  it("gives options the standard margin rates, checks their order, and allows them on options only", () => {
    const option = expectValid({}).instruments[1];
    expect(
      [
        option?.optionMargin?.initialBase,
        option?.optionMargin?.initialFloor,
        option?.optionMargin?.maintenance,
      ].map((x) => (x === undefined ? "" : text(x))),
    ).toEqual(["0.15", "0.1", "0.075"]);
    expect(expectValid({}).instruments[0]?.optionMargin).toBeNull();
    expectIssue(
      { "instruments[1].optionMargin": { initialBase: "0.1", initialFloor: "0.12", maintenance: "0.05" } },
      "instruments[1].optionMargin.initialFloor",
      /0\.12 is above initialBase 0\.1/,
    );
    expectIssue(
      { "instruments[1].optionMargin": { maintenance: "0.2" } },
      "instruments[1].optionMargin.maintenance",
      /above initialFloor 0\.1 \(maintenance may not exceed initial margin\)/,
    );
    expectIssue(
      { "instruments[0].optionMargin": { maintenance: "0.05" } },
      "instruments[0].optionMargin",
      /only options have optionMargin \(this is a perpetual\)/,
    );
  });

  it("requires right and strike exactly for options", () => {
    expectIssue(
      { "instruments[1].right": undefined },
      "instruments[1].right",
      /missing \(an option needs a right/,
    );
    expectIssue({ "instruments[1].right": "straddle" }, "instruments[1].right", /not one of "call", "put"/);
    expectIssue(
      { "instruments[1].strike": undefined },
      "instruments[1].strike",
      /missing \(an option needs a strike\)/,
    );
    expectIssue({ "instruments[1].strike": "0" }, "instruments[1].strike", /"0" must be > 0/);
    expectIssue(
      { "instruments[0].right": "put" },
      "instruments[0].right",
      /only options have a right \(this is a perpetual\)/,
    );
    expectIssue({ "instruments[0].strike": "1" }, "instruments[0].strike", /only options have a strike/);
  });

  it("requires exactly one margin model for perpetuals and futures, none for options", () => {
    const scaling = { initial: "0.02", maintenance: "0.01", perUnit: "0" };
    expectIssue(
      { "instruments[0].marginScaling": scaling },
      "instruments[0].marginScaling",
      /not allowed together with marginTiers/,
    );
    expectIssue(
      { "instruments[0].marginTiers": undefined },
      "instruments[0].marginTiers",
      /missing: a perpetual needs exactly one of marginTiers and marginScaling/,
    );
    expectIssue(
      { "instruments[1].marginScaling": scaling },
      "instruments[1].marginScaling",
      /not allowed: options are margined by the option rules/,
    );
  });

  it("checks the settlement of linear and inverse instruments", () => {
    expectIssue(
      { "instruments[0].settlementAsset": "BTC" },
      "instruments[0].settlementAsset",
      /a linear instrument settles in the quote asset "USDC", not "BTC"/,
    );
    expectIssue(
      { "instruments[0].inverse": true },
      "instruments[0].settlementAsset",
      /an inverse instrument settles in its base asset, not the quote asset "USDC"/,
    );
    const eth = { id: "ETH-USD", sources: [{ id: "a", weight: "1" }] };
    expectIssue(
      { ...SPOT_BTC_INVERSE, "indices[1]": eth, "instruments[0].index": "ETH-USD" },
      "instruments[0].settlementAsset",
      /"BTC" has index "BTC-USD", the instrument's index is "ETH-USD"/,
    );
    expectIssue(
      { ...SPOT_BTC_INVERSE, "assets[1].index": undefined, "assets[1].collateralWeight": "0" },
      "instruments[0].settlementAsset",
      /"BTC" has no index/,
    );
  });

  it("bounds mark parameters", () => {
    expectIssue(
      { "instruments[0].mark": { method: "last" } },
      "instruments[0].mark.method",
      /"last" is not one of "ema-basis", "median-of-three", "index"/,
    );
    expectIssue(
      { "instruments[0].mark": { basisHalfLifeMs: 0 } },
      "instruments[0].mark.basisHalfLifeMs",
      /must be greater than zero/,
    );
    expectIssue(
      { "instruments[0].mark": { basisSampleMs: -5 } },
      "instruments[0].mark.basisSampleMs",
      /must be greater than zero/,
    );
    expectIssue(
      { "instruments[0].mark": { basisBand: "1" } },
      "instruments[0].mark.basisBand",
      /must be in \(0, 1\)/,
    );
    const mark = perpetual(expectValid({ "instruments[0].mark": { method: "index" } })).mark;
    expect(mark).toMatchObject({ method: "index", basisHalfLifeMs: 60000, basisSampleMs: 1000 });
  });

  it("bounds fees: rebates allowed, never a net payment for trading", () => {
    expectIssue(
      { "instruments[0].fees": { maker: "-1", taker: "0.5" } },
      "instruments[0].fees.maker",
      /"-1" must be in \(-1, 1\)/,
    );
    expectIssue(
      { "instruments[0].fees": { taker: "-0.0001" } },
      "instruments[0].fees.taker",
      /must be in \[0, 1\)/,
    );
    expectIssue(
      { "instruments[0].fees": { taker: "1" } },
      "instruments[0].fees.taker",
      /must be in \[0, 1\)/,
    );
    expectIssue(
      { "instruments[0].fees": { maker: "-0.0003", taker: "0.0002" } },
      "instruments[0].fees.maker",
      /the rebate "-0.0003" exceeds the taker fee "0.0002": maker \+ taker must be >= 0/,
    );
  });

  it("allows funding on perpetuals only, within bounds", () => {
    expectIssue(
      { "instruments[1].funding": {} },
      "instruments[1].funding",
      /not allowed: only perpetuals have funding \(this is an option\)/,
    );
    expectIssue({ "instruments[0].funding.cap": "1" }, "instruments[0].funding.cap", /must be in \(0, 1\)/);
    expectIssue(
      { "instruments[0].funding.interestRate": "-1" },
      "instruments[0].funding.interestRate",
      /must be in \(-1, 1\)/,
    );
    expectIssue(
      { "instruments[0].funding.intervalMs": 0 },
      "instruments[0].funding.intervalMs",
      /must be greater than zero/,
    );
  });
});

describe("loadConfig: margin tiers and scaling", () => {
  const tier = "instruments[0].marginTiers";

  it("requires at least one tier", () => {
    expectIssue({ [tier]: [] }, tier, /at least one of the margin tiers is required/);
  });

  it("requires upToNotional positive and strictly increasing", () => {
    expectIssue({ [`${tier}[0].upToNotional`]: "0" }, `${tier}[0].upToNotional`, /"0" must be > 0/);
    expectIssue(
      { [`${tier}[1].upToNotional`]: "50000" },
      `${tier}[1].upToNotional`,
      /"50000" must be greater than the previous tier's "50000"/,
    );
  });

  it("requires 0 < maintenance < initial <= 1 in each tier", () => {
    expectIssue(
      { [`${tier}[1].initial`]: "0.003" },
      `${tier}[1].initial`,
      /"0.003" must be greater than maintenance "0.005"/,
    );
    expectIssue(
      { [`${tier}[1].initial`]: "0.005" },
      `${tier}[1].initial`,
      /must be greater than maintenance/,
    );
    expectIssue({ [`${tier}[1].initial`]: "1.5" }, `${tier}[1].initial`, /"1.5" must be in \(0, 1\]/);
    expectIssue({ [`${tier}[0].maintenance`]: "0" }, `${tier}[0].maintenance`, /"0" must be in \(0, 1\)/);
    expect(perpetual(expectValid({ [`${tier}[1].initial`]: "1" })).margin?.kind).toBe("tiers");
  });

  it("requires maintenance rates that do not decrease", () => {
    expectIssue(
      { [`${tier}[1].maintenance`]: "0.003" },
      `${tier}[1].maintenance`,
      /"0.003" is less than the previous tier's "0.004"/,
    );
  });

  it("requires a non-negative maintenance amount when given", () => {
    expectIssue(
      { [`${tier}[1].maintenanceAmount`]: "-1" },
      `${tier}[1].maintenanceAmount`,
      /"-1" must be >= 0/,
    );
  });

  it("bounds scaling rates", () => {
    const changes = (scaling: object) => ({ [tier]: undefined, "instruments[0].marginScaling": scaling });
    const at = "instruments[0].marginScaling";
    expectIssue(
      changes({ initial: "0.01", maintenance: "0.01", perUnit: "0" }),
      `${at}.initial`,
      /must be greater than maintenance "0.01"/,
    );
    expectIssue(
      changes({ initial: "0.02", maintenance: "0.01", perUnit: "-0.1" }),
      `${at}.perUnit`,
      /"-0.1" must be >= 0/,
    );
    expectIssue(changes({ initial: "0.02", maintenance: "0.01" }), `${at}.perUnit`, /missing/);
  });
});

describe("loadConfig: liquidation and insurance fund", () => {
  it("bounds liquidation ratios", () => {
    expectIssue({ "liquidation.feeRate": "1" }, "liquidation.feeRate", /"1" must be in \[0, 1\)/);
    expectIssue({ "liquidation.bufferRatio": "-0.01" }, "liquidation.bufferRatio", /must be >= 0/);
    expectIssue({ "liquidation.marginCallRatio": "0" }, "liquidation.marginCallRatio", /must be in \(0, 1\]/);
    expectIssue(
      { "liquidation.marginCallRatio": "1.1" },
      "liquidation.marginCallRatio",
      /must be in \(0, 1\]/,
    );
  });

  it("checks the fund's asset and parses the balance at that asset's decimals", () => {
    expectIssue({ "insuranceFund.asset": "EUR" }, "insuranceFund.asset", /unknown asset "EUR"/);
    expectIssue(
      { "insuranceFund.initialBalance": "-1" },
      "insuranceFund.initialBalance",
      /"-1" must be zero or more/,
    );
    expectIssue(
      { "insuranceFund.initialBalance": "0.0000001" },
      "insuranceFund.initialBalance",
      /has more than 6 decimal places/,
    );
    const btcFund = expectValid({
      "insuranceFund.asset": "BTC",
      "insuranceFund.initialBalance": "0.00000001",
    });
    expect(btcFund.insuranceFund).toMatchObject({ asset: "BTC", initialBalance: 1n });
  });
});

describe("loadConfig: collateral and margin rules", () => {
  it("fills in the margin section's defaults and the mark maintenance basis", () => {
    const config = expectValid({});
    expect(text(config.margin.unrealizedProfitWeight)).toBe("0");
    expect(text(config.margin.degradedCollateralFactor)).toBe("0.5");
    expect(config.margin.collateralAgeDecay.map((p) => [p.ageMs, text(p.factor)])).toEqual([
      [10_000, "1"],
      [60_000, "0"],
    ]);
    expect(perpetual(config).maintenanceBasis).toBe("mark");
    expect(config.assets.map((a) => a.collateralTiers)).toEqual([[], []]);
  });

  it("resolves progressive collateral tiers, refusing rising weights, unordered bands and a flat weight too", () => {
    const tiers = [
      { upToValue: "100000", weight: "0.95" },
      { upToValue: "1000000", weight: "0.9" },
    ];
    const config = expectValid({
      "assets[1].collateralWeight": undefined,
      "assets[1].collateralTiers": tiers,
    });
    expect(config.assets[1]?.collateralTiers.map((t) => [text(t.upToValue), text(t.weight)])).toEqual([
      ["100000", "0.95"],
      ["1000000", "0.9"],
    ]);
    expectIssue(
      { "assets[1].collateralTiers": tiers },
      "assets[1].collateralTiers",
      /not allowed together with collateralWeight/,
    );
    expectIssue(
      { "assets[1].collateralWeight": undefined, "assets[1].collateralTiers": [tiers[1], tiers[0]] },
      "assets[1].collateralTiers[1].upToValue",
      /must be greater than the previous band's "1000000"/,
    );
    expectIssue(
      {
        "assets[1].collateralWeight": undefined,
        "assets[1].collateralTiers": [tiers[0], { upToValue: "1000000", weight: "0.99" }],
      },
      "assets[1].collateralTiers[1].weight",
      /weights must not rise/,
    );
  });

  it("bounds the margin rules and requires a non-increasing age decay", () => {
    expectIssue(
      { "margin.unrealizedProfitWeight": "1.5" },
      "margin.unrealizedProfitWeight",
      /must be in \[0, 1\]/,
    );
    expectIssue(
      { "margin.degradedCollateralFactor": "1" },
      "margin.degradedCollateralFactor",
      /must be in \[0, 1\)/,
    );
    expectIssue(
      {
        "margin.collateralAgeDecay": [
          { ageMs: 5000, factor: "0.5" },
          { ageMs: 9000, factor: "0.8" },
        ],
      },
      "margin.collateralAgeDecay[1].factor",
      /an older price must not count for more/,
    );
    expectIssue(
      {
        "margin.collateralAgeDecay": [
          { ageMs: 5000, factor: "1" },
          { ageMs: 5000, factor: "0" },
        ],
      },
      "margin.collateralAgeDecay[1].ageMs",
      /must be greater than the previous point's 5000/,
    );
    expectIssue(
      { "instruments[0].maintenanceBasis": "last" },
      "instruments[0].maintenanceBasis",
      /mark|entry/,
    );
  });
});

describe("loadConfig: several mistakes", () => {
  const broken = configWith({
    quoteAsset: "USDT",
    "assets[1].decimals": 13,
    "assets[1].colateralWeight": "1",
    "indices[0].sources[1].weight": 0.3,
    "indices[0].minSources": 5,
    "instruments[0].marginTiers[1].initial": "0.003",
    "instruments[0].funding.cap": "1e-3",
    "instruments[1].funding": {},
    "liquidation.feeRate": 0.1,
    "insuranceFund.initialBalance": "1.0000001",
    extra: true,
  });

  it("reports all of them together, in document order", () => {
    expect(issuesOf(broken).map((i) => i.path)).toEqual([
      "quoteAsset",
      "assets[1].decimals",
      "assets[1].colateralWeight",
      "indices[0].sources[1].weight",
      "instruments[0].marginTiers[1].initial",
      "instruments[0].funding.cap",
      "instruments[1].funding",
      "liquidation.feeRate",
      "insuranceFund.initialBalance",
      "extra",
    ]);
  });

  it("still checks the semantics of an item whose neighbour is malformed", () => {
    const twoIndices = configWith({
      "indices[1]": { id: "ETH-USD", sources: [{ id: "a", weight: 1 }] },
      "indices[0].minSources": 5,
    });
    expect(issuesOf(twoIndices).map((i) => i.path)).toEqual([
      "indices[0].minSources",
      "indices[1].sources[0].weight",
    ]);
  });

  it("does not cascade: a malformed asset still counts as declared", () => {
    const issues = issuesOf(configWith({ "assets[1].decimals": "8" }));
    expect(issues.map((i) => i.path)).toEqual(["assets[1].decimals"]);
  });

  it("formats one line per issue", () => {
    const result = loadConfig(configWith({ quoteAsset: "USDT", "liquidation.feeRate": "2" }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatConfigIssues(result.issues)).toBe(
      ['quoteAsset: "USDT" is not one of the assets', 'liquidation.feeRate: "2" must be in [0, 1)'].join(
        "\n",
      ),
    );
  });

  it("never throws, whatever the input", () => {
    const odd = [
      { assets: "x", indices: 5, instruments: [null, 1, "a", []], liquidation: [], insuranceFund: null },
      {
        quoteAsset: "USDC",
        assets: [{ id: "USDC", decimals: 6, index: 7 }],
        indices: [{}],
        instruments: [{ kind: "option" }],
      },
      configWith({ "instruments[0].marginTiers": [{}, null] }),
    ];
    for (const json of odd) expect(issuesOf(json).length).toBeGreaterThan(0);
  });
});

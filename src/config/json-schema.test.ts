import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
import { loadConfig } from "./load.js";

const config = {
  quoteAsset: "USDC",
  assets: [
    { id: "USDC", decimals: 6 },
    { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
  ],
  indices: [{ id: "BTC-USD", sources: [{ id: "coinbase", weight: "1" }] }],
  instruments: [
    {
      symbol: "BTC-PERP",
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.1",
      lotSize: "0.001",
      marginScaling: { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" },
      funding: { intervalMs: 28800000 },
    },
  ],
};

describe("configJsonSchema", () => {
  it("is what docs/schema/config.schema.json holds", async () => {
    await expect(
      configJsonSchemaText(),
      "docs/schema/config.schema.json is stale: regenerate it with `npx vitest run src/config/json-schema.test.ts -u`",
    ).toMatchFileSnapshot("../../docs/schema/config.schema.json");
  });

  it("is a valid JSON Schema that agrees with the loader on shape", () => {
    const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(configJsonSchema());
    expect(loadConfig(config).ok).toBe(true);
    expect(validate(config)).toBe(true);
    const withBreakers = {
      ...config,
      indices: [{ ...config.indices[0], breakers: { divergence: null, move: { limit: "0.2" } } }],
    };
    expect(loadConfig(withBreakers).ok).toBe(true);
    expect(validate(withBreakers)).toBe(true);
    for (const wrong of [
      { ...config, extra: 1 },
      { ...config, quoteAsset: "US DC" },
      { ...config, assets: [{ id: "USDC", decimals: 13 }] },
      { ...config, liquidation: { feeRate: 0.005 } },
      { ...config, liquidation: { feeRate: "5e-3" } },
      { ...config, indices: [{ ...config.indices[0], breakers: { move: { limit: "0.2", window: 1 } } }] },
      { ...config, indices: [{ ...config.indices[0], breakers: { divergence: false } }] },
      { ...config, indices: [{ ...config.indices[0], priceDecimals: 13 }] },
    ]) {
      expect(validate(wrong)).toBe(false);
      expect(loadConfig(wrong).ok).toBe(false);
    }
  });
});

// The float screen agrees with the exact figures within its own bound, on random portfolios of linear and
// inverse, tiered and size-scaled positions with several collateral assets.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { Ledger } from "../ledger/ledger.js";
import { MarketPrices } from "../prices/market-prices.js";
import { AccountMargin, unitOf } from "./account-margin.js";
import { Positions } from "./positions.js";
import { RiskScreen } from "./risk-screen.js";

const loaded = loadConfig({
  quoteAsset: "USDC",
  assets: [
    { id: "USDC", decimals: 6 },
    { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
  ],
  indices: [{ id: "BTC-USD", sources: [{ id: "x", weight: "1" }], minSources: 1 }],
  instruments: [
    {
      symbol: "LIN-TIERS",
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      mark: { method: "index" },
      marginTiers: [
        { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
        { upToNotional: "250000", initial: "0.02", maintenance: "0.005" },
        { upToNotional: "1000000", initial: "0.05", maintenance: "0.01" },
      ],
    },
    {
      symbol: "LIN-SCALED",
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      mark: { method: "index" },
      marginScaling: { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" },
    },
    {
      symbol: "INVERSE",
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "BTC",
      inverse: true,
      contractSize: "10",
      tickSize: "0.5",
      lotSize: "1",
      mark: { method: "index" },
      marginTiers: [
        { upToNotional: "10", initial: "0.01", maintenance: "0.005" },
        { upToNotional: "100", initial: "0.02", maintenance: "0.01" },
      ],
    },
  ],
});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const config = loaded.config;
const T = 1_700_000_000_000;
const WAD = 10n ** 18n;

describe("RiskScreen", () => {
  it("is within its bound of the exact figures", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 200_000 }),
        fc.integer({ min: 0, max: 10_000_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.array(
          fc.record({
            instrument: fc.integer({ min: 0, max: 2 }),
            lots: fc.integer({ min: -200_000, max: 200_000 }).filter((x) => x !== 0),
            price: fc.integer({ min: 100, max: 200_000 }),
          }),
          { maxLength: 12 },
        ),
        fc.array(
          fc.record({
            instrument: fc.integer({ min: 0, max: 2 }),
            side: fc.integer({ min: 0, max: 1 }),
            lots: fc.integer({ min: 1, max: 100_000 }),
            price: fc.integer({ min: 100, max: 200_000 }),
          }),
          { maxLength: 6 },
        ),
        (mark, usdc, btc, fills, orders) => {
          const ledger = new Ledger(config.assets);
          const positions = new Positions();
          const prices = new MarketPrices(config);
          const margin = new AccountMargin(config, ledger, positions, prices);
          const a = ledger.deposit(-1, "a", 0, BigInt(usdc) + 1n);
          if (btc > 0) ledger.deposit(a, "a", 1, BigInt(btc));
          const invalid = prices.checkPrice(
            { type: "price", index: "BTC-USD", source: "x", price: `${mark}`, sourceTs: T },
            T,
          );
          expect(invalid).toBeNull();
          prices.applyPrice(T, 1, { nextSeq: () => 0, push: () => undefined });
          for (const f of fills) {
            const instrument = config.instruments[f.instrument];
            if (!instrument) continue;
            const slot = positions.open(a, f.instrument);
            positions.applyFill(slot, f.lots, BigInt(f.price) * WAD, unitOf(instrument), instrument.inverse);
          }
          for (const o of orders) {
            const instrument = config.instruments[o.instrument];
            if (!instrument) continue;
            const slot = positions.open(a, o.instrument);
            positions.changeOpen(
              slot,
              o.side,
              o.lots,
              BigInt(o.price) * WAD,
              unitOf(instrument),
              instrument.inverse,
              1,
            );
          }
          const exact = margin.figures(a, T);
          const screen = new RiskScreen(config, ledger, positions);
          const marks = Float64Array.from([mark, mark, mark]);
          screen.screen(
            a,
            marks,
            Float64Array.from([1, mark * 0.95]),
            Float64Array.from([1, mark]),
            Float64Array.from([0, 5e-9]),
          );
          const wad = (x: bigint) => Number(x) / 1e18;
          expect(Math.abs(screen.equity - wad(exact.equity))).toBeLessThanOrEqual(screen.bound);
          expect(Math.abs(screen.maintenance - wad(exact.maintenance))).toBeLessThanOrEqual(screen.bound);
          expect(Math.abs(screen.crossEquity - wad(exact.crossEquity))).toBeLessThanOrEqual(screen.bound);
          expect(Math.abs(screen.initial - wad(exact.crossInitial))).toBeLessThanOrEqual(screen.bound);
          expect(Math.abs(screen.initialEquity - wad(exact.initialEquity))).toBeLessThanOrEqual(screen.bound);
        },
      ),
      { numRuns: 300 },
    );
  });
});

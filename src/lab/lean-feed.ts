// The bundled replay day, 2022-12-13 (US CPI at 13:30 UTC), as a BTC-USD price feed from four venues of the Lean
// sample data in data/lean-2022-12-13/: two spot trade closes and two perpetual quote mids. The Bybit perpetual
// goes silent after 12:00 (the sample stops there), so the index runs on three sources in the afternoon.
// test/fixtures/lean-2022-12-13.commands.jsonl is this feed, checked by lean-feed.test.ts.
import { join } from "node:path";
import { bundledDataDir } from "./data-dirs.js";
import { buildPriceFeedText, type PriceFeedSpec } from "./price-feed.js";

export const LEAN_DAY_FOLDER = "lean-2022-12-13";

/** Spot trade prints reach us later than perpetual quotes (REST polling vs a book stream). */
export const LEAN_SPOT_LATENCY_MS = 500;
export const LEAN_PERP_LATENCY_MS = 250;
/** One tick a minute: the bars are 1-minute, so staleness and breakers are evaluated once per bar. */
export const LEAN_TICK_EVERY_MS = 60_000;

/** The feed spec over `dataDir` (default: the bundled data/ folder); index BTC-USD, four sources. */
export function leanFeedSpec(dataDir: string = bundledDataDir()): PriceFeedSpec {
  const dir = join(dataDir, LEAN_DAY_FOLDER);
  const file = (name: string) => join(dir, `lean_${name}_1m_2022-12-13.csv`);
  return {
    sources: [
      {
        file: file("binance_spot_BTCBUSD_trade"),
        format: "lean-trade",
        index: "BTC-USD",
        source: "binance-spot",
        priceField: "close",
        latencyMs: LEAN_SPOT_LATENCY_MS,
      },
      {
        file: file("bybit_spot_BTCUSDT_trade"),
        format: "lean-trade",
        index: "BTC-USD",
        source: "bybit-spot",
        priceField: "close",
        latencyMs: LEAN_SPOT_LATENCY_MS,
      },
      {
        file: file("binance_coinm_BTCUSD_PERP_quote"),
        format: "lean-quote",
        index: "BTC-USD",
        source: "binance-coinm-perp",
        priceField: "mid",
        latencyMs: LEAN_PERP_LATENCY_MS,
      },
      {
        file: file("bybit_linear_BTCUSDT_PERP_quote"),
        format: "lean-quote",
        index: "BTC-USD",
        source: "bybit-linear-perp",
        priceField: "mid",
        latencyMs: LEAN_PERP_LATENCY_MS,
      },
    ],
    tickEveryMs: LEAN_TICK_EVERY_MS,
  };
}

/** The whole day's commands as JSON Lines text. */
export function leanFeedText(dataDir?: string): string {
  return buildPriceFeedText(leanFeedSpec(dataDir));
}

// The USDC depeg of March 2023 as price commands, built at run time from ../shared/data/usdc-depeg-2023-03/ (that
// data has no licence to be copied into this repository, so no commands file of it is kept here). Binance.US BTC
// in USD, USDT and USDC feed index BTC-USD; BTC in USDC alone feeds index BTC-USDC, whose divergence breaker
// watches BTC-USD (test/fixtures/usdc-depeg.config.json). BTCUSDC/BTCUSD peaked at 1.143 on 2023-03-11 07:50 UTC.
import { join } from "node:path";
import { sharedDataDir } from "./data-dirs.js";
import { buildPriceFeed, type PriceFeedSourceSpec, type PriceFeedSpec } from "./price-feed.js";

export const USDC_DEPEG_FOLDER = "usdc-depeg-2023-03";

/** The default window: two days of calm, the depeg (Mar 10 to 13) and the recovery. */
export const USDC_DEPEG_FROM = Date.UTC(2023, 2, 9);
export const USDC_DEPEG_TO = Date.UTC(2023, 2, 15);

export interface UsdcDepegFeedOptions {
  /** The shared data folder (default ../shared/data beside the repository). */
  readonly dataDir?: string;
  /** Bars starting at or after this time (ms; default 2023-03-09 00:00 UTC). */
  readonly from?: number;
  /** Bars starting before this time (ms; default 2023-03-15 00:00 UTC). */
  readonly to?: number;
  /** Arrival latency of every source (ms; default 500). */
  readonly latencyMs?: number;
  /** Tick period (ms; default 60000, the breaker's sampling period); null for none. */
  readonly tickEveryMs?: number | null;
  /** Leave out zero-volume minutes, whose prices Binance.US carries flat (default false). */
  readonly skipEmptyBars?: boolean;
}

/** The feed spec for a window of the depeg. */
export function usdcDepegFeedSpec(options: UsdcDepegFeedOptions = {}): PriceFeedSpec {
  const dir = join(options.dataDir ?? sharedDataDir(), USDC_DEPEG_FOLDER);
  const source = (pair: string, index: string, id: string): PriceFeedSourceSpec => ({
    file: join(dir, `binanceus_${pair}_1m_2023-03-01_2023-03-21.csv`),
    format: "binanceus",
    index,
    source: id,
    priceField: "close",
    latencyMs: options.latencyMs ?? 500,
    ...(options.skipEmptyBars === undefined ? {} : { skipEmptyBars: options.skipEmptyBars }),
  });
  const tick = options.tickEveryMs === undefined ? 60_000 : options.tickEveryMs;
  return {
    sources: [
      source("BTCUSD", "BTC-USD", "binanceus-usd"),
      source("BTCUSDT", "BTC-USD", "binanceus-usdt"),
      source("BTCUSDC", "BTC-USD", "binanceus-usdc"),
      source("BTCUSDC", "BTC-USDC", "binanceus-usdc"),
    ],
    from: options.from ?? USDC_DEPEG_FROM,
    to: options.to ?? USDC_DEPEG_TO,
    ...(tick === null ? {} : { tickEveryMs: tick }),
  };
}

/** The window's commands as JSON Lines lines (without newlines). */
export function buildUsdcDepegFeed(options: UsdcDepegFeedOptions = {}): string[] {
  return buildPriceFeed(usdcDepegFeedSpec(options));
}

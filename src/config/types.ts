// The validated, resolved market configuration (CONTRACT.md "Market configuration"). Decimal values are exact
// `Fixed` (raw bigint at the scale they were written in); defaults are filled in; cross-references are checked.
import type { Fixed } from "../kernel/decimal.js";

/** Largest asset scale: balances are 64-bit, so 10^12 leaves room for 9.2 million whole units per balance. */
export const MAX_ASSET_DECIMALS = 12;

export interface AssetConfig {
  readonly id: string;
  /** Decimals of every balance in this asset (the ledger's fixed-point scale). */
  readonly decimals: number;
  /** Price index that values the asset in the quote asset; null for the quote asset itself. */
  readonly index: string | null;
  /** Fraction of the asset's value that counts as collateral, in [0, 1]. Default 1 for the quote asset, else 0. */
  readonly collateralWeight: Fixed;
  /** Progressive weights by value in the quote asset; empty: the flat collateralWeight. */
  readonly collateralTiers: readonly CollateralTier[];
}

export interface CollateralTier {
  /** Upper bound of the band, in the quote asset. */
  readonly upToValue: Fixed;
  readonly weight: Fixed;
}

export interface IndexSourceConfig {
  readonly id: string;
  readonly weight: Fixed;
}

/** What a tripped breaker does to the instruments it covers. */
export type BreakerAction = "reduce_only" | "halted";

/**
 * Trips when a relative divergence is more than `k` standard deviations from its rolling mean, the deviation
 * floored at `minStd`; or, whatever the statistics, when it is beyond `hardCap`. For an instrument, the mark's
 * divergence from the instrument's index.
 */
export interface DivergenceBreakerConfig {
  readonly k: Fixed;
  /** Sampling period of the divergence (ms). */
  readonly sampleMs: number;
  /** Samples in the rolling window, 10 to 100000. */
  readonly window: number;
  /** Samples needed before the statistical test applies, 2 to `window`. */
  readonly minSamples: number;
  /** In (0, 1). */
  readonly hardCap: Fixed;
  /** >= 0. */
  readonly minStd: Fixed;
}

/** `sources`: the median of the index's own raw fresh sources; `index`: another declared index. */
export type DivergenceBenchmark =
  | { readonly kind: "sources" }
  | { readonly kind: "index"; readonly index: string };

/** An index's divergence breaker: compared with its benchmark. */
export interface IndexDivergenceBreakerConfig extends DivergenceBreakerConfig {
  readonly benchmark: DivergenceBenchmark;
}

/** Trips when the index moves by more than `limit` (relative, in (0, 1)) within `windowMs`. */
export interface MoveBreakerConfig {
  readonly limit: Fixed;
  readonly windowMs: number;
}

export interface IndexBreakersConfig {
  /** null: disabled. */
  readonly divergence: IndexDivergenceBreakerConfig | null;
  /** null: disabled. */
  readonly move: MoveBreakerConfig | null;
  /** Trip while the index is degraded or unavailable. */
  readonly degraded: boolean;
  readonly action: BreakerAction;
  /** How long (ms) the condition must stay clean before the breaker clears. */
  readonly coolDownMs: number;
}

export interface InstrumentBreakersConfig {
  /** Benchmark: the instrument's index. null: disabled. */
  readonly divergence: DivergenceBreakerConfig | null;
  readonly action: BreakerAction;
  /** How long (ms) the condition must stay clean before the breaker clears. */
  readonly coolDownMs: number;
}

export interface IndexConfig {
  readonly id: string;
  readonly sources: readonly IndexSourceConfig[];
  readonly staleAfterMs: number;
  readonly outlierBand: Fixed;
  readonly outlierMode: "cap" | "exclude";
  readonly minSources: number;
  /** Decimals of the index and mark prices published for this index, 0 to 12. */
  readonly priceDecimals: number;
  /** A `price` whose sourceTs is more than this ahead of the command's ts is refused (ms, >= 0). */
  readonly maxClockSkewMs: number;
  /** Half-life of the EWMA of each source's latency (ms, > 0). */
  readonly latencyHalfLifeMs: number;
  /** Window of each source's largest latency (ms, > 0). */
  readonly latencyWindowMs: number;
  readonly breakers: IndexBreakersConfig;
}

export interface MarginTier {
  readonly upToNotional: Fixed;
  readonly initial: Fixed;
  readonly maintenance: Fixed;
  /** Binance's "cum": given, or the amount that keeps MM continuous across brackets. */
  readonly maintenanceAmount: Fixed;
}

export type MarginModelConfig =
  | { readonly kind: "tiers"; readonly tiers: readonly MarginTier[] }
  | {
      readonly kind: "scaling";
      readonly initial: Fixed;
      readonly maintenance: Fixed;
      readonly perUnit: Fixed;
    };

export interface MarkConfig {
  readonly method: "ema-basis" | "median-of-three" | "index";
  readonly basisHalfLifeMs: number;
  readonly basisSampleMs: number;
  readonly basisBand: Fixed;
}

export interface FeeConfig {
  readonly maker: Fixed;
  readonly taker: Fixed;
}

export interface FundingConfig {
  readonly intervalMs: number;
  readonly cap: Fixed;
  readonly interestRate: Fixed;
}

export type InstrumentKind = "perpetual" | "future" | "option";

export interface InstrumentConfig {
  readonly symbol: string;
  readonly kind: InstrumentKind;
  readonly index: string;
  readonly settlementAsset: string;
  readonly inverse: boolean;
  readonly contractSize: Fixed;
  readonly tickSize: Fixed;
  readonly lotSize: Fixed;
  /** Decimals of prices (from tickSize) and of quantities (from lotSize). */
  readonly priceScale: number;
  readonly qtyScale: number;
  /** Futures and options; null for perpetuals. */
  readonly expiry: number | null;
  /** Window of the index TWAP that settles a dated instrument at expiry (ms). */
  readonly settlementTwapMs: number;
  /** Options only. */
  readonly right: "call" | "put" | null;
  readonly strike: Fixed | null;
  /** Perpetuals and futures; null for options (margined by the option rules). */
  readonly margin: MarginModelConfig | null;
  /** Options: the standard margin rates of a short position; null for perpetuals and futures. */
  readonly optionMargin: OptionMarginConfig | null;
  /** Notional of an isolated position's maintenance margin in its liquidation price: mark (Binance) or entry (Bybit). */
  readonly maintenanceBasis: "mark" | "entry";
  readonly mark: MarkConfig;
  readonly fees: FeeConfig;
  /** Perpetuals only. */
  readonly funding: FundingConfig | null;
  /** Orders priced beyond ± this fraction of the mark are refused; in (0, 1). */
  readonly priceBand: Fixed;
  readonly breakers: InstrumentBreakersConfig;
}

/** Deribit's standard option margin: short IM = max(initialBase·S − OTM, initialFloor·S) + mark, MM = maintenance·S + mark. */
export interface OptionMarginConfig {
  readonly initialBase: Fixed;
  readonly initialFloor: Fixed;
  readonly maintenance: Fixed;
}

export interface LiquidationConfig {
  readonly feeRate: Fixed;
  readonly bufferRatio: Fixed;
  readonly marginCallRatio: Fixed;
  /** Liquidation steps per command at most. */
  readonly maxOrdersPerCommand: number;
  /** Longest wait, frozen, for a bad price before the last good price is used. */
  readonly maxPriceWaitMs: number;
}

export interface DecayPoint {
  readonly ageMs: number;
  readonly factor: Fixed;
}

export interface MarginConfig {
  /** Share of positive unrealised PnL counted toward initial margin; maintenance counts all of it. */
  readonly unrealizedProfitWeight: Fixed;
  /** Cap on a collateral asset's weight share while its index is degraded. */
  readonly degradedCollateralFactor: Fixed;
  /** Weight share by price age: linear between points, flat outside; non-increasing. */
  readonly collateralAgeDecay: readonly DecayPoint[];
}

export interface InsuranceFundConfig {
  readonly asset: string;
  /** Raw amount at the asset's decimals. */
  readonly initialBalance: bigint;
  /** Unwinds no worse than mark × (1 ∓ band). */
  readonly unwindBand: Fixed;
}

/** Option marks from the volatility surfaces. */
export interface VolatilityConfig {
  /** An option mark whose surface slices are older than this is `degraded`. */
  readonly staleAfterMs: number;
  /** Smiles of one index refused in a row that put its options in reduce_only, until one is accepted. */
  readonly tripAfterRefusals: number;
}

/** Portfolio margin scenarios (src/margin/portfolio-margin.ts), for accounts in `portfolio` mode. */
export interface PortfolioMarginConfig {
  /** Spot moves from −spotShock to +spotShock in spotSteps equal steps (both ends included). */
  readonly spotShock: Fixed;
  readonly spotSteps: number;
  /** Extended moves, each both ways, whose loss counts at extendedWeight. */
  readonly extendedShocks: readonly Fixed[];
  readonly extendedWeight: Fixed;
  /** Volatility moves by min(cap, base·(30 days / T)^power) of itself, up and down. */
  readonly volShockBase: Fixed;
  readonly volShockPower: Fixed;
  readonly volShockCap: Fixed;
  readonly shortOptionMinimum: Fixed;
  readonly surfaceUncertainty: Fixed;
  readonly initialFactor: Fixed;
  /** Share of every underlying's maintenance but the largest that is credited across underlyings. */
  readonly correlationOffset: Fixed;
}

export interface MarketConfig {
  readonly quoteAsset: string;
  readonly assets: readonly AssetConfig[];
  readonly indices: readonly IndexConfig[];
  readonly instruments: readonly InstrumentConfig[];
  readonly liquidation: LiquidationConfig;
  readonly margin: MarginConfig;
  readonly insuranceFund: InsuranceFundConfig;
  readonly volatility: VolatilityConfig;
  readonly portfolioMargin: PortfolioMarginConfig;
}

/** One problem in a configuration: a JSON path (`instruments[0].marginTiers[1].initial`) and what is wrong. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: MarketConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

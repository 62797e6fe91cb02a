// The raw JSON shape of a market configuration (CONTRACT.md "Market configuration"): types, keys, context-free
// bounds and defaults. Everything that needs the rest of the document (references, ordering, kind-dependent
// fields, decimal ranges) is checked by the loader's own pass in load.ts, so that it runs on every part that
// parsed rather than stopping at the first structural error.
import { z } from "zod";
import { MAX_DECIMAL_LENGTH, parseFixed } from "../kernel/decimal.js";
import { describeValue } from "../kernel/errors.js";
import { ID_PATTERN, parseId } from "../kernel/ids.js";
import { parseDuration, parseTimestamp } from "../kernel/time.js";
import { MAX_ASSET_DECIMALS } from "./types.js";

/** Size limits: a config is trusted input, but a runaway generator must fail clearly rather than slowly. */
export const LIMITS = {
  assets: { min: 1, max: 1024, noun: "assets" },
  indices: { min: 0, max: 1024, noun: "indices" },
  instruments: { min: 0, max: 4096, noun: "instruments" },
  sources: { min: 1, max: 64, noun: "sources" },
  marginTiers: { min: 1, max: 64, noun: "margin tiers" },
  collateralTiers: { min: 1, max: 16, noun: "collateral tiers" },
  collateralAgeDecay: { min: 1, max: 16, noun: "decay points" },
  extendedShocks: { min: 0, max: 8, noun: "extended shocks" },
} as const;

/** Largest scale of contractSize, tickSize and lotSize, hence of instrument prices and quantities. */
export const MAX_INSTRUMENT_DECIMALS = 12;

/** Largest number of decimals of the prices an index publishes. */
export const MAX_PRICE_DECIMALS = 12;

/** Bounds of a divergence breaker's window, in samples: enough for a deviation, few enough to keep in memory. */
export const DIVERGENCE_WINDOW = { min: 10, max: 100_000 } as const;

/** The divergence benchmark that means "the median of the index's own raw fresh sources", not another index. */
export const SOURCES_BENCHMARK = "sources";

const BREAKER = { action: "reduce_only", coolDownMs: 300_000 } as const;

/** Context-free defaults; kind- and document-dependent ones are applied by the loader (see docs/config.md). */
export const DEFAULTS = {
  index: {
    staleAfterMs: 10_000,
    outlierBand: "0.03",
    outlierMode: "cap",
    priceDecimals: 8,
    maxClockSkewMs: 2_000,
    latencyHalfLifeMs: 60_000,
    latencyWindowMs: 300_000,
  },
  indexBreakers: {
    divergence: {
      benchmark: SOURCES_BENCHMARK,
      k: "6",
      sampleMs: 1_000,
      window: 600,
      minSamples: 60,
      hardCap: "0.05",
      minStd: "0.001",
    },
    move: { limit: "0.1", windowMs: 60_000 },
    degraded: true,
    ...BREAKER,
  },
  instrumentBreakers: {
    // As an index's, without the benchmark (the instrument's index) and with a tighter hard cap.
    divergence: { k: "6", sampleMs: 1_000, window: 600, minSamples: 60, hardCap: "0.03", minStd: "0.001" },
    ...BREAKER,
  },
  priceBand: "0.05",
  mark: { method: "ema-basis", basisHalfLifeMs: 60_000, basisSampleMs: 1_000, basisBand: "0.005" },
  fees: { maker: "0", taker: "0" },
  funding: { intervalMs: 28_800_000, cap: "0.0075", interestRate: "0.0001" },
  liquidation: {
    feeRate: "0.005",
    bufferRatio: "0.02",
    marginCallRatio: "0.8",
    maxOrdersPerCommand: 16,
    maxPriceWaitMs: 900_000,
  },
  insuranceFundBalance: "0",
  insuranceFundUnwindBand: "0.01",
  maintenanceBasis: "mark",
  optionMargin: { initialBase: "0.15", initialFloor: "0.1", maintenance: "0.075" },
  settlementTwapMs: 1_800_000,
  volatility: { staleAfterMs: 600_000, tripAfterRefusals: 3 },
  portfolioMargin: {
    spotShock: "0.16",
    spotSteps: 17,
    extendedShocks: ["0.25", "0.33"],
    extendedWeight: "0.35",
    volShockBase: "0.25",
    volShockPower: "0.3",
    volShockCap: "0.75",
    shortOptionMinimum: "0.005",
    surfaceUncertainty: "0.01",
    initialFactor: "1.3",
    correlationOffset: "0",
  },
  margin: {
    unrealizedProfitWeight: "0",
    degradedCollateralFactor: "0.5",
    collateralAgeDecay: [
      { ageMs: 10_000, factor: "1" },
      { ageMs: 60_000, factor: "0" },
    ],
  },
} as const;

// Kernel parsers word their messages as `field: problem`; zod supplies the path, so only the problem is kept.
const FIELD = "value";

/** A kernel message without its leading `field: `. */
export function stripField(message: string, field: string): string {
  const prefix = `${field}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function kernelMessage(result: unknown, fallback: string): string {
  if (
    typeof result === "object" &&
    result !== null &&
    "message" in result &&
    typeof result.message === "string"
  )
    return stripField(result.message, FIELD);
  return fallback;
}

type Issue = z.core.$ZodRawIssue;

function idError(iss: Issue): string {
  return kernelMessage(parseId(iss.input, FIELD), `${describeValue(iss.input)} is not an identifier`);
}

function decimalError(iss: Issue): string {
  return kernelMessage(parseFixed(iss.input, FIELD), `${describeValue(iss.input)} is not a plain decimal`);
}

function durationError(iss: Issue): string {
  return kernelMessage(parseDuration(iss.input, FIELD), `${describeValue(iss.input)} is not a duration`);
}

function timestampError(iss: Issue): string {
  return kernelMessage(parseTimestamp(iss.input, FIELD), `${describeValue(iss.input)} is not a timestamp`);
}

function missingOr(iss: Issue, expected: string): string {
  return iss.input === undefined
    ? `missing (${expected} is required)`
    : `expected ${expected}, got ${describeValue(iss.input)}`;
}

/** An identifier: CONTRACT.md conventions. */
function id() {
  return z.string({ error: idError }).regex(ID_PATTERN, { error: idError });
}

/**
 * A decimal as a plain-notation JSON string. Only the type is a structural check: the notation is documented in
 * the JSON Schema but checked by the loader (kernel parseFixed, with its range), so that a badly written value
 * does not hide the semantic checks of the rest of its item.
 */
function decimal() {
  return z
    .string({ error: decimalError })
    .meta({ pattern: "^-?[0-9]+(\\.[0-9]+)?$", maxLength: MAX_DECIMAL_LENGTH });
}

/** Whole milliseconds, strictly positive: a zero interval or window would divide by zero or spin. */
function positiveMs() {
  return z
    .int({ error: durationError })
    .min(1, { error: (iss) => `${describeValue(iss.input)} must be greater than zero` });
}

/** Whole milliseconds, zero allowed. */
function ms() {
  return z.int({ error: durationError }).min(0, { error: durationError });
}

function timestamp() {
  return z.int({ error: timestampError }).min(0, { error: timestampError });
}

function count(min: number) {
  return z
    .int({ error: (iss) => missingOr(iss, "an integer") })
    .min(min, { error: (iss) => `${describeValue(iss.input)} must be at least ${min}` });
}

function countUpTo(min: number, max: number) {
  return count(min).max(max, { error: (iss) => `${describeValue(iss.input)} must be at most ${max}` });
}

function choice<const T extends readonly [string, ...string[]]>(values: T) {
  const listed = values.map((v) => JSON.stringify(v)).join(", ");
  return z.enum(values, {
    error: (iss) =>
      iss.input === undefined
        ? `missing (one of ${listed})`
        : `${describeValue(iss.input)} is not one of ${listed}`,
  });
}

function flag() {
  return z.boolean({ error: (iss) => missingOr(iss, "true or false") });
}

/**
 * An object that rejects unknown keys: a typo in a risk parameter must not silently become its default.
 * `expected` words the type error, e.g. "an object or null" for an object that `null` disables.
 */
export function strict<S extends z.core.$ZodLooseShape>(shape: S, expected = "an object") {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") return `unknown key (allowed: ${allowed})`;
      if (iss.code === "invalid_type") return missingOr(iss, expected);
      return undefined;
    },
  });
}

interface ListLimit {
  readonly min: number;
  readonly max: number;
  readonly noun: string;
}

/** An array bounded by `limit`; the loader also uses it with `z.unknown()` items to check each item alone. */
export function listOf<T extends z.ZodType>(item: T, limit: ListLimit) {
  const tooFew =
    limit.min === 1 ? `at least one of the ${limit.noun} is required` : `at least ${limit.min} required`;
  return z
    .array(item, { error: (iss) => missingOr(iss, "an array") })
    .min(limit.min, { error: tooFew })
    .max(limit.max, {
      error: (iss) => {
        const got = Array.isArray(iss.input) ? ` (got ${iss.input.length})` : "";
        return `too many ${limit.noun}: at most ${limit.max}${got}`;
      },
    });
}

export const CollateralTierSchema = strict({
  upToValue: decimal().describe("Upper bound of the band, in the quote asset, > 0, strictly increasing."),
  weight: decimal().describe("Weight of the value within the band, in [0, 1], non-increasing across bands."),
});

export const AssetSchema = strict({
  id: id().describe("Asset identifier, e.g. USDC or BTC."),
  decimals: count(0)
    .max(MAX_ASSET_DECIMALS, {
      error: (iss) =>
        `${describeValue(iss.input)} is more than ${MAX_ASSET_DECIMALS}: balances are 64-bit integers, and 10^${MAX_ASSET_DECIMALS} already leaves only 9.2 million whole units per balance`,
    })
    .describe("Decimals of every balance in this asset (the ledger's fixed-point scale)."),
  index: id()
    .optional()
    .describe(
      "Index that values the asset in the quote asset. Forbidden for the quote asset; required when collateralWeight > 0.",
    ),
  collateralWeight: decimal()
    .optional()
    .describe(
      "Fraction of the asset's value counted as collateral, in [0, 1]. Default 1 for the quote asset, 0 otherwise.",
    ),
  collateralTiers: listOf(CollateralTierSchema, LIMITS.collateralTiers)
    .optional()
    .describe(
      "Progressive weights by value (as Binance's tiered collateral ratio): the part of the asset's value in each band counts at that band's weight; beyond the last band, the last weight. Replaces collateralWeight.",
    ),
});

/** The statistical parameters shared by the divergence breakers of indices and of instruments. */
function divergenceShape(hardCap: string) {
  const defaults = DEFAULTS.indexBreakers.divergence;
  return {
    k: decimal()
      .default(defaults.k)
      .describe("Trip when the divergence is more than k standard deviations from its mean, > 0."),
    sampleMs: positiveMs().default(defaults.sampleMs).describe("Sampling period of the divergence (ms)."),
    window: countUpTo(DIVERGENCE_WINDOW.min, DIVERGENCE_WINDOW.max)
      .default(defaults.window)
      .describe("Samples in the rolling window of the mean and standard deviation, 10 to 100000."),
    minSamples: count(2)
      .default(defaults.minSamples)
      .describe("Samples needed before the statistical test applies, 2 to window."),
    hardCap: decimal()
      .default(hardCap)
      .describe("A relative divergence beyond this always trips, whatever the statistics, in (0, 1)."),
    minStd: decimal()
      .default(defaults.minStd)
      .describe(
        "Floor of the standard deviation (relative), >= 0, so that a quiet market does not trip on noise.",
      ),
  };
}

export const IndexDivergenceSchema = strict(
  {
    benchmark: id()
      .default(SOURCES_BENCHMARK)
      .describe(
        'What the index is compared with: "sources" (the median of its raw fresh sources) or another index id.',
      ),
    ...divergenceShape(DEFAULTS.indexBreakers.divergence.hardCap),
  },
  "an object or null",
);

export const InstrumentDivergenceSchema = strict(
  divergenceShape(DEFAULTS.instrumentBreakers.divergence.hardCap),
  "an object or null",
);

export const MoveBreakerSchema = strict(
  {
    limit: decimal()
      .default(DEFAULTS.indexBreakers.move.limit)
      .describe("Largest relative move of the index within windowMs, in (0, 1)."),
    windowMs: positiveMs()
      .default(DEFAULTS.indexBreakers.move.windowMs)
      .describe("Window (ms) over which the move is measured."),
  },
  "an object or null",
);

function breakerAction() {
  return choice(["reduce_only", "halted"])
    .default(BREAKER.action)
    .describe("What a tripped breaker does: reduce_only (only orders that reduce positions) or halted.");
}

function coolDownMs() {
  return ms()
    .default(BREAKER.coolDownMs)
    .describe("How long (ms) the condition must stay clean before a tripped breaker clears.");
}

export const IndexBreakersSchema = strict({
  divergence: IndexDivergenceSchema.nullable()
    .default(DEFAULTS.indexBreakers.divergence)
    .describe("Trips when the index diverges from its benchmark; null disables it."),
  move: MoveBreakerSchema.nullable()
    .default(DEFAULTS.indexBreakers.move)
    .describe("Trips when the index moves more than limit within windowMs; null disables it."),
  degraded: flag()
    .default(DEFAULTS.indexBreakers.degraded)
    .describe("Trip while the index is degraded or unavailable."),
  action: breakerAction(),
  coolDownMs: coolDownMs(),
});

export const InstrumentBreakersSchema = strict({
  divergence: InstrumentDivergenceSchema.nullable()
    .default(DEFAULTS.instrumentBreakers.divergence)
    .describe("Trips when the mark diverges from the instrument's index; null disables it."),
  action: breakerAction(),
  coolDownMs: coolDownMs(),
});

export const IndexSourceSchema = strict({
  id: id().describe("Source (venue) identifier, unique within the index."),
  weight: decimal().describe("Weight of the source in the index, > 0."),
});

export const IndexSchema = strict({
  id: id().describe("Index identifier, e.g. BTC-USD."),
  sources: listOf(IndexSourceSchema, LIMITS.sources).describe("Price sources, 1 to 64."),
  staleAfterMs: positiveMs()
    .default(DEFAULTS.index.staleAfterMs)
    .describe("A source's price older than this (ms) is stale and left out."),
  outlierBand: decimal()
    .default(DEFAULTS.index.outlierBand)
    .describe("Relative band around the median beyond which a source is an outlier, in (0, 1)."),
  outlierMode: choice(["cap", "exclude"])
    .default(DEFAULTS.index.outlierMode)
    .describe("cap: an outlier counts at the band's edge; exclude: it is left out."),
  minSources: count(1)
    .optional()
    .describe(
      "Usable sources needed for a price, 1 to the number of sources. Default: a majority, floor(n/2)+1.",
    ),
  priceDecimals: countUpTo(0, MAX_PRICE_DECIMALS)
    .default(DEFAULTS.index.priceDecimals)
    .describe("Decimals of the index and mark prices published for this index, 0 to 12."),
  maxClockSkewMs: ms()
    .default(DEFAULTS.index.maxClockSkewMs)
    .describe("A price whose sourceTs is more than this (ms) ahead of the command's ts is refused."),
  latencyHalfLifeMs: positiveMs()
    .default(DEFAULTS.index.latencyHalfLifeMs)
    .describe("Half-life (ms) of the exponential moving average of each source's latency."),
  latencyWindowMs: positiveMs()
    .default(DEFAULTS.index.latencyWindowMs)
    .describe("Window (ms) over which each source's largest latency is kept."),
  breakers: IndexBreakersSchema.default(DEFAULTS.indexBreakers).describe("Circuit breakers of the index."),
});

export const MarginTierSchema = strict({
  upToNotional: decimal().describe(
    "Upper notional bound of this tier, > 0, strictly increasing across tiers.",
  ),
  initial: decimal().describe("Initial margin rate, in (maintenance, 1]."),
  maintenance: decimal().describe("Maintenance margin rate, in (0, initial), non-decreasing across tiers."),
  maintenanceAmount: decimal()
    .optional()
    .describe(
      "Binance's cum, >= 0. Default: the amount that keeps maintenance margin continuous across tiers.",
    ),
});

export const MarginScalingSchema = strict({
  initial: decimal().describe("Initial margin rate at zero size, in (maintenance, 1]."),
  maintenance: decimal().describe("Maintenance margin rate at zero size, in (0, initial)."),
  perUnit: decimal().describe(
    "Added to both rates per unit of base size, >= 0 (as Deribit's linear perpetuals).",
  ),
});

export const OptionMarginSchema = strict({
  initialBase: decimal()
    .default(DEFAULTS.optionMargin.initialBase)
    .describe("Short IM share of the underlying before the out-of-the-money discount, in (initialFloor, 1)."),
  initialFloor: decimal()
    .default(DEFAULTS.optionMargin.initialFloor)
    .describe("Least short IM share of the underlying, in [maintenance, initialBase]."),
  maintenance: decimal()
    .default(DEFAULTS.optionMargin.maintenance)
    .describe("Short MM share of the underlying, in (0, initialFloor]."),
});

export const MarkSchema = strict({
  method: choice(["ema-basis", "median-of-three", "index"])
    .default(DEFAULTS.mark.method)
    .describe("How the mark price is derived; index makes the mark equal the index."),
  basisHalfLifeMs: positiveMs()
    .default(DEFAULTS.mark.basisHalfLifeMs)
    .describe("Half-life of the basis EMA (ms)."),
  basisSampleMs: positiveMs().default(DEFAULTS.mark.basisSampleMs).describe("Basis sampling period (ms)."),
  basisBand: decimal()
    .default(DEFAULTS.mark.basisBand)
    .describe("Largest basis relative to the index, in (0, 1)."),
});

export const FeesSchema = strict({
  maker: decimal()
    .default(DEFAULTS.fees.maker)
    .describe("Maker fee rate of notional, in (-1, 1); negative is a rebate, and maker + taker >= 0."),
  taker: decimal().default(DEFAULTS.fees.taker).describe("Taker fee rate of notional, in [0, 1)."),
});

export const FundingSchema = strict({
  intervalMs: positiveMs().default(DEFAULTS.funding.intervalMs).describe("Funding interval (ms)."),
  cap: decimal()
    .default(DEFAULTS.funding.cap)
    .describe("Largest absolute funding rate per interval, in (0, 1)."),
  interestRate: decimal()
    .default(DEFAULTS.funding.interestRate)
    .describe("Interest rate component per interval, in (-1, 1)."),
});

export const InstrumentSchema = strict({
  symbol: id().describe("Instrument symbol, unique."),
  kind: choice(["perpetual", "future", "option"]).describe("perpetual, future (with expiry) or option."),
  index: id().describe("Index the instrument is priced against."),
  settlementAsset: id().describe(
    "Asset of PnL and margin: the quote asset if linear, the base asset if inverse.",
  ),
  inverse: flag()
    .default(false)
    .describe("Inverse (coin-margined): contractSize is in quote units and it settles in the base asset."),
  contractSize: decimal().describe("Contract multiplier, > 0, at most 12 decimals."),
  tickSize: decimal().describe(
    "Price increment, > 0, at most 12 decimals; its decimals are the price scale.",
  ),
  lotSize: decimal().describe(
    "Quantity increment, > 0, at most 12 decimals; its decimals are the quantity scale.",
  ),
  expiry: timestamp()
    .optional()
    .describe("Expiry (ms since the epoch). Required for futures and options only."),
  settlementTwapMs: positiveMs()
    .default(DEFAULTS.settlementTwapMs)
    .describe(
      "Futures and options: settled at the index's time-weighted average over this window before expiry (ms).",
    ),
  right: choice(["call", "put"]).optional().describe("Options only, required."),
  strike: decimal().optional().describe("Options only, required, > 0."),
  marginTiers: listOf(MarginTierSchema, LIMITS.marginTiers)
    .optional()
    .describe("Notional brackets. Perpetuals and futures need exactly one of marginTiers and marginScaling."),
  marginScaling: MarginScalingSchema.optional().describe("Size-scaled rates, instead of marginTiers."),
  optionMargin: OptionMarginSchema.optional().describe(
    "Options only: standard margin of a short position, IM = max(initialBase·S − OTM, initialFloor·S) + mark, MM = maintenance·S + mark (Deribit). Default 0.15 / 0.1 / 0.075.",
  ),
  maintenanceBasis: choice(["mark", "entry"])
    .default(DEFAULTS.maintenanceBasis)
    .describe(
      "Notional that an isolated position's maintenance margin is taken on in its liquidation price: the mark (Binance) or the entry value (Bybit).",
    ),
  mark: MarkSchema.default(DEFAULTS.mark).describe("Mark price parameters."),
  fees: FeesSchema.default(DEFAULTS.fees).describe("Trading fees."),
  funding: FundingSchema.optional().describe("Perpetuals only; each field defaults as shown."),
  priceBand: decimal()
    .default(DEFAULTS.priceBand)
    .describe("Orders priced beyond this relative band around the mark are refused, in (0, 1)."),
  breakers: InstrumentBreakersSchema.default(DEFAULTS.instrumentBreakers).describe(
    "Circuit breakers of the instrument.",
  ),
});

export const LiquidationSchema = strict({
  feeRate: decimal()
    .default(DEFAULTS.liquidation.feeRate)
    .describe("Liquidation fee rate of notional, in [0, 1)."),
  bufferRatio: decimal()
    .default(DEFAULTS.liquidation.bufferRatio)
    .describe("Extra margin a liquidation restores above maintenance, >= 0."),
  marginCallRatio: decimal()
    .default(DEFAULTS.liquidation.marginCallRatio)
    .describe("Margin call when equity falls below maintenance / this ratio, in (0, 1]."),
  maxOrdersPerCommand: countUpTo(1, 1024)
    .default(DEFAULTS.liquidation.maxOrdersPerCommand)
    .describe(
      "Liquidation steps (orders, takeovers, deleveragings) per command at most; the rest continue at the next command, riskiest first.",
    ),
  maxPriceWaitMs: ms()
    .default(DEFAULTS.liquidation.maxPriceWaitMs)
    .describe(
      "Longest an account that should be liquidated waits, frozen to reduce-only, for a bad price to recover; after it the last good price is used (with a margin.override event).",
    ),
});

export const DecayPointSchema = strict({
  ageMs: ms().describe("Age of the price (ms)."),
  factor: decimal().describe("Share of the collateral weight that counts at this age, in [0, 1]."),
});

export const MarginSchema = strict({
  unrealizedProfitWeight: decimal()
    .default(DEFAULTS.margin.unrealizedProfitWeight)
    .describe(
      "Share of positive unrealised PnL that counts toward initial margin (orders, withdrawals), in [0, 1]. Maintenance always counts all of it; losses always count in full.",
    ),
  degradedCollateralFactor: decimal()
    .default(DEFAULTS.margin.degradedCollateralFactor)
    .describe(
      "Most a collateral asset counts (as a share of its weight) while its index is degraded, in [0, 1).",
    ),
  collateralAgeDecay: listOf(DecayPointSchema, LIMITS.collateralAgeDecay)
    .default(DEFAULTS.margin.collateralAgeDecay.map((p) => ({ ...p })))
    .describe(
      "Share of a collateral asset's weight by the age of its price: linear between points, flat outside, non-increasing; an unavailable price counts 0.",
    ),
});

export const InsuranceFundSchema = strict({
  asset: id().optional().describe("Asset of the fund. Default: the quote asset."),
  initialBalance: decimal()
    .default(DEFAULTS.insuranceFundBalance)
    .describe("Opening balance, >= 0, at most the asset's decimals."),
  unwindBand: decimal()
    .default(DEFAULTS.insuranceFundUnwindBand)
    .describe(
      "The fund unwinds positions it took over through the book, no worse than the mark less (sells) or plus (buys) this fraction, in [0, 1).",
    ),
});

export const VolatilitySchema = strict({
  staleAfterMs: ms()
    .default(DEFAULTS.volatility.staleAfterMs)
    .describe("An option mark whose surface slices were fitted longer ago than this is degraded (ms)."),
  tripAfterRefusals: countUpTo(1, 1000)
    .default(DEFAULTS.volatility.tripAfterRefusals)
    .describe(
      "Smiles of one index refused in a row (fit failed, butterfly or calendar arbitrage) that put its options in reduce_only, until a smile is accepted.",
    ),
});

const PM = DEFAULTS.portfolioMargin;
export const PortfolioMarginSchema = strict({
  spotShock: decimal().default(PM.spotShock).describe("Largest regular spot move, both ways, in (0, 1)."),
  spotSteps: countUpTo(9, 201)
    .default(PM.spotSteps)
    .describe("Spot moves from -spotShock to +spotShock, both included, evenly spaced: at least 9."),
  extendedShocks: listOf(decimal(), LIMITS.extendedShocks)
    .default([...PM.extendedShocks])
    .describe("Extended spot moves, each both ways, in (0, 1), each beyond spotShock."),
  extendedWeight: decimal()
    .default(PM.extendedWeight)
    .describe("Share of an extended move's loss that counts (SPAN's extreme scenarios: 0.35), in [0, 1]."),
  volShockBase: decimal()
    .default(PM.volShockBase)
    .describe("Volatility shock at 30 days, relative to the volatility, > 0."),
  volShockPower: decimal()
    .default(PM.volShockPower)
    .describe("The shock scales by (30 days / T)^power, >= 0: short expiries move more."),
  volShockCap: decimal().default(PM.volShockCap).describe("Largest volatility shock, in (0, 1)."),
  shortOptionMinimum: decimal()
    .default(PM.shortOptionMinimum)
    .describe("Contingency per unit of short option, as a share of the underlying, >= 0."),
  surfaceUncertainty: decimal()
    .default(PM.surfaceUncertainty)
    .describe("Contingency for the surface's uncertainty: |net vega| times this move of volatility, >= 0."),
  initialFactor: decimal().default(PM.initialFactor).describe("IM = initialFactor x MM, >= 1."),
  correlationOffset: decimal()
    .default(PM.correlationOffset)
    .describe(
      "Across underlyings the requirements add, less this share of all but the largest one, in [0, 1). Default 0: no offset.",
    ),
});

const configShape = {
  quoteAsset: id().describe("The unit of account: margin, PnL and notional are in this asset."),
  assets: listOf(AssetSchema, LIMITS.assets).describe("Assets, 1 to 1024, including the quote asset."),
  indices: listOf(IndexSchema, LIMITS.indices).describe("Price indices, up to 1024."),
  instruments: listOf(InstrumentSchema, LIMITS.instruments).describe("Instruments, up to 4096."),
  liquidation: LiquidationSchema.default(DEFAULTS.liquidation).describe("Liquidation parameters."),
  margin: MarginSchema.default({
    ...DEFAULTS.margin,
    collateralAgeDecay: DEFAULTS.margin.collateralAgeDecay.map((p) => ({ ...p })),
  }).describe("Collateral and unrealised PnL rules."),
  insuranceFund: InsuranceFundSchema.optional().describe(
    "Insurance fund. Default: the quote asset, balance 0.",
  ),
  volatility: VolatilitySchema.default(DEFAULTS.volatility).describe(
    "Option marks from the volatility surfaces.",
  ),
  portfolioMargin: PortfolioMarginSchema.default({
    ...PM,
    extendedShocks: [...PM.extendedShocks],
  }).describe("Scenarios of portfolio margin, for accounts in portfolio mode."),
};

export const ConfigSchema = strict(configShape).meta({
  title: "Plimsoll market configuration",
  description: "See docs/config.md. Decimals are JSON strings in plain notation; durations are integer ms.",
});

/** Only the root's keys, so an unknown root key is reported without hiding the checks of the known ones. */
export const ConfigKeysSchema = strict(
  Object.fromEntries(Object.keys(configShape).map((key) => [key, z.unknown().optional()])),
);

export type RawAsset = z.output<typeof AssetSchema>;
export type RawIndex = z.output<typeof IndexSchema>;
export type RawIndexBreakers = z.output<typeof IndexBreakersSchema>;
export type RawIndexDivergence = z.output<typeof IndexDivergenceSchema>;
export type RawDivergence = z.output<typeof InstrumentDivergenceSchema>;
export type RawMoveBreaker = z.output<typeof MoveBreakerSchema>;
export type RawInstrumentBreakers = z.output<typeof InstrumentBreakersSchema>;
export type RawMarginTier = z.output<typeof MarginTierSchema>;
export type RawMarginScaling = z.output<typeof MarginScalingSchema>;
export type RawMark = z.output<typeof MarkSchema>;
export type RawFees = z.output<typeof FeesSchema>;
export type RawFunding = z.output<typeof FundingSchema>;
export type RawInstrument = z.output<typeof InstrumentSchema>;
export type RawLiquidation = z.output<typeof LiquidationSchema>;
export type RawCollateralTier = z.output<typeof CollateralTierSchema>;
export type RawMargin = z.output<typeof MarginSchema>;
export type RawInsuranceFund = z.output<typeof InsuranceFundSchema>;
export type RawConfig = z.output<typeof ConfigSchema>;
export type RawVolatility = z.output<typeof VolatilitySchema>;
export type RawPortfolioMargin = z.output<typeof PortfolioMarginSchema>;

// Loads a market configuration (CONTRACT.md "Market configuration") from parsed JSON: every problem is collected
// with its JSON path, structural ones from the zod schema and semantic ones from the pass below, which runs on
// every part that parsed so that one mistake does not hide the others. Pure: no I/O, no clock.
import { z } from "zod";
import {
  compareFixed,
  decimalPlaces,
  type Fixed,
  formatFixed,
  MAX_SCALE,
  parseDecimal,
  parseFixed,
  rescale,
} from "../kernel/decimal.js";
import { assert, describeValue, isDomainError } from "../kernel/errors.js";
import {
  AssetSchema,
  ConfigKeysSchema,
  ConfigSchema,
  DEFAULTS,
  IndexSchema,
  InstrumentSchema,
  LIMITS,
  listOf,
  MAX_INSTRUMENT_DECIMALS,
  type RawAsset,
  type RawDivergence,
  type RawFees,
  type RawFunding,
  type RawIndex,
  type RawIndexBreakers,
  type RawIndexDivergence,
  type RawInstrument,
  type RawInstrumentBreakers,
  type RawInsuranceFund,
  type RawLiquidation,
  type RawMargin,
  type RawMarginScaling,
  type RawMarginTier,
  type RawMark,
  type RawMoveBreaker,
  type RawPortfolioMargin,
  SOURCES_BENCHMARK,
  stripField,
} from "./schema.js";
import {
  type AssetConfig,
  type CollateralTier,
  type ConfigIssue,
  type ConfigResult,
  type DecayPoint,
  type DivergenceBenchmark,
  type DivergenceBreakerConfig,
  type FeeConfig,
  type FundingConfig,
  type IndexBreakersConfig,
  type IndexConfig,
  type IndexDivergenceBreakerConfig,
  type InstrumentBreakersConfig,
  type InstrumentConfig,
  type InsuranceFundConfig,
  type LiquidationConfig,
  MAX_ASSET_DECIMALS,
  type MarginConfig,
  type MarginModelConfig,
  type MarginTier,
  type MarkConfig,
  type MarketConfig,
  type MoveBreakerConfig,
  type OptionMarginConfig,
  type PortfolioMarginConfig,
} from "./types.js";

// ---------------------------------------------------------------------------------------------------------------
// Paths and issues

type Segment = string | number;
type Path = readonly Segment[];

interface PathIssue {
  readonly path: Path;
  readonly message: string;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `instruments[0].marginTiers[1].initial`; `(root)` for the whole document. */
function formatPath(path: Path): string {
  if (path.length === 0) return "(root)";
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

class IssueList {
  readonly items: PathIssue[] = [];

  add(path: Path, message: string): void {
    this.items.push({ path, message });
  }

  /** Zod issues under `base`; an unknown-keys issue becomes one issue per key, at the key's own path. */
  addZod(base: Path, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) {
      const path = [...base, ...issue.path.map((s) => (typeof s === "symbol" ? String(s) : s))];
      if (issue.code === "unrecognized_keys")
        for (const key of issue.keys) this.add([...path, key], issue.message);
      else this.add(path, issue.message);
    }
  }

  get count(): number {
    return this.items.length;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where a path segment sits in the input: array index, or the key's position in its object (absent keys last). */
function segmentOrder(node: unknown, segment: Segment): number {
  if (typeof segment === "number") return segment;
  const position = isRecord(node) ? Object.keys(node).indexOf(segment) : -1;
  return position < 0 ? Number.MAX_SAFE_INTEGER : position;
}

/** Document order: issues read top to bottom like the file; a parent before its children. */
function comparePaths(root: unknown, a: Path, b: Path): number {
  let node = root;
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a[i] as Segment;
    const y = b[i] as Segment;
    if (x !== y) {
      const order = segmentOrder(node, x) - segmentOrder(node, y);
      if (order !== 0) return order;
      return String(x) < String(y) ? -1 : 1;
    }
    node = isRecord(node) || Array.isArray(node) ? (node as Record<Segment, unknown>)[x] : undefined;
  }
  return a.length - b.length;
}

function sortedIssues(root: unknown, issues: IssueList): ConfigIssue[] {
  // Array.prototype.sort is stable: issues on the same path keep the order they were found in.
  return [...issues.items]
    .sort((a, b) => comparePaths(root, a.path, b.path))
    .map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

// ---------------------------------------------------------------------------------------------------------------
// Exact decimals and their ranges

const ZERO: Fixed = { raw: 0n, scale: 0 };
const ONE: Fixed = { raw: 1n, scale: 0 };
const MINUS_ONE: Fixed = { raw: -1n, scale: 0 };

interface Bound {
  readonly at: Fixed;
  readonly inclusive: boolean;
}

interface Range {
  readonly low?: Bound;
  readonly high?: Bound;
}

const excluding = (at: Fixed): Bound => ({ at, inclusive: false });
const including = (at: Fixed): Bound => ({ at, inclusive: true });

const POSITIVE: Range = { low: excluding(ZERO) };
const NON_NEGATIVE: Range = { low: including(ZERO) };
const OPEN_UNIT: Range = { low: excluding(ZERO), high: excluding(ONE) }; // (0, 1)
const UNIT: Range = { low: including(ZERO), high: including(ONE) }; // [0, 1]
const RATE: Range = { low: excluding(ZERO), high: including(ONE) }; // (0, 1]
const FEE_RATE: Range = { low: including(ZERO), high: excluding(ONE) }; // [0, 1)
const SIGNED_UNIT: Range = { low: excluding(MINUS_ONE), high: excluding(ONE) }; // (-1, 1)

function inRange(value: Fixed, range: Range): boolean {
  const { low, high } = range;
  if (low !== undefined) {
    const c = compareFixed(value, low.at);
    if (c < 0 || (c === 0 && !low.inclusive)) return false;
  }
  if (high !== undefined) {
    const c = compareFixed(value, high.at);
    if (c > 0 || (c === 0 && !high.inclusive)) return false;
  }
  return true;
}

function describeRange({ low, high }: Range): string {
  const lo = low === undefined ? "" : formatFixed(low.at);
  const hi = high === undefined ? "" : formatFixed(high.at);
  if (low !== undefined && high !== undefined)
    return `in ${low.inclusive ? "[" : "("}${lo}, ${hi}${high.inclusive ? "]" : ")"}`;
  if (low !== undefined) return `${low.inclusive ? ">=" : ">"} ${lo}`;
  if (high !== undefined) return `${high.inclusive ? "<=" : "<"} ${hi}`;
  return "any value";
}

function add(a: Fixed, b: Fixed): Fixed {
  const scale = Math.max(a.scale, b.scale);
  return { raw: rescale(a.raw, a.scale, scale, "down") + rescale(b.raw, b.scale, scale, "down"), scale };
}

function subtract(a: Fixed, b: Fixed): Fixed {
  return add(a, { raw: -b.raw, scale: b.scale });
}

/** The exact product, written at the larger of the two scales unless that would drop a non-zero digit. */
function multiply(a: Fixed, b: Fixed): Fixed {
  let raw = a.raw * b.raw;
  let scale = a.scale + b.scale;
  const floor = Math.max(a.scale, b.scale);
  while (scale > floor && raw % 10n === 0n) {
    raw /= 10n;
    scale--;
  }
  return { raw, scale };
}

// ---------------------------------------------------------------------------------------------------------------
// The semantic pass

/**
 * What the pass knows of the whole document. Ids come from the raw items, so an item with a structural error
 * still counts as declared and does not cascade into "unknown" errors; undefined when the list itself is unusable.
 */
interface Context {
  readonly issues: IssueList;
  readonly quoteAsset: string | undefined;
  /** First declaration of each asset id, raw. */
  readonly assets: ReadonlyMap<string, Record<string, unknown>> | undefined;
  readonly indices: ReadonlySet<string> | undefined;
}

function parsePart<S extends z.ZodType>(
  issues: IssueList,
  schema: S,
  value: unknown,
  path: Path,
): z.output<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  issues.addZod(path, result.error.issues);
  return undefined;
}

function present<T>(items: readonly (T | undefined)[]): items is readonly T[] {
  return items.every((item) => item !== undefined);
}

/** Parses a decimal written in the config and checks its range; undefined only if it cannot be parsed at all. */
function decimal(
  ctx: Context,
  path: Path,
  text: string,
  range: Range,
  maxScale = MAX_SCALE,
): Fixed | undefined {
  const where = formatPath(path);
  const parsed = parseFixed(text, where, "any", maxScale);
  if (isDomainError(parsed)) {
    ctx.issues.add(path, stripField(parsed.message, where));
    return undefined;
  }
  if (!inRange(parsed, range)) ctx.issues.add(path, `${describeValue(text)} must be ${describeRange(range)}`);
  return parsed;
}

function checkReference(
  ctx: Context,
  path: Path,
  id: string,
  known: ReadonlySet<string> | ReadonlyMap<string, unknown> | undefined,
  list: "assets" | "indices",
): void {
  if (known !== undefined && !known.has(id))
    ctx.issues.add(
      path,
      `unknown ${list === "assets" ? "asset" : "index"} ${describeValue(id)} (not declared in ${list})`,
    );
}

/** Id → position of its first declaration; later duplicates are reported at their own `key`. */
function firstDeclarations(
  issues: IssueList,
  items: readonly unknown[],
  base: Path,
  key: string,
  what: string,
) {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const id = isRecord(item) ? item[key] : undefined;
    if (typeof id !== "string") return;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, i);
    else
      issues.add(
        [...base, i, key],
        `duplicate ${what} ${describeValue(id)} (first at ${formatPath([...base, earlier])})`,
      );
  });
  return first;
}

/** Parses each item on its own, so a structural error in one item leaves the others fully checked. */
function resolveItems<S extends z.ZodType, T>(
  issues: IssueList,
  items: readonly unknown[] | undefined,
  base: Path,
  schema: S,
  resolve: (raw: z.output<S>, path: Path) => T | undefined,
): T[] | undefined {
  if (items === undefined) return undefined;
  const resolved = items.map((item, i) => {
    const raw = parsePart(issues, schema, item, [...base, i]);
    return raw === undefined ? undefined : resolve(raw, [...base, i]);
  });
  return present(resolved) ? [...resolved] : undefined;
}

// --- assets

function resolveAsset(ctx: Context, raw: RawAsset, path: Path): AssetConfig | undefined {
  const isQuote = raw.id === ctx.quoteAsset;
  const weightText = raw.collateralWeight ?? (isQuote ? "1" : "0");
  const collateralWeight = decimal(ctx, [...path, "collateralWeight"], weightText, UNIT);
  checkAssetIndex(ctx, raw, [...path, "index"], isQuote, collateralWeight);
  const collateralTiers = resolveCollateralTiers(ctx, raw, [...path, "collateralTiers"]);
  if (collateralWeight === undefined || collateralTiers === undefined) return undefined;
  return { id: raw.id, decimals: raw.decimals, index: raw.index ?? null, collateralWeight, collateralTiers };
}

/** Bands go up in value and their weights never rise: more of an asset never counts for more per unit. */
function resolveCollateralTiers(ctx: Context, raw: RawAsset, path: Path): CollateralTier[] | undefined {
  if (raw.collateralTiers === undefined) return [];
  if (raw.collateralWeight !== undefined)
    ctx.issues.add(path, "not allowed together with collateralWeight: give one or the other");
  const tiers = raw.collateralTiers.map((tier, i) => {
    const upToValue = decimal(ctx, [...path, i, "upToValue"], tier.upToValue, POSITIVE);
    const weight = decimal(ctx, [...path, i, "weight"], tier.weight, UNIT);
    return upToValue && weight ? { upToValue, weight } : undefined;
  });
  if (!present(tiers)) return undefined;
  for (let i = 1; i < tiers.length; i++) {
    const previous = tiers[i - 1] as CollateralTier;
    const tier = tiers[i] as CollateralTier;
    if (compareFixed(tier.upToValue, previous.upToValue) <= 0)
      ctx.issues.add(
        [...path, i, "upToValue"],
        `${describeValue(formatFixed(tier.upToValue))} must be greater than the previous band's ${describeValue(formatFixed(previous.upToValue))}`,
      );
    if (compareFixed(tier.weight, previous.weight) > 0)
      ctx.issues.add(
        [...path, i, "weight"],
        `${describeValue(formatFixed(tier.weight))} is more than the previous band's ${describeValue(formatFixed(previous.weight))} (weights must not rise with value)`,
      );
  }
  return [...tiers];
}

function checkAssetIndex(
  ctx: Context,
  raw: RawAsset,
  path: Path,
  isQuote: boolean,
  weight: Fixed | undefined,
): void {
  if (raw.index !== undefined) {
    if (isQuote)
      ctx.issues.add(
        path,
        `the quote asset ${describeValue(raw.id)} is the unit of account and must not have an index`,
      );
    else checkReference(ctx, path, raw.index, ctx.indices, "indices");
  } else if (!isQuote && weight !== undefined && compareFixed(weight, ZERO) > 0) {
    const quote = ctx.quoteAsset === undefined ? "the quote asset" : describeValue(ctx.quoteAsset);
    ctx.issues.add(
      path,
      `missing: ${describeValue(raw.id)} counts as collateral (collateralWeight ${describeValue(formatFixed(weight))}), so it needs an index to be valued in ${quote}`,
    );
  }
}

// --- indices

function resolveIndex(ctx: Context, raw: RawIndex, path: Path): IndexConfig | undefined {
  const sourcesPath = [...path, "sources"];
  firstDeclarations(ctx.issues, raw.sources, sourcesPath, "id", "source id");
  const sources = raw.sources.map((source, i) => {
    const weight = decimal(ctx, [...sourcesPath, i, "weight"], source.weight, POSITIVE);
    return weight === undefined ? undefined : { id: source.id, weight };
  });
  const n = raw.sources.length;
  if (raw.minSources !== undefined && raw.minSources > n)
    ctx.issues.add(
      [...path, "minSources"],
      `${raw.minSources} is more than the ${n} source${n === 1 ? "" : "s"} of the index`,
    );
  const outlierBand = decimal(ctx, [...path, "outlierBand"], raw.outlierBand, OPEN_UNIT);
  const breakers = resolveIndexBreakers(ctx, raw.breakers, [...path, "breakers"], raw.id);
  if (outlierBand === undefined || !present(sources) || breakers === undefined) return undefined;
  return {
    id: raw.id,
    sources,
    staleAfterMs: raw.staleAfterMs,
    outlierBand,
    outlierMode: raw.outlierMode,
    // A majority by default: no single venue can move a multi-source index on its own.
    minSources: raw.minSources ?? Math.floor(n / 2) + 1,
    priceDecimals: raw.priceDecimals,
    maxClockSkewMs: raw.maxClockSkewMs,
    latencyHalfLifeMs: raw.latencyHalfLifeMs,
    latencyWindowMs: raw.latencyWindowMs,
    breakers,
  };
}

// --- breakers

function resolveIndexBreakers(
  ctx: Context,
  raw: RawIndexBreakers,
  path: Path,
  indexId: string,
): IndexBreakersConfig | undefined {
  // null (disabled) passes through; undefined means a reported problem.
  const divergence =
    raw.divergence && resolveIndexDivergence(ctx, raw.divergence, [...path, "divergence"], indexId);
  const move = raw.move && resolveMove(ctx, raw.move, [...path, "move"]);
  if (divergence === undefined || move === undefined) return undefined;
  return { divergence, move, degraded: raw.degraded, action: raw.action, coolDownMs: raw.coolDownMs };
}

function resolveInstrumentBreakers(
  ctx: Context,
  raw: RawInstrumentBreakers,
  path: Path,
): InstrumentBreakersConfig | undefined {
  const divergence = raw.divergence && resolveDivergence(ctx, raw.divergence, [...path, "divergence"]);
  if (divergence === undefined) return undefined;
  return { divergence, action: raw.action, coolDownMs: raw.coolDownMs };
}

function resolveIndexDivergence(
  ctx: Context,
  raw: RawIndexDivergence,
  path: Path,
  indexId: string,
): IndexDivergenceBreakerConfig | undefined {
  const benchmark = resolveBenchmark(ctx, raw.benchmark, [...path, "benchmark"], indexId);
  const statistics = resolveDivergence(ctx, raw, path);
  if (statistics === undefined) return undefined;
  return { benchmark, ...statistics };
}

/** "sources" is the index's own raw sources; any other value names another declared index. */
function resolveBenchmark(ctx: Context, benchmark: string, path: Path, indexId: string): DivergenceBenchmark {
  if (benchmark === SOURCES_BENCHMARK) return { kind: "sources" };
  if (benchmark === indexId)
    ctx.issues.add(
      path,
      `${describeValue(benchmark)} is this index itself: the benchmark must be another index, or "${SOURCES_BENCHMARK}" for the median of its own sources`,
    );
  else checkReference(ctx, path, benchmark, ctx.indices, "indices");
  return { kind: "index", index: benchmark };
}

function resolveDivergence(
  ctx: Context,
  raw: RawDivergence,
  path: Path,
): DivergenceBreakerConfig | undefined {
  const k = decimal(ctx, [...path, "k"], raw.k, POSITIVE);
  const hardCap = decimal(ctx, [...path, "hardCap"], raw.hardCap, OPEN_UNIT);
  const minStd = decimal(ctx, [...path, "minStd"], raw.minStd, NON_NEGATIVE);
  if (raw.minSamples > raw.window)
    ctx.issues.add(
      [...path, "minSamples"],
      `${raw.minSamples} is more than the window of ${raw.window} samples`,
    );
  if (k === undefined || hardCap === undefined || minStd === undefined) return undefined;
  const { sampleMs, window, minSamples } = raw;
  return { k, sampleMs, window, minSamples, hardCap, minStd };
}

function resolveMove(ctx: Context, raw: RawMoveBreaker, path: Path): MoveBreakerConfig | undefined {
  const limit = decimal(ctx, [...path, "limit"], raw.limit, OPEN_UNIT);
  if (limit === undefined) return undefined;
  return { limit, windowMs: raw.windowMs };
}

// --- instruments

function resolveInstrument(ctx: Context, raw: RawInstrument, path: Path): InstrumentConfig | undefined {
  const at = (key: string): Path => [...path, key];
  checkReference(ctx, at("index"), raw.index, ctx.indices, "indices");
  checkSettlement(ctx, raw, at("settlementAsset"));
  const contractSize = size(ctx, at("contractSize"), raw.contractSize);
  const tickSize = size(ctx, at("tickSize"), raw.tickSize);
  const lotSize = size(ctx, at("lotSize"), raw.lotSize);
  const terms = resolveTerms(ctx, raw, path);
  const margin = resolveMargin(ctx, raw, path);
  const optionMargin = resolveOptionMargin(ctx, raw, at("optionMargin"));
  const mark = resolveMark(ctx, raw.mark, at("mark"));
  const fees = resolveFees(ctx, raw.fees, at("fees"));
  const funding = resolveFunding(ctx, raw, at("funding"));
  const priceBand = decimal(ctx, at("priceBand"), raw.priceBand, OPEN_UNIT);
  const breakers = resolveInstrumentBreakers(ctx, raw.breakers, at("breakers"));
  if (
    !contractSize ||
    !tickSize ||
    !lotSize ||
    !terms ||
    margin === undefined ||
    optionMargin === undefined ||
    !mark ||
    !fees ||
    funding === undefined ||
    !priceBand ||
    !breakers
  )
    return undefined;
  return {
    symbol: raw.symbol,
    kind: raw.kind,
    index: raw.index,
    settlementAsset: raw.settlementAsset,
    inverse: raw.inverse,
    contractSize,
    tickSize,
    lotSize,
    maintenanceBasis: raw.maintenanceBasis,
    settlementTwapMs: raw.settlementTwapMs,
    priceScale: decimalPlaces(raw.tickSize),
    qtyScale: decimalPlaces(raw.lotSize),
    ...terms,
    margin,
    optionMargin,
    mark,
    fees,
    funding,
    priceBand,
    breakers,
  };
}

/** Sizes set the price and quantity scales, capped like asset decimals so that products stay within 64 bits. */
function size(ctx: Context, path: Path, text: string): Fixed | undefined {
  return decimal(ctx, path, text, POSITIVE, MAX_INSTRUMENT_DECIMALS);
}

/** A linear instrument settles in the quote asset; an inverse one in the base asset its index prices. */
function checkSettlement(ctx: Context, raw: RawInstrument, path: Path): void {
  if (ctx.assets === undefined) return;
  const asset = ctx.assets.get(raw.settlementAsset);
  if (asset === undefined) {
    checkReference(ctx, path, raw.settlementAsset, ctx.assets, "assets");
    return;
  }
  const quote = ctx.quoteAsset;
  const settles = describeValue(raw.settlementAsset);
  if (raw.kind === "option" && raw.inverse) {
    ctx.issues.add(
      [...path.slice(0, -1), "inverse"],
      "coin-settled (inverse) options are not supported yet: options settle in the quote asset",
    );
    return;
  }
  if (!raw.inverse) {
    if (quote !== undefined && raw.settlementAsset !== quote)
      ctx.issues.add(
        path,
        `a linear instrument settles in the quote asset ${describeValue(quote)}, not ${settles} (set "inverse": true for a coin-margined contract)`,
      );
    return;
  }
  if (raw.settlementAsset === quote) {
    ctx.issues.add(path, `an inverse instrument settles in its base asset, not the quote asset ${settles}`);
  } else if (asset["index"] !== raw.index) {
    const has = typeof asset["index"] === "string" ? `index ${describeValue(asset["index"])}` : "no index";
    ctx.issues.add(
      path,
      `an inverse instrument settles in the asset its index prices: ${settles} has ${has}, the instrument's index is ${describeValue(raw.index)}`,
    );
  }
}

function aKind(kind: RawInstrument["kind"]): string {
  return kind === "option" ? "an option" : `a ${kind}`;
}

interface Terms {
  readonly expiry: number | null;
  readonly right: "call" | "put" | null;
  readonly strike: Fixed | null;
}

/** Expiry for futures and options, right and strike for options; each forbidden where it means nothing. */
function resolveTerms(ctx: Context, raw: RawInstrument, path: Path): Terms | undefined {
  const dated = raw.kind !== "perpetual";
  const option = raw.kind === "option";
  kindField(ctx, raw, [...path, "expiry"], raw.expiry, dated, "an expiry (ms since the epoch)");
  kindField(ctx, raw, [...path, "right"], raw.right, option, 'a right ("call" or "put")');
  kindField(ctx, raw, [...path, "strike"], raw.strike, option, "a strike");
  const strike =
    option && raw.strike !== undefined ? decimal(ctx, [...path, "strike"], raw.strike, POSITIVE) : null;
  if (strike === undefined) return undefined;
  return { expiry: dated ? (raw.expiry ?? null) : null, right: option ? (raw.right ?? null) : null, strike };
}

function kindField(
  ctx: Context,
  raw: RawInstrument,
  path: Path,
  value: unknown,
  needed: boolean,
  what: string,
): void {
  if (needed && value === undefined) ctx.issues.add(path, `missing (${aKind(raw.kind)} needs ${what})`);
  else if (!needed && value !== undefined) {
    const key = path[path.length - 1];
    const why =
      key === "expiry"
        ? "perpetuals do not expire"
        : `only options have a ${key} (this is ${aKind(raw.kind)})`;
    ctx.issues.add(path, `not allowed: ${why}`);
  }
}

/** Options' standard margin rates (defaults for an option without them); not allowed on other kinds. */
function resolveOptionMargin(
  ctx: Context,
  raw: RawInstrument,
  path: Path,
): OptionMarginConfig | null | undefined {
  if (raw.kind !== "option") {
    if (raw.optionMargin !== undefined)
      ctx.issues.add(path, `not allowed: only options have optionMargin (this is ${aKind(raw.kind)})`);
    return null;
  }
  const rates = raw.optionMargin ?? DEFAULTS.optionMargin;
  const initialBase = decimal(ctx, [...path, "initialBase"], rates.initialBase, OPEN_UNIT);
  const initialFloor = decimal(ctx, [...path, "initialFloor"], rates.initialFloor, OPEN_UNIT);
  const maintenance = decimal(ctx, [...path, "maintenance"], rates.maintenance, OPEN_UNIT);
  if (!initialBase || !initialFloor || !maintenance) return undefined;
  if (compareFixed(initialFloor, initialBase) > 0)
    ctx.issues.add(
      [...path, "initialFloor"],
      `${formatFixed(initialFloor)} is above initialBase ${formatFixed(initialBase)}`,
    );
  if (compareFixed(maintenance, initialFloor) > 0)
    ctx.issues.add(
      [...path, "maintenance"],
      `${formatFixed(maintenance)} is above initialFloor ${formatFixed(initialFloor)} (maintenance may not exceed initial margin)`,
    );
  return { initialBase, initialFloor, maintenance };
}

/** Exactly one margin model for perpetuals and futures; options are margined by the option rules (null). */
function resolveMargin(ctx: Context, raw: RawInstrument, path: Path): MarginModelConfig | null | undefined {
  const { marginTiers, marginScaling } = raw;
  if (raw.kind === "option") {
    for (const key of ["marginTiers", "marginScaling"] as const)
      if (raw[key] !== undefined)
        ctx.issues.add([...path, key], "not allowed: options are margined by the option rules");
    return null;
  }
  if (marginTiers === undefined && marginScaling === undefined) {
    ctx.issues.add(
      [...path, "marginTiers"],
      `missing: ${aKind(raw.kind)} needs exactly one of marginTiers and marginScaling`,
    );
    return undefined;
  }
  const tiers = marginTiers && resolveTiers(ctx, marginTiers, [...path, "marginTiers"]);
  const scaling = marginScaling && resolveScaling(ctx, marginScaling, [...path, "marginScaling"]);
  if (marginTiers !== undefined && marginScaling !== undefined) {
    ctx.issues.add(
      [...path, "marginScaling"],
      "not allowed together with marginTiers: give exactly one margin model",
    );
    return undefined;
  }
  if (tiers) return { kind: "tiers", tiers };
  return scaling;
}

interface Rates {
  readonly initial: Fixed;
  readonly maintenance: Fixed;
}

/** 0 < maintenance < initial <= 1: a position must be opened with more margin than keeps it alive. */
function resolveRates(
  ctx: Context,
  raw: { initial: string; maintenance: string },
  path: Path,
): Rates | undefined {
  const initial = decimal(ctx, [...path, "initial"], raw.initial, RATE);
  const maintenance = decimal(ctx, [...path, "maintenance"], raw.maintenance, OPEN_UNIT);
  if (initial === undefined || maintenance === undefined) return undefined;
  if (compareFixed(maintenance, initial) >= 0)
    ctx.issues.add(
      [...path, "initial"],
      `${describeValue(raw.initial)} must be greater than maintenance ${describeValue(raw.maintenance)}`,
    );
  return { initial, maintenance };
}

interface ParsedTier extends Rates {
  readonly upToNotional: Fixed;
  readonly maintenanceAmount: Fixed | null;
}

function resolveTiers(ctx: Context, raw: readonly RawMarginTier[], path: Path): MarginTier[] | undefined {
  const tiers = raw.map((tier, i) => parseTier(ctx, tier, [...path, i]));
  if (!present(tiers)) return undefined;
  checkTierOrder(ctx, tiers, path);
  return withMaintenanceAmounts(tiers);
}

function parseTier(ctx: Context, raw: RawMarginTier, path: Path): ParsedTier | undefined {
  const upToNotional = decimal(ctx, [...path, "upToNotional"], raw.upToNotional, POSITIVE);
  const rates = resolveRates(ctx, raw, path);
  const amountText = raw.maintenanceAmount;
  const maintenanceAmount =
    amountText === undefined ? null : decimal(ctx, [...path, "maintenanceAmount"], amountText, NON_NEGATIVE);
  if (upToNotional === undefined || rates === undefined || maintenanceAmount === undefined) return undefined;
  return { upToNotional, ...rates, maintenanceAmount };
}

/** Brackets go up in notional, and a larger position never has a smaller maintenance rate. */
function checkTierOrder(ctx: Context, tiers: readonly ParsedTier[], path: Path): void {
  for (let i = 1; i < tiers.length; i++) {
    const previous = tiers[i - 1] as ParsedTier;
    const tier = tiers[i] as ParsedTier;
    if (compareFixed(tier.upToNotional, previous.upToNotional) <= 0)
      ctx.issues.add(
        [...path, i, "upToNotional"],
        `${describeValue(formatFixed(tier.upToNotional))} must be greater than the previous tier's ${describeValue(formatFixed(previous.upToNotional))} (tiers go up in notional)`,
      );
    if (compareFixed(tier.maintenance, previous.maintenance) < 0)
      ctx.issues.add(
        [...path, i, "maintenance"],
        `${describeValue(formatFixed(tier.maintenance))} is less than the previous tier's ${describeValue(formatFixed(previous.maintenance))} (maintenance rates must not decrease as notional grows)`,
      );
  }
}

/** Fills each absent maintenanceAmount with the one that keeps maintenance margin continuous at the bracket edge. */
function withMaintenanceAmounts(tiers: readonly ParsedTier[]): MarginTier[] {
  const resolved: MarginTier[] = [];
  for (const tier of tiers) {
    const previous = resolved[resolved.length - 1];
    // Binance USDⓈ-M maintenance amount: cum_0 = 0, cum_i = cum_{i-1} + upToNotional_{i-1} × (mmr_i − mmr_{i-1}).
    const continuous =
      previous === undefined
        ? ZERO
        : add(
            previous.maintenanceAmount,
            multiply(previous.upToNotional, subtract(tier.maintenance, previous.maintenance)),
          );
    resolved.push({ ...tier, maintenanceAmount: tier.maintenanceAmount ?? continuous });
  }
  return resolved;
}

function resolveScaling(ctx: Context, raw: RawMarginScaling, path: Path): MarginModelConfig | undefined {
  const rates = resolveRates(ctx, raw, path);
  const perUnit = decimal(ctx, [...path, "perUnit"], raw.perUnit, NON_NEGATIVE);
  if (rates === undefined || perUnit === undefined) return undefined;
  return { kind: "scaling", ...rates, perUnit };
}

function resolveMark(ctx: Context, raw: RawMark, path: Path): MarkConfig | undefined {
  const basisBand = decimal(ctx, [...path, "basisBand"], raw.basisBand, OPEN_UNIT);
  if (basisBand === undefined) return undefined;
  return {
    method: raw.method,
    basisHalfLifeMs: raw.basisHalfLifeMs,
    basisSampleMs: raw.basisSampleMs,
    basisBand,
  };
}

/** A maker rebate may not exceed the taker fee: a crossing pair of orders must never earn money. */
function resolveFees(ctx: Context, raw: RawFees, path: Path): FeeConfig | undefined {
  const maker = decimal(ctx, [...path, "maker"], raw.maker, SIGNED_UNIT);
  const taker = decimal(ctx, [...path, "taker"], raw.taker, FEE_RATE);
  if (maker === undefined || taker === undefined) return undefined;
  if (compareFixed(add(maker, taker), ZERO) < 0)
    ctx.issues.add(
      [...path, "maker"],
      `the rebate ${describeValue(raw.maker)} exceeds the taker fee ${describeValue(raw.taker)}: maker + taker must be >= 0`,
    );
  return { maker, taker };
}

function resolveFunding(ctx: Context, raw: RawInstrument, path: Path): FundingConfig | null | undefined {
  if (raw.kind !== "perpetual") {
    if (raw.funding !== undefined)
      ctx.issues.add(path, `not allowed: only perpetuals have funding (this is ${aKind(raw.kind)})`);
    return null;
  }
  const funding: RawFunding = raw.funding ?? DEFAULTS.funding;
  const cap = decimal(ctx, [...path, "cap"], funding.cap, OPEN_UNIT);
  const interestRate = decimal(ctx, [...path, "interestRate"], funding.interestRate, SIGNED_UNIT);
  if (cap === undefined || interestRate === undefined) return undefined;
  return { intervalMs: funding.intervalMs, cap, interestRate };
}

// --- document-wide sections

function resolveLiquidation(ctx: Context, raw: RawLiquidation, path: Path): LiquidationConfig | undefined {
  const feeRate = decimal(ctx, [...path, "feeRate"], raw.feeRate, FEE_RATE);
  const bufferRatio = decimal(ctx, [...path, "bufferRatio"], raw.bufferRatio, NON_NEGATIVE);
  const marginCallRatio = decimal(ctx, [...path, "marginCallRatio"], raw.marginCallRatio, RATE);
  if (feeRate === undefined || bufferRatio === undefined || marginCallRatio === undefined) return undefined;
  return {
    feeRate,
    bufferRatio,
    marginCallRatio,
    maxOrdersPerCommand: raw.maxOrdersPerCommand,
    maxPriceWaitMs: raw.maxPriceWaitMs,
  };
}

/** Decay points go up in age and their factors never rise: an older price never counts for more. */
function resolveMarginRules(ctx: Context, raw: RawMargin, path: Path): MarginConfig | undefined {
  const unrealizedProfitWeight = decimal(
    ctx,
    [...path, "unrealizedProfitWeight"],
    raw.unrealizedProfitWeight,
    UNIT,
  );
  const degradedCollateralFactor = decimal(
    ctx,
    [...path, "degradedCollateralFactor"],
    raw.degradedCollateralFactor,
    { low: including(ZERO), high: excluding(ONE) },
  );
  const at: Path = [...path, "collateralAgeDecay"];
  const points = raw.collateralAgeDecay.map((point, i) => {
    const factor = decimal(ctx, [...at, i, "factor"], point.factor, UNIT);
    return factor && { ageMs: point.ageMs, factor };
  });
  if (!unrealizedProfitWeight || !degradedCollateralFactor || !present(points)) return undefined;
  for (let i = 1; i < points.length; i++) {
    const previous = points[i - 1] as DecayPoint;
    const point = points[i] as DecayPoint;
    if (point.ageMs <= previous.ageMs)
      ctx.issues.add(
        [...at, i, "ageMs"],
        `${point.ageMs} must be greater than the previous point's ${previous.ageMs}`,
      );
    if (compareFixed(point.factor, previous.factor) > 0)
      ctx.issues.add(
        [...at, i, "factor"],
        `${describeValue(formatFixed(point.factor))} is more than the previous point's ${describeValue(formatFixed(previous.factor))} (an older price must not count for more)`,
      );
  }
  return { unrealizedProfitWeight, degradedCollateralFactor, collateralAgeDecay: [...points] };
}

/** Shocks within (0, 1), extended moves beyond the regular ones, IM at least MM. */
function resolvePortfolioMargin(
  ctx: Context,
  raw: RawPortfolioMargin,
  path: Path,
): PortfolioMarginConfig | undefined {
  const OPEN_UNIT: Range = { low: excluding(ZERO), high: excluding(ONE) };
  const spotShock = decimal(ctx, [...path, "spotShock"], raw.spotShock, OPEN_UNIT);
  const extendedShocks = raw.extendedShocks.map((x, i) => {
    const shock = decimal(ctx, [...path, "extendedShocks", i], x, OPEN_UNIT);
    if (shock !== undefined && spotShock !== undefined && compareFixed(shock, spotShock) <= 0)
      ctx.issues.add(
        [...path, "extendedShocks", i],
        `${describeValue(x)} is not beyond spotShock ${describeValue(formatFixed(spotShock))}`,
      );
    return shock;
  });
  const extendedWeight = decimal(ctx, [...path, "extendedWeight"], raw.extendedWeight, UNIT);
  const volShockBase = decimal(ctx, [...path, "volShockBase"], raw.volShockBase, POSITIVE);
  const volShockPower = decimal(ctx, [...path, "volShockPower"], raw.volShockPower, NON_NEGATIVE);
  const volShockCap = decimal(ctx, [...path, "volShockCap"], raw.volShockCap, OPEN_UNIT);
  const shortOptionMinimum = decimal(
    ctx,
    [...path, "shortOptionMinimum"],
    raw.shortOptionMinimum,
    NON_NEGATIVE,
  );
  const surfaceUncertainty = decimal(
    ctx,
    [...path, "surfaceUncertainty"],
    raw.surfaceUncertainty,
    NON_NEGATIVE,
  );
  const initialFactor = decimal(ctx, [...path, "initialFactor"], raw.initialFactor, { low: including(ONE) });
  const correlationOffset = decimal(ctx, [...path, "correlationOffset"], raw.correlationOffset, FEE_RATE);
  if (
    !spotShock ||
    !present(extendedShocks) ||
    !extendedWeight ||
    !volShockBase ||
    !volShockPower ||
    !volShockCap ||
    !shortOptionMinimum ||
    !surfaceUncertainty ||
    !initialFactor ||
    !correlationOffset
  )
    return undefined;
  return {
    spotShock,
    spotSteps: raw.spotSteps,
    extendedShocks: [...extendedShocks],
    extendedWeight,
    volShockBase,
    volShockPower,
    volShockCap,
    shortOptionMinimum,
    surfaceUncertainty,
    initialFactor,
    correlationOffset,
  };
}

/** The balance is parsed at the fund asset's own decimals: the ledger cannot hold a finer amount. */
function resolveInsuranceFund(
  ctx: Context,
  raw: RawInsuranceFund | undefined,
  path: Path,
): InsuranceFundConfig | undefined {
  const asset = raw?.asset ?? ctx.quoteAsset;
  if (asset === undefined || ctx.assets === undefined) return undefined; // the cause is reported elsewhere
  const declared = ctx.assets.get(asset);
  if (declared === undefined) {
    checkReference(ctx, [...path, "asset"], asset, ctx.assets, "assets");
    return undefined;
  }
  const decimals = declared["decimals"];
  if (!validDecimals(decimals)) return undefined; // reported on the asset
  const where = formatPath([...path, "initialBalance"]);
  const initialBalance = parseDecimal(
    raw?.initialBalance ?? DEFAULTS.insuranceFundBalance,
    decimals,
    where,
    "nonneg",
  );
  if (isDomainError(initialBalance)) {
    ctx.issues.add([...path, "initialBalance"], stripField(initialBalance.message, where));
    return undefined;
  }
  const unwindBand = decimal(
    ctx,
    [...path, "unwindBand"],
    raw?.unwindBand ?? DEFAULTS.insuranceFundUnwindBand,
    FEE_RATE,
  );
  if (unwindBand === undefined) return undefined;
  return { asset, initialBalance, unwindBand };
}

function validDecimals(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ASSET_DECIMALS;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

/** Validates parsed JSON against CONTRACT.md's market configuration; never throws for bad input. */
export function loadConfig(json: unknown): ConfigResult {
  const issues = new IssueList();
  parsePart(issues, ConfigKeysSchema, json, []);
  const config = isRecord(json) ? resolveConfig(issues, json) : undefined;
  if (issues.count > 0) return { ok: false, issues: sortedIssues(json, issues) };
  assert(config !== undefined, "loadConfig: a configuration without issues must resolve");
  return { ok: true, config };
}

/** One line per issue: `path: message`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join("\n");
}

function rawList(
  issues: IssueList,
  json: Record<string, unknown>,
  key: "assets" | "indices" | "instruments",
) {
  return parsePart(issues, listOf(z.unknown(), LIMITS[key]), json[key], [key]);
}

function resolveConfig(issues: IssueList, json: Record<string, unknown>): MarketConfig | undefined {
  const { shape } = ConfigSchema;
  const quoteAsset = parsePart(issues, shape.quoteAsset, json["quoteAsset"], ["quoteAsset"]);
  const assetItems = rawList(issues, json, "assets");
  const indexItems = rawList(issues, json, "indices");
  const instrumentItems = rawList(issues, json, "instruments");
  const assetIds = assetItems && firstDeclarations(issues, assetItems, ["assets"], "id", "asset id");
  const indexIds = indexItems && firstDeclarations(issues, indexItems, ["indices"], "id", "index id");
  if (instrumentItems)
    firstDeclarations(issues, instrumentItems, ["instruments"], "symbol", "instrument symbol");
  const quoteDeclared = quoteAsset !== undefined && (assetIds === undefined || assetIds.has(quoteAsset));
  const ctx: Context = {
    issues,
    // An undeclared quote asset is reported once, here, rather than again by every check that compares with it.
    quoteAsset: quoteDeclared ? quoteAsset : undefined,
    assets:
      assetIds && new Map([...assetIds].map(([id, i]) => [id, assetItems?.[i] as Record<string, unknown>])),
    indices: indexIds && new Set(indexIds.keys()),
  };
  if (quoteAsset !== undefined && !quoteDeclared)
    issues.add(["quoteAsset"], `${describeValue(quoteAsset)} is not one of the assets`);
  const assets = resolveItems(issues, assetItems, ["assets"], AssetSchema, (raw, path) =>
    resolveAsset(ctx, raw, path),
  );
  const indices = resolveItems(issues, indexItems, ["indices"], IndexSchema, (raw, path) =>
    resolveIndex(ctx, raw, path),
  );
  const instruments = resolveItems(issues, instrumentItems, ["instruments"], InstrumentSchema, (raw, path) =>
    resolveInstrument(ctx, raw, path),
  );
  const rawLiquidation = parsePart(issues, shape.liquidation, json["liquidation"], ["liquidation"]);
  const liquidation = rawLiquidation && resolveLiquidation(ctx, rawLiquidation, ["liquidation"]);
  const rawMargin = parsePart(issues, shape.margin, json["margin"], ["margin"]);
  const margin = rawMargin && resolveMarginRules(ctx, rawMargin, ["margin"]);
  const rawFund = parsePart(issues, shape.insuranceFund, json["insuranceFund"], ["insuranceFund"]);
  const insuranceFund =
    json["insuranceFund"] !== undefined && rawFund === undefined
      ? undefined
      : resolveInsuranceFund(ctx, rawFund, ["insuranceFund"]);
  const volatility = parsePart(issues, shape.volatility, json["volatility"], ["volatility"]);
  const rawPortfolio = parsePart(issues, shape.portfolioMargin, json["portfolioMargin"], ["portfolioMargin"]);
  const portfolioMargin = rawPortfolio && resolvePortfolioMargin(ctx, rawPortfolio, ["portfolioMargin"]);
  if (
    !quoteAsset ||
    !assets ||
    !indices ||
    !instruments ||
    !liquidation ||
    !margin ||
    !insuranceFund ||
    !volatility ||
    !portfolioMargin
  )
    return undefined;
  return {
    quoteAsset,
    assets,
    indices,
    instruments,
    liquidation,
    margin,
    insuranceFund,
    volatility,
    portfolioMargin,
  };
}

// Plimsoll `price` command streams (CONTRACT.md "Commands") from historical bars: each bar of each venue becomes one
// observation, known at the bar's close (sourceTs = bar start + bar length) and delivered after the source's arrival
// latency (ts = sourceTs + latencyMs). All sources are merged in one deterministic order, (ts, source, index), so a
// given set of files and options always gives the same bytes.
import { isAbsolute, resolve } from "node:path";
import { formatDecimal, parseFixed } from "../kernel/decimal.js";
import { isDomainError } from "../kernel/errors.js";
import { isId } from "../kernel/ids.js";
import { BAR_FORMATS, type Bar, type BarFormat, readBarFile } from "./bars.js";

/** Which price a bar gives: the last trade (`close`, trade bars) or the closing quote mid (`mid`, quote bars). */
export type PriceField = "close" | "mid";

export interface PriceCommand {
  readonly type: "price";
  readonly ts: number;
  readonly index: string;
  readonly source: string;
  readonly price: string;
  readonly sourceTs: number;
}

export interface TickCommand {
  readonly type: "tick";
  readonly ts: number;
}

export type FeedCommand = PriceCommand | TickCommand;

/** One venue's bars for one index. */
export interface FeedSource {
  readonly bars: readonly Bar[];
  readonly index: string;
  readonly source: string;
  readonly priceField: PriceField;
  /** Arrival latency: ts − sourceTs, ms ≥ 0 (default 0). */
  readonly latencyMs?: number;
  /**
   * Leave out trade bars with zero volume. Some venues (Binance.US) publish a bar for every minute and carry the
   * last price flat through minutes without trades; such a bar is not a new observation. Default false.
   */
  readonly skipEmptyBars?: boolean;
  /** Names the source in messages (the file, usually). */
  readonly name?: string;
}

export interface FeedOptions {
  /** Keep bars that start at or after this time (ms). */
  readonly from?: number;
  /** Keep bars that start before this time (ms). */
  readonly to?: number;
  /**
   * Insert `{"type":"tick"}` at every multiple of this period (ms since the epoch) from the first price command's
   * ts to the last one's. A tick at the same ts as prices comes after them: it sees every arrival of its instant.
   */
  readonly tickEveryMs?: number;
}

/** Most ticks one feed may ask for: a typo in tickEveryMs must fail, not fill the disk. */
export const MAX_TICKS = 10_000_000;

/** The exact mid of two decimals: (bid + ask) / 2, at one more decimal place than the finer one, never rounded. */
export function quoteMid(bid: string, ask: string): string {
  const b = parseFixed(bid, "bid");
  const a = parseFixed(ask, "ask");
  if (isDomainError(b)) throw new RangeError(b.message);
  if (isDomainError(a)) throw new RangeError(a.message);
  const scale = Math.max(a.scale, b.scale);
  const sum = b.raw * 10n ** BigInt(scale - b.scale) + a.raw * 10n ** BigInt(scale - a.scale);
  return formatDecimal(sum * 5n, scale + 1); // sum / 2 = 5 × sum / 10: exact at scale + 1
}

/** The price a bar gives for `field`. */
export function barPrice(bar: Bar, field: PriceField, name = "bars"): string {
  if (field === "close") {
    if (bar.kind !== "trade")
      throw new Error(
        `${name}: priceField "close" needs trade bars, but line ${bar.line} is a quote bar (use "mid")`,
      );
    return bar.close;
  }
  if (bar.kind !== "quote")
    throw new Error(
      `${name}: priceField "mid" needs quote bars, but line ${bar.line} is a trade bar (use "close")`,
    );
  return quoteMid(bar.bidClose, bar.askClose);
}

/** Every bar of every source in the range as price commands, merged by (ts, source, index), with ticks if asked. */
export function priceCommands(sources: readonly FeedSource[], options: FeedOptions = {}): FeedCommand[] {
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  if (from >= to) throw new RangeError(`the time range is empty: from ${from} is not before to ${to}`);
  const keyed: { command: PriceCommand; order: number }[] = [];
  for (const s of sources) {
    const name = s.name ?? `${s.index}/${s.source}`;
    if (!isId(s.index)) throw new Error(`${name}: index ${JSON.stringify(s.index)} is not an identifier`);
    if (!isId(s.source)) throw new Error(`${name}: source ${JSON.stringify(s.source)} is not an identifier`);
    const latency = s.latencyMs ?? 0;
    if (!Number.isSafeInteger(latency) || latency < 0)
      throw new Error(`${name}: latencyMs ${latency} is not a whole number of ms ≥ 0`);
    for (const bar of s.bars) {
      if (bar.start < from || bar.start >= to) continue;
      if (s.skipEmptyBars === true && bar.kind === "trade" && bar.volume === "0") continue;
      const command: PriceCommand = {
        type: "price",
        ts: bar.end + latency,
        index: s.index,
        source: s.source,
        price: barPrice(bar, s.priceField, name),
        sourceTs: bar.end,
      };
      keyed.push({ command, order: keyed.length });
    }
  }
  // Code-unit order on ids (never locale order); input order last, so equal keys keep their sequence.
  keyed.sort(
    (x, y) =>
      x.command.ts - y.command.ts ||
      compareText(x.command.source, y.command.source) ||
      compareText(x.command.index, y.command.index) ||
      x.order - y.order,
  );
  const prices = keyed.map((k) => k.command);
  return options.tickEveryMs === undefined ? prices : withTicks(prices, options.tickEveryMs);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withTicks(prices: readonly PriceCommand[], every: number): FeedCommand[] {
  if (!Number.isSafeInteger(every) || every <= 0)
    throw new RangeError(`tickEveryMs ${every} is not a whole number of ms > 0`);
  const first = prices[0];
  const last = prices[prices.length - 1];
  if (first === undefined || last === undefined) return [];
  let tick = Math.ceil(first.ts / every) * every;
  const count = Math.floor((last.ts - tick) / every) + 1;
  if (count > MAX_TICKS)
    throw new RangeError(`tickEveryMs ${every} would insert ${count} ticks, more than ${MAX_TICKS}`);
  const out: FeedCommand[] = [];
  for (const p of prices) {
    while (tick < p.ts) {
      out.push({ type: "tick", ts: tick });
      tick += every;
    }
    out.push(p);
  }
  while (tick <= last.ts) {
    out.push({ type: "tick", ts: tick });
    tick += every;
  }
  return out;
}

/** One JSON Lines line (no newline), fields in contract order: type, ts, index, source, price, sourceTs. */
export function commandLine(c: FeedCommand): string {
  if (c.type === "tick") return `{"type":"tick","ts":${c.ts}}`;
  return `{"type":"price","ts":${c.ts},"index":${JSON.stringify(c.index)},"source":${JSON.stringify(c.source)},"price":${JSON.stringify(c.price)},"sourceTs":${c.sourceTs}}`;
}

// --- files ---------------------------------------------------------------------------------------------------

/** One file of bars as one source of one index. */
export interface PriceFeedSourceSpec {
  /** Path of the CSV file; relative paths are resolved against the spec's `baseDir`. */
  readonly file: string;
  readonly format: BarFormat;
  readonly index: string;
  readonly source: string;
  readonly priceField: PriceField;
  readonly latencyMs?: number;
  /** Bar length in ms (default 60000). */
  readonly barMs?: number;
  readonly skipEmptyBars?: boolean;
}

export interface PriceFeedSpec extends FeedOptions {
  readonly sources: readonly PriceFeedSourceSpec[];
  /** Directory that relative `file` paths are resolved against (default: the working directory). */
  readonly baseDir?: string;
}

/** Reads every file of the spec (each once, however many sources use it) and returns the feed's commands. */
export function buildPriceFeedCommands(spec: PriceFeedSpec): FeedCommand[] {
  const cache = new Map<string, Bar[]>();
  const sources = spec.sources.map((s): FeedSource => {
    const path = isAbsolute(s.file) ? s.file : resolve(spec.baseDir ?? ".", s.file);
    const key = `${s.format}\u0000${s.barMs ?? ""}\u0000${path}`;
    let bars = cache.get(key);
    if (bars === undefined) cache.set(key, (bars = readBarFile(path, s.format, s.barMs)));
    return {
      bars,
      index: s.index,
      source: s.source,
      priceField: s.priceField,
      name: s.file,
      ...(s.latencyMs === undefined ? {} : { latencyMs: s.latencyMs }),
      ...(s.skipEmptyBars === undefined ? {} : { skipEmptyBars: s.skipEmptyBars }),
    };
  });
  return priceCommands(sources, spec);
}

/** The feed as JSON Lines lines (without newlines). */
export function buildPriceFeed(spec: PriceFeedSpec): string[] {
  return buildPriceFeedCommands(spec).map(commandLine);
}

/** The feed as one JSON Lines text, each line ending in a newline. */
export function buildPriceFeedText(spec: PriceFeedSpec): string {
  const lines = buildPriceFeed(spec);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

// --- a spec from JSON ------------------------------------------------------------------------------------------

const SOURCE_KEYS = [
  "file",
  "format",
  "index",
  "source",
  "priceField",
  "latencyMs",
  "barMs",
  "skipEmptyBars",
];
const SPEC_KEYS = ["sources", "from", "to", "tickEveryMs", "baseDir"];

/**
 * A feed spec from parsed JSON (a spec file), checked field by field; `from`/`to` may be ms or ISO-8601 UTC
 * strings. Throws an Error naming the field.
 */
export function parsePriceFeedSpec(json: unknown, where = "spec"): PriceFeedSpec {
  const spec = object(json, where, SPEC_KEYS);
  if (!Array.isArray(spec["sources"]) || spec["sources"].length === 0)
    throw new Error(`${where}.sources: expected a non-empty array of sources`);
  const sources = spec["sources"].map((raw: unknown, i: number): PriceFeedSourceSpec => {
    const at = `${where}.sources[${i}]`;
    const s = object(raw, at, SOURCE_KEYS);
    const file = s["file"];
    if (typeof file !== "string" || file === "") throw new Error(`${at}.file: expected a path`);
    const format = s["format"];
    if (!BAR_FORMATS.includes(format as BarFormat))
      throw new Error(
        `${at}.format: expected one of ${BAR_FORMATS.join(", ")}, got ${JSON.stringify(format)}`,
      );
    const priceField = s["priceField"];
    if (priceField !== "close" && priceField !== "mid")
      throw new Error(`${at}.priceField: expected "close" or "mid", got ${JSON.stringify(priceField)}`);
    for (const key of ["index", "source"])
      if (!isId(s[key])) throw new Error(`${at}.${key}: ${JSON.stringify(s[key])} is not an identifier`);
    const out: PriceFeedSourceSpec = {
      file,
      format: format as BarFormat,
      index: s["index"] as string,
      source: s["source"] as string,
      priceField,
      ...optionalMs(s, "latencyMs", at, 0),
      ...optionalMs(s, "barMs", at, 1),
    };
    const skip = s["skipEmptyBars"];
    if (skip === undefined) return out;
    if (typeof skip !== "boolean") throw new Error(`${at}.skipEmptyBars: expected true or false`);
    return { ...out, skipEmptyBars: skip };
  });
  const baseDir = spec["baseDir"];
  if (baseDir !== undefined && typeof baseDir !== "string")
    throw new Error(`${where}.baseDir: expected a path`);
  return {
    sources,
    ...(baseDir === undefined ? {} : { baseDir }),
    ...optionalTime(spec, "from", where),
    ...optionalTime(spec, "to", where),
    ...optionalMs(spec, "tickEveryMs", where, 1),
  };
}

function object(value: unknown, at: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${at}: expected an object`);
  for (const key of Object.keys(value))
    if (!keys.includes(key)) throw new Error(`${at}.${key}: unknown key (allowed: ${keys.join(", ")})`);
  return value as Record<string, unknown>;
}

function optionalMs(
  o: Record<string, unknown>,
  key: string,
  at: string,
  min: number,
): Record<string, number> {
  const v = o[key];
  if (v === undefined) return {};
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
    throw new Error(`${at}.${key}: ${JSON.stringify(v)} is not a whole number of ms ≥ ${min}`);
  return { [key]: v };
}

function optionalTime(o: Record<string, unknown>, key: string, at: string): Record<string, number> {
  const v = o[key];
  if (v === undefined) return {};
  return { [key]: parseTime(v, `${at}.${key}`) };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{3})?)?Z)?$/;

/** A time as ms since the epoch: a whole number of ms, or an ISO-8601 UTC date or date-time ("…Z"). */
export function parseTime(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && ISO_UTC.test(value)) {
    const ms = Date.parse(value);
    const canonical = Number.isNaN(ms) ? "" : new Date(ms).toISOString();
    // Round trip: refuses dates that do not exist (2023-02-30), which Date.parse would roll over.
    if (canonical.startsWith(value.replace(/Z$/, "")) && ms >= 0) return ms;
  }
  throw new Error(
    `${field}: ${JSON.stringify(value)} is not a time (ms since the epoch, or ISO-8601 UTC such as 2023-03-11T00:00Z)`,
  );
}

// OHLC bars from the CSV files of ../shared/data (and data/ in this repository), as typed records with every price
// kept as its exact decimal text. The parsers are pure (text in, bars out); `readBarFile` is the thin I/O edge.
// Every row is checked, and a bad one throws a BarFileError naming the file and line: replays and calibrations
// must never run on silently misread data.
import { readFileSync } from "node:fs";
import { canonicalDecimal, compareDecimalText } from "./decimal-text.js";

/**
 * - `lean-trade`: QuantConnect/Lean minute trade bars, `time_utc,ms_since_midnight,open,high,low,close,volume`
 * - `lean-quote`: Lean minute quote bars, `time_utc,ms_since_midnight,bid_open,…,last_bid_size,ask_open,…,last_ask_size`
 * - `binanceus`: Binance.US klines, `open_time,open,high,low,close,volume` ("YYYY-MM-DD HH:MM:SS+00:00")
 * - `kraken`: Kraken OHLCVT, `time_s,open,high,low,close,volume,trade_count` (epoch seconds)
 */
export type BarFormat = "lean-trade" | "lean-quote" | "binanceus" | "kraken";

export const BAR_FORMATS: readonly BarFormat[] = ["lean-trade", "lean-quote", "binanceus", "kraken"];

const HEADERS: Record<BarFormat, string> = {
  "lean-trade": "time_utc,ms_since_midnight,open,high,low,close,volume",
  "lean-quote":
    "time_utc,ms_since_midnight,bid_open,bid_high,bid_low,bid_close,last_bid_size,ask_open,ask_high,ask_low,ask_close,last_ask_size",
  binanceus: "open_time,open,high,low,close,volume",
  kraken: "time_s,open,high,low,close,volume,trade_count",
};

/** Bar length when the file does not say (all four formats are 1-minute in the shipped data; Kraken also has 5m). */
export const DEFAULT_BAR_MS = 60_000;

const DAY_MS = 86_400_000;

/** Most rows one file may hold: ten years of minutes. A bigger file is a mistake, or needs a streaming reader. */
export const MAX_BAR_ROWS = 5_300_000;

interface BarTimes {
  /** 1-based line number in the file (the header is line 1), for messages. */
  readonly line: number;
  /** Start of the bar, ms since the epoch (UTC). */
  readonly start: number;
  /** End of the bar (start + bar length): the time its close is known. */
  readonly end: number;
}

/** Trade prices over one bar. Prices and volume are canonical plain decimals, exactly as in the file. */
export interface TradeBar extends BarTimes {
  readonly kind: "trade";
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  /** Number of trades, when the format gives it (Kraken). */
  readonly trades?: number;
}

/** Top-of-book bid and ask over one bar, with the sizes at the last bid and ask. */
export interface QuoteBar extends BarTimes {
  readonly kind: "quote";
  readonly bidOpen: string;
  readonly bidHigh: string;
  readonly bidLow: string;
  readonly bidClose: string;
  readonly bidSize: string;
  readonly askOpen: string;
  readonly askHigh: string;
  readonly askLow: string;
  readonly askClose: string;
  readonly askSize: string;
}

export type Bar = TradeBar | QuoteBar;

export interface ParseOptions {
  /** The file's name, for messages. */
  readonly file: string;
  /** Bar length in ms (default 1 minute); every bar start must be a multiple of it. */
  readonly barMs?: number;
}

/** A row (or the header) that is not what its format says; `line` counts from 1, the header being line 1. */
export class BarFileError extends Error {
  override readonly name = "BarFileError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

export function parseBars(text: string, format: "lean-quote", options: ParseOptions): QuoteBar[];
export function parseBars(
  text: string,
  format: "lean-trade" | "binanceus" | "kraken",
  options: ParseOptions,
): TradeBar[];
export function parseBars(text: string, format: BarFormat, options: ParseOptions): Bar[];
export function parseBars(text: string, format: BarFormat, options: ParseOptions): Bar[] {
  const barMs = options.barMs ?? DEFAULT_BAR_MS;
  if (!Number.isSafeInteger(barMs) || barMs <= 0 || DAY_MS % barMs !== 0)
    throw new RangeError(`barMs ${barMs} must be a positive whole number of ms that divides a day`);
  const rows = new Rows(text, options.file);
  const header = rows.next();
  if (header === undefined) throw new BarFileError(options.file, 1, "empty file: expected a header row");
  if (header.join(",") !== HEADERS[format])
    throw new BarFileError(
      options.file,
      1,
      `header ${JSON.stringify(header.join(","))} is not the ${format} header ${JSON.stringify(HEADERS[format])}`,
    );
  const row = new RowReader(options.file, barMs);
  const bars: Bar[] = [];
  let previous = -1;
  let leanDay = -1;
  for (let cells = rows.next(); cells !== undefined; cells = rows.next()) {
    row.start(rows.line, cells, header.length);
    if (bars.length === MAX_BAR_ROWS) row.fail(`more than ${MAX_BAR_ROWS} rows`);
    let bar: Bar;
    switch (format) {
      case "lean-trade":
      case "lean-quote": {
        const start = row.leanTime(0, 1);
        const day = start - (start % DAY_MS);
        if (leanDay < 0) leanDay = day;
        else if (day !== leanDay)
          row.fail(
            `time_utc ${cells[0]} is not on the file's day ${isoDay(leanDay)} (a Lean file holds one day)`,
          );
        bar = format === "lean-trade" ? row.trade(start, 2) : row.quote(start, 2);
        break;
      }
      case "binanceus":
        bar = row.trade(row.binanceTime(0), 1);
        break;
      case "kraken":
        bar = row.trade(row.epochSeconds(0), 1, 6);
        break;
    }
    if (bar.start <= previous)
      row.fail(
        `bar start ${new Date(bar.start).toISOString()} is not after the previous row's ${new Date(previous).toISOString()} (rows must be in time order, without duplicates)`,
      );
    previous = bar.start;
    bars.push(bar);
  }
  return bars;
}

/** Reads and parses one bar file; messages name `path`. */
export function readBarFile(path: string, format: BarFormat, barMs?: number): Bar[] {
  const text = readFileSync(path, "utf8");
  return parseBars(text, format, barMs === undefined ? { file: path } : { file: path, barMs });
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Lines of a headed CSV without quoting (none of the formats quote): cells per line, a final newline optional. */
class Rows {
  line = 0;
  private offset = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  next(): string[] | undefined {
    const text = this.text;
    if (this.offset >= text.length) return undefined;
    let end = text.indexOf("\n", this.offset);
    if (end < 0) end = text.length;
    let line = text.slice(this.offset, end);
    this.offset = end + 1;
    this.line++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") {
      if (this.offset >= text.length) return undefined; // the final newline
      throw new BarFileError(this.file, this.line, "empty line");
    }
    return line.split(",");
  }
}

const LEAN_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const BINANCE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\+00:00$/;
const INTEGER = /^\d{1,15}$/;

/** Reads the cells of one row, failing with the file, line and column named. */
class RowReader {
  private line = 0;
  private cells: string[] = [];
  constructor(
    private readonly file: string,
    private readonly barMs: number,
  ) {}

  start(line: number, cells: string[], columns: number): void {
    this.line = line;
    this.cells = cells;
    if (cells.length !== columns) this.fail(`${cells.length} columns, expected ${columns}`);
  }

  fail(problem: string): never {
    throw new BarFileError(this.file, this.line, problem);
  }

  private cell(i: number): string {
    return this.cells[i] as string;
  }

  /** A canonical decimal from column i: positive for a price, at least zero for a size or volume. */
  private decimal(i: number, what: string, positive: boolean): string {
    const value = canonicalDecimal(this.cell(i));
    if (typeof value !== "string") this.fail(`${what}: ${value.problem}`);
    if (value.startsWith("-") || (positive && value === "0"))
      this.fail(`${what} ${this.cell(i)} must be ${positive ? "greater than zero" : "zero or more"}`);
    return value;
  }

  private times(start: number): { line: number; start: number; end: number } {
    if (start % this.barMs !== 0)
      this.fail(
        `bar start ${new Date(start).toISOString()} is not a multiple of the bar length ${this.barMs} ms`,
      );
    return { line: this.line, start, end: start + this.barMs };
  }

  /** `time_utc` (ISO, start of the minute) and `ms_since_midnight`, which must agree. */
  leanTime(isoColumn: number, msColumn: number): number {
    const iso = this.cell(isoColumn);
    const start = utc(LEAN_TIME.exec(iso));
    if (start === undefined) this.fail(`time_utc ${JSON.stringify(iso)} is not YYYY-MM-DDTHH:MM:SSZ`);
    const ms = this.cell(msColumn);
    if (!INTEGER.test(ms) || Number(ms) >= DAY_MS)
      this.fail(`ms_since_midnight ${JSON.stringify(ms)} is not a whole number of ms in [0, ${DAY_MS})`);
    if (start % DAY_MS !== Number(ms)) this.fail(`time_utc ${iso} does not match ms_since_midnight ${ms}`);
    return start;
  }

  binanceTime(column: number): number {
    const text = this.cell(column);
    const start = utc(BINANCE_TIME.exec(text));
    if (start === undefined) this.fail(`open_time ${JSON.stringify(text)} is not YYYY-MM-DD HH:MM:SS+00:00`);
    return start;
  }

  epochSeconds(column: number): number {
    const text = this.cell(column);
    if (!INTEGER.test(text) || Number(text) * 1000 > Number.MAX_SAFE_INTEGER)
      this.fail(`time_s ${JSON.stringify(text)} is not whole seconds since the epoch`);
    return Number(text) * 1000;
  }

  /** open, high, low, close, volume from column `first`, and a trade count at `tradesColumn` if given. */
  trade(start: number, first: number, tradesColumn?: number): TradeBar {
    const open = this.decimal(first, "open", true);
    const high = this.decimal(first + 1, "high", true);
    const low = this.decimal(first + 2, "low", true);
    const close = this.decimal(first + 3, "close", true);
    const volume = this.decimal(first + 4, "volume", false);
    this.ohlc("", open, high, low, close);
    const bar = { kind: "trade" as const, ...this.times(start), open, high, low, close, volume };
    if (tradesColumn === undefined) return bar;
    const trades = this.cell(tradesColumn);
    if (!INTEGER.test(trades)) this.fail(`trade_count ${JSON.stringify(trades)} is not a whole number`);
    return { ...bar, trades: Number(trades) };
  }

  /** bid OHLC and last size, then ask OHLC and last size, from column `first`. */
  quote(start: number, first: number): QuoteBar {
    const bidOpen = this.decimal(first, "bid_open", true);
    const bidHigh = this.decimal(first + 1, "bid_high", true);
    const bidLow = this.decimal(first + 2, "bid_low", true);
    const bidClose = this.decimal(first + 3, "bid_close", true);
    const bidSize = this.decimal(first + 4, "last_bid_size", false);
    const askOpen = this.decimal(first + 5, "ask_open", true);
    const askHigh = this.decimal(first + 6, "ask_high", true);
    const askLow = this.decimal(first + 7, "ask_low", true);
    const askClose = this.decimal(first + 8, "ask_close", true);
    const askSize = this.decimal(first + 9, "last_ask_size", false);
    this.ohlc("bid_", bidOpen, bidHigh, bidLow, bidClose);
    this.ohlc("ask_", askOpen, askHigh, askLow, askClose);
    // A crossed closing book has no meaningful mid; a locked one (bid = ask) does.
    if (compareDecimalText(bidClose, askClose) > 0)
      this.fail(`crossed book: bid_close ${bidClose} is above ask_close ${askClose}`);
    return {
      kind: "quote",
      ...this.times(start),
      bidOpen,
      bidHigh,
      bidLow,
      bidClose,
      bidSize,
      askOpen,
      askHigh,
      askLow,
      askClose,
      askSize,
    };
  }

  /** low ≤ open, close ≤ high. */
  private ohlc(prefix: string, open: string, high: string, low: string, close: string): void {
    for (const [name, value] of [
      ["open", open],
      ["close", close],
    ] as const) {
      if (compareDecimalText(value, high) > 0)
        this.fail(`${prefix}${name} ${value} is above ${prefix}high ${high}`);
      if (compareDecimalText(value, low) < 0)
        this.fail(`${prefix}${name} ${value} is below ${prefix}low ${low}`);
    }
  }
}

/** Epoch ms of a matched Y-M-D h:m:s, or undefined if it is not a real UTC time (2023-02-30, 24:00, …). */
function utc(m: RegExpExecArray | null): number | undefined {
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d > daysInMonth ? undefined : Date.UTC(y, mo - 1, d, h, mi, s);
}

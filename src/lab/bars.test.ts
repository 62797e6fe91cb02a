import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BarFileError, parseBars, readBarFile } from "./bars.js";
import { bundledDataDir } from "./data-dirs.js";

const LEAN_TRADE = "time_utc,ms_since_midnight,open,high,low,close,volume";
const LEAN_QUOTE =
  "time_utc,ms_since_midnight,bid_open,bid_high,bid_low,bid_close,last_bid_size,ask_open,ask_high,ask_low,ask_close,last_ask_size";
const BINANCE = "open_time,open,high,low,close,volume";
const KRAKEN = "time_s,open,high,low,close,volume,trade_count";

const DEC13 = Date.UTC(2022, 11, 13);

/** The error a parse throws, for matching its fields. */
function failure(run: () => unknown): BarFileError {
  try {
    run();
  } catch (error) {
    if (error instanceof BarFileError) return error;
    throw error;
  }
  throw new Error("expected a BarFileError");
}

describe("Lean trade bars", () => {
  it("parse rows into exact bars, the close known at start + 1 minute", () => {
    const text = `${LEAN_TRADE}\n2022-12-13T00:00:00Z,0,17212.12,17216.55,17208.88,17208.88,110.66042\n2022-12-13T00:01:00Z,60000,17209.49,17227.24,17208.84,17226.99,147.61285\n`;
    expect(parseBars(text, "lean-trade", { file: "t.csv" })).toEqual([
      {
        kind: "trade",
        line: 2,
        start: DEC13,
        end: DEC13 + 60_000,
        open: "17212.12",
        high: "17216.55",
        low: "17208.88",
        close: "17208.88",
        volume: "110.66042",
      },
      {
        kind: "trade",
        line: 3,
        start: DEC13 + 60_000,
        end: DEC13 + 120_000,
        open: "17209.49",
        high: "17227.24",
        low: "17208.84",
        close: "17226.99",
        volume: "147.61285",
      },
    ]);
  });

  it("accept a file without a final newline, and CRLF line ends", () => {
    const text = `${LEAN_TRADE}\r\n2022-12-13T00:00:00Z,0,1,1,1,1,0\r\n2022-12-13T00:01:00Z,60000,1,2,1,2,0`;
    expect(parseBars(text, "lean-trade", { file: "t.csv" }).map((b) => b.close)).toEqual(["1", "2"]);
  });

  it("refuse a time_utc that disagrees with ms_since_midnight, or a second day in one file", () => {
    const e = failure(() =>
      parseBars(`${LEAN_TRADE}\n2022-12-13T00:01:00Z,0,1,1,1,1,0\n`, "lean-trade", { file: "t.csv" }),
    );
    expect(e.message).toBe("t.csv:2: time_utc 2022-12-13T00:01:00Z does not match ms_since_midnight 0");
    expect(e.file).toBe("t.csv");
    expect(e.line).toBe(2);
    expect(
      failure(() =>
        parseBars(
          `${LEAN_TRADE}\n2022-12-13T00:00:00Z,0,1,1,1,1,0\n2022-12-14T00:00:00Z,0,1,1,1,1,0\n`,
          "lean-trade",
          {
            file: "t.csv",
          },
        ),
      ).message,
    ).toBe(
      "t.csv:3: time_utc 2022-12-14T00:00:00Z is not on the file's day 2022-12-13 (a Lean file holds one day)",
    );
  });
});

describe("Lean quote bars", () => {
  it("parse bid and ask sides with their last sizes", () => {
    const text = `${LEAN_QUOTE}\n2022-12-13T00:02:00Z,120000,17219.8,17232.6,17219.8,17225.3,2381,17219.9,17232.7,17219.9,17225.4,21849\n`;
    const [bar] = parseBars(text, "lean-quote", { file: "q.csv" });
    expect(bar).toEqual({
      kind: "quote",
      line: 2,
      start: DEC13 + 120_000,
      end: DEC13 + 180_000,
      bidOpen: "17219.8",
      bidHigh: "17232.6",
      bidLow: "17219.8",
      bidClose: "17225.3",
      bidSize: "2381",
      askOpen: "17219.9",
      askHigh: "17232.7",
      askLow: "17219.9",
      askClose: "17225.4",
      askSize: "21849",
    });
  });

  it("refuse a crossed closing book, but accept a locked one", () => {
    const row = (bid: string, ask: string) =>
      `${LEAN_QUOTE}\n2022-12-13T00:00:00Z,0,${bid},${bid},${bid},${bid},1,${ask},${ask},${ask},${ask},1\n`;
    expect(failure(() => parseBars(row("100.5", "100.4"), "lean-quote", { file: "q.csv" })).message).toBe(
      "q.csv:2: crossed book: bid_close 100.5 is above ask_close 100.4",
    );
    expect(parseBars(row("100.5", "100.50"), "lean-quote", { file: "q.csv" })).toHaveLength(1);
  });
});

describe("Binance.US klines", () => {
  it("parse the '+00:00' open time and rewrite exponent volumes and '.0' prices exactly", () => {
    const text = `${BINANCE}\n2023-03-01 07:03:00+00:00,23740.0,23740.0,23740.0,23740.0,5.4e-05\n2023-03-21 23:58:00+00:00,28218.3,28234.0,28205.75,28211.3,7.46815\n`;
    const bars = parseBars(text, "binanceus", { file: "b.csv" });
    expect(bars.map((b) => [b.start, b.end, b.open, b.high, b.low, b.close, b.volume])).toEqual([
      [
        Date.UTC(2023, 2, 1, 7, 3),
        Date.UTC(2023, 2, 1, 7, 4),
        "23740",
        "23740",
        "23740",
        "23740",
        "0.000054",
      ],
      [
        Date.UTC(2023, 2, 21, 23, 58),
        Date.UTC(2023, 2, 21, 23, 59),
        "28218.3",
        "28234",
        "28205.75",
        "28211.3",
        "7.46815",
      ],
    ]);
  });

  it("refuse times that are not UTC or do not exist", () => {
    for (const [time, problem] of [
      ["2023-03-01 07:03:00+01:00", 'open_time "2023-03-01 07:03:00+01:00" is not YYYY-MM-DD HH:MM:SS+00:00'],
      ["2023-02-30 00:00:00+00:00", 'open_time "2023-02-30 00:00:00+00:00" is not YYYY-MM-DD HH:MM:SS+00:00'],
      ["2023-03-01T07:03:00Z", 'open_time "2023-03-01T07:03:00Z" is not YYYY-MM-DD HH:MM:SS+00:00'],
    ])
      expect(
        failure(() => parseBars(`${BINANCE}\n${time},1,1,1,1,1\n`, "binanceus", { file: "b.csv" })).message,
      ).toBe(`b.csv:2: ${problem}`);
  });
});

describe("Kraken OHLCVT", () => {
  it("parse epoch seconds and the trade count, with the bar length given", () => {
    const text = `${KRAKEN}\n1672531200,16528.7,16530.0,16520.1,16520.4,2.11146726,78\n1672531800,16515.1,16516.0,16511.0,16514.9,6.89678323,64\n`;
    const bars = parseBars(text, "kraken", { file: "k.csv", barMs: 300_000 });
    expect(bars.map((b) => [b.start, b.end, b.close, b.high, b.volume, b.trades])).toEqual([
      [1672531200000, 1672531500000, "16520.4", "16530", "2.11146726", 78],
      [1672531800000, 1672532100000, "16514.9", "16516", "6.89678323", 64],
    ]);
  });

  it("refuse a bar start that is not on the bar length's grid", () => {
    expect(
      failure(() =>
        parseBars(`${KRAKEN}\n1672531260,1,1,1,1,1,1\n`, "kraken", { file: "k.csv", barMs: 300_000 }),
      ).message,
    ).toBe("k.csv:2: bar start 2023-01-01T00:01:00.000Z is not a multiple of the bar length 300000 ms");
  });
});

describe("bad rows name the file and line", () => {
  const row = (cells: string) => `${BINANCE}\n2023-03-01 00:00:00+00:00,1,1,1,1,1\n${cells}\n`;
  const cases: [string, string, string][] = [
    ["a wrong header", "open_time,o,h,l,c,v\n", "b.csv:1: header"],
    ["an empty file", "", "b.csv:1: empty file: expected a header row"],
    ["too few columns", row("2023-03-01 00:01:00+00:00,1,1,1,1"), "b.csv:3: 5 columns, expected 6"],
    ["too many columns", row("2023-03-01 00:01:00+00:00,1,1,1,1,1,1"), "b.csv:3: 7 columns, expected 6"],
    ["a blank line", `${row("2023-03-01 00:01:00+00:00,1,1,1,1,1")}\n\n`, "b.csv:4: empty line"],
    [
      "a float-ish price",
      row("2023-03-01 00:01:00+00:00,1,1,1,NaN,1"),
      'b.csv:3: close: "NaN" is not a decimal number',
    ],
    ["a blank price", row("2023-03-01 00:01:00+00:00,1,1,,1,1"), 'b.csv:3: low: "" is not a decimal number'],
    ["a zero price", row("2023-03-01 00:01:00+00:00,0,1,0,1,1"), "b.csv:3: open 0 must be greater than zero"],
    [
      "a negative volume",
      row("2023-03-01 00:01:00+00:00,1,1,1,1,-2"),
      "b.csv:3: volume -2 must be zero or more",
    ],
    [
      "a close above the high",
      row("2023-03-01 00:01:00+00:00,1,2,1,2.5,1"),
      "b.csv:3: close 2.5 is above high 2",
    ],
    [
      "an open below the low",
      row("2023-03-01 00:01:00+00:00,0.9,2,1,1,1"),
      "b.csv:3: open 0.9 is below low 1",
    ],
    [
      "a duplicate minute",
      row("2023-03-01 00:00:00+00:00,1,1,1,1,1"),
      "b.csv:3: bar start 2023-03-01T00:00:00.000Z is not after",
    ],
    [
      "time going back",
      row("2023-02-28 23:59:00+00:00,1,1,1,1,1"),
      "b.csv:3: bar start 2023-02-28T23:59:00.000Z is not after",
    ],
    [
      "too many decimals",
      row("2023-03-01 00:01:00+00:00,1,1,1,1,1e-20"),
      'b.csv:3: volume: "1e-20" has more than 18',
    ],
  ];
  for (const [what, text, message] of cases)
    it(`refuses ${what}`, () => {
      const e = failure(() => parseBars(text, "binanceus", { file: "b.csv" }));
      expect(e.message.startsWith(message), e.message).toBe(true);
    });

  it("refuses a bar length that does not divide a day", () => {
    expect(() => parseBars(BINANCE, "binanceus", { file: "b.csv", barMs: 7_000 })).toThrow(/divides a day/);
  });
});

describe("the bundled Lean files", () => {
  const dir = join(bundledDataDir(), "lean-2022-12-13");
  it("parse whole, with the row counts their README gives", () => {
    const counts: [string, "lean-trade" | "lean-quote", number][] = [
      ["binance_spot_BTCBUSD_trade", "lean-trade", 1440],
      ["binance_coinm_BTCUSD_PERP_trade", "lean-trade", 1439],
      ["binance_coinm_BTCUSD_PERP_quote", "lean-quote", 1104],
      ["bybit_spot_BTCUSDT_trade", "lean-trade", 1440],
      ["bybit_spot_BTCUSDT_quote", "lean-quote", 721],
      ["bybit_inverse_BTCUSD_PERP_trade", "lean-trade", 721],
      ["bybit_inverse_BTCUSD_PERP_quote", "lean-quote", 464],
      ["bybit_linear_BTCUSDT_PERP_trade", "lean-trade", 721],
      ["bybit_linear_BTCUSDT_PERP_quote", "lean-quote", 460],
    ];
    for (const [name, format, rows] of counts) {
      const bars = readBarFile(join(dir, `lean_${name}_1m_2022-12-13.csv`), format);
      expect(bars, name).toHaveLength(rows);
      expect(bars.every((b) => b.kind === (format === "lean-trade" ? "trade" : "quote"))).toBe(true);
    }
  });

  it("name the file path in a read error", () => {
    const path = join(dir, "lean_binance_spot_BTCBUSD_trade_1m_2022-12-13.csv");
    expect(() => readBarFile(path, "lean-quote")).toThrow(`${path}:1: header`);
  });
});

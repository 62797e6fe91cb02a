// The depeg data may not be copied into this repository, so its feed is built here, at test time, from
// ../shared/data/usdc-depeg-2023-03/. Without that folder the data test is skipped (and says so) — except under
// CI=true, where the shared data is always present and its absence is a failure.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatConfigIssues, loadConfig } from "../config/load.js";
import { hasSharedData, REPO_ROOT, sharedDataDir } from "./data-dirs.js";
import { buildUsdcDepegFeed, USDC_DEPEG_FOLDER, usdcDepegFeedSpec } from "./usdc-depeg-feed.js";

const ci = process.env["CI"] === "true";
const present = hasSharedData();
const skip = !present && !ci;
if (skip)
  console.warn(
    `usdc-depeg-feed.test.ts: ${sharedDataDir()} is absent, so the depeg data test is skipped (it runs whenever the folder exists, and fails under CI=true)`,
  );

interface Price {
  type: "price";
  ts: number;
  index: string;
  source: string;
  price: string;
  sourceTs: number;
}

const MAR11 = Date.UTC(2023, 2, 11);
const DAY = 86_400_000;

describe("the USDC depeg feed from ../shared/data/usdc-depeg-2023-03", () => {
  it.skipIf(skip)(
    skip
      ? "SKIPPED: ../shared/data is absent (depeg data is read at run time, never copied into the repo)"
      : "on 2023-03-11, BTCUSDC/BTCUSD peaks near 1.143 at 07:50 UTC (bar start)",
    () => {
      if (!present) expect.fail(`${sharedDataDir()} is missing, but CI=true: CI must provide ../shared/data`);
      const lines = buildUsdcDepegFeed({ from: MAR11, to: MAR11 + DAY });
      const commands = lines.map((l) => JSON.parse(l) as Price | { type: "tick"; ts: number });
      const prices = commands.filter((c): c is Price => c.type === "price");
      expect(prices).toHaveLength(4 * 1440); // three pairs, BTCUSDC twice (both indices); every minute present
      expect(commands.filter((c) => c.type === "tick")).toHaveLength(1439);
      expect(prices[0]?.sourceTs).toBe(MAR11 + 60_000);
      expect(prices.at(-1)?.sourceTs).toBe(MAR11 + DAY);

      const at = (index: string, source: string) =>
        new Map(
          prices.filter((p) => p.index === index && p.source === source).map((p) => [p.sourceTs, p.price]),
        );
      const usd = at("BTC-USD", "binanceus-usd");
      const usdc = at("BTC-USDC", "binanceus-usdc");
      expect(at("BTC-USD", "binanceus-usdc")).toEqual(usdc);
      let peak = { ratio: 0, barStart: 0 };
      for (const [sourceTs, price] of usdc) {
        const ratio = Number(price) / Number(usd.get(sourceTs));
        if (ratio > peak.ratio) peak = { ratio, barStart: sourceTs - 60_000 };
      }
      expect(new Date(peak.barStart).toISOString()).toBe("2023-03-11T07:50:00.000Z");
      expect(peak.ratio).toBeGreaterThan(1.1425);
      expect(peak.ratio).toBeLessThan(1.1435);
    },
  );
});

describe("usdcDepegFeedSpec", () => {
  it("feeds exactly the indices and sources of test/fixtures/usdc-depeg.config.json", () => {
    const config = loadConfig(
      JSON.parse(readFileSync(join(REPO_ROOT, "test", "fixtures", "usdc-depeg.config.json"), "utf8")),
    );
    if (!config.ok) throw new Error(formatConfigIssues(config.issues));
    const declared = config.config.indices.flatMap((x) => x.sources.map((s) => `${x.id}/${s.id}`)).sort();
    expect(
      usdcDepegFeedSpec()
        .sources.map((s) => `${s.index}/${s.source}`)
        .sort(),
    ).toEqual(declared);
    const usdc = config.config.indices.find((x) => x.id === "BTC-USDC");
    expect(usdc?.breakers.divergence?.benchmark).toEqual({ kind: "index", index: "BTC-USD" });
  });

  it("keeps the bars of [2023-03-09, 2023-03-15) by default, with a tick a minute", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plimsoll-depeg-"));
    mkdirSync(join(dataDir, USDC_DEPEG_FOLDER));
    const rows = ["2023-03-08 23:59", "2023-03-09 00:00", "2023-03-14 23:59", "2023-03-15 00:00"];
    for (const [pair, price] of [
      ["BTCUSD", "20000.5"],
      ["BTCUSDT", "20001.0"],
      ["BTCUSDC", "22800.25"],
    ])
      writeFileSync(
        join(dataDir, USDC_DEPEG_FOLDER, `binanceus_${pair}_1m_2023-03-01_2023-03-21.csv`),
        `open_time,open,high,low,close,volume\n${rows.map((t) => `${t}:00+00:00,${price},${price},${price},${price},0.0`).join("\n")}\n`,
      );
    const lines = buildUsdcDepegFeed({ dataDir, latencyMs: 100 });
    const first = Date.UTC(2023, 2, 9, 0, 1);
    const last = Date.UTC(2023, 2, 15);
    expect(lines.slice(0, 4)).toEqual([
      `{"type":"price","ts":${first + 100},"index":"BTC-USD","source":"binanceus-usd","price":"20000.5","sourceTs":${first}}`,
      `{"type":"price","ts":${first + 100},"index":"BTC-USD","source":"binanceus-usdc","price":"22800.25","sourceTs":${first}}`,
      `{"type":"price","ts":${first + 100},"index":"BTC-USDC","source":"binanceus-usdc","price":"22800.25","sourceTs":${first}}`,
      `{"type":"price","ts":${first + 100},"index":"BTC-USD","source":"binanceus-usdt","price":"20001","sourceTs":${first}}`,
    ]);
    expect(lines.at(-1)).toBe(
      `{"type":"price","ts":${last + 100},"index":"BTC-USD","source":"binanceus-usdt","price":"20001","sourceTs":${last}}`,
    );
    expect(lines.filter((l) => l.includes('"price"'))).toHaveLength(8);
    // ticks on the minute from the first price's ts (00:01:00.100) to the last one's: 00:02 … 03-15 00:00
    expect(lines.filter((l) => l.includes('"tick"'))).toHaveLength((last - first) / 60_000);
    // zero-volume minutes carry the price flat; they can be left out
    expect(buildUsdcDepegFeed({ dataDir, skipEmptyBars: true, tickEveryMs: null })).toEqual([]);
  });
});

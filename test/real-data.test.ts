// Real market days through the engine's price layer (docs/prices.md). The Lean 2022-12-13 day is bundled and
// always runs; the USDC depeg of March 2023 is read from ../shared/data (licence) and runs wherever that folder
// exists — under CI=true its absence is a failure, not a skip.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { MarketConfig } from "../src/config/types.js";
import { Engine } from "../src/engine/engine.js";
import type { BreakerEvent, EngineEvent, IndexEvent } from "../src/engine/events.js";
import { hasSharedData } from "../src/lab/data-dirs.js";
import { buildUsdcDepegFeed } from "../src/lab/usdc-depeg-feed.js";

const ROOT = join(import.meta.dirname, "..");

function config(path: string, patch: (c: Record<string, unknown>) => void = () => {}): MarketConfig {
  const json = JSON.parse(readFileSync(join(ROOT, path), "utf8"));
  patch(json);
  const loaded = loadConfig(json);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

function run(market: MarketConfig, lines: readonly string[]): { engine: Engine; events: EngineEvent[] } {
  const engine = new Engine(market);
  const events: EngineEvent[] = [];
  lines.forEach((line, i) => {
    engine.applyInto(JSON.parse(line), i + 1, events);
  });
  return { engine, events };
}

const iso = (ts: number) => new Date(ts).toISOString().slice(0, 16);
const breakers = (events: EngineEvent[]) => events.filter((e): e is BreakerEvent => e.type === "breaker");
const indexEvents = (events: EngineEvent[], id: string) =>
  events.filter((e): e is IndexEvent => e.type === "index" && e.index === id);

/** The longest stretch during which an index's published status was not ok, in ms. */
function longestNotOk(events: IndexEvent[], end: number): number {
  let longest = 0;
  let since = Number.NaN;
  for (const e of events) {
    if (e.status !== "ok" && Number.isNaN(since)) since = e.ts;
    if (e.status === "ok" && !Number.isNaN(since)) {
      longest = Math.max(longest, e.ts - since);
      since = Number.NaN;
    }
  }
  return Number.isNaN(since) ? longest : Math.max(longest, end - since);
}

describe("2022-12-13 (US CPI day), four Binance and Bybit venues, 1-minute bars", () => {
  const lines = readFileSync(join(ROOT, "test/fixtures/lean-2022-12-13.commands.jsonl"), "utf8")
    .trim()
    .split("\n");
  const { engine, events } = run(config("test/fixtures/lean-2022-12-13.config.json"), lines);
  const index = indexEvents(events, "BTC-USD");

  it("keeps the index available all day, with a quorum after the first minute, though two venues go silent at noon", () => {
    expect(events.filter((e) => e.type === "rejected")).toEqual([]);
    expect(index.every((e) => e.status !== "unavailable")).toBe(true);
    expect(index.filter((e) => e.status === "degraded").map((e) => iso(e.ts))).toEqual(["2022-12-13T00:01"]);
    const afternoon = index.filter((e) => e.ts > Date.UTC(2022, 11, 13, 12, 30)).at(-1) as IndexEvent;
    expect(afternoon.excluded.map((x) => x.source).sort()).toContain("bybit-linear-perp");
    expect(afternoon.status).toBe("ok");
  });

  it("follows the CPI move at 13:30 without tripping: a 0.36 % perp–spot gap is within the 0.6 % statistical floor", () => {
    const at1330 = index.filter(
      (e) => e.ts >= Date.UTC(2022, 11, 13, 13, 29) && e.ts <= Date.UTC(2022, 11, 13, 13, 36),
    );
    const prices = at1330.map((e) => Number(e.price));
    expect(Math.max(...prices) / Math.min(...prices) - 1).toBeGreaterThan(0.01);
    // what the defaults did on this day (reported in the issue note)
    // No breaker all day: the degraded first minute (one venue had reported) is the index warming up, which
    // trips none — its mark was not ok, so new risk was refused on it anyway.
    expect(breakers(events).map((e) => `${iso(e.ts)} ${e.scope} ${e.state} ${e.reason}`)).toEqual([]);
  });

  it("replays to the same state hash", () => {
    expect(run(config("test/fixtures/lean-2022-12-13.config.json"), lines).engine.stateHash()).toBe(
      engine.stateHash(),
    );
  });
});

const shared = hasSharedData();
const ci = process.env["CI"] === "true";

describe("2023-03 USDC depeg on Binance.US: BTC in USD, USDT and USDC", () => {
  it.runIf(!shared && !ci)(
    "SKIPPED: ../shared/data is absent, so the USDC depeg replay cannot run here",
    () => {
      console.warn("real-data.test: ../shared/data is absent; the USDC depeg replay was skipped");
    },
  );
  it.runIf(!shared && ci)("needs ../shared/data under CI", () => {
    throw new Error("../shared/data is absent under CI=true: the USDC depeg replay must run in CI");
  });
  if (!shared) return;

  const feed = buildUsdcDepegFeed(); // 2023-03-09 .. 2023-03-15 UTC, 1-minute closes, a tick every minute

  for (const mode of ["cap", "exclude"] as const) {
    it(`${mode} mode: the index fed by the three quotes ${mode === "cap" ? "caps" : "excludes"} the depegged USDC quote`, () => {
      const market = config("test/fixtures/usdc-depeg.config.json", (c) => {
        (c["indices"] as Record<string, unknown>[])[0]!["outlierMode"] = mode;
      });
      const { events } = run(market, feed);
      const peak = Date.UTC(2023, 2, 11, 7, 51); // the 07:50 bar closes at 07:51
      const e = indexEvents(events, "BTC-USD")
        .filter((x) => x.ts <= peak + 60_000)
        .at(-1) as IndexEvent;
      if (mode === "cap") expect(e.sources.find((s) => s.source === "binanceus-usdc")).toHaveProperty("raw");
      else expect(e.excluded).toContainEqual({ source: "binanceus-usdc", reason: "outlier" });
      expect(e.status).toBe("ok");
      const usd = Number((e.sources.find((s) => s.source === "binanceus-usd") as { price: string }).price);
      // USDT was off by a fraction of a percent too; capped, the USDC quote pulls the index by up to weight × band
      expect(Math.abs(Number(e.price) / usd - 1)).toBeLessThan(mode === "cap" ? 0.01 : 0.005);
    });
  }

  it("the BTC-USDC breaker, benchmarked on BTC-USD, trips as USDC breaks and clears after it recovers", () => {
    const market = config("test/fixtures/usdc-depeg.config.json", (c) => {
      (c["indices"] as Record<string, unknown>[])[0]!["outlierMode"] = "exclude";
    });
    const { engine, events } = run(market, feed);
    const usdc = breakers(events).filter((e) => e.scope === "BTC-USDC" && e.reason === "divergence");
    const first = usdc[0] as BreakerEvent;
    expect(first.state).toBe("tripped");
    expect(first.ts).toBeGreaterThan(Date.UTC(2023, 2, 10, 12));
    expect(first.ts).toBeLessThan(Date.UTC(2023, 2, 11, 6));
    // the long episode: USDC broke on the 11th and recovered after the 12th's backstop announcement
    const long = usdc.find((e) => e.state === "cleared" && e.ts > Date.UTC(2023, 2, 13)) as BreakerEvent;
    expect(long.ts).toBeLessThan(Date.UTC(2023, 2, 13, 12));
    expect(usdc.filter((e) => e.state === "tripped").length).toBeLessThanOrEqual(4);
    expect(engine.prices.tradingMode("BTC-USDC-PERP")).toBe("normal");
    // what the defaults did on these days (reported in the issue note)
    const end = Date.UTC(2023, 2, 15);
    console.info(
      `usdc-depeg: ${breakers(events).filter((e) => e.state === "tripped").length} trips:`,
      breakers(events)
        .map((e) => `${iso(e.ts)} ${e.scope} ${e.state} ${e.reason} ${e.value}/${e.threshold}`)
        .join("; "),
      `| longest not-ok BTC-USD ${longestNotOk(indexEvents(events, "BTC-USD"), end)} ms,`,
      `BTC-USDC ${longestNotOk(indexEvents(events, "BTC-USDC"), end)} ms`,
    );
  });
});

// The venues' published margin examples, through `plimsoll run`: orders set up the positions, `query.account`
// reads the figures (examples/margin/).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const DIR = join(ROOT, "examples", "margin");

function account(file: string): Record<string, unknown> & { positions: Record<string, unknown>[] } {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "plimsoll"),
      "run",
      "--config",
      join(DIR, "margin.config.json"),
      "--input",
      join(DIR, file),
    ],
    { encoding: "utf8" },
  );
  expect(r.status).toBe(0);
  const events = r.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(events.filter((e) => e.type === "rejected" || e.type === "order.rejected")).toEqual([]);
  const last = events.filter((e) => e.type === "account").at(-1);
  if (last === undefined) throw new Error(`${file}: no account event`);
  return last;
}

const position = (view: { positions: Record<string, unknown>[] }, symbol: string) =>
  view.positions.find((p) => p["symbol"] === symbol);

describe("published examples through plimsoll run", () => {
  it("Binance USDⓈ-M cross liquidation price: 10.72 wallet, short 0.005 BTC at 9,451.53, other MM 1.3, other PnL 0.47 → 11,383.99", () => {
    const view = account("binance-cross-liquidation-price.jsonl");
    expect(position(view, "ETHUSDT")).toMatchObject({ unrealizedPnl: "0.47", maintenance: "1.3" });
    expect(position(view, "BTCUSDT")).toMatchObject({ liquidationPrice: "11383.99" });
  });

  it("Binance maintenance amount: 250,000 × (1 % − 0.5 %) + 50 = 1,300 (MM of 500,000 notional = 3,700)", () => {
    expect(position(account("binance-maintenance-amount.jsonl"), "BTCUSDT")).toMatchObject({
      maintenance: "3700",
    });
  });

  it("BitMEX inverse: long 1,000 contracts at 1,000, mark 1,250 → +0.2 XBT", () => {
    expect(position(account("bitmex-inverse-pnl.jsonl"), "XBTUSD")).toMatchObject({
      unrealizedPnl: "0.2",
      settlementAsset: "BTC",
    });
  });

  it("Deribit BTC_USDC linear perpetual, 25 BTC at 100,000 → IM 53,125, MM 28,125", () => {
    const view = account("deribit-size-scaled-margin.jsonl");
    expect(view).toMatchObject({ initial: "53125", maintenance: "28125" });
  });

  it("Bybit USDT isolated, MM on the entry value: long 1 BTC at 20,000, 50× → 19,700", () => {
    expect(position(account("bybit-isolated-liquidation-price.jsonl"), "BTCUSDT-BYBIT")).toMatchObject({
      isolated: true,
      isolatedMargin: "400",
      liquidationPrice: "19700",
    });
  });
});

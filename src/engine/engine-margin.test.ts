// Margin through the engine: fills set up positions, `query.account` reads the figures. The venues' published
// examples (Binance, BitMEX, Deribit, Bybit) reproduced to the cent; withdraw/transfer refused below IM.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { formatFixed } from "../kernel/decimal.js";
import { Engine } from "./engine.js";
import type { AccountEvent, EngineEvent, PositionLine, RejectedEvent } from "./events.js";

const T0 = 1_700_000_000_000;

const index = (id: string) => ({
  id,
  sources: [{ id: "x", weight: "1" }],
  minSources: 1,
  staleAfterMs: 60_000,
});

function market(instruments: Record<string, unknown>[], extra: Record<string, unknown> = {}): MarketConfig {
  const result = loadConfig({
    quoteAsset: "USDT",
    assets: [
      { id: "USDT", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.9" },
    ],
    indices: [index("BTC-USD"), index("ETH-USD")],
    instruments: instruments.map((i) => ({
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "USDT",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      mark: { method: "index" },
      ...i,
    })),
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const BTC_TIERS = [{ upToNotional: "50000", initial: "0.01", maintenance: "0.004" }];

class Session {
  readonly engine: Engine;
  ts = T0;
  constructor(config: MarketConfig) {
    this.engine = new Engine(config, { assertInvariants: true });
  }
  apply(command: Record<string, unknown>): EngineEvent[] {
    return this.engine.apply({ ts: this.ts++, ...command });
  }
  ok(command: Record<string, unknown>): EngineEvent[] {
    const events = this.apply(command);
    const rejected = events.find((e) => e.type === "rejected");
    if (rejected) throw new Error(`refused: ${JSON.stringify(rejected)}`);
    return events;
  }
  price(indexId: string, price: string) {
    this.ok({ type: "price", index: indexId, source: "x", price, sourceTs: this.ts });
  }
  deposit(account: string, asset: string, amount: string) {
    this.ok({ type: "deposit", account, asset, amount });
  }
  fill(symbol: string, buyer: string, seller: string, qty: string, price: string) {
    return this.ok({ type: "fill", symbol, buyer, seller, qty, price });
  }
  account(account: string): AccountEvent {
    return this.ok({ type: "query.account", account })[0] as AccountEvent;
  }
  position(account: string, symbol: string): PositionLine {
    const p = this.account(account).positions.find((x) => x.symbol === symbol);
    if (!p) throw new Error(`no ${symbol} position`);
    return p;
  }
}

describe("published examples", () => {
  it("Binance USDⓈ-M cross liquidation price: 10.72 wallet, short 0.005 at 9,451.53 → 11,383.99", () => {
    // The other position: long 1 ETH, entry 259.53, mark 260 → PnL 0.47; MMR 0.5 % of 260 → MM 1.3.
    const s = new Session(
      market([
        { symbol: "BTCUSDT", marginTiers: BTC_TIERS },
        {
          symbol: "ETHUSDT",
          index: "ETH-USD",
          marginTiers: [{ upToNotional: "10000", initial: "0.01", maintenance: "0.005" }],
        },
      ]),
    );
    s.deposit("u", "USDT", "10.72");
    s.deposit("mm", "USDT", "1000000");
    s.price("BTC-USD", "9451.53");
    s.price("ETH-USD", "260");
    s.fill("BTCUSDT", "mm", "u", "0.005", "9451.53");
    s.fill("ETHUSDT", "u", "mm", "1", "259.53");
    const view = s.account("u");
    expect(view.positions.find((p) => p.symbol === "ETHUSDT")).toMatchObject({
      unrealizedPnl: "0.47",
      maintenance: "1.3",
    });
    expect(view.positions.find((p) => p.symbol === "BTCUSDT")?.liquidationPrice).toBe("11383.99");
  });

  it("Binance maintenance amount: 250,000 × (1 % − 0.5 %) + 50 = 1,300", () => {
    const tiers = [
      { upToNotional: "50000", initial: "0.008", maintenance: "0.004" },
      { upToNotional: "250000", initial: "0.01", maintenance: "0.005" },
      { upToNotional: "1000000", initial: "0.02", maintenance: "0.01" },
    ];
    const config = market([{ symbol: "BTCUSDT", marginTiers: tiers }]);
    const bracket = config.instruments[0]?.margin;
    expect(bracket?.kind === "tiers" && bracket.tiers.map((t) => formatFixed(t.maintenanceAmount))).toEqual([
      "0",
      "50",
      "1300",
    ]);
    const s = new Session(config);
    s.deposit("u", "USDT", "100000");
    s.deposit("mm", "USDT", "100000");
    s.price("BTC-USD", "50000");
    s.fill("BTCUSDT", "u", "mm", "10", "50000");
    // notional 500,000 in the third bracket: 500,000 × 1 % − 1,300
    expect(s.position("u", "BTCUSDT").maintenance).toBe("3700");
  });

  it("BitMEX inverse: long 1,000 contracts of 1 USD at 1,000, mark 1,250 → +0.2 XBT", () => {
    const s = new Session(
      market([
        {
          symbol: "XBTUSD",
          inverse: true,
          settlementAsset: "BTC",
          contractSize: "1",
          tickSize: "0.5",
          lotSize: "1",
          marginTiers: [{ upToNotional: "200", initial: "0.01", maintenance: "0.0035" }],
        },
      ]),
    );
    s.price("BTC-USD", "1000");
    s.deposit("u", "BTC", "1");
    s.deposit("mm", "BTC", "10");
    s.fill("XBTUSD", "u", "mm", "1000", "1000");
    s.price("BTC-USD", "1250");
    expect(s.position("u", "XBTUSD")).toMatchObject({
      unrealizedPnl: "0.2",
      entryPrice: "1000",
      markPrice: "1250",
    });
    expect(s.position("mm", "XBTUSD")).toMatchObject({ unrealizedPnl: "-0.2", qty: "-1000" });
  });

  it("Deribit BTC_USDC size-scaled margin: 25 BTC at 100,000 → IM 53,125, MM 28,125", () => {
    const s = new Session(
      market([
        {
          symbol: "BTC_USDC-PERPETUAL",
          marginScaling: { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" },
        },
      ]),
    );
    s.deposit("u", "USDT", "1000000");
    s.deposit("mm", "USDT", "1000000");
    s.price("BTC-USD", "100000");
    s.fill("BTC_USDC-PERPETUAL", "u", "mm", "25", "100000");
    expect(s.position("u", "BTC_USDC-PERPETUAL")).toMatchObject({ initial: "53125", maintenance: "28125" });
    expect(s.account("u")).toMatchObject({ initial: "53125", maintenance: "28125" });
  });

  it("Bybit USDT isolated, MM on the entry value: long 1 BTC at 20,000, 50× → 19,700", () => {
    const s = new Session(
      market([
        {
          symbol: "BTCUSDT",
          maintenanceBasis: "entry",
          marginTiers: [{ upToNotional: "2000000", initial: "0.02", maintenance: "0.005" }],
        },
      ]),
    );
    s.deposit("u", "USDT", "1000");
    s.deposit("mm", "USDT", "100000");
    s.price("BTC-USD", "20000");
    s.ok({ type: "position.mode", account: "u", symbol: "BTCUSDT", isolated: true, leverage: "50" });
    s.fill("BTCUSDT", "u", "mm", "1", "20000");
    expect(s.position("u", "BTCUSDT")).toMatchObject({
      isolated: true,
      isolatedMargin: "400",
      liquidationPrice: "19700",
    });
  });
});

describe("pre-trade check on a fresh isolated slot", () => {
  it("refuses an isolated order the account cannot margin (the float screen defers to the exact check)", () => {
    const s = new Session(market([{ symbol: "BTCUSDT", marginTiers: BTC_TIERS }]));
    s.deposit("u", "USDT", "100");
    s.price("BTC-USD", "20000");
    s.ok({ type: "position.mode", account: "u", symbol: "BTCUSDT", isolated: true, leverage: "10" });
    // 1 BTC at 10× needs 2,000 of isolated margin against 100 of equity.
    const refused = s.apply({
      type: "order",
      account: "u",
      id: "o1",
      symbol: "BTCUSDT",
      side: "buy",
      qty: "1",
      price: "20000",
    });
    expect(refused[0]).toMatchObject({ type: "order.rejected", code: "insufficient_margin" });
  });
});

describe("realised PnL and the ledger", () => {
  it("realises PnL on reduce and flip against sys:clearing; the ledger stays balanced", () => {
    const s = new Session(market([{ symbol: "BTCUSDT", marginTiers: BTC_TIERS }]));
    s.deposit("a", "USDT", "10000");
    s.deposit("b", "USDT", "10000");
    s.price("BTC-USD", "100");
    s.fill("BTCUSDT", "a", "b", "2", "100");
    s.fill("BTCUSDT", "a", "b", "2", "110"); // a long 4 at 105
    expect(s.position("a", "BTCUSDT")).toMatchObject({ qty: "4", entryPrice: "105" });
    const events = s.fill("BTCUSDT", "b", "a", "5", "120"); // a sells 5: closes 4 (+60), short 1 at 120
    const pnl = events.filter((e) => e.type === "balance" && e.reason === "pnl");
    expect(pnl).toMatchObject([
      { account: "b", delta: "-60", counterparty: "sys:clearing" },
      { account: "a", delta: "60", counterparty: "sys:clearing" },
    ]);
    expect(s.position("a", "BTCUSDT")).toMatchObject({ qty: "-1", entryPrice: "120" });
    expect(s.position("b", "BTCUSDT")).toMatchObject({ qty: "1", entryPrice: "120" });
    s.engine.ledger.assertBalanced();
  });

  it("refuses a withdrawal that would leave the account below its initial margin, naming the shortfall", () => {
    const s = new Session(market([{ symbol: "BTCUSDT", marginTiers: BTC_TIERS }]));
    s.deposit("u", "USDT", "1000");
    s.deposit("mm", "USDT", "100000");
    s.price("BTC-USD", "20000");
    s.fill("BTCUSDT", "u", "mm", "2", "20000"); // IM 1 % of 40,000 = 400
    const before = s.engine.stateHash();
    const refused = s.apply({
      type: "withdraw",
      account: "u",
      asset: "USDT",
      amount: "700",
    })[0] as RejectedEvent;
    expect(refused).toMatchObject({ type: "rejected", code: "insufficient_margin" });
    expect(refused.message).toContain("100 USDT short");
    expect(s.engine.stateHash()).toBe(before);
    expect(s.account("u").availableToWithdraw["USDT"]).toBe("600");
    s.ok({ type: "withdraw", account: "u", asset: "USDT", amount: "600" });
    const transfer = s.apply({ type: "transfer", from: "u", to: "mm", asset: "USDT", amount: "0.000001" });
    expect(transfer[0]).toMatchObject({ type: "rejected", code: "insufficient_margin" });
  });
});

// Random order flow through the engine (fast-check; the seed is printed, ORDER_FLOW_SEED replays it): ≥ 100,000
// orders and cancels from a handful of accounts on two books, prices moving. After every command the ledger
// balances (assertInvariants) and positions net to zero per instrument; no accepted order leaves its account
// below initial margin if it was within it before; replaying the commands with every pre-trade check on the exact
// path (no float screen) gives the same state hash.
import fc from "fast-check";
import { expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "./engine.js";

const T0 = 1_700_000_000_000;
const ACCOUNTS = ["a", "b", "c", "d", "e", "f"];
const RUNS = 200;
const ORDERS_PER_RUN = 520;

function market(): MarketConfig {
  const perp = (symbol: string, index: string, extra: Record<string, unknown>) => ({
    symbol,
    kind: "perpetual",
    index,
    settlementAsset: "USDC",
    contractSize: "1",
    tickSize: "1",
    lotSize: "0.01",
    fees: { maker: "-0.0001", taker: "0.0005" },
    marginTiers: [
      { upToNotional: "50000", initial: "0.05", maintenance: "0.02" },
      { upToNotional: "10000000", initial: "0.1", maintenance: "0.05" },
    ],
    ...extra,
  });
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.8" },
    ],
    indices: ["BTC-USD", "ETH-USD"].map((id) => ({
      id,
      sources: [{ id: "x", weight: "1" }],
      minSources: 1,
      staleAfterMs: 600_000,
    })),
    instruments: [
      perp("BTC-PERP", "BTC-USD", {}),
      perp("ETH-PERP", "ETH-USD", { mark: { method: "index" } }),
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

const command = fc.record({
  kind: fc.constantFrom("order", "order", "order", "order", "cancel", "price"),
  account: fc.constantFrom(...ACCOUNTS),
  symbol: fc.constantFrom("BTC-PERP", "ETH-PERP"),
  side: fc.constantFrom("buy", "sell"),
  lots: fc.integer({ min: 1, max: 400 }),
  offset: fc.integer({ min: -60, max: 60 }),
  tif: fc.constantFrom("GTC", "GTC", "IOC", "FOK", "POST_ONLY", "MARKET"),
  reduceOnly: fc.boolean(),
  id: fc.integer({ min: 0, max: 30 }),
});

it(`${RUNS * ORDERS_PER_RUN} random commands: balanced, netted, within margin, replayable`, () => {
  const seed = Number(process.env["ORDER_FLOW_SEED"] ?? Date.now() % 2 ** 31);
  console.log(`order-flow seed ${seed} (replay: ORDER_FLOW_SEED=${seed})`);
  const config = market();
  let trades = 0;
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(command, { minLength: ORDERS_PER_RUN, maxLength: ORDERS_PER_RUN }), (flow) => {
      const engine = new Engine(config, { assertInvariants: true });
      const commands: Record<string, unknown>[] = [];
      let ts = T0;
      const level = { "BTC-USD": 1000, "ETH-USD": 100 };
      const run = (c: Record<string, unknown>) => {
        commands.push(c);
        return engine.apply(c);
      };
      for (const [index, price] of Object.entries(level))
        run({ type: "price", ts, index, source: "x", price: String(price), sourceTs: ts });
      for (const account of ACCOUNTS) {
        run({ type: "deposit", ts, account, asset: "USDC", amount: "5000" });
        run({ type: "deposit", ts, account, asset: "BTC", amount: "1" });
      }
      for (const f of flow) {
        ts += 100;
        const index = f.symbol === "BTC-PERP" ? "BTC-USD" : "ETH-USD";
        const mid = level[index as keyof typeof level];
        if (f.kind === "price") {
          const next = Math.max(10, mid + Math.round(f.offset / 6));
          level[index as keyof typeof level] = next;
          run({ type: "price", ts, index, source: "x", price: String(next), sourceTs: ts });
          continue;
        }
        if (f.kind === "cancel") {
          run({ type: "cancel", ts, account: f.account, id: `o${f.id}` });
          continue;
        }
        const account = engine.ledger.account(f.account);
        const before = engine.margin.figures(account, ts);
        const within = before.initialEquity >= before.crossInitial;
        const order: Record<string, unknown> = {
          type: "order",
          ts,
          account: f.account,
          id: `o${f.id}`,
          symbol: f.symbol,
          side: f.side,
          qty: (f.lots / 100).toFixed(2),
          reduceOnly: f.reduceOnly,
        };
        if (f.tif !== "MARKET") {
          order["price"] = String(Math.max(1, mid + f.offset));
          order["tif"] = f.tif;
        }
        const events = run(order);
        for (const e of events) if (e.type === "trade") trades++;
        if (events[0]?.type === "order.accepted") accepted++;
        if (events[0]?.type === "order.accepted" && within) {
          const after = engine.margin.figures(account, ts);
          expect(after.initialEquity >= after.crossInitial, `order ${JSON.stringify(order)}`).toBe(true);
        }
      }
      for (const [no] of config.instruments.entries()) {
        let net = 0;
        for (const id of ACCOUNTS) {
          const slot = engine.positions.slot(engine.ledger.account(id), no);
          if (slot >= 0) net += engine.positions.lots(slot);
        }
        expect(net).toBe(0);
      }
      // Replayed with every pre-trade check on the exact path and every holder's margin recomputed exactly on every
      // price: the float screen and the liquidation sweep decided exactly as the exhaustive path would have.
      const replay = new Engine(config, { exactChecks: true, exhaustiveMargin: true });
      for (const c of commands) replay.apply(c);
      expect(replay.stateHash()).toBe(engine.stateHash());
    }),
    { seed, numRuns: RUNS },
  );
  console.log(`order-flow: ${accepted} orders accepted, ${trades} trades`);
  expect(trades).toBeGreaterThan(RUNS * 20);
}, 600_000);

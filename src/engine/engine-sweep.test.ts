// The liquidation sweep against the exhaustive path: random levered portfolios over tiered, size-scaled and
// inverse perpetuals, collateral in BTC, venues that go quiet, price walks with jumps. An engine that re-evaluates
// only the accounts the sweep names must emit exactly the events, and reach exactly the state, of an engine that
// re-evaluates every holder exactly on every price (fast-check; the seed is printed, SWEEP_SEED replays it).
import fc from "fast-check";
import { expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "./engine.js";

const T0 = 1_700_000_000_000;
const INDICES = ["BTC-USD", "ETH-USD", "SOL-USD"] as const;
const START: Record<string, number> = { "BTC-USD": 20_000, "ETH-USD": 1_500, "SOL-USD": 20 };
const LINEAR = ["BTC-PERP", "ETH-PERP", "SOL-PERP"];

function market(): MarketConfig {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.9" },
    ],
    indices: INDICES.map((id) => ({
      id,
      sources: [
        { id: "a", weight: "1" },
        { id: "b", weight: "1" },
      ],
      minSources: 2,
      staleAfterMs: 5_000,
      breakers: { move: null, divergence: null, degraded: false },
    })),
    instruments: [
      {
        symbol: "BTC-PERP",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.001",
        mark: { method: "index" },
        breakers: { divergence: null },
        marginTiers: [
          { upToNotional: "50000", initial: "0.05", maintenance: "0.025" },
          { upToNotional: "500000", initial: "0.1", maintenance: "0.05" },
        ],
      },
      {
        symbol: "ETH-PERP",
        kind: "perpetual",
        index: "ETH-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.05",
        lotSize: "0.01",
        mark: { method: "index" },
        breakers: { divergence: null },
        marginScaling: { initial: "0.04", maintenance: "0.02", perUnit: "0.0002" },
      },
      {
        symbol: "SOL-PERP",
        kind: "perpetual",
        index: "SOL-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.001",
        lotSize: "0.1",
        mark: { method: "index" },
        breakers: { divergence: null },
        marginTiers: [{ upToNotional: "1000000", initial: "0.1", maintenance: "0.05" }],
      },
      {
        symbol: "BTC-INV",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "BTC",
        inverse: true,
        contractSize: "10",
        tickSize: "0.5",
        lotSize: "1",
        mark: { method: "index" },
        breakers: { divergence: null },
        marginTiers: [{ upToNotional: "100", initial: "0.02", maintenance: "0.01" }],
      },
    ],
    insuranceFund: { initialBalance: "20000" },
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

const account = fc.record({
  usdc: fc.integer({ min: 200, max: 5_000 }),
  btc: fc.constantFrom(0, 0, 0, 0.05),
  legs: fc.array(
    fc.record({
      symbol: fc.constantFrom(...LINEAR, "BTC-INV"),
      leverage: fc.constantFrom(-10, -6, -3, -1, 1, 3, 6, 10),
      isolated: fc.constantFrom(false, false, false, true),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});
const step = fc.record({
  index: fc.constantFrom(...INDICES),
  move: fc.constantFrom(-0.08, -0.04, -0.02, -0.01, -0.003, 0.003, 0.01, 0.02, 0.04, 0.08),
  quiet: fc.constantFrom("", "", "", "", "b"), // venue b skips this print
  dt: fc.constantFrom(500, 1_000, 3_000),
});

it("the sweep names every account whose state a price move changes: same events, same state as the exhaustive path", () => {
  const seed = Number(process.env["SWEEP_SEED"] ?? Date.now() % 2 ** 31);
  console.log(`sweep seed ${seed} (replay: SWEEP_SEED=${seed})`);
  const config = market();
  let transitions = 0;
  let liquidations = 0;
  fc.assert(
    fc.property(
      fc.array(account, { minLength: 4, maxLength: 12 }),
      fc.array(step, { minLength: 60, maxLength: 160 }),
      (accounts, steps) => {
        const swept = new Engine(config, { assertInvariants: true });
        const exhaustive = new Engine(config, { exhaustiveMargin: true });
        let ts = T0;
        const level = { ...START };
        const apply = (c: Record<string, unknown>) => {
          const a = swept.apply(c);
          const b = exhaustive.apply(c);
          expect(a).toEqual(b);
          for (const e of a) {
            if (e.type === "rejected") throw new Error(`${JSON.stringify(c)}: ${e.message}`);
            if (e.type === "margin") transitions++;
            if (e.type === "liquidation") liquidations++;
          }
        };
        const print = (index: string, sources = ["a", "b"]) => {
          for (const source of sources)
            apply({
              type: "price",
              ts,
              index,
              source,
              price: (level[index] as number).toFixed(4),
              sourceTs: ts,
            });
        };
        for (const index of INDICES) print(index);
        apply({ type: "deposit", ts, account: "mm", asset: "USDC", amount: "100000000" });
        apply({ type: "deposit", ts, account: "mm", asset: "BTC", amount: "1000" });
        accounts.forEach((a, i) => {
          const id = `u${i}`;
          apply({ type: "deposit", ts, account: id, asset: "USDC", amount: String(a.usdc) });
          if (a.btc > 0) apply({ type: "deposit", ts, account: id, asset: "BTC", amount: String(a.btc) });
          const legs = a.legs.filter((leg, k) => a.legs.findIndex((x) => x.symbol === leg.symbol) === k);
          for (const leg of legs) {
            const instrument = config.instruments.find((x) => x.symbol === leg.symbol);
            const price = level[instrument?.index ?? "BTC-USD"] as number;
            const tick = Number(instrument?.tickSize.raw) / 10 ** (instrument?.tickSize.scale ?? 0);
            const lot = Number(instrument?.lotSize.raw) / 10 ** (instrument?.lotSize.scale ?? 0);
            const unitValue = instrument?.inverse ? 10 : price;
            const lots = Math.floor(Math.abs((leg.leverage * a.usdc) / legs.length / unitValue / lot));
            if (lots === 0) continue;
            const long = leg.leverage > 0;
            if (leg.isolated && !instrument?.inverse)
              apply({
                type: "position.mode",
                ts,
                account: id,
                symbol: leg.symbol,
                isolated: true,
                leverage: "10",
              });
            apply({
              type: "fill",
              ts,
              symbol: leg.symbol,
              buyer: long ? id : "mm",
              seller: long ? "mm" : id,
              qty: (lots * lot).toFixed(instrument?.lotSize.scale ?? 0),
              price: (Math.round(price / tick) * tick).toFixed(4),
            });
          }
        });
        for (const s of steps) {
          ts += s.dt;
          level[s.index] = Math.max(0.5, (level[s.index] as number) * (1 + s.move));
          print(s.index, s.quiet === "b" ? ["a"] : ["a", "b"]);
          // The other indices keep their venues fresh, most of the time.
          for (const other of INDICES) if (other !== s.index && s.dt > 1_000) print(other);
          if (s.dt === 3_000) apply({ type: "tick", ts });
        }
        expect(swept.stateHash()).toBe(exhaustive.stateHash());
      },
    ),
    { seed, numRuns: 60 },
  );
  console.log(`sweep: ${transitions} margin transitions, ${liquidations} liquidations`);
  expect(transitions).toBeGreaterThan(100);
  expect(liquidations).toBeGreaterThan(10);
}, 300_000);

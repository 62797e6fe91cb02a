// Properties of the account figures over random fills, prices and time: IM ≥ MM; figures never rounded in the
// account's favour (checked against an exact rational reference); equity never rises as a collateral price ages;
// the ledger balances after every fill.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { parseDecimal } from "../kernel/decimal.js";
import { Engine } from "./engine.js";
import type { AccountEvent, EngineEvent } from "./events.js";

const T0 = 1_700_000_000_000;
const loaded = loadConfig({
  quoteAsset: "USDC",
  assets: [
    { id: "USDC", decimals: 6 },
    { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.9" },
  ],
  indices: [
    {
      id: "BTC-USD",
      sources: [
        { id: "a", weight: "0.5" },
        { id: "b", weight: "0.5" },
      ],
      minSources: 2,
      staleAfterMs: 5_000,
    },
  ],
  instruments: [
    {
      symbol: "PERP",
      kind: "perpetual",
      index: "BTC-USD",
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      mark: { method: "index" },
      fees: { maker: "-0.0001", taker: "0.0005" },
      marginTiers: [
        { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
        { upToNotional: "250000", initial: "0.02", maintenance: "0.005" },
        { upToNotional: "100000000", initial: "0.05", maintenance: "0.01" },
      ],
    },
  ],
});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const config = loaded.config;
const ACCOUNTS = ["a", "b", "c"] as const;

const fillArb = fc.record({
  buyer: fc.constantFrom(...ACCOUNTS),
  seller: fc.constantFrom(...ACCOUNTS),
  lots: fc.integer({ min: 1, max: 50_000 }),
  cents: fc.integer({ min: 1_000_000, max: 9_000_000 }),
  taker: fc.constantFrom("buy", "sell", undefined),
});

const money = (text: string, decimals: number) => parseDecimal(text, decimals, "x") as bigint;

type Fill = typeof fillArb extends fc.Arbitrary<infer T> ? T : never;

function run(fills: Fill[], markCents: number, btc: number) {
  const engine = new Engine(config, { assertInvariants: true });
  let ts = T0;
  const ok = (c: Record<string, unknown>): EngineEvent[] => {
    const events = engine.apply({ ts, ...c });
    expect(events.find((e) => e.type === "rejected")).toBeUndefined();
    return events;
  };
  const price = (cents: number) => {
    for (const source of ["a", "b"])
      ok({ type: "price", index: "BTC-USD", source, price: (cents / 100).toFixed(2), sourceTs: ts });
  };
  price(markCents);
  for (const account of ACCOUNTS) {
    ok({ type: "deposit", account, asset: "USDC", amount: "100000" });
    if (btc > 0) ok({ type: "deposit", account, asset: "BTC", amount: (btc / 1e8).toFixed(8) });
  }
  for (const f of fills) {
    if (f.buyer === f.seller) continue;
    ts += 1;
    ok({
      type: "fill",
      symbol: "PERP",
      buyer: f.buyer,
      seller: f.seller,
      qty: (f.lots / 1000).toFixed(3),
      price: (f.cents / 100).toFixed(2),
      ...(f.taker ? { takerSide: f.taker } : {}),
    });
  }
  ts += 1;
  price(markCents);
  const view = (account: string, at: number) =>
    engine.apply({ type: "query.account", ts: at, account })[0] as AccountEvent;
  return { engine, ts, view };
}

describe("account figure properties", () => {
  it("IM ≥ MM, and equity and requirements are rounded against the account (exact reference)", () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { maxLength: 12 }),
        fc.integer({ min: 1_000_000, max: 9_000_000 }),
        (fills, mark) => {
          const { engine, ts, view } = run(fills, mark, 0);
          for (const account of ACCOUNTS) {
            const v = view(account, ts);
            expect(money(v.initial, 6)).toBeGreaterThanOrEqual(money(v.maintenance, 6));
            // Exact reference at 18 + 8 decimals: balance + qty × mark − entry value, with entry value
            // recomputed from the position's own exact record.
            const no = engine.ledger.account(account);
            const slot = engine.positions.slot(no, 0);
            const lots = slot < 0 ? 0 : engine.positions.lots(slot);
            const entryValue = slot < 0 ? 0n : engine.positions.entryValue(slot); // wad, linear: Σ qty × price
            const balance = engine.ledger.balance(no, 0) * 10n ** 12n; // wad
            const exposure = BigInt(lots) * 10n ** 15n; // lots × 0.001, wad
            const pnlWad2 = exposure * BigInt(mark) * 10n ** 16n - entryValue * 10n ** 18n; // at 36 decimals
            const equity36 = balance * 10n ** 18n + pnlWad2;
            expect(money(v.equity, 6) * 10n ** 30n).toBeLessThanOrEqual(equity36);
            const notional36 = (exposure < 0n ? -exposure : exposure) * BigInt(mark) * 10n ** 16n;
            const p = v.positions[0];
            if (p !== undefined) {
              const rate =
                notional36 <= 50_000n * 10n ** 36n
                  ? [4n, 0n]
                  : notional36 <= 250_000n * 10n ** 36n
                    ? [5n, 50n]
                    : [10n, 1300n];
              const mm36 = (notional36 * (rate[0] as bigint)) / 1000n - (rate[1] as bigint) * 10n ** 36n;
              expect(money(v.maintenance, 6) * 10n ** 30n).toBeGreaterThanOrEqual(mm36);
            }
          }
          engine.ledger.assertBalanced();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("equity never rises while a collateral price ages into staleness and beyond", () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { maxLength: 6 }),
        fc.integer({ min: 1_000_000, max: 9_000_000 }),
        fc.integer({ min: 1, max: 500_000_000 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 8 }),
        (fills, mark, btc, steps) => {
          const { ts, view } = run(fills, mark, btc);
          let at = ts;
          let last = ACCOUNTS.map((account) => money(view(account, at).equity, 6));
          for (const step of steps) {
            at += step;
            const next = ACCOUNTS.map((account) => money(view(account, at).equity, 6));
            for (const [i, equity] of next.entries()) expect(equity).toBeLessThanOrEqual(last[i] as bigint);
            last = next;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

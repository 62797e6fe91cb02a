// Funding through the engine: premium sampled from the book each minute, the rate at each interval boundary,
// every position paying or receiving in one step, Σ payments + the insurance fund's residue = 0 exactly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { parseDecimal } from "../kernel/decimal.js";
import { INSURANCE } from "../ledger/ledger.js";
import { Engine } from "./engine.js";
import type { EngineEvent, FundingEvent, FundingPaymentEvent } from "./events.js";

const HOUR = 3_600_000;
const T0 = 1_700_006_400_000; // a multiple of 8 h: the first boundary is T0 + 8 h

function engine(cap = "0.0075", mark: Record<string, unknown> = { method: "index" }) {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [{ id: "I", sources: [{ id: "x", weight: "1" }], minSources: 1, staleAfterMs: 10 * HOUR }],
    instruments: [
      {
        symbol: "PERP",
        kind: "perpetual",
        index: "I",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.001",
        mark,
        marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
        funding: { intervalMs: 8 * HOUR, cap, interestRate: "0.0001" },
      },
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return new Engine(loaded.config, { assertInvariants: true });
}

const usdc = (text: string) => parseDecimal(text, 6, "x") as bigint;

describe("funding", () => {
  it("funds at the interest rate with no premium; longs pay, shorts receive; Σ = 0 with the residue", () => {
    const e = engine();
    let ts = T0;
    e.apply({ type: "price", ts, index: "I", source: "x", price: "20000", sourceTs: ts });
    for (const a of ["a", "b", "c"])
      e.apply({ type: "deposit", ts, account: a, asset: "USDC", amount: "100000" });
    e.apply({ type: "fill", ts, symbol: "PERP", buyer: "a", seller: "b", qty: "1.333", price: "20000" });
    e.apply({ type: "fill", ts, symbol: "PERP", buyer: "c", seller: "b", qty: "0.777", price: "20000" });
    const fund = e.ledger.balance(INSURANCE, 0);
    ts = T0 + 8 * HOUR;
    const events = e.apply({ type: "tick", ts });
    const funding = events.find((x): x is FundingEvent => x.type === "funding");
    expect(funding).toMatchObject({
      symbol: "PERP",
      rate: "0.0001",
      markPrice: "20000",
      fundingTs: T0 + 8 * HOUR,
    });
    const payments = events.filter((x): x is FundingPaymentEvent => x.type === "funding.payment");
    // 1.333 × 20,000 × 0.01 % = 2.666; 0.777 × … = 1.554; b receives 2.11 × 20,000 × 0.01 % = 4.22
    expect(payments.map((p) => [p.account, p.amount])).toEqual([
      ["a", "-2.666"],
      ["c", "-1.554"],
      ["b", "4.22"],
    ]);
    const sum = payments.reduce((s, p) => s + usdc(p.amount), 0n);
    expect(sum + (e.ledger.balance(INSURANCE, 0) - fund)).toBe(0n);
  });

  it("samples the premium from the book and caps the rate", () => {
    const e = engine("0.003");
    let ts = T0;
    e.apply({ type: "price", ts, index: "I", source: "x", price: "20000", sourceTs: ts });
    for (const a of ["a", "b", "m"])
      e.apply({ type: "deposit", ts, account: a, asset: "USDC", amount: "1000000" });
    e.apply({ type: "fill", ts, symbol: "PERP", buyer: "a", seller: "b", qty: "1", price: "20000" });
    // A book 1 % above the index all interval: premium ≈ 1 %, the rate capped at 0.3 %.
    e.apply({
      type: "order",
      ts,
      account: "m",
      id: "bid",
      symbol: "PERP",
      side: "buy",
      qty: "1",
      price: "20200",
    });
    e.apply({
      type: "order",
      ts,
      account: "m",
      id: "ask",
      symbol: "PERP",
      side: "sell",
      qty: "1",
      price: "20250",
    });
    const all: EngineEvent[] = [];
    for (ts = T0 + 60_000; ts <= T0 + 8 * HOUR; ts += 60_000) {
      all.push(...e.apply({ type: "price", ts, index: "I", source: "x", price: "20000", sourceTs: ts }));
    }
    const funding = all.filter((x): x is FundingEvent => x.type === "funding");
    expect(funding).toHaveLength(1);
    // 480 samples: the first (at T0, before the book) 0, the other 479 at 1 %.
    expect(funding[0]).toMatchObject({ rate: "0.003", premium: "0.00997917" });
    const payments = all.filter((x): x is FundingPaymentEvent => x.type === "funding.payment");
    expect(payments.map((p) => [p.account, p.amount])).toEqual([
      ["a", "-60"],
      ["b", "60"],
    ]);
  });

  it("Σ payments ≤ 0 and the residue closes it exactly, for any positions", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 9_999_999 }),
        (sizes, px) => {
          const e = engine();
          const price = (px / 100).toFixed(2).replace(/\.?0+$/, "");
          let ts = T0;
          e.apply({ type: "price", ts, index: "I", source: "x", price, sourceTs: ts });
          e.apply({ type: "deposit", ts, account: "maker", asset: "USDC", amount: "1000000000" });
          sizes.forEach((lots, i) => {
            e.apply({ type: "deposit", ts, account: `t${i}`, asset: "USDC", amount: "1000000000" });
            const fill = { type: "fill", ts, symbol: "PERP", qty: (lots / 1000).toFixed(3), price: "20000" };
            e.apply(
              i % 2 === 0
                ? { ...fill, buyer: `t${i}`, seller: "maker" }
                : { ...fill, buyer: "maker", seller: `t${i}` },
            );
          });
          const fund = e.ledger.balance(INSURANCE, 0);
          ts = T0 + 8 * HOUR;
          const events = e.apply({ type: "price", ts, index: "I", source: "x", price, sourceTs: ts });
          const sum = events
            .filter((x): x is FundingPaymentEvent => x.type === "funding.payment")
            .reduce((s, p) => s + usdc(p.amount), 0n);
          expect(sum).toBeLessThanOrEqual(0n);
          expect(sum + (e.ledger.balance(INSURANCE, 0) - fund)).toBe(0n);
          e.ledger.assertBalanced();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("the funding estimate in the median-of-three mark", () => {
  it("carries the index by the interval's estimated rate for the time left: index × (1 + rate × left / interval)", () => {
    const e = engine("0.0075", { method: "median-of-three" });
    const price = (ts: number) =>
      e.apply({ type: "price", ts, index: "I", source: "x", price: "20000", sourceTs: ts });
    const t = T0 + 4 * HOUR; // half the interval left
    price(t); // the first sample: no book, so no premium; the rate is the interest term, 0.0001
    price(t + 1_000);
    // Three prices: 20000 × (1 + 0.0001 × left/8h), the index plus its basis (0: no book), no last trade (NaN);
    // the median of the two there are is their mean.
    const left = (T0 + 8 * HOUR - (t + 1_000)) / (8 * HOUR);
    const expected = (20_000 * (1 + 0.0001 * left) + 20_000) / 2;
    expect(e.prices.markPrice("PERP", t + 1_000)?.value).toBeCloseTo(expected, 9);
    expect(expected).toBeGreaterThan(20_000.49);
  });
});

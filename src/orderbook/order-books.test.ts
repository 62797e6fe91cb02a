import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUY, MAX_OPEN_ORDERS_PER_ACCOUNT, OrderBooks, SELL, type Side } from "./order-books.js";

describe("OrderBooks", () => {
  it("keeps price-time priority: best price first, then arrival", () => {
    const b = new OrderBooks(2);
    const a1 = b.add(1, "a1", 0, BUY, 100, 5, 0);
    const a2 = b.add(2, "a2", 0, BUY, 101, 5, 0);
    const a3 = b.add(3, "a3", 0, BUY, 101, 7, 0);
    b.add(4, "s1", 0, SELL, 103, 1, 0);
    b.add(4, "other-book", 1, BUY, 500, 1, 0);
    expect(b.best(0, BUY)).toBe(a2);
    expect(b.behind(a2)).toBe(a3);
    b.fill(a2, 5);
    expect(b.best(0, BUY)).toBe(a3);
    b.fill(a3, 3);
    expect(b.lots(a3)).toBe(4);
    b.remove(a3);
    expect(b.best(0, BUY)).toBe(a1);
    expect(b.bestPrice(0, SELL)).toBe(103);
    expect(b.bestPrice(1, SELL)).toBeNaN();
    expect(b.find(1, "a1")).toBe(a1);
    expect(b.find(2, "a2")).toBe(-1);
  });

  it("reuses a price level that emptied while still queued, and walks depth best first", () => {
    const b = new OrderBooks(1);
    const x = b.add(1, "x", 0, SELL, 10, 1, 0);
    b.add(1, "y", 0, SELL, 12, 2, 0);
    b.remove(x);
    const z = b.add(2, "z", 0, SELL, 10, 3, 0);
    expect(b.best(0, SELL)).toBe(z);
    const depth: [number, number][] = [];
    b.walk(0, SELL, (price, lots) => {
      depth.push([price, lots]);
      return true;
    });
    expect(depth).toEqual([
      [10, 3],
      [12, 2],
    ]);
  });

  it("refuses orders past the per-account limit", () => {
    const b = new OrderBooks(1);
    for (let i = 0; i < MAX_OPEN_ORDERS_PER_ACCOUNT; i++) b.add(7, `o${i}`, 0, BUY, 100 + (i % 50), 1, 0);
    expect(b.refusal(7, 0, BUY, 100)).toMatch(/maximum of 1000 open orders/);
    expect(b.refusal(8, 0, BUY, 100)).toBeNull();
  });

  it("agrees with a naive book under random adds, cancels and fills", () => {
    type Naive = { o: number; side: Side; price: number; lots: number; t: number };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom("add", "add", "cancel", "fill"),
            side: fc.constantFrom(BUY, SELL) as fc.Arbitrary<Side>,
            price: fc.integer({ min: 1, max: 40 }),
            lots: fc.integer({ min: 1, max: 9 }),
            pick: fc.nat(),
          }),
          { maxLength: 400 },
        ),
        (ops) => {
          const b = new OrderBooks(1);
          let naive: Naive[] = [];
          let t = 0;
          const bestNaive = (side: Side) =>
            naive
              .filter((n) => n.side === side)
              .sort((x, y) => (side === BUY ? y.price - x.price : x.price - y.price) || x.t - y.t)[0];
          for (const op of ops) {
            if (op.op === "add") {
              const o = b.add(1, `id${t}`, 0, op.side, op.price, op.lots, 0);
              naive.push({ o, side: op.side, price: op.price, lots: op.lots, t: t++ });
            } else if (naive.length > 0) {
              const n = naive[op.pick % naive.length] as Naive;
              if (op.op === "cancel") {
                b.remove(n.o);
                naive = naive.filter((x) => x !== n);
              } else {
                const best = bestNaive(n.side) as Naive;
                const lots = Math.min(best.lots, op.lots);
                b.fill(best.o, lots);
                best.lots -= lots;
                if (best.lots === 0) naive = naive.filter((x) => x !== best);
              }
            }
            for (const side of [BUY, SELL] as const) {
              const expected = bestNaive(side);
              const got = b.best(0, side);
              expect(got).toBe(expected === undefined ? -1 : expected.o);
              if (expected) expect(b.lots(got)).toBe(expected.lots);
            }
          }
          expect(b.openOrders(1)).toBe(naive.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

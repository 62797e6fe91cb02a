import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { median } from "./median.js";
import { SortedPrices } from "./sorted-prices.js";

const price = fc.double({ min: 0.01, max: 1e15, noNaN: true });

describe("SortedPrices", () => {
  it("keeps its values sorted through insertions and removals, duplicates included", () => {
    const s = new SortedPrices(8);
    for (const x of [5, 1, 3, 3, 9]) s.insert(x);
    expect([...s.values.subarray(0, s.count)]).toEqual([1, 3, 3, 5, 9]);
    s.remove(3);
    s.remove(9);
    expect([...s.values.subarray(0, s.count)]).toEqual([1, 3, 5]);
    expect(s.median()).toBe(3);
    s.remove(1);
    expect(s.median()).toBe(4);
  });

  it("refuses NaN, a value it does not hold, and more than its capacity", () => {
    const s = new SortedPrices(1);
    expect(() => s.insert(Number.NaN)).toThrow(RangeError);
    expect(() => s.remove(1)).toThrow(RangeError);
    expect(() => s.replace(1, 2)).toThrow(RangeError);
    s.insert(1);
    expect(() => s.insert(2)).toThrow(RangeError);
  });

  it("counts the values outside [lo, hi]", () => {
    const s = new SortedPrices(8);
    for (const x of [90, 99, 100, 101, 110]) s.insert(x);
    expect(s.outside(99, 101)).toBe(2);
    expect(s.outside(100, 100)).toBe(4);
    expect(s.outside(0, 1)).toBe(5);
    expect(s.outside(1_000, 2_000)).toBe(5);
  });

  it("has the median of a full sort, bit for bit, after any sequence of replacements", () => {
    fc.assert(
      fc.property(
        fc.array(price, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), price)),
        (start, updates) => {
          const held = [...start];
          const s = new SortedPrices(held.length);
          for (const x of held) s.insert(x);
          for (const [at, x] of updates) {
            const i = at % held.length;
            // both ways of changing one value: a removal and an insertion, or one replacement
            if (at % 2 === 0) {
              s.remove(held[i] as number);
              s.insert(x);
            } else s.replace(held[i] as number, x);
            held[i] = x;
          }
          expect([...s.values.subarray(0, s.count)]).toEqual([...held].sort((a, b) => a - b));
          const values = Float64Array.from(held);
          expect(Object.is(s.median(), median(values, held.length, new Float64Array(held.length)))).toBe(
            true,
          );
          const lo = (s.median() * 99) / 100;
          const hi = (s.median() * 101) / 100;
          expect(s.outside(lo, hi)).toBe(held.filter((x) => x < lo || x > hi).length);
        },
      ),
    );
  });
});

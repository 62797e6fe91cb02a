import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_MEDIAN_N, median } from "./median.js";

/** Sort-based reference: same midpoint formula, so results must match bit for bit. */
function reference(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length % 2 === 1) return s[mid]!;
  const sum = s[mid - 1]! + s[mid]!;
  return Number.isFinite(sum) ? sum / 2 : s[mid - 1]! / 2 + s[mid]! / 2;
}

const of = (xs: number[]): number => median(Float64Array.from(xs), xs.length, new Float64Array(xs.length));

describe("median", () => {
  it("is NaN for no values and the value itself for one", () => {
    expect(median(new Float64Array(4), 0, new Float64Array(4))).toBeNaN();
    expect(of([20_000])).toBe(20_000);
  });

  it("takes the middle value for odd n and the mean of the two middle ones for even n", () => {
    expect(of([3, 1, 2])).toBe(2);
    expect(of([20_010, 20_001, 20_005])).toBe(20_005);
    expect(of([4, 1, 3, 2])).toBe(2.5);
    expect(of([100, 101, 120])).toBe(101);
    expect(of([1, 1, 1, 9])).toBe(1);
  });

  it("uses only values[0..n) and leaves values untouched", () => {
    const values = Float64Array.from([5, 4, 3, 2, 1, 1_000, -1_000]);
    const before = Float64Array.from(values);
    expect(median(values, 5, new Float64Array(8))).toBe(3);
    expect(values).toEqual(before);
  });

  it("halves before adding when the two middle values would overflow", () => {
    expect(of([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    expect(of([-Infinity, 1, 2, Infinity])).toBe(1.5);
  });

  it("matches a sort-based reference for any values (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.double({ noNaN: true }).map((v) => v + 0),
          { maxLength: MAX_MEDIAN_N },
        ),
        fc.integer({ min: 0, max: 8 }),
        (xs, extra) => {
          const values = new Float64Array(xs.length + extra).fill(42);
          values.set(xs);
          const copy = Float64Array.from(values);
          expect(median(values, xs.length, new Float64Array(xs.length + extra))).toBe(reference(xs));
          expect(values).toEqual(copy);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses n beyond 64 or either array, a NaN value, and scratch aliasing values", () => {
    const big = new Float64Array(MAX_MEDIAN_N + 1);
    expect(() => median(big, MAX_MEDIAN_N + 1, new Float64Array(MAX_MEDIAN_N + 1))).toThrow(RangeError);
    expect(() => median(big, MAX_MEDIAN_N, new Float64Array(MAX_MEDIAN_N))).not.toThrow();
    expect(() => median(new Float64Array(2), 3, new Float64Array(3))).toThrow(/values.length/);
    expect(() => median(new Float64Array(3), 3, new Float64Array(2))).toThrow(/scratch.length/);
    expect(() => median(new Float64Array(3), -1, new Float64Array(3))).toThrow(RangeError);
    expect(() => median(new Float64Array(3), 1.5, new Float64Array(3))).toThrow(RangeError);
    expect(() => median(Float64Array.from([1, Number.NaN]), 2, new Float64Array(2))).toThrow(/values\[1\]/);
    const same = Float64Array.from([3, 1, 2]);
    expect(() => median(same, 3, same)).toThrow(/scratch/);
  });
});

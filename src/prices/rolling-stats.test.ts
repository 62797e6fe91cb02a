import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ABS_VALUE, MAX_CAPACITY, RollingStats } from "./rolling-stats.js";

// Every double is a dyadic rational, so a window's exact mean and variance follow from bigints: x·2^1074 is an
// integer for every finite x. The reference rounds once, at the end.
const SHIFT = 1074n;

function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = (bits >> 52n) & 0x7ffn;
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0n ? fraction : fraction | (1n << 52n);
  const magnitude = mantissa << (exponent === 0n ? 0n : exponent - 1n); // x·2^1074
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

const bitLength = (x: bigint): number => x.toString(2).length;

/** num/den as the nearest double or within a couple of ulps of it (den > 0). */
function ratio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const negative = num < 0n;
  const n = negative ? -num : num;
  const shift = 64 - (bitLength(n) - bitLength(den));
  let v = Number(shift >= 0 ? (n << BigInt(shift)) / den : n / (den << BigInt(-shift)));
  for (let s = shift; s !== 0; ) {
    const step = Math.max(-1000, Math.min(1000, s));
    v *= 2 ** -step;
    s -= step;
  }
  return negative ? -v : v;
}

/** Exact mean and sample variance of `window`, and its largest |x|. */
function exact(window: readonly number[]): { mean: number; variance: number; maxAbs: number } {
  const n = BigInt(window.length);
  let a = 0n;
  let b = 0n;
  let maxAbs = 0;
  for (const v of window) {
    const x = scaled(v);
    a += x;
    b += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = ratio(a, n << SHIFT);
  const variance = window.length < 2 ? 0 : ratio(n * b - a * a, (n * (n - 1n)) << (2n * SHIFT));
  return { mean, variance, maxAbs };
}

function checkAgainstExact(capacity: number, values: readonly number[]): void {
  const stats = new RollingStats(capacity);
  for (let i = 0; i < values.length; i++) {
    stats.push(values[i]!);
    const window = values.slice(Math.max(0, i + 1 - capacity), i + 1);
    const ref = exact(window);
    expect(stats.count).toBe(window.length);
    expect(Math.abs(stats.mean() - ref.mean)).toBeLessThanOrEqual(1e-9 * ref.maxAbs);
    expect(Math.abs(stats.variance() - ref.variance)).toBeLessThanOrEqual(1e-9 * ref.variance);
  }
}

const capacityArb = fc.integer({ min: 2, max: 24 });
/** Anything dyadic across 2^-40..2^71: mixes scales wildly (outliers arriving and leaving). */
const wideArb = fc.array(
  fc
    .tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.integer({ min: -40, max: 40 }))
    .map(([m, e]) => m * 2 ** e),
  { minLength: 1, maxLength: 120 },
);
/** Any double a price feed could carry, from 1e-12 to 1e12, either sign. */
const doubleArb = fc.array(
  fc.oneof(
    fc.double({ min: 1e-12, max: 1e12, noNaN: true }),
    fc.double({ min: -1e12, max: -1e-12, noNaN: true }),
  ),
  { minLength: 1, maxLength: 120 },
);
/** A price path in 1/256 ticks: small moves, runs of no move (constant windows), rare jumps. */
const pathArb = fc
  .tuple(
    fc.integer({ min: 1, max: 2 ** 40 }),
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }) },
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -(2 ** 30), max: 2 ** 30 }) },
      ),
      { minLength: 1, maxLength: 120 },
    ),
  )
  .map(([start, steps]) => {
    const out: number[] = [];
    let m = start;
    for (const s of steps) {
      m = Math.max(1, m + s);
      out.push(m / 256);
    }
    return out;
  });

describe("RollingStats", () => {
  it("is empty at first: mean NaN, variance and std 0", () => {
    const s = new RollingStats(4);
    expect(s.count).toBe(0);
    expect(s.mean()).toBeNaN();
    expect(s.variance()).toBe(0);
    expect(s.std()).toBe(0);
  });

  it("computes the sample (n − 1) variance of a small window exactly", () => {
    const s = new RollingStats(8);
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) s.push(x);
    expect(s.mean()).toBe(5);
    expect(s.variance()).toBe(32 / 7);
    expect(s.std()).toBe(Math.sqrt(32 / 7));
    s.push(13); // drops the 2: window 4 4 4 5 5 7 9 13
    expect(s.count).toBe(8);
    expect(s.mean()).toBe(51 / 8);
  });

  it("has variance 0 with one value, and exactly 0 for a constant window", () => {
    const s = new RollingStats(3);
    s.push(20_000.1);
    expect(s.variance()).toBe(0);
    for (const x of [19_999.7, 20_000.3, 0.1, 0.1, 0.1]) s.push(x);
    expect(s.variance()).toBe(0);
    expect(s.mean()).toBe(0.1);
  });

  it("keeps full precision at 20 000 ± 1, where Σx² − (Σx)²/n would lose 9 digits", () => {
    const s = new RollingStats(1_000);
    const window: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = 20_000 + (((i * 7_919) % 2_049) - 1_024) / 1_024; // 20 000 ± 1
      window.push(x);
      s.push(x);
    }
    const ref = exact(window.slice(-1_000));
    expect(Math.abs(s.variance() - ref.variance)).toBeLessThanOrEqual(1e-12 * ref.variance);
  });

  it("recovers the small spread after a huge outlier leaves and after a level shift", () => {
    const s = new RollingStats(4);
    const seq = [1e100, 3e-12, 5e-12, 4e-12, 6e-12, 7e-12, 1e18, 1e18 + 256, 1e18, 1e18 + 768, 1e18 + 512];
    checkAgainstExact(4, seq);
    for (const v of seq) s.push(v);
    expect(s.variance()).toBeGreaterThan(0);
  });

  it("matches the exact mean and variance for any dyadic values (property)", () => {
    fc.assert(fc.property(capacityArb, wideArb, checkAgainstExact), { numRuns: 150 });
  });

  it("matches the exact mean and variance along price paths (property)", () => {
    fc.assert(fc.property(capacityArb, pathArb, checkAgainstExact), { numRuns: 150 });
  });

  it("matches the exact mean and variance for doubles of any magnitude in 1e-12..1e12 (property)", () => {
    fc.assert(fc.property(capacityArb, doubleArb, checkAgainstExact), { numRuns: 150 });
  });

  it("agrees with a naive two-pass recomputation over long random-walk streams, and is nearer the exact value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }),
        fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: 50, maxLength: 2_000 }),
        (capacity, returns) => {
          const s = new RollingStats(capacity);
          const xs: number[] = [];
          let p = 20_000;
          for (let round = 0; round < 3; round++)
            for (const r of returns) {
              p *= 1 + r;
              xs.push(p);
              s.push(p);
            }
          const w = xs.slice(-capacity);
          let sum = 0;
          for (const x of w) sum += x;
          const mean = sum / w.length;
          let ss = 0;
          for (const x of w) ss += (x - mean) * (x - mean);
          const naive = ss / (w.length - 1);
          // The naive two-pass is itself off by up to about (n·ε·mean)² (its rounded mean), which matters only
          // for windows whose values agree to the last few digits.
          const naiveError = (w.length * Number.EPSILON * mean) ** 2;
          expect(Math.abs(s.mean() - mean)).toBeLessThanOrEqual(1e-9 * Math.abs(mean));
          expect(Math.abs(s.variance() - naive)).toBeLessThanOrEqual(1e-9 * naive + naiveError);
          const ref = exact(w);
          expect(Math.abs(s.variance() - ref.variance)).toBeLessThanOrEqual(1e-9 * ref.variance);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("is deterministic: the same pushes give the same bits", () => {
    const run = (): number[] => {
      const s = new RollingStats(97);
      const out: number[] = [];
      for (let i = 0; i < 5_000; i++) {
        s.push(20_000 + ((i * 104_729) % 10_007) / 13 + (i % 1_000 === 0 ? 1e6 : 0));
        out.push(s.mean(), s.variance());
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it("clear forgets the window", () => {
    const s = new RollingStats(3);
    for (const x of [1, 2, 3]) s.push(x);
    s.clear();
    expect(s.count).toBe(0);
    expect(s.mean()).toBeNaN();
    s.push(10);
    s.push(20);
    expect(s.mean()).toBe(15);
    expect(s.variance()).toBe(50);
  });

  it("refuses a capacity outside 2..100 000 and values that are not finite or too large", () => {
    for (const c of [1, 0, -1, 2.5, MAX_CAPACITY + 1, Number.NaN])
      expect(() => new RollingStats(c)).toThrow(RangeError);
    expect(() => new RollingStats(MAX_CAPACITY)).not.toThrow();
    const s = new RollingStats(2);
    s.push(1);
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, MAX_ABS_VALUE * 10])
      expect(() => s.push(x)).toThrow(RangeError);
    expect(s.count).toBe(1);
    expect(s.mean()).toBe(1);
  });
});

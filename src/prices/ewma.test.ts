import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALPHA_MEMO_MS, EWMA_ROW, ewmaAlpha, MAX_HALF_LIFE_MS, TimeEwma } from "./ewma.js";

describe("ewmaAlpha", () => {
  it("is 1 − 2^(−dt/h): a half at one half-life, three quarters at two", () => {
    expect(ewmaAlpha(1_000, 1_000)).toBe(0.5);
    expect(ewmaAlpha(2_000, 1_000)).toBe(0.75);
    expect(ewmaAlpha(500, 1_000)).toBeCloseTo(1 - Math.SQRT1_2, 15);
  });

  it("is 0 for dt <= 0 and tends to 1 for long gaps", () => {
    expect(ewmaAlpha(0, 1_000)).toBe(0);
    expect(ewmaAlpha(-5, 1_000)).toBe(0);
    expect(ewmaAlpha(1e9, 1_000)).toBe(1);
  });

  it("composes: surviving weight over dt1 + dt2 is the product of the two", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        (a, b, h) => {
          const keep = (1 - ewmaAlpha(a, h)) * (1 - ewmaAlpha(b, h));
          expect(Math.abs(keep - (1 - ewmaAlpha(a + b, h)))).toBeLessThan(1e-14);
        },
      ),
    );
  });

  it("refuses a half-life outside (0, MAX_HALF_LIFE_MS] and a NaN dt", () => {
    expect(() => ewmaAlpha(1, 0)).toThrow(RangeError);
    expect(() => ewmaAlpha(1, -1)).toThrow(RangeError);
    expect(() => ewmaAlpha(1, Number.NaN)).toThrow(RangeError);
    expect(() => ewmaAlpha(1, MAX_HALF_LIFE_MS + 1)).toThrow(RangeError);
    expect(() => ewmaAlpha(Number.NaN, 1)).toThrow(RangeError);
  });
});

describe("TimeEwma", () => {
  it("starts empty: value and lastTs NaN, count 0", () => {
    const e = new TimeEwma(1_000);
    expect(e.value).toBeNaN();
    expect(e.lastTs).toBeNaN();
    expect(e.count).toBe(0);
  });

  it("takes the first observation as its value", () => {
    const e = new TimeEwma(1_000);
    e.update(5_000, 42);
    expect(e.value).toBe(42);
    expect(e.count).toBe(1);
    expect(e.lastTs).toBe(5_000);
  });

  it("is exactly half way through a step of 1 after one half-life", () => {
    const e = new TimeEwma(60_000);
    e.update(0, 0);
    e.update(60_000, 1);
    expect(e.value).toBe(0.5);
  });

  it("is half way after one half-life however the observations are spaced", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 59_999 }), { maxLength: 30 }), (cuts) => {
        const e = new TimeEwma(60_000);
        e.update(0, 0);
        const times = [...new Set(cuts)].sort((a, b) => a - b);
        for (const t of times) e.update(t, 1);
        e.update(60_000, 1);
        expect(e.value).toBeCloseTo(0.5, 12);
      }),
    );
  });

  it("ignores a second observation at the same ts (α = 0) but counts it", () => {
    const e = new TimeEwma(1_000);
    e.update(100, 10);
    e.update(100, 99);
    expect(e.value).toBe(10);
    expect(e.count).toBe(2);
    e.update(1_100, 20);
    expect(e.value).toBe(15);
  });

  it("converges monotonically to a constant input, never overshooting", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }),
        (start, target, gaps) => {
          const e = new TimeEwma(2_000);
          let ts = 0;
          e.update(ts, start);
          let gap = Math.abs(target - start);
          for (const dt of gaps) {
            ts += dt;
            e.update(ts, target);
            const v = e.value;
            const next = Math.abs(target - v);
            expect(next).toBeLessThanOrEqual(gap);
            expect(Math.min(start, target) <= v && v <= Math.max(start, target)).toBe(true);
            gap = next;
          }
        },
      ),
    );
  });

  it("is deterministic: the same inputs give the same bits", () => {
    const run = (): number[] => {
      const e = new TimeEwma(7_919);
      const out: number[] = [];
      let ts = 1_700_000_000_000;
      for (let i = 0; i < 1_000; i++) {
        ts += (i * 7_477) % 3_001;
        e.update(ts, 20_000 + ((i * 104_729) % 2_003) / 7);
        out.push(e.value);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it("refuses time going backwards and non-finite input, changing nothing", () => {
    const e = new TimeEwma(1_000);
    e.update(1_000, 5);
    expect(() => e.update(999, 6)).toThrow(/before the last ts 1000/);
    expect(() => e.update(2_000, Number.NaN)).toThrow(RangeError);
    expect(() => e.update(2_000, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => e.update(Number.NaN, 1)).toThrow(RangeError);
    expect(e.value).toBe(5);
    expect(e.count).toBe(1);
    expect(e.lastTs).toBe(1_000);
  });

  it("refuses a bad half-life", () => {
    expect(() => new TimeEwma(0)).toThrow(RangeError);
    expect(() => new TimeEwma(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("in a shared slab, each row is an average of its own, bit for bit as one with its own state", () => {
    const slab = new Float64Array(3 * EWMA_ROW);
    const rows = [0, 1, 2].map((row) => new TimeEwma(1_000, slab, row));
    const own = [0, 1, 2].map(() => new TimeEwma(1_000));
    for (let t = 0; t < 200; t++) {
      const k = (t * 7) % 3;
      const x = Math.sin(t) * 100;
      rows[k]?.update(t * 13, x);
      own[k]?.update(t * 13, x);
      expect(rows[k]?.value).toBe(own[k]?.value);
    }
    rows.forEach((r, k) => {
      expect([r.value, r.count, r.lastTs]).toEqual([own[k]?.value, own[k]?.count, own[k]?.lastTs]);
    });
    expect(() => new TimeEwma(1_000, slab, 3)).toThrow(RangeError);
  });

  it("reset forgets everything", () => {
    const e = new TimeEwma(1_000);
    e.update(10, 1);
    e.update(20, 2);
    e.reset();
    expect(e.value).toBeNaN();
    expect(e.count).toBe(0);
    expect(e.lastTs).toBeNaN();
    e.update(5, 3);
    expect(e.value).toBe(3);
  });
});

describe("TimeEwma's memoised α", () => {
  it("gives bit for bit the value of the formula, for memoised, fractional and long gaps alike", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.integer({ min: 0, max: ALPHA_MEMO_MS + 10 }),
              fc.double({ min: 0, max: 10_000, noNaN: true }),
            ),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          ),
          { minLength: 1, maxLength: 50 },
        ),
        (h, steps) => {
          const e = new TimeEwma(h);
          let ts = 0;
          let value = Number.NaN;
          for (const [dt, x] of steps) {
            const first = Number.isNaN(value);
            const last = ts;
            ts += first ? 0 : dt;
            const next = first ? x : value + ewmaAlpha(ts - last, h) * (x - value);
            value = first ? x : (x >= value ? next > x : next < x) ? x : next;
            e.update(ts, x);
            expect(Object.is(e.value, value)).toBe(true);
          }
        },
      ),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CAPACITY, WindowExtremes } from "./window-extremes.js";
import { WindowRange } from "./window-range.js";

type Op =
  | { kind: "push"; dt: number; x: number }
  | { kind: "max" | "min"; dt: number }
  | { kind: "measure" }
  | { kind: "clear" };

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((v) => v + 0), // ties are frequent; + 0: no −0 (either zero may be reported)
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => v + 0),
);
const ops = (maxDt: number): fc.Arbitrary<Op[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          kind: fc.constant("push" as const),
          dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: maxDt })),
          x: value,
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constantFrom("max" as const, "min" as const),
          dt: fc.integer({ min: 0, max: 3 * maxDt }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("measure" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
    ),
    { maxLength: 700 },
  );

/** Runs the same calls on a WindowRange and on WindowExtremes, checking everything observable after each. */
function compare(capacity: number, windowMs: number, steps: Op[]): void {
  const w = new WindowRange(capacity, windowMs);
  const ref = new WindowExtremes(capacity, windowMs);
  let now = 1_000;
  for (const op of steps) {
    switch (op.kind) {
      case "clear":
        w.clear();
        ref.clear();
        break;
      case "measure":
        w.measure();
        expect(w.measuredMax).toBe(ref.latestMax);
        expect(w.measuredMin).toBe(ref.latestMin);
        break;
      case "push":
        now += op.dt;
        w.push(now, op.x);
        ref.push(now, op.x);
        break;
      default:
        now += op.dt;
        expect(w[op.kind](now)).toBe(ref[op.kind](now));
    }
    expect(w.size).toBe(ref.size);
    expect(w.canonical()).toBe(ref.canonical());
    if (ref.size > 0 && op.kind !== "clear") {
      // the cheap bounds bound the exact extremes
      expect(w.upperMax).toBeGreaterThanOrEqual(ref.latestMax);
      expect(w.lowerMin).toBeLessThanOrEqual(ref.latestMin);
    }
  }
}

describe("WindowRange", () => {
  it("is NaN when empty", () => {
    const w = new WindowRange(8, 1_000);
    expect(w.min(0)).toBeNaN();
    expect(w.max(0)).toBeNaN();
    expect(w.size).toBe(0);
  });

  it("tracks min and max of the values with ts > now − windowMs", () => {
    const w = new WindowRange(16, 1_000);
    w.push(0, 5);
    w.push(100, 9);
    w.push(200, 1);
    w.push(300, 7);
    expect(w.max(300)).toBe(9);
    expect(w.min(300)).toBe(1);
    expect(w.max(1_000)).toBe(9); // ts 0 left at now = 1000 (0 > 0 is false)
    expect(w.size).toBe(3);
    expect(w.max(1_100)).toBe(7);
    expect(w.min(1_199)).toBe(1);
    expect(w.min(1_200)).toBe(7);
    expect(w.min(1_300)).toBeNaN();
  });

  it("blocks: a power of two dividing the capacity, at most 256", () => {
    expect(new WindowRange(8192, 1).block).toBe(256);
    expect(new WindowRange(320, 1).block).toBe(64);
    expect(new WindowRange(96, 1).block).toBe(32);
    expect(new WindowRange(12, 1).block).toBe(4);
    expect(new WindowRange(7, 1).block).toBe(1);
  });

  it("is WindowExtremes's window: the same extremes, size and canonical text after any calls (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(16, 24, 64, 128, 192, 512)),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 40 }).chain(ops),
        compare,
      ),
      { numRuns: 400 },
    );
  });

  it("matches WindowExtremes over a long stream past many ring wraps, blocks of 256", () => {
    const w = new WindowRange(1024, 12_000);
    const ref = new WindowExtremes(1024, 12_000);
    let x = 1;
    let ts = 0;
    for (let i = 0; i < 50_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      ts += i % 997 === 0 ? 2_000 : x % 21; // now and then a gap that expires part of the window
      w.push(ts, x % 1000);
      ref.push(ts, x % 1000);
      if (i % 613 === 0) {
        w.measure();
        expect([w.measuredMax, w.measuredMin]).toEqual([ref.latestMax, ref.latestMin]);
        expect(w.canonical()).toBe(ref.canonical());
      }
    }
  });

  it("refuses time going backwards and non-finite input, changing nothing", () => {
    const w = new WindowRange(4, 100);
    w.push(50, 1);
    const before = w.canonical();
    expect(() => w.push(49, 2)).toThrow(/before the latest time seen 50/);
    expect(() => w.max(10)).toThrow(RangeError);
    expect(() => w.push(60, Number.NaN)).toThrow(RangeError);
    expect(() => w.push(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(w.canonical()).toBe(before);
    expect(w.max(50)).toBe(1);
  });

  it("refuses a capacity outside 1..100 000 and a window that is not positive and finite", () => {
    for (const c of [0, -1, 1.5, MAX_CAPACITY + 1, Number.NaN])
      expect(() => new WindowRange(c, 10)).toThrow(RangeError);
    for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new WindowRange(4, ms)).toThrow(RangeError);
  });
});

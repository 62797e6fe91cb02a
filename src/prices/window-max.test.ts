import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CAPACITY, WindowExtremes } from "./window-extremes.js";
import { WindowMax } from "./window-max.js";

type Op = { kind: "push"; dt: number; x: number } | { kind: "query"; dt: number } | { kind: "clear" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("push" as const),
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
      // small integers make ties (which a deque pops and which it keeps) frequent; −0 is left in on purpose
      x: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("query" as const), dt: fc.integer({ min: 0, max: 60 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
);

describe("WindowMax", () => {
  it("is NaN when empty", () => {
    const w = new WindowMax(8, 1_000);
    expect(w.max(0)).toBeNaN();
    expect(w.size).toBe(0);
  });

  it("tracks the max of the values with ts > now − windowMs", () => {
    const w = new WindowMax(16, 1_000);
    w.push(0, 5);
    w.push(100, 9);
    w.push(200, 1);
    w.push(300, 7);
    expect(w.max(300)).toBe(9);
    expect(w.size).toBe(4);
    expect(w.max(1_000)).toBe(9); // ts 0 left at now = 1000 (0 > 0 is false)
    expect(w.size).toBe(3);
    expect(w.max(1_100)).toBe(7); // the 9 at ts 100 has left
    expect(w.max(1_300)).toBeNaN();
    expect(w.size).toBe(0);
  });

  it("drops the oldest values beyond capacity even inside the window", () => {
    const w = new WindowMax(3, 1_000_000);
    for (const [ts, x] of [
      [0, 100],
      [1, 1],
      [2, 50],
      [3, 60],
      [4, 40],
    ] as const)
      w.push(ts, x);
    expect(w.size).toBe(3);
    expect(w.max(4)).toBe(60);
  });

  it("is WindowExtremes's window: the same max, size and canonical text after any calls (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(opArb, { maxLength: 250 }),
        (capacity, windowMs, ops) => {
          const w = new WindowMax(capacity, windowMs);
          const ref = new WindowExtremes(capacity, windowMs);
          let now = 1_000;
          expect(w.canonical()).toBe(ref.canonical());
          for (const op of ops) {
            if (op.kind === "clear") {
              w.clear();
              ref.clear();
            } else {
              now += op.dt;
              if (op.kind === "push") {
                w.push(now, op.x);
                ref.push(now, op.x);
              } else {
                // The same number (of −0 and 0 pushed together, either zero is the max: they are equal).
                const a = w.max(now);
                const b = ref.max(now);
                expect(a === b || (Number.isNaN(a) && Number.isNaN(b))).toBe(true);
              }
            }
            expect(w.size).toBe(ref.size);
            expect(w.canonical()).toBe(ref.canonical());
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("refuses time going backwards and non-finite input, changing nothing", () => {
    const w = new WindowMax(4, 100);
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
      expect(() => new WindowMax(c, 10)).toThrow(RangeError);
    for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new WindowMax(4, ms)).toThrow(RangeError);
  });

  it("matches WindowExtremes over a long stream past many ring wraps", () => {
    const w = new WindowMax(64, 1_000);
    const ref = new WindowExtremes(64, 1_000);
    let x = 1;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      w.push(i * 10, x % 1000);
      ref.push(i * 10, x % 1000);
      if (i % 997 === 0) {
        expect(w.max(i * 10)).toBe(ref.max(i * 10));
        expect(w.canonical()).toBe(ref.canonical());
      }
    }
    expect(w.size).toBe(64);
  });
});

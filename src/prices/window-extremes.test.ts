import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CAPACITY, WindowExtremes } from "./window-extremes.js";

type Op = { kind: "push"; dt: number; x: number } | { kind: "query"; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("push" as const),
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
      // + 0 turns −0 into 0: the two compare equal, so which one an extreme reports is unspecified.
      x: fc.oneof(
        fc.integer({ min: -5, max: 5 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => v + 0),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("query" as const), dt: fc.integer({ min: 0, max: 60 }) }),
  },
);

/** The newest `capacity` values with ts > now − windowMs, by a plain scan. */
function naiveWindow(
  log: readonly { ts: number; x: number }[],
  now: number,
  windowMs: number,
  capacity: number,
) {
  return log.filter((p) => p.ts > now - windowMs).slice(-capacity);
}

describe("WindowExtremes", () => {
  it("is NaN when empty", () => {
    const w = new WindowExtremes(8, 1_000);
    expect(w.min(0)).toBeNaN();
    expect(w.max(0)).toBeNaN();
    expect(w.size).toBe(0);
  });

  it("tracks min and max of the values with ts > now − windowMs", () => {
    const w = new WindowExtremes(16, 1_000);
    w.push(0, 5);
    w.push(100, 9);
    w.push(200, 1);
    w.push(300, 7);
    expect(w.max(300)).toBe(9);
    expect(w.min(300)).toBe(1);
    expect(w.size).toBe(4);
    expect(w.max(1_000)).toBe(9); // ts 0 left at now = 1000 (0 > 0 is false)
    expect(w.size).toBe(3);
    expect(w.max(1_100)).toBe(7); // the 9 at ts 100 has left
    expect(w.min(1_199)).toBe(1);
    expect(w.min(1_200)).toBe(7);
    expect(w.min(1_300)).toBeNaN();
    expect(w.size).toBe(0);
  });

  it("drops the oldest values beyond capacity even inside the window", () => {
    const w = new WindowExtremes(3, 1_000_000);
    for (const [ts, x] of [
      [0, 100],
      [1, 1],
      [2, 50],
      [3, 60],
      [4, 70],
    ] as const)
      w.push(ts, x);
    expect(w.size).toBe(3);
    expect(w.max(4)).toBe(70);
    expect(w.min(4)).toBe(50);
  });

  it("agrees with a naive scan for any sequence of pushes and queries (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(opArb, { maxLength: 200 }),
        (capacity, windowMs, ops) => {
          const w = new WindowExtremes(capacity, windowMs);
          const log: { ts: number; x: number }[] = [];
          let now = 1_000;
          for (const op of ops) {
            now += op.dt;
            if (op.kind === "push") {
              w.push(now, op.x);
              log.push({ ts: now, x: op.x });
            }
            const inside = naiveWindow(log, now, windowMs, capacity).map((p) => p.x);
            expect(w.max(now)).toBe(inside.length === 0 ? Number.NaN : Math.max(...inside));
            expect(w.min(now)).toBe(inside.length === 0 ? Number.NaN : Math.min(...inside));
            expect(w.size).toBe(inside.length);
            // as of the latest time seen (now), without a call that moves time
            expect(w.latestMax).toBe(w.max(now));
            expect(w.latestMin).toBe(w.min(now));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps equal values: the newer one survives the older one's expiry", () => {
    const w = new WindowExtremes(8, 10);
    w.push(0, 3);
    w.push(5, 3);
    expect(w.max(9)).toBe(3);
    expect(w.max(12)).toBe(3);
    expect(w.min(14)).toBe(3);
    expect(w.min(15)).toBeNaN();
  });

  it("refuses time going backwards and non-finite input, changing nothing", () => {
    const w = new WindowExtremes(4, 100);
    w.push(50, 1);
    expect(() => w.push(49, 2)).toThrow(/before the latest time seen 50/);
    expect(() => w.max(10)).toThrow(RangeError);
    expect(() => w.push(60, Number.NaN)).toThrow(RangeError);
    expect(() => w.push(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(w.size).toBe(1);
    expect(w.max(50)).toBe(1);
  });

  it("refuses a capacity outside 1..100 000 and a window that is not positive and finite", () => {
    for (const c of [0, -1, 1.5, MAX_CAPACITY + 1, Number.NaN])
      expect(() => new WindowExtremes(c, 10)).toThrow(RangeError);
    for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new WindowExtremes(4, ms)).toThrow(RangeError);
  });

  it("clear forgets values and time", () => {
    const w = new WindowExtremes(4, 100);
    w.push(1_000, 5);
    w.clear();
    expect(w.size).toBe(0);
    expect(w.max(0)).toBeNaN();
    w.push(1, 2);
    expect(w.min(1)).toBe(2);
  });

  it("handles a long stream past many ring wraps", () => {
    const w = new WindowExtremes(64, 1_000);
    const xs: number[] = [];
    let x = 1;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      xs.push(x);
      w.push(i * 10, x);
      if (i % 997 === 0) {
        // 100 values are inside the 1000 ms window but only the newest 64 are kept.
        const kept = xs.slice(-64);
        expect(w.max(i * 10)).toBe(Math.max(...kept));
        expect(w.min(i * 10)).toBe(Math.min(...kept));
      }
    }
    expect(w.size).toBe(64);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { complete, sortSteps } from "./steps.js";

describe("sortSteps", () => {
  it("gives Array.prototype.sort's order (stable on equal keys), across runs and merges", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 4, unit: fc.constantFrom("a", "b", "é", "\u0000", "😀") }), {
          maxLength: 9000,
        }),
        (keys) => {
          const expected = keys
            .map((_, i) => i)
            .sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
          expect(Array.from(complete(sortSteps(keys, keys.length)))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("pauses: a million keys are sorted in hundreds of steps", () => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `acct${i}`);
    const steps = sortSteps(keys, keys.length);
    let pauses = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) pauses++;
    expect(pauses).toBeGreaterThan(200);
    const order = r.value;
    for (let i = 1; i < order.length; i++) expect(keys[order[i - 1]!]! < keys[order[i]!]!).toBe(true);
  });
});

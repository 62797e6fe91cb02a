import { describe, expect, it } from "vitest";
import { sviCalendarViolation } from "./svi-calendar.js";
import type { SviParams } from "./svi-total-variance.js";

const P: SviParams = { a: 0.01, b: 0.1, rho: -0.2, m: 0, sigma: 0.2 };

describe("sviCalendarViolation", () => {
  it("finds none when each later slice lies above the earlier one, in any input order", () => {
    const slices = [
      { t: 0.5, params: { ...P, a: 0.04, b: 0.12 } },
      { t: 0.1, params: P },
      { t: 0.25, params: { ...P, a: 0.02 } },
    ];
    expect(sviCalendarViolation(slices)).toBeUndefined();
    expect(sviCalendarViolation([])).toBeUndefined();
    expect(sviCalendarViolation([{ t: 1, params: P }])).toBeUndefined();
  });

  it("returns the first k of the first offending pair with both variances", () => {
    // The later slice has flatter wings: it crosses below the earlier one beyond |k| ≈ 0.7.
    const later = { t: 0.2, params: { ...P, a: 0.02, b: 0.08 } };
    const v = sviCalendarViolation([{ t: 0.1, params: P }, later]);
    expect(v).toBeDefined();
    expect(v?.k).toBe(-1.5);
    expect(v?.t1).toBe(0.1);
    expect(v?.t2).toBe(0.2);
    expect(v?.w2).toBeLessThan(v?.w1 as number);
  });

  it("flags a crossing inside the range and not outside it", () => {
    // Shifted right: the later slice dips below the earlier around k ≈ 0.05 on the left only.
    const earlier = { t: 0.1, params: { ...P, a: 0.02, b: 0.1, rho: 0, m: 0, sigma: 0.1 } };
    const later = { t: 0.2, params: { ...P, a: 0.02, b: 0.1, rho: 0, m: 0.3, sigma: 0.1 } };
    const v = sviCalendarViolation([earlier, later]);
    expect(v?.k).toBeCloseTo(0.155, 10);
  });
});

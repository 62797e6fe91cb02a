import { describe, expect, it } from "vitest";
import { normalCdf, normalPdf } from "./normal-distribution.js";

// Reference values: 0.5·erfc(−x/√2) from CPython's math.erfc. Far out the reference itself is only as good as
// the rounding of x/√2 (relative error ≈ x²·2^-53: ~1.5e-13 at x = −37), hence the looser bound there.
const REFERENCE: [number, number][] = [
  [-37, 5.725571222525139e-300],
  [-20, 2.7536241186063314e-89],
  [-10, 7.619853024160593e-24],
  [-7.5, 3.19089167291092e-14],
  [-7, 1.279812543885835e-12],
  [-5, 2.866515718791946e-7],
  [-3, 0.0013498980316300957],
  [-1.5, 0.06680720126885809],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.3, 0.6179114221889526],
  [1, 0.8413447460685429],
  [2.5, 0.9937903346742238],
  [6, 0.9999999990134123],
  [8, 0.9999999999999993],
];

describe("normal distribution", () => {
  it("Φ to ~1e-14 relative, tails included", () => {
    for (const [x, p] of REFERENCE)
      expect(Math.abs(normalCdf(x) - p) / p, `x = ${x}`).toBeLessThan(x < -9 ? 3e-13 : 2e-14);
  });

  it("is symmetric: Φ(x) + Φ(−x) = 1, and φ integrates to Φ", () => {
    for (let x = -8; x <= 8; x += 0.37) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    // Simpson's rule over [−1, 1]
    let sum = 0;
    const n = 2000;
    const h = 2 / n;
    for (let i = 0; i <= n; i++) sum += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * normalPdf(-1 + i * h);
    expect((sum * h) / 3).toBeCloseTo(normalCdf(1) - normalCdf(-1), 12);
  });
});

import { describe, expect, it } from "vitest";
import { adlScore } from "./adl-score.js";

describe("adlScore", () => {
  it("ranks profit × leverage for a winner, profit ÷ leverage for a loser", () => {
    // entry value 10,000, +20 % PnL, notional 12,000 on equity 3,000: leverage 4
    expect(adlScore(2_000, 10_000, 12_000, 3_000)).toBeCloseTo(0.8, 12);
    // −20 % at leverage 4: −0.05 — above the same loss at lower leverage (−0.1 at 2)
    expect(adlScore(-2_000, 10_000, 8_000, 2_000)).toBeCloseTo(-0.05, 12);
    expect(adlScore(-2_000, 10_000, 8_000, 4_000)).toBeCloseTo(-0.1, 12);
  });

  it("puts every winner above every loser and more leverage first among winners", () => {
    const winner = adlScore(1, 10_000, 10_000, 1_000_000);
    const loser = adlScore(-1, 10_000, 10_000, 10);
    expect(winner).toBeGreaterThan(loser);
    expect(adlScore(1_000, 10_000, 11_000, 1_000)).toBeGreaterThan(adlScore(1_000, 10_000, 11_000, 2_000));
  });

  it("treats an account without equity as the most levered, and a flat entry as neutral", () => {
    expect(adlScore(500, 10_000, 10_500, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(adlScore(-500, 10_000, 9_500, -10)).toBeCloseTo(-0.05, 12);
    expect(adlScore(0, 0, 0, 100)).toBe(0);
  });
});

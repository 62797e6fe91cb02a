import { describe, expect, it } from "vitest";
import { FUNDING_DAMPER, fundingRate, premiumSample } from "./funding-rate.js";

const INTEREST = 0.0001;
const CAP = 0.00375;

describe("fundingRate", () => {
  it("funds at the interest rate within the damper, follows the premium beyond it, and caps", () => {
    expect(fundingRate(0.0003, INTEREST, CAP)).toBeCloseTo(INTEREST, 12);
    expect(fundingRate(-0.0004, INTEREST, CAP)).toBeCloseTo(INTEREST, 12);
    expect(fundingRate(0.002, INTEREST, CAP)).toBeCloseTo(0.002 - FUNDING_DAMPER, 12);
    expect(fundingRate(-0.02, INTEREST, CAP)).toBe(-CAP);
    expect(fundingRate(0.02, INTEREST, CAP)).toBe(CAP);
  });

  it("takes the premium from the touch against the index", () => {
    expect(premiumSample(101, 102, 100)).toBeCloseTo(0.01, 12);
    expect(premiumSample(97, 98, 100)).toBeCloseTo(-0.02, 12);
    expect(premiumSample(99, 101, 100)).toBe(0);
    expect(premiumSample(Number.NaN, Number.NaN, 100)).toBe(0);
  });
});

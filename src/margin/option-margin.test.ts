import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import { optionInitialMargin, optionMaintenanceMargin, outOfTheMoney } from "./option-margin.js";

const w = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n;
const RATES = { initialBase: w(0.15), initialFloor: w(0.1), maintenance: w(0.075) };

describe("standard option margin", () => {
  it("a short coin-settled call 10,000 with the index at 9,000 and mark 0.02 BTC: IM 0.12, MM 0.095 BTC", () => {
    // Per BTC contract, in BTC (S = 1): OTM 1,000 / 9,000 = 0.111 → max(0.15 − 0.111, 0.1) = 0.1; + mark.
    const otmShare = (w(1_000) * WAD) / w(9_000);
    expect(optionInitialMargin(RATES, true, true, WAD, WAD + otmShare, w(0.02))).toBe(w(0.12));
    expect(optionMaintenanceMargin(RATES, true, WAD, w(0.02))).toBe(w(0.095));
  });

  it("a short USD-settled put near the money: the discount for OTM applies above the floor", () => {
    // S 9,000, K 8,700: OTM 300 → 0.15 − 0.0333 = 0.1167 of 9,000 = 1,050, + mark 150
    expect(optionInitialMargin(RATES, false, true, w(9_000), w(8_700), w(150))).toBe(w(1_200));
    // In the money: no discount, 0.15 × 9,000 + mark
    expect(optionInitialMargin(RATES, false, true, w(9_000), w(9_500), w(600))).toBe(w(1_950));
    expect(optionMaintenanceMargin(RATES, true, w(9_000), w(600))).toBe(w(1_275));
  });

  it("a long position has paid its premium: its requirement is its value (booked futures-style)", () => {
    expect(optionInitialMargin(RATES, true, false, w(9_000), w(10_000), w(200))).toBe(w(200));
    expect(optionMaintenanceMargin(RATES, false, w(9_000), w(200))).toBe(w(200));
    expect(outOfTheMoney(true, w(9_000), w(10_000))).toBe(w(1_000));
    expect(outOfTheMoney(false, w(9_000), w(10_000))).toBe(0n);
  });
});

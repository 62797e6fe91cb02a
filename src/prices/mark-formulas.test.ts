import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clampBasis, fundingBasisPrice, medianOfThree } from "./mark-formulas.js";

const HOUR = 3_600_000;

describe("Binance perpetual mark price, worked example", () => {
  // Index 20,000; last funding rate 0.01% with half of an 8-hour interval left; 30-second moving-average basis
  // +5; last traded price 20,010. Price 1 = 20,000·(1 + 0.0001·4/8) = 20,001; price 2 = 20,000 + 5 = 20,005;
  // mark = median(20,001, 20,005, 20,010) = 20,005.
  it("gives a mark of 20,005", () => {
    const index = 20_000;
    const price1 = fundingBasisPrice(index, 0.0001, 4 * HOUR, 8 * HOUR);
    expect(price1).toBeCloseTo(20_001, 9);
    const price2 = index + clampBasis(5, index, 0.005);
    expect(price2).toBe(20_005);
    expect(medianOfThree(price1, price2, 20_010)).toBe(20_005);
  });
});

describe("fundingBasisPrice", () => {
  it("is the index at funding time and index·(1 + rate) a whole interval before", () => {
    expect(fundingBasisPrice(20_000, 0.0001, 0, 8 * HOUR)).toBe(20_000);
    expect(fundingBasisPrice(20_000, 0.0001, 8 * HOUR, 8 * HOUR)).toBeCloseTo(20_002, 9);
    expect(fundingBasisPrice(20_000, -0.0003, 2 * HOUR, 8 * HOUR)).toBeCloseTo(19_998.5, 9);
  });

  it("refuses a time to funding outside [0, interval] and bad parameters", () => {
    expect(() => fundingBasisPrice(20_000, 0.0001, -1, 8 * HOUR)).toThrow(RangeError);
    expect(() => fundingBasisPrice(20_000, 0.0001, 8 * HOUR + 1, 8 * HOUR)).toThrow(RangeError);
    expect(() => fundingBasisPrice(20_000, 0.0001, 0, 0)).toThrow(RangeError);
    expect(() => fundingBasisPrice(0, 0.0001, 0, HOUR)).toThrow(RangeError);
    expect(() => fundingBasisPrice(20_000, Number.NaN, 0, HOUR)).toThrow(RangeError);
  });
});

describe("clampBasis", () => {
  it("clamps the basis to ±band·index", () => {
    expect(clampBasis(5, 20_000, 0.005)).toBe(5);
    expect(clampBasis(250, 20_000, 0.005)).toBe(100);
    expect(clampBasis(-250, 20_000, 0.005)).toBe(-100);
    expect(clampBasis(-3, 20_000, 0)).toBe(-0);
  });

  it("stays within the band and leaves a basis inside it alone (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (basis, index, band) => {
          const c = clampBasis(basis, index, band);
          expect(Math.abs(c)).toBeLessThanOrEqual(band * index);
          if (Math.abs(basis) <= band * index) expect(c).toBe(basis);
        },
      ),
    );
  });

  it("refuses a bad index or band and a NaN basis", () => {
    expect(() => clampBasis(1, 0, 0.01)).toThrow(RangeError);
    expect(() => clampBasis(1, 100, -0.01)).toThrow(RangeError);
    expect(() => clampBasis(Number.NaN, 100, 0.01)).toThrow(RangeError);
  });
});

describe("medianOfThree", () => {
  it("takes the middle of three in any order", () => {
    for (const [a, b, c] of [
      [1, 2, 3],
      [1, 3, 2],
      [2, 1, 3],
      [2, 3, 1],
      [3, 1, 2],
      [3, 2, 1],
    ] as const)
      expect(medianOfThree(a, b, c)).toBe(2);
    expect(medianOfThree(5, 5, 1)).toBe(5);
  });

  it("ignores NaN: the mean of two, the one left, or NaN", () => {
    expect(medianOfThree(Number.NaN, 20_001, 20_005)).toBe(20_003);
    expect(medianOfThree(20_001, Number.NaN, 20_005)).toBe(20_003);
    expect(medianOfThree(20_001, 20_005, Number.NaN)).toBe(20_003);
    expect(medianOfThree(Number.NaN, Number.NaN, 7)).toBe(7);
    expect(medianOfThree(7, Number.NaN, Number.NaN)).toBe(7);
    expect(medianOfThree(Number.NaN, 7, Number.NaN)).toBe(7);
    expect(medianOfThree(Number.NaN, Number.NaN, Number.NaN)).toBeNaN();
  });

  it("matches sorting the three (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true }),
        fc.double({ noNaN: true }),
        fc.double({ noNaN: true }),
        (a, b, c) => {
          const sorted = [a, b, c].sort((x, y) => x - y);
          expect(medianOfThree(a, b, c) === sorted[1]).toBe(true);
        },
      ),
    );
  });
});

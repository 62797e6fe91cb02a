import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalDecimal, compareDecimalText } from "./decimal-text.js";

describe("canonicalDecimal", () => {
  it("keeps the digits exactly, without trailing zeros or a bare point", () => {
    expect(canonicalDecimal("17207.6")).toBe("17207.6");
    expect(canonicalDecimal("28234.0")).toBe("28234");
    expect(canonicalDecimal("0.0")).toBe("0");
    expect(canonicalDecimal("0.00020030")).toBe("0.0002003");
    expect(canonicalDecimal("007.50")).toBe("7.5");
    expect(canonicalDecimal("-0.00004667")).toBe("-0.00004667");
    expect(canonicalDecimal("-0.0")).toBe("0");
    // beyond float64's 15-17 significant digits, still exact
    expect(canonicalDecimal("123456789012345678.123456789012345678")).toBe(
      "123456789012345678.123456789012345678",
    );
  });

  it("rewrites exponent notation as a plain decimal, exactly", () => {
    expect(canonicalDecimal("5.4e-05")).toBe("0.000054");
    expect(canonicalDecimal("2e-06")).toBe("0.000002");
    expect(canonicalDecimal("1.3E-5")).toBe("0.000013");
    expect(canonicalDecimal("1.25e3")).toBe("1250");
    expect(canonicalDecimal("1.25e+1")).toBe("12.5");
    expect(canonicalDecimal("12.5e-1")).toBe("1.25");
    expect(canonicalDecimal("0e5")).toBe("0");
  });

  it("refuses what is not a decimal number, or cannot be a plain one within the limits", () => {
    for (const bad of [
      "",
      "abc",
      "1.",
      ".5",
      "+1",
      "1,5",
      " 1",
      "1 ",
      "0x10",
      "NaN",
      "Infinity",
      "1e",
      "--1",
    ])
      expect(canonicalDecimal(bad), bad).toHaveProperty("problem");
    expect(canonicalDecimal("1e-19")).toEqual({ problem: '"1e-19" has more than 18 decimal places' });
    expect(canonicalDecimal("1e41")).toHaveProperty("problem");
    expect(canonicalDecimal("1e40")).toBe(`1${"0".repeat(40)}`);
    expect(canonicalDecimal(`${"9".repeat(49)}`)).toHaveProperty("problem");
  });

  it("agrees with a float round trip wherever the float is exact (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 6 }), (n, places) => {
        const text = (n / 10 ** places).toFixed(places);
        expect(canonicalDecimal(text)).toBe(String(Number(text)));
        expect(canonicalDecimal(`${n}e-${places}`)).toBe(String(Number(text)));
      }),
    );
  });
});

describe("compareDecimalText", () => {
  it("compares canonical non-negative decimals exactly", () => {
    expect(compareDecimalText("17207.6", "17207.55")).toBe(1);
    expect(compareDecimalText("9.99", "10")).toBe(-1);
    expect(compareDecimalText("10", "10")).toBe(0);
    expect(compareDecimalText("0.1", "0.10000000000000000001")).toBe(-1);
    expect(compareDecimalText("100000000000000000.1", "100000000000000000")).toBe(1);
  });
});

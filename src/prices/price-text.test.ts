import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalPrice, lastRead, readPrice } from "./price-text.js";

describe("readPrice", () => {
  it("reads positive plain decimals exactly as Number() does and knows canonical text", () => {
    expect(readPrice("20000.5")).toBe(20000.5);
    expect(lastRead.canonical).toBe(true);
    expect(readPrice("0020000.50")).toBe(20000.5);
    expect(lastRead.canonical).toBe(false);
    expect(canonicalPrice("0020000.50")).toBe("20000.5");
    expect(canonicalPrice("0.10")).toBe("0.1");
    expect(canonicalPrice("5.000")).toBe("5");
    expect(canonicalPrice("0.5")).toBe("0.5");
    expect(readPrice("0.000000000000000001")).toBe(1e-18);
  });

  it("refuses what is not a positive plain decimal", () => {
    for (const bad of [
      "",
      "0",
      "0.0",
      "-1",
      "+1",
      "1e5",
      ".5",
      "5.",
      "1.2.3",
      " 1",
      "1 ",
      "0x1",
      "1.0000000000000000001",
      "1".repeat(49),
    ])
      expect(readPrice(bad), bad).toBeNaN();
  });

  it("property: equals Number(text) for every plain decimal", () => {
    const text = fc
      .tuple(
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.option(fc.stringMatching(/^[0-9]{1,18}$/), { nil: undefined }),
      )
      .map(([i, f]) => (f === undefined ? i : `${i}.${f}`))
      .filter((t) => /[1-9]/.test(t));
    fc.assert(
      fc.property(text, (t) => {
        expect(readPrice(t)).toBe(Number(t));
        expect(lastRead.canonical).toBe(canonicalPrice(t) === t);
        expect(Number(canonicalPrice(t))).toBe(Number(t));
        expect(canonicalPrice(t)).toMatch(/^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
      }),
      { numRuns: 5000 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { MAX_SMILE_QUOTES, parseSmileQuotes } from "./smile-quotes.js";

const NOW = 1_589_435_000_000;
const smile = (over: Record<string, unknown> = {}) => ({
  expiry: NOW + 86_400_000,
  forward: "9348.5",
  quotes: [
    { strike: "8000", iv: "0.92" },
    { strike: "9000", iv: "0.78", weight: "2" },
    { strike: "10000", iv: "0.81" },
  ],
  ...over,
});

describe("smile quotes", () => {
  it("reads a smile into typed arrays, volatilities as fractions, weight 1 by default", () => {
    const s = parseSmileQuotes(smile(), NOW);
    expect(s).toMatchObject({ expiry: NOW + 86_400_000, forward: 9348.5 });
    if ("code" in s) throw new Error(s.message);
    expect([...s.strikes]).toEqual([8000, 9000, 10000]);
    expect([...s.ivs]).toEqual([0.92, 0.78, 0.81]);
    expect([...s.weights]).toEqual([1, 2, 1]);
  });

  it("names the field of every kind of bad input", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ expiry: NOW }, /^smile\.expiry: .* after the command's ts/],
      [{ forward: 9348 }, /^smile\.forward:/],
      [{ forward: "-1" }, /^smile\.forward:/],
      [{ quotes: [] }, /^smile\.quotes: expected a list of 1 to 256/],
      [
        { quotes: Array.from({ length: MAX_SMILE_QUOTES + 1 }, (_, i) => ({ strike: `${i + 1}`, iv: "1" })) },
        /257/,
      ],
      [{ quotes: [{ strike: "8000" }] }, /^smile\.quotes\[0\]\.iv:/],
      [{ quotes: [{ strike: "8000", iv: "0.9", vol: "1" }] }, /^smile\.quotes\[0\]\.vol: unknown field/],
      [{ quotes: [{ strike: "8000", iv: "12" }] }, /^smile\.quotes\[0\]\.iv: 12 is above 10/],
      [
        {
          quotes: [
            { strike: "9000", iv: "0.8" },
            { strike: "9000", iv: "0.8" },
          ],
        },
        /^smile\.quotes\[1\]\.strike: 9000 is not above/,
      ],
      [{ quotes: [{ strike: "8000", iv: "0.9", weight: "0" }] }, /^smile\.quotes\[0\]\.weight:/],
    ];
    for (const [over, message] of bad) {
      const r = parseSmileQuotes(smile(over), NOW);
      expect(r, JSON.stringify(over).slice(0, 80)).toMatchObject({ code: "invalid" });
      expect((r as { message: string }).message).toMatch(message);
    }
  });
});

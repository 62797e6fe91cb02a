import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceText } from "./priced.js";
import { PublishedPrice } from "./published-price.js";

describe("PublishedPrice", () => {
  it("has no text before the first publication, then the text of the value recorded", () => {
    const p = new PublishedPrice(2);
    expect(p.text).toBe("");
    expect(p.differs({ value: 1.234 }, null)).toBe(true);
    p.record();
    expect(p.text).toBe("1.23");
    expect(p.differs({ value: 1.2341 }, null)).toBe(false);
    expect(p.differs({ value: 1.236 }, null)).toBe(true);
    expect(p.text).toBe("1.23"); // looked at, not recorded
  });

  it("differs exactly when the texts do, with and without keys (more than 9 decimals)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 1e16, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 12 }),
        (values, decimals) => {
          const p = new PublishedPrice(decimals);
          let text = "";
          for (const v of values) {
            const next = priceText(v, decimals);
            expect(p.differs({ value: v }, null)).toBe(next !== text);
            p.record();
            text = next;
            expect(p.text).toBe(text);
          }
        },
      ),
    );
  });
});

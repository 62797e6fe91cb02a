import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdNumbers } from "./id-numbers.js";

describe("IdNumbers", () => {
  it("numbers ids in order and answers -1 for others, prototype names included", () => {
    const ids = new IdNumbers(["IDX0", "venue1", "__proto__", "0"]);
    expect(ids.get("IDX0")).toBe(0);
    expect(ids.get(`IDX${0}`)).toBe(0); // a string built at run time, not the same object
    expect(ids.get("venue1")).toBe(1);
    expect(ids.get("__proto__")).toBe(2);
    expect(ids.get("0")).toBe(3);
    for (const other of ["constructor", "toString", "hasOwnProperty", "valueOf", "1", "", "IDX"])
      expect(ids.get(other)).toBe(-1);
    expect(ids.size).toBe(4);
  });

  it("agrees with a Map of first occurrences (property)", () => {
    const word = fc.oneof(
      fc.constantFrom("__proto__", "constructor", "toString", "0", "1", "-1", "1.5", "a", "A", ""),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), fc.array(word, { maxLength: 30 }), (added, asked) => {
        const ids = new IdNumbers(added);
        const map = new Map<string, number>();
        for (const id of added) if (!map.has(id)) map.set(id, map.size);
        for (const id of [...added, ...asked]) expect(ids.get(id)).toBe(map.get(id) ?? -1);
        expect(ids.size).toBe(map.size);
      }),
    );
  });
});

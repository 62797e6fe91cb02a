import { describe, expect, it } from "vitest";
import { parseFlatJson } from "./flat-json.js";
import { Interner } from "./interner.js";

describe("Interner", () => {
  it("finds known strings from bytes and returns the shared string", () => {
    const known = new Interner(["type", "ts", "deposit", "USDC"]);
    const bytes = Buffer.from("xxdepositxx");
    expect(known.get(bytes, 2, 9)).toBe("deposit");
    expect(known.get(bytes, 2, 8)).toBeNull();
    expect(known.get(Buffer.from("USDT"), 0, 4)).toBeNull();
  });

  it("ignores non-ASCII and duplicate entries", () => {
    const known = new Interner(["é", "a", "a"]);
    expect(known.get(Buffer.from("é"), 0, 2)).toBeNull();
    expect(known.get(Buffer.from("a"), 0, 1)).toBe("a");
  });

  it("gives parseFlatJson the same result with or without a vocabulary", () => {
    const line = Buffer.from('{"type":"deposit","ts":1,"account":"alice","asset":"USDC","amount":"5"}');
    const known = new Interner(["type", "ts", "account", "asset", "amount", "deposit", "USDC"]);
    expect(parseFlatJson(line, 0, line.length, known)).toEqual(parseFlatJson(line, 0, line.length));
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NOT_FLAT, parseFlatJson } from "./flat-json.js";

function parse(text: string): unknown {
  const buf = Buffer.from(text, "utf8");
  const fast = parseFlatJson(buf, 0, buf.length);
  return fast === NOT_FLAT ? NOT_FLAT : fast;
}

function jsonOrError(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return "error";
  }
}

describe("parseFlatJson", () => {
  it("parses flat command objects exactly like JSON.parse", () => {
    for (const text of [
      '{"type":"deposit","ts":1670889600000,"account":"a","asset":"USDC","amount":"25000"}',
      ' { "type" : "tick" , "ts" : 0 } ',
      '{"a":true,"b":false,"c":null,"d":-12,"e":"","a":"last wins"}',
      '{"type":"transfer","ts":1,"from":"a","to":"b","asset":"USDC","amount":"1"}',
      '{"type":"transfer","ts":1,"to":"b","from":"a","asset":"USDC","amount":"1"}',
      '{"type":"price","ts":1,"index":"BTC-USD","source":"x","price":"1","sourceTs":0}',
      '{"type":"tick","ts":1}',
      '{"type":"tick","ts":1,"type":"tick"}',
      "{}",
    ])
      expect(Object.entries(parse(text) as object)).toEqual(Object.entries(JSON.parse(text)));
  });

  it("leaves everything it does not handle to JSON.parse", () => {
    for (const text of [
      '{"a":1.5}',
      '{"a":1e5}',
      '{"a":0123}',
      '{"a":1234567890123456}',
      '{"a":"\\n"}',
      '{"a":"é"}',
      '{"a":[1]}',
      '{"a":{"b":1}}',
      '{"__proto__":1}',
      "[1]",
      "42",
      '{"a":1,}',
      '{"a" 1}',
      '{"a":1} x',
      '{"a":tru}',
      "",
    ])
      expect(parse(text)).toBe(NOT_FLAT);
  });

  it("property: whatever it accepts, JSON.parse gives the same value", () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.maxSafeInteger(),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    const objectText = fc.dictionary(fc.string({ maxLength: 8 }), value).map((o) => JSON.stringify(o));
    const mutated = fc
      .tuple(objectText, fc.nat(), fc.constantFrom("", " ", ",", "}", "{", '"', "\\", "1", "e", "-"))
      .map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1)));
    fc.assert(
      fc.property(fc.oneof(objectText, mutated), (text) => {
        const fast = parse(text);
        if (fast !== NOT_FLAT) {
          const json = jsonOrError(text);
          expect(fast).toEqual(json);
          expect(Object.keys(fast as object)).toEqual(Object.keys(json as object)); // same order, too
        }
      }),
      { numRuns: 5000 },
    );
  });
});

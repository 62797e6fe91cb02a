// The binary form is lossless: whatever it takes decodes to the same object (same fields, same order, same
// values), and whatever it cannot represent exactly it leaves to JSON.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMAND_FIELDS, type CommandType } from "../engine/commands.js";
import { MAX_BINARY_BYTES, readBinary, writeBinary } from "./command-codec.js";
import { encodeBatch, recoverJournal } from "./file-journal.js";

/** Bytes `command` takes in binary, or −1 when it is left to JSON. */
function binarySize(command: object): number {
  const out = Buffer.alloc(MAX_BINARY_BYTES + 8);
  const end = writeBinary(command, out, new DataView(out.buffer, out.byteOffset, out.byteLength), 3);
  return end < 0 ? -1 : end - 3;
}

function roundTrip(command: object): Record<string, unknown> {
  const out = Buffer.alloc(MAX_BINARY_BYTES + 8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const end = writeBinary(command, out, view, 3);
  expect(end).toBeGreaterThan(3);
  return readBinary(out, view, 3, end);
}

/** Values of every kind the binary form takes: strings up to its limit, doubles (−0 included), booleans, null. */
const value = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 255 }),
  fc.constantFrom("BTC-USD", "", "x".repeat(255), "20123.50"),
  fc.double(),
  fc.constantFrom(-0, 1_700_000_000_000, Number.MAX_VALUE),
  fc.boolean(),
  fc.constant(null),
);

/** A command of any type with any subset of its contract's fields, in the contract's order. */
const command = fc.constantFrom(...(Object.keys(COMMAND_FIELDS) as CommandType[])).chain((type) =>
  fc
    .array(fc.option(value, { nil: undefined }), {
      minLength: COMMAND_FIELDS[type].length + 1,
      maxLength: COMMAND_FIELDS[type].length + 1,
    })
    .map((values) => {
      const c: Record<string, unknown> = { type };
      ["ts", ...COMMAND_FIELDS[type]].forEach((field, k) => {
        if (values[k] !== undefined) c[field] = values[k];
      });
      return c;
    }),
);

describe("binary commands", () => {
  it("decode to the same object for every command type, field subset and value kind", () => {
    fc.assert(
      fc.property(command, (c) => {
        const decoded = roundTrip(c);
        expect(Object.keys(decoded)).toEqual(Object.keys(c));
        for (const k of Object.keys(c)) expect(Object.is(decoded[k], c[k])).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it("leave to JSON what they cannot give back exactly", () => {
    const price = { type: "price", ts: 1, index: "I", source: "s", price: "1", sourceTs: 1 };
    expect(binarySize(price)).toBeGreaterThan(0);
    expect(binarySize({ ts: 1, type: "price" })).toBe(-1); // type not first
    expect(binarySize({ type: "price", index: "I", ts: 1 })).toBe(-1); // out of the contract's order
    expect(binarySize({ ...price, extra: 1 })).toBe(-1); // unknown field
    expect(binarySize({ ...price, _key: "k", _n: 1 })).toBe(-1); // an idempotency key
    expect(binarySize({ ...price, price: "é" })).toBe(-1); // not ASCII
    expect(binarySize({ ...price, source: "x".repeat(256) })).toBe(-1); // too long for a length byte
    expect(binarySize({ ...price, price: [1] })).toBe(-1); // nested
    expect(binarySize({ type: "smile", ts: 1, index: "I", expiry: 2, forward: "1", quotes: [] })).toBe(-1);
    expect(binarySize({ type: "nonsense", ts: 1 })).toBe(-1);
    expect(binarySize({ type: 5 })).toBe(-1);
  });

  it("share a batch with JSON records, and a journal of both recovers each as written", () => {
    const inputs = [
      { type: "price", ts: 1, index: "I", source: "s", price: "1.50", sourceTs: 1 },
      { ts: 2, type: "tick" },
      '{"type":"tick","ts":3}',
      { type: "deposit", ts: 4, account: "a", asset: "USDC", amount: "10", _key: "k", _n: 2 },
    ];
    const { bytes, records } = encodeBatch(inputs);
    const recovered = recoverJournal(bytes).records;
    for (const list of [records, recovered]) {
      expect(list.length).toBe(4);
      expect([0, 1, 2, 3].map((i) => list.isBinary(i))).toEqual([true, false, false, false]);
      expect(list.texts()).toEqual(inputs.map((c) => (typeof c === "string" ? c : JSON.stringify(c))));
      expect(list.command(3)).toEqual({ type: "deposit", ts: 4, account: "a", asset: "USDC", amount: "10" });
      expect([list.key, list.n]).toEqual(["k", 2]);
      expect(list.command(0)).toEqual(inputs[0]);
      expect(list.key).toBeNull();
    }
  });
});

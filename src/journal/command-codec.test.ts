// The binary form is lossless: whatever it takes decodes to the same object (same fields, same order, same
// values), and whatever it cannot represent exactly it leaves to JSON.
import { describe, expect, it } from "vitest";
import { COMMAND_FIELDS, type CommandType } from "../engine/commands.js";
import { binarySize, readBinary, writeBinary } from "./command-codec.js";
import { encodeBatch, recoverJournal } from "./file-journal.js";

function roundTrip(command: object): Record<string, unknown> {
  const size = binarySize(command);
  expect(size).toBeGreaterThanOrEqual(0);
  const out = Buffer.alloc(size + 8);
  const end = writeBinary(command, out, 3);
  expect(end - 3).toBe(size);
  return readBinary(out, new DataView(out.buffer, out.byteOffset, out.byteLength), 3, end);
}

/** A seeded generator (mulberry32), so that a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = (r: () => number): unknown[] => [
  "BTC-USD",
  "",
  "x".repeat(255),
  (r() * 1e5).toFixed(2),
  1_700_000_000_000 + Math.floor(r() * 1e9),
  -0,
  0.1 + 0.2,
  Number.MAX_VALUE,
  -1,
  true,
  false,
  null,
];

describe("binary commands", () => {
  it("decode to the same object for every command type, field subset and value kind (seeded)", () => {
    const r = prng(20261202);
    const types = Object.keys(COMMAND_FIELDS) as CommandType[];
    for (let n = 0; n < 5_000; n++) {
      const type = types[Math.floor(r() * types.length)] as CommandType;
      const command: Record<string, unknown> = { type };
      for (const field of ["ts", ...COMMAND_FIELDS[type]]) {
        if (r() < 0.2) continue;
        const values = VALUES(r);
        command[field] = values[Math.floor(r() * values.length)];
      }
      const decoded = roundTrip(command);
      expect(Object.keys(decoded)).toEqual(Object.keys(command));
      for (const k of Object.keys(command)) expect(Object.is(decoded[k], command[k])).toBe(true);
    }
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

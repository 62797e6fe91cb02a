// The snapshot writer: its JSON is JSON.stringify's to the character, its body and hash are those of the state at
// the capture though the engine goes on, it yields to the event loop while it works, and the file it writes is
// byte for byte the one the synchronous writer wrote (so old and new files load alike).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../engine/engine.js";
import { onePerpetual } from "../engine/one-perpetual.fixture.js";
import { crc32c } from "../journal/crc32c.js";
import { LazyArray } from "../kernel/snapshot-lazy.js";
import { jsonPieces, writeBody } from "./snapshot-writer.js";
import { loadSnapshot, writeSnapshot } from "./snapshots.js";

const T0 = 1_700_000_000_000;
const join_ = (value: unknown) => [...jsonPieces(value)].join("");
const lazy = <T>(values: T[]) => new LazyArray(values.length, (from, to) => values.slice(from, to));

/** writeBody into memory: the chunks it wrote (copied: its buffer is reused) and what it resolved to. */
async function written(capture: ReturnType<Engine["capture"]>, sliceMs?: number) {
  const chunks: Buffer[] = [];
  const body = await writeBody(
    capture,
    async (bytes) => {
      chunks.push(Buffer.from(bytes));
    },
    sliceMs,
  );
  return { ...body, whole: Buffer.concat(chunks), chunks: chunks.length };
}

/** An engine with accounts, a price, a position and resting orders; `more(k)` applies k further commands. */
function market() {
  const config = onePerpetual();
  const engine = new Engine(config);
  let ts = T0;
  engine.apply({ type: "price", ts, index: "I", source: "x", price: "10000", sourceTs: ts });
  for (let i = 0; i < 50; i++)
    engine.apply({ type: "deposit", ts, account: `u${i}`, asset: "USDC", amount: `${1000 + i}.25` });
  engine.apply({ type: "fill", ts, symbol: "P", buyer: "u1", seller: "u2", qty: "0.5", price: "10000" });
  for (let i = 3; i < 8; i++)
    engine.apply({
      type: "order",
      ts,
      account: `u${i}`,
      id: `o${i}`,
      symbol: "P",
      side: "buy",
      qty: "1",
      price: `${9000 + i}`,
    });
  const more = (k: number) => {
    for (let i = 0; i < k; i++) {
      ts += 1_000;
      engine.apply({ type: "price", ts, index: "I", source: "x", price: `${10_000 + i}`, sourceTs: ts });
      engine.apply({ type: "deposit", ts, account: `new${ts}`, asset: "USDC", amount: "5" });
      engine.apply({ type: "deposit", ts, account: "u1", asset: "USDC", amount: "1" });
      engine.apply({ type: "cancel", ts, account: `u${3 + (i % 5)}`, id: `o${3 + (i % 5)}` });
    }
  };
  return { config, engine, more };
}

describe("jsonPieces", () => {
  it("is JSON.stringify, character for character", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(join_(v)).toBe(JSON.stringify(v));
      }),
    );
    const long = Array.from({ length: 10_000 }, (_, i) =>
      i % 7 === 0 ? [i, "x"] : i % 11 === 0 ? { k: i, u: undefined } : i % 3 ? i / 3 : `s\u2028"${i}\ud800`,
    );
    const odd = {
      n: [Number.NaN, -0, Number.POSITIVE_INFINITY, 1e21, 5e-324],
      u: undefined,
      f: () => 1,
      a: [undefined, () => 1, null],
      long,
      big: Array.from({ length: 9000 }, (_, i) => i),
      'é"key': {},
      1: "integer keys first",
      empty: [],
    };
    expect(join_(odd)).toBe(JSON.stringify(odd));
  });

  it("writes a LazyArray as its values, at any length", () => {
    for (const n of [0, 1, 4095, 4096, 4097, 10_000]) {
      const values = Array.from({ length: n }, (_, i) => (i % 2 ? `v${i}` : i));
      expect(join_({ x: lazy(values), y: [lazy(values)] })).toBe(JSON.stringify({ x: values, y: [values] }));
    }
  });
});

describe("snapshot bodies", () => {
  it("are the JSON's bytes across chunks, whatever the size of its pieces", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `${"é".repeat(20_000 + i)}${i}`);
    const many = Array.from({ length: 30_000 }, (_, i) => `id-${i}`);
    const snapshot = { long: lazy(long), many: lazy(many), plain: many };
    const steps = (function* () {
      yield;
      return "hash";
    })();
    const capture = { snapshot, stateHash: steps, release: () => undefined } as unknown as ReturnType<
      Engine["capture"]
    >;
    const bytes = await written(capture);
    const text = JSON.stringify(snapshot);
    expect(bytes.chunks).toBeGreaterThanOrEqual(3); // one piece (1.6 MB) larger than a chunk, then several
    expect(bytes.whole.equals(Buffer.from(text, "utf8"))).toBe(true);
    expect(bytes.length).toBe(bytes.whole.length);
    expect(bytes.crc).toBe(crc32c(bytes.whole));
    expect(bytes.stateHash).toBe("hash");
  });

  it("are the snapshot and hash at the capture, though the engine goes on", async () => {
    const { engine, more } = market();
    const text = JSON.stringify(engine.snapshot());
    const hash = engine.stateHash();
    const capture = engine.capture();
    more(20);
    expect(engine.stateHash()).not.toBe(hash);
    const bytes = await written(capture, 0);
    expect(bytes.whole.toString("utf8") === text).toBe(true);
    expect(bytes.length).toBe(Buffer.byteLength(text));
    expect(bytes.crc).toBe(crc32c(bytes.whole));
    expect(bytes.stateHash).toBe(hash);
  });

  it("yield to the event loop while they are built", async () => {
    const { engine } = market();
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await written(engine.capture(), 0);
    running = false;
    expect(turns).toBeGreaterThan(10);
  });
});

describe("writeSnapshot", () => {
  it("writes the synchronous writer's bytes (header, then JSON.stringify of the snapshot) and loads them", async () => {
    const { config, engine, more } = market();
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-snapshot-writer-"));
    const seq = 42;
    const body = Buffer.from(JSON.stringify(engine.snapshot()), "utf8");
    const hash = engine.stateHash();
    const expected = `plimsoll-snapshot 1 ${seq} ${hash} ${crc32c(body).toString(16)} ${body.length}\n`;
    const written = writeSnapshot(dir, engine, seq);
    more(10); // while it is written
    const path = await written;
    expect(path).toBe(join(dir, "snapshot-000000000042.json"));
    expect(readFileSync(path).equals(Buffer.concat([Buffer.from(expected), body]))).toBe(true);
    const loaded = loadSnapshot(dir, config, seq, () => undefined);
    expect(loaded?.seq).toBe(seq);
    expect(loaded?.engine.stateHash()).toBe(hash);
    for (const s of [43, 44]) await writeSnapshot(dir, engine, s);
    expect(loadSnapshot(dir, config, 44, () => undefined)?.seq).toBe(44);
    expect(loadSnapshot(dir, config, 42, () => undefined)).toBe(null); // the two newest are kept: 43 and 44
  });
});

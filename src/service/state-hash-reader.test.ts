// The state hash served over HTTP: the hash of the state at the seq it names, though the engine goes on while it is
// computed; computed in slices that let the event loop turn; one computation shared by concurrent readers.
import { describe, expect, it } from "vitest";
import { Engine } from "../engine/engine.js";
import { onePerpetual } from "../engine/one-perpetual.fixture.js";
import { StateHashReader } from "./state-hash-reader.js";

const T0 = 1_700_000_000_000;

function market() {
  const engine = new Engine(onePerpetual());
  let ts = T0;
  let seq = 0;
  const apply = (command: object) => engine.applyInto(command, ++seq, []);
  apply({ type: "price", ts, index: "I", source: "x", price: "10000", sourceTs: ts });
  for (let i = 0; i < 200; i++)
    apply({ type: "deposit", ts, account: `u${i}`, asset: "USDC", amount: "1000" });
  apply({ type: "fill", ts, symbol: "P", buyer: "u1", seller: "u2", qty: "0.5", price: "10000" });
  const more = () => {
    ts += 1_000;
    apply({ type: "price", ts, index: "I", source: "x", price: `${10_000 + (ts % 7)}`, sourceTs: ts });
    apply({ type: "deposit", ts, account: `new${ts}`, asset: "USDC", amount: "5" });
  };
  return { engine, more, seq: () => seq };
}

describe("StateHashReader", () => {
  it("answers the hash of the state at the seq it names, while the engine goes on", async () => {
    const { engine, more, seq } = market();
    const reader = new StateHashReader(engine, seq, 0);
    const expected = { seq: seq(), stateHash: engine.stateHash() };
    const pending = reader.read();
    more();
    more();
    expect(engine.stateHash()).not.toBe(expected.stateHash);
    expect(await pending).toEqual(expected);
    // Now at a later seq: a new computation, the hash of the state there.
    expect(await reader.read()).toEqual({ seq: seq(), stateHash: engine.stateHash() });
  });

  it("shares one computation among concurrent readers and reuses it until something is applied", async () => {
    const { engine, more, seq } = market();
    const reader = new StateHashReader(engine, seq, 0);
    const a = reader.read();
    const b = reader.read();
    expect(b).toBe(a);
    const first = await a;
    expect(reader.read()).not.toBe(a);
    expect(await reader.read()).toBe(first);
    more();
    expect((await reader.read()).seq).toBe(first.seq + 2);
  });

  it("lets the event loop turn while it computes", async () => {
    const { engine, seq } = market();
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await new StateHashReader(engine, seq, 0).read();
    running = false;
    expect(turns).toBeGreaterThan(3);
  });
});

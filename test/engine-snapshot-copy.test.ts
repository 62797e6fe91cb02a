// A snapshot is a copy: taken at one command boundary and kept while the engine goes on (as the service does while
// it writes one), it still stands for the state at its seq — no module hands out a live array or object that
// later commands mutate. The same holds of a capture (Engine.capture: the snapshot's large arrays copied raw and
// encoded later, and the state hash's steps), whose JSON is the snapshot's to the character.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { complete } from "../src/kernel/steps.js";
import { jsonPieces } from "../src/service/snapshot-writer.js";
import { scenarios } from "./shipped-scenarios.js";

/** Cut points of a scenario of `n` commands: the start, the first command, thirds, the last. */
function cuts(n: number): number[] {
  return [...new Set([0, 1, Math.floor(n / 3), Math.floor((2 * n) / 3), n - 1])].filter(
    (k) => k >= 0 && k <= n,
  );
}

describe("engine snapshots are copies", () => {
  const all = scenarios();

  it.each(all.map((s) => [s.name, s] as const))(
    "%s: the commands after a snapshot leave it unchanged",
    (_, s) => {
      for (const k of cuts(s.lines.length)) {
        const engine = new Engine(s.config);
        for (let i = 0; i < k; i++) engine.apply(s.lines[i], i + 1);
        const snapshot = engine.snapshot();
        const at = JSON.stringify(snapshot);
        const hash = engine.stateHash();
        const capture = engine.capture();
        for (let i = k; i < s.lines.length; i++) engine.apply(s.lines[i], i + 1);
        expect(JSON.stringify(snapshot) === at, `${s.name}: the snapshot at ${k}`).toBe(true);
        expect([...jsonPieces(capture.snapshot)].join("") === at, `${s.name}: the capture at ${k}`).toBe(
          true,
        );
        expect(complete(capture.stateHash), `${s.name}: the state hash at ${k}`).toBe(hash);
      }
    },
  );

  it("a released capture's memory serves the next, never one still held", () => {
    const config = (all.find((x) => x.name.startsWith("trading/")) as (typeof all)[number]).config;
    const engine = new Engine(config);
    let seq = 0;
    const deposits = (k: number) => {
      for (let j = 0; j < k; j++, seq++)
        engine.apply(
          { type: "deposit", ts: 1_700_000_000_000, account: `u${seq % 7}`, asset: "USDC", amount: `${seq}` },
          seq + 1,
        );
    };
    const text = (c: ReturnType<Engine["capture"]>) => [...jsonPieces(c.snapshot)].join("");
    deposits(10);
    const first = engine.capture();
    complete(first.stateHash);
    text(first);
    first.release(); // its copy becomes the spare
    deposits(10);
    const at = JSON.stringify(engine.snapshot());
    const hash = engine.stateHash();
    const held = engine.capture(); // copies into the spare
    deposits(10);
    expect(engine.stateHash()).not.toBe(hash); // a fresh copy (the spare is held), released as the spare
    engine.snapshot(); // takes that spare and gives it back
    deposits(10);
    expect(text(held) === at).toBe(true);
    expect(complete(held.stateHash)).toBe(hash);
    held.release();
    held.release();
  });
});

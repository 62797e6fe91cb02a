// A snapshot is a copy: taken at one command boundary and kept while the engine goes on (as the service does while
// it writes one), it still stands for the state at its seq — no module hands out a live array or object that
// later commands mutate.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
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
        for (let i = k; i < s.lines.length; i++) engine.apply(s.lines[i], i + 1);
        expect(JSON.stringify(snapshot) === at, `${s.name}: the snapshot at ${k}`).toBe(true);
      }
    },
  );
});

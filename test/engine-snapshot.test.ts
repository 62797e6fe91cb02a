// Engine snapshots: every scenario shipped in examples/ and the bundled real day, cut at several points — the engine
// snapshotted there, the snapshot through JSON, an engine restored from it — must go on exactly as the engine that
// was never cut: the same events from the cut on, the same state hash at the end.
import { describe, expect, it } from "vitest";
import { Engine, type EngineSnapshot } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { scenarios } from "./shipped-scenarios.js";

describe("engine snapshots", () => {
  const all = scenarios();
  it("covers the shipped scenarios", () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it.each(all.map((s) => [s.name, s] as const))("%s: restored at any cut, it goes on identically", (_, s) => {
    const whole = new Engine(s.config);
    const events: EngineEvent[][] = s.lines.map((c, i) => whole.apply(c, i + 1));
    const n = s.lines.length;
    for (const k of [
      ...new Set([0, 1, Math.floor(n / 3), Math.floor(n / 2), Math.floor((2 * n) / 3), n - 1]),
    ]) {
      if (k < 0 || k > n) continue;
      const first = new Engine(s.config);
      for (let i = 0; i < k; i++) first.apply(s.lines[i], i + 1);
      const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as EngineSnapshot;
      const restored = Engine.fromSnapshot(s.config, snapshot);
      expect(restored.stateHash(), `${s.name} at ${k}: the restored state`).toBe(first.stateHash());
      for (let i = k; i < n; i++)
        expect(restored.apply(s.lines[i], i + 1), `${s.name}: command ${i + 1} after a cut at ${k}`).toEqual(
          events[i],
        );
      expect(restored.stateHash()).toBe(whole.stateHash());
    }
  });
});

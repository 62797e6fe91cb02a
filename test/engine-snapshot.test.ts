// Engine snapshots: every scenario shipped in examples/ and the bundled real day, cut at several points — the engine
// snapshotted there, the snapshot through JSON, an engine restored from it — must go on exactly as the engine that
// was never cut: the same events from the cut on, the same state hash at the end.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { MarketConfig } from "../src/config/types.js";
import { Engine, type EngineSnapshot } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { ROOT } from "./plimsoll-run.js";

function config(path: string): MarketConfig {
  const loaded = loadConfig(JSON.parse(readFileSync(path, "utf8")));
  if (!loaded.ok) throw new Error(`${path}: ${JSON.stringify(loaded.issues)}`);
  return loaded.config;
}

/** Every (configuration, commands) pair of examples/ and the replayed day's fixture. */
function scenarios(): { name: string; config: MarketConfig; lines: unknown[] }[] {
  const out: { name: string; config: MarketConfig; lines: unknown[] }[] = [];
  const read = (file: string) =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as unknown);
  for (const dir of readdirSync(join(ROOT, "examples"))) {
    const folder = join(ROOT, "examples", dir);
    const configs = readdirSync(folder).filter((f) => f.endsWith(".json"));
    if (configs.length !== 1) continue;
    const c = config(join(folder, configs[0] as string));
    for (const f of readdirSync(folder).filter((x) => x.endsWith(".jsonl")))
      out.push({ name: `${dir}/${f}`, config: c, lines: read(join(folder, f)) });
  }
  out.push({
    name: "the replayed 2022-12-13",
    config: config(join(ROOT, "test", "fixtures", "lean-2022-12-13.config.json")),
    lines: read(join(ROOT, "test", "fixtures", "lean-2022-12-13.commands.jsonl")),
  });
  return out;
}

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

// Runs a scenario file through the real executable (`plimsoll run`) and returns its output, as text and as
// events: the helper of the scenario tests.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";

export const ROOT = join(import.meta.dirname, "..");

export type Event = Record<string, unknown> & { type: string };

/** `plimsoll run --config <config> --input <input>`; fails the test unless it exits 0. */
export function runScenario(config: string, input: string): { text: string; events: Event[] } {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "plimsoll"), "run", "--config", config, "--input", input],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return {
    text: r.stdout,
    events: r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
  };
}

/** The events of one type. */
export const eventsOf = (events: Event[], type: string): Event[] => events.filter((e) => e.type === type);

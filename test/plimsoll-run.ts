// Runs a scenario file through the real executable (`plimsoll run`) and returns its output, as text and as
// events: the helper of the scenario tests.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { MarketConfig } from "../src/config/types.js";

export const ROOT = join(import.meta.dirname, "..");

/** A shipped example's configuration, loaded (`examples/<path>`): the service tests' market. */
export function exampleConfig(...path: string[]): MarketConfig {
  const loaded = loadConfig(JSON.parse(readFileSync(join(ROOT, "examples", ...path), "utf8")));
  if (!loaded.ok) throw new Error(`examples/${path.join("/")}: not a valid configuration`);
  return loaded.config;
}

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

/** `plimsoll serve --port 0 …args` as a child process, resolved with its port once it listens. */
export async function startServe(
  args: readonly string[],
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin", "plimsoll"), "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

// Every (configuration, commands) pair shipped in examples/ and the replayed day's fixture: what tests that must
// hold for any input (snapshots, the journal's encodings) run over.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import type { MarketConfig } from "../src/config/types.js";
import { ROOT } from "./plimsoll-run.js";

function config(path: string): MarketConfig {
  const loaded = loadConfig(JSON.parse(readFileSync(path, "utf8")));
  if (!loaded.ok) throw new Error(`${path}: ${JSON.stringify(loaded.issues)}`);
  return loaded.config;
}

/** Every (configuration, commands) pair of examples/ and the replayed day's fixture. */
export function scenarios(): { name: string; config: MarketConfig; lines: unknown[] }[] {
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

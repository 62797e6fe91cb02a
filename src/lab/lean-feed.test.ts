// test/fixtures/lean-2022-12-13.commands.jsonl is generated: this test fails as soon as it differs from what the
// generator produces now, so the fixture cannot drift from the code or from data/lean-2022-12-13/.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatConfigIssues, loadConfig } from "../config/load.js";
import { bundledDataDir, hasSharedData, REPO_ROOT, sharedDataDir } from "./data-dirs.js";
import { LEAN_DAY_FOLDER, leanFeedText } from "./lean-feed.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "lean-2022-12-13.commands.jsonl");
const CONFIG = join(REPO_ROOT, "test", "fixtures", "lean-2022-12-13.config.json");
const REGENERATE = "UPDATE_FIXTURES=1 npx vitest run src/lab/lean-feed.test.ts";
const ci = process.env["CI"] === "true";

const DAY = Date.UTC(2022, 11, 13);
const NOON = DAY + 12 * 3_600_000;

describe("the Lean 2022-12-13 commands fixture", () => {
  const generated = leanFeedText();

  it("is exactly what the generator produces from data/lean-2022-12-13/", () => {
    if (process.env["UPDATE_FIXTURES"] === "1" && !ci) {
      writeFileSync(FIXTURE, generated);
      console.log(`wrote ${FIXTURE}`);
    }
    if (!existsSync(FIXTURE)) expect.fail(`${FIXTURE} is missing. Generate it with:\n  ${REGENERATE}`);
    const stored = readFileSync(FIXTURE, "utf8");
    if (stored === generated) return;
    const a = stored.split("\n");
    const b = generated.split("\n");
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    expect.fail(
      `${FIXTURE} is out of date (first difference at line ${i + 1}: stored ${JSON.stringify(a[i])}, generated ${JSON.stringify(b[i])}). Regenerate it with:\n  ${REGENERATE}`,
    );
  });

  it("uses only the indices and sources of its configuration, in time order", () => {
    const result = loadConfig(JSON.parse(readFileSync(CONFIG, "utf8")));
    if (!result.ok) throw new Error(formatConfigIssues(result.issues));
    const declared = new Set(result.config.indices.flatMap((x) => x.sources.map((s) => `${x.id}/${s.id}`)));
    const lines = generated.trimEnd().split("\n");
    let last = 0;
    const bySource = new Map<string, number[]>();
    for (const line of lines) {
      const c = JSON.parse(line) as {
        type: string;
        ts: number;
        index?: string;
        source?: string;
        sourceTs?: number;
      };
      expect(c.ts).toBeGreaterThanOrEqual(last);
      last = c.ts;
      if (c.type !== "price") continue;
      const key = `${c.index}/${c.source}`;
      expect(declared.has(key), key).toBe(true);
      let times = bySource.get(key);
      if (times === undefined) bySource.set(key, (times = []));
      times.push(c.sourceTs as number);
    }
    // every source of the config is fed; one tick a minute
    expect([...bySource.keys()].sort()).toEqual([...declared].sort());
    expect(lines.filter((l) => l.startsWith('{"type":"tick"'))).toHaveLength(1439);
    // the Bybit perpetual goes silent after its 12:00 bar (closing 12:01); the others run to midnight
    expect(Math.max(...(bySource.get("BTC-USD/bybit-linear-perp") ?? []))).toBe(NOON + 60_000);
    for (const s of ["binance-spot", "bybit-spot", "binance-coinm-perp"])
      expect(Math.max(...(bySource.get(`BTC-USD/${s}`) ?? []))).toBe(DAY + 86_400_000);
  });
});

describe("data/lean-2022-12-13/", () => {
  it.skipIf(!hasSharedData() && !ci)(
    hasSharedData() || ci
      ? "is an unchanged copy of ../shared/data/lean-2022-12-13/"
      : "SKIPPED: ../shared/data is absent, so the bundled copy cannot be compared with it",
    () => {
      if (!hasSharedData())
        expect.fail(`${sharedDataDir()} is missing, but CI=true: CI must provide ../shared/data`);
      const shared = join(sharedDataDir(), LEAN_DAY_FOLDER);
      const bundled = join(bundledDataDir(), LEAN_DAY_FOLDER);
      const names = readdirSync(shared).sort();
      expect(readdirSync(bundled).sort()).toEqual(names);
      for (const name of names)
        expect(readFileSync(join(bundled, name)).equals(readFileSync(join(shared, name))), name).toBe(true);
    },
  );
});

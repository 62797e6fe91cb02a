// The architecture of DEVELOPERS.md, checked on the source: layers import only downward, and everything
// below the journal is pure (no clock, randomness or I/O). Biome enforces the same per folder; this test
// is the backstop that also catches what a lint rule cannot (Math.random, dynamic imports).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const RANKS: Record<string, number> = {
  kernel: 0,
  config: 1,
  prices: 2,
  volatility: 2,
  ledger: 3,
  orderbook: 3,
  margin: 3,
  liquidation: 4,
  engine: 5,
  journal: 6,
  service: 7,
  lab: 7,
  cli: 7,
};
/** Same-rank imports that are allowed, documented in docs/architecture.md. */
const SAME_RANK_ALLOWED = new Set(["margin→ledger", "cli→lab", "cli→service"]);
const PURE_BELOW = RANKS["journal"] as number;

const root = join(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

const files = sources(root).map((path) => ({
  path,
  rel: relative(root, path),
  text: readFileSync(path, "utf8"),
}));

describe("architecture", () => {
  it("every source file sits in a known layer", () => {
    for (const f of files) expect(RANKS, f.rel).toHaveProperty(f.rel.split("/")[0] as string);
  });

  it("layers import only downward", () => {
    const violations: string[] = [];
    for (const f of files) {
      const layer = f.rel.split("/")[0] as string;
      for (const m of f.text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.[^"']+)["']/g)) {
        const target = relative(root, join(root, f.rel, "..", m[1] as string)).split("/")[0] as string;
        if (target === layer) continue;
        const ok =
          (RANKS[target] as number) < (RANKS[layer] as number) ||
          (RANKS[target] === RANKS[layer] && SAME_RANK_ALLOWED.has(`${layer}→${target}`));
        if (!ok) violations.push(`${f.rel} imports ${m[1]} (${layer} → ${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("code below the journal reads no clock, no randomness and does no I/O", () => {
    const violations: string[] = [];
    const forbidden =
      /\b(Date\.now|new Date\(|Math\.random|performance\.now|process\.|setTimeout|setInterval|fetch\()/;
    for (const f of files) {
      const layer = f.rel.split("/")[0] as string;
      if ((RANKS[layer] as number) >= PURE_BELOW || f.rel.endsWith(".test.ts")) continue;
      f.text.split("\n").forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "");
        if (forbidden.test(code)) violations.push(`${f.rel}:${i + 1}: ${line.trim()}`);
        const m = code.match(/from\s+["']node:([a-z_/]+)["']/);
        if (m && m[1] !== "crypto") violations.push(`${f.rel}:${i + 1}: imports node:${m[1]}`);
      });
    }
    expect(violations).toEqual([]);
  });
});

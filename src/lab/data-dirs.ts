// Where market data lives: `data/` in this repository (bundled, Apache-2.0 Lean samples) and `../shared/data/`
// beside the checkout (everything else, which may be read at run time but never copied in: see its README).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: two levels above this module, from src/lab/ and from dist/lab/ alike. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The bundled data folder, `data/` at the repository root. */
export function bundledDataDir(repoRoot: string = REPO_ROOT): string {
  return join(repoRoot, "data");
}

/** The shared data folder, `../shared/data` relative to the repository root. */
export function sharedDataDir(repoRoot: string = REPO_ROOT): string {
  return join(repoRoot, "..", "shared", "data");
}

/** Whether ../shared/data is there: tests that read it run whenever it is (always in CI). */
export function hasSharedData(repoRoot: string = REPO_ROOT): boolean {
  return existsSync(sharedDataDir(repoRoot));
}

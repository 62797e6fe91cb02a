// `npm start` replays the bundled real day, prints a summary a person can read, and serves the same day.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

it("plimsoll demo replays 2022-12-13 through the engine and summarises indices, breakers and accounts", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "plimsoll"), "demo"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("US CPI day");
  expect(r.stdout).toMatch(/5,905 commands → [\d,]+ events in \d+ ms, 0 rejected/);
  expect(r.stdout).toMatch(/00:30 {2}carol {2}buys from mm {5}2 at 17174\.8/);
  expect(r.stdout).toMatch(/13:31 {2}dave {3}margin_call/);
  expect(r.stdout).toMatch(/13:31 {2}dave {3}liquidating/);
  expect(r.stdout).toMatch(/13:31 {2}dave {3}liquidated 1 at 17938\.7 through the book/);
  expect(r.stdout).toMatch(/08:00 {2}rate 0\.0001/);
  expect(r.stdout).toContain("13:31:00");
  expect(r.stdout).toContain("capped from");
  expect(r.stdout).toContain("Circuit breakers:");
  expect(r.stdout).toMatch(/23:59 {2}bob {4}equity 4222\.\d+/);
  expect(r.stdout).toContain("Ledger balanced ✓");
});

it("npm start's service half: the same day through plimsoll serve, journaled, with the same state hash", () => {
  const cwd = mkdtempSync(join(tmpdir(), "plimsoll-demo-"));
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "plimsoll"), "demo", "--serve", "--exit"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, PORT: "0" },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/5,905 commands over HTTP, each journaled and synced before it was applied/);
  expect(r.stdout).toContain("= the in-process replay's ✓");
  expect(existsSync(join(cwd, "plimsoll-data", "demo", "journal.log"))).toBe(true);
});

// The README's `plimsoll run` example is real: its output block is exactly what the command prints.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

it("README: the plimsoll run example prints the output shown", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const match = readme.match(
    /```sh\n\$ (\.\/bin\/plimsoll run [^\n]*<<'JSONL'\n)([\s\S]*?)JSONL\n```\n```\n([\s\S]*?)```/,
  );
  if (!match) throw new Error("README: no plimsoll run example found");
  const [, commandLine, input, shown] = match as unknown as [string, string, string, string];
  const args = (commandLine.split("<<")[0] as string).trim().split(/\s+/).slice(1);
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "plimsoll"), ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
  });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(shown);
  expect(input.trim().split("\n").length).toBeLessThanOrEqual(10);
});

// `npm run bench`: every benchmark in its own process, one after another (the machine has 2 cores).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.argv[2];
const dir = new URL(".", import.meta.url);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.mjs") && (only === undefined || f.includes(only)))
  .sort();
let failed = 0;
for (const file of benches) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=8192", new URL(file, dir).pathname], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;

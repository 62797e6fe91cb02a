// `plimsoll run` end to end, file to file: deposits and transfers. Target: ≥ 500,000 lines/s.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ledgerCommands, machine, median } from "./workload.mjs";

const N = 2_000_000;
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), "plimsoll-bench-"));
const input = join(dir, "commands.jsonl");
const output = join(dir, "events.jsonl");
const config = new URL("../examples/quickstart/config.json", import.meta.url).pathname;
const bin = new URL("../bin/plimsoll", import.meta.url).pathname;

let text = "";
const parts = [];
for (const c of ledgerCommands(N)) {
  text += `${JSON.stringify(c)}\n`;
  if (text.length > 1 << 22) {
    parts.push(text);
    text = "";
  }
}
parts.push(text);
writeFileSync(input, parts.join(""));

const rates = [];
for (let run = 0; run < RUNS; run++) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [
    bin,
    "run",
    "--config",
    config,
    "--input",
    input,
    "--output",
    output,
  ]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`plimsoll run failed: ${r.stderr}`);
  rates.push(N / seconds);
}
const mb = (statSync(input).size / 2 ** 20).toFixed(0);
const outMb = (statSync(output).size / 2 ** 20).toFixed(0);
rmSync(dir, { recursive: true, force: true });
console.log(`plimsoll.run  ${machine()}`);
console.log(
  `plimsoll.run  ${N.toLocaleString("en")} lines (${mb} MiB in, ${outMb} MiB out), file to file: median ${Math.round(median(rates)).toLocaleString("en")} lines/s over ${RUNS} runs (min ${Math.round(Math.min(...rates)).toLocaleString("en")}, max ${Math.round(Math.max(...rates)).toLocaleString("en")}); target ≥ 500,000`,
);

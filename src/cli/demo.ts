// `npm start`: the bundled scenario through the engine, summarised for a person.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/engine.js";
import type { AccountEvent, EngineEvent } from "../engine/events.js";
import { formatDecimal } from "../kernel/decimal.js";
import { readConfigFile } from "./config-file.js";

const EXAMPLE = new URL("../../examples/quickstart/", import.meta.url);

export async function runDemo(_args: readonly string[]): Promise<number> {
  const configPath = fileURLToPath(new URL("config.json", EXAMPLE));
  const commandsPath = fileURLToPath(new URL("commands.jsonl", EXAMPLE));
  const config = readConfigFile(configPath);
  const engine = new Engine(config, { assertInvariants: true });
  const events: EngineEvent[] = [];
  const lines = readFileSync(commandsPath, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() !== "") engine.applyInto(JSON.parse(line), i + 1, events);
  });
  const stateHash = engine.end(events);
  const out: string[] = [];
  out.push("Plimsoll — quickstart scenario (examples/quickstart)");
  out.push(
    `  ${engine.stats.commands} commands → ${engine.stats.events} events, ${engine.stats.rejected} rejected`,
  );
  out.push("");
  out.push("Rejected commands (nothing changed for any of them):");
  for (const e of events)
    if (e.type === "rejected")
      out.push(`  line ${String(e.cause).padStart(3)}  ${e.code.padEnd(21)} ${e.message}`);
  out.push("");
  out.push("Accounts:");
  for (const e of events) if (e.type === "account") out.push(formatAccount(e));
  out.push("");
  out.push("Ledger invariant (per asset, Σ balances = Σ deposits − Σ withdrawals):");
  config.assets.forEach((asset, i) => {
    const l = engine.ledger;
    out.push(
      `  ${asset.id.padEnd(6)} deposited ${formatDecimal(l.totalDeposited(i), asset.decimals)}, withdrawn ${formatDecimal(l.totalWithdrawn(i), asset.decimals)}: balanced ✓`,
    );
  });
  out.push("");
  out.push(`State hash ${stateHash}`);
  out.push(
    "Run it yourself: ./bin/plimsoll run --config examples/quickstart/config.json --input examples/quickstart/commands.jsonl",
  );
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

function formatAccount(e: AccountEvent): string {
  const balances = Object.entries(e.balances)
    .filter(([, amount]) => amount !== "0")
    .map(([asset, amount]) => `${amount} ${asset}`)
    .join(", ");
  return `  ${e.account.padEnd(10)} ${balances.padEnd(32)} equity ${e.equity} (state ${e.state})`;
}

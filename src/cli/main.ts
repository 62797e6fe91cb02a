// The `plimsoll` command line (CONTRACT.md "Command line").
import { parseArgs } from "node:util";
import { readConfigFile } from "./config-file.js";
import { runDemo } from "./demo.js";
import { runFiles } from "./run.js";
import { UsageError } from "./usage-error.js";

const USAGE = `usage: plimsoll <command> [options]

commands:
  run --config FILE [--input FILE] [--output FILE]
      apply JSON Lines commands (stdin by default) and write JSON Lines events (stdout by default)
  demo
      run the bundled scenario and print a readable summary (what \`npm start\` does)

exit codes: 0 done (rejected commands are events, not failures); 2 unusable arguments, configuration or input
`;

const PLANNED = new Set(["serve", "replay", "stress", "backtest", "calibrate", "explain"]);

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await run(rest);
      case "demo":
        return await runDemo(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        if (PLANNED.has(command)) throw new UsageError(`'${command}' is not available in this version yet`);
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`plimsoll ${command ?? ""}: ${error.message}\n`);
      if (!error.message.startsWith("line ") && !error.message.startsWith("config "))
        process.stderr.write(USAGE);
      return 2;
    }
    throw error;
  }
}

async function run(args: readonly string[]): Promise<number> {
  const { values } = parseOptions(args, { config: true, input: true, output: true });
  if (values["config"] === undefined) throw new UsageError("--config FILE is required");
  const config = readConfigFile(values["config"]);
  await runFiles(config, values["input"], values["output"]);
  return 0;
}

function parseOptions(args: readonly string[], names: Record<string, true>) {
  try {
    const options = Object.fromEntries(Object.keys(names).map((name) => [name, { type: "string" as const }]));
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return { values: parsed.values as Record<string, string | undefined> };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

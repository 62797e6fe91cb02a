// The `plimsoll` command line (CONTRACT.md "Command line").
import { parseArgs } from "node:util";
import { JournalCorruption } from "../journal/file-journal.js";
import { type NatsTarget, parseNatsUrl } from "../journal/nats-journal.js";
import { type RunningService, replayNats, replayStore, serve } from "../service/serve.js";
import { DEFAULT_STORE, storeConfig, storeDir } from "../service/store.js";
import { configFromText, readConfigFile, readConfigText } from "./config-file.js";
import { runDemo } from "./demo.js";
import { runFiles } from "./run.js";
import { UsageError } from "./usage-error.js";

const USAGE = `usage: plimsoll <command> [options]

commands:
  run --config FILE [--input FILE] [--output FILE]
      apply JSON Lines commands (stdin by default) and write JSON Lines events (stdout by default)
  demo
      run the bundled scenario and print a readable summary (what \`npm start\` does)
  serve [--config FILE] [--store file:DIR] [--journal nats://HOST:PORT/STREAM] [--follow nats://HOST:PORT/STREAM]
        [--port N] [--host H]
      the service: commands over HTTP, journaled (durable) before they are applied; the store keeps the
      configuration it was created with and, without --journal, the journal (default store file:./plimsoll-data,
      port 8080); --follow runs a hot standby of the leader writing that stream (POST /v1/promote to take over)
  replay --store file:DIR [--journal nats://HOST:PORT/STREAM]
      rebuild the state from a store's journal (or the stream) and print its state hash

exit codes: 0 done (rejected commands are events, not failures); 2 unusable arguments, configuration or input
`;

const PLANNED = new Set(["stress", "backtest", "calibrate", "explain"]);

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await run(rest);
      case "demo":
        return await runDemo(rest);
      case "serve":
        return await serveCommand(rest);
      case "replay":
        return await replayCommand(rest);
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

async function serveCommand(args: readonly string[]): Promise<number> {
  const { values } = parseOptions(args, {
    config: true,
    store: true,
    journal: true,
    follow: true,
    port: true,
    host: true,
  });
  const journal = values["journal"] === undefined ? undefined : natsTarget(values["journal"], "--journal");
  const follow = values["follow"] === undefined ? undefined : natsTarget(values["follow"], "--follow");
  if (journal !== undefined && follow !== undefined)
    throw new UsageError("--journal and --follow: a standby follows the leader's journal; give one of them");
  const dir = storeDir(values["store"] ?? DEFAULT_STORE);
  if (typeof dir !== "string") throw new UsageError(dir.error);
  const text = values["config"] === undefined ? null : readConfigText(values["config"]);
  if (text !== null) configFromText(text, values["config"] as string); // refused before the store is touched
  const stored = storeConfig(dir, text);
  if (typeof stored !== "string") throw new UsageError(stored.error);
  const config = configFromText(stored, values["config"] ?? `${dir}/config.json`);
  const port = Number(values["port"] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port ${values["port"]}: not a port number (0 to 65535; 0 picks a free one)`);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let service: RunningService;
  try {
    service = await serve({
      config,
      dir,
      port,
      host: values["host"] ?? "127.0.0.1",
      log,
      ...(journal === undefined ? {} : { journal }),
      ...(follow === undefined ? {} : { follow }),
    });
  } catch (error) {
    if (error instanceof JournalCorruption) throw new UsageError(error.message);
    throw error;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      log("plimsoll: stopping");
      void service.close().then(resolve);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}

async function replayCommand(args: readonly string[]): Promise<number> {
  const { values } = parseOptions(args, { store: true, journal: true });
  if (values["store"] === undefined) throw new UsageError("--store file:DIR is required");
  const dir = storeDir(values["store"]);
  if (typeof dir !== "string") throw new UsageError(dir.error);
  const stored = storeConfig(dir, null);
  if (typeof stored !== "string") throw new UsageError(stored.error);
  const config = configFromText(stored, `${dir}/config.json`);
  try {
    if (values["journal"] !== undefined) {
      const { engine, records } = await replayNats(config, natsTarget(values["journal"], "--journal"));
      process.stdout.write(
        `${JSON.stringify({ commands: records.length, stateHash: engine.stateHash() })}\n`,
      );
      return 0;
    }
    const { engine, recovery } = replayStore(config, dir, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(
      `${JSON.stringify({ commands: recovery.records.length, stateHash: engine.stateHash() })}\n`,
    );
  } catch (error) {
    if (error instanceof JournalCorruption) throw new UsageError(error.message);
    throw error;
  }
  return 0;
}

function natsTarget(url: string, option: string): NatsTarget {
  const target = parseNatsUrl(url);
  if ("error" in target) throw new UsageError(`${option} ${target.error}`);
  return target;
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

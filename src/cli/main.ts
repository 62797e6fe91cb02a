// The `plimsoll` command line (CONTRACT.md "Command line").
import { join } from "node:path";
import { parseArgs } from "node:util";
import { JournalCorruption } from "../journal/file-journal.js";
import { type NatsTarget, parseNatsUrl } from "../journal/nats-journal.js";
import { PostgresReadModel } from "../service/postgres-read-model.js";
import type { ReadModel } from "../service/read-model.js";
import { type RunningService, replayNats, replayStore, serve } from "../service/serve.js";
import { SqliteReadModel } from "../service/sqlite-read-model.js";
import { DEFAULT_STORE, parseStore, type StoreUrl, storeConfig } from "../service/store.js";
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
        [--port N] [--host H] [--snapshot-every N]
      the service: commands over HTTP, journaled (durable) before they are applied; the store keeps the
      configuration it was created with and, without --journal, the journal (default store file:./plimsoll-data,
      port 8080); --follow runs a hot standby of the leader writing that stream (POST /v1/promote to take over);
      the engine is snapshotted into a file store every N commands (default 100000) and at shutdown
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
    "snapshot-every": true,
  });
  const every = Number(values["snapshot-every"] ?? "100000");
  if (!Number.isSafeInteger(every) || every < 0)
    throw new UsageError(`--snapshot-every ${values["snapshot-every"]}: a number of commands (0: never)`);
  const journal = values["journal"] === undefined ? undefined : natsTarget(values["journal"], "--journal");
  const follow = values["follow"] === undefined ? undefined : natsTarget(values["follow"], "--follow");
  if (journal !== undefined && follow !== undefined)
    throw new UsageError("--journal and --follow: a standby follows the leader's journal; give one of them");
  const store = parseStore(values["store"] ?? DEFAULT_STORE);
  if ("error" in store) throw new UsageError(store.error);
  if (store.kind === "postgres" && journal === undefined && follow === undefined)
    throw new UsageError(
      "--store postgres://… holds the read model and configuration; the journal goes on NATS JetStream (--journal nats://HOST:PORT/STREAM)",
    );
  const text = values["config"] === undefined ? null : readConfigText(values["config"]);
  if (text !== null) configFromText(text, values["config"] as string); // refused before the store is touched
  const { stored, readModel, dir } = await openStore(store, text);
  const config = configFromText(stored, values["config"] ?? "the store's configuration");
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
      readModel,
      snapshotEvery: every,
      ...(readModel instanceof PostgresReadModel ? { snapshotStore: readModel } : {}),
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

/** The store's configuration (recorded on first use) and its read model. */
async function openStore(
  store: StoreUrl,
  text: string | null,
): Promise<{ stored: string; readModel: ReadModel; dir: string }> {
  if (store.kind === "file") {
    const stored = storeConfig(store.dir, text);
    if (typeof stored !== "string") throw new UsageError(stored.error);
    return { stored, readModel: new SqliteReadModel(join(store.dir, "read-model.db")), dir: store.dir };
  }
  let model: PostgresReadModel;
  try {
    model = await PostgresReadModel.open(store.url);
  } catch (error) {
    throw new UsageError(`--store ${store.url}: ${(error as Error).message}`);
  }
  const stored = await model.config(text);
  if (typeof stored !== "string") {
    await model.close();
    throw new UsageError(stored.error);
  }
  return { stored, readModel: model, dir: "" };
}

async function replayCommand(args: readonly string[]): Promise<number> {
  const { values } = parseOptions(args, { store: true, journal: true });
  if (values["store"] === undefined)
    throw new UsageError("--store URL is required (file:DIR or postgres://…)");
  const store = parseStore(values["store"]);
  if ("error" in store) throw new UsageError(store.error);
  if (store.kind === "postgres" && values["journal"] === undefined)
    throw new UsageError(
      "--store postgres://… keeps no journal: give the stream with --journal nats://HOST:PORT/STREAM",
    );
  const { stored, readModel, dir } = await openStore(store, null);
  await readModel.close(); // replay only rebuilds the engine
  const config = configFromText(stored, "the store's configuration");
  const print = (commands: number, stateHash: string) =>
    process.stdout.write(`${JSON.stringify({ commands, stateHash })}\n`);
  try {
    if (values["journal"] !== undefined) {
      const { engine, count } = await replayNats(config, natsTarget(values["journal"], "--journal"));
      print(count, engine.stateHash());
      return 0;
    }
    const { engine, read } = replayStore(config, dir, (line) => process.stderr.write(`${line}\n`));
    print(read.count, engine.stateHash());
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

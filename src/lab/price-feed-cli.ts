// `price-feed`: historical bars → JSON Lines price commands, from a spec file or a named preset. Exported for the
// main command line; also runnable on its own after a build (`node dist/lab/price-feed-cli.js --help`).
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { leanFeedSpec } from "./lean-feed.js";
import { buildPriceFeedText, type PriceFeedSpec, parsePriceFeedSpec, parseTime } from "./price-feed.js";
import { usdcDepegFeedSpec } from "./usdc-depeg-feed.js";

export const PRICE_FEED_USAGE = `usage: price-feed (--spec FILE | --preset NAME) [--from TIME] [--to TIME] [--tick-ms N] [--output FILE]

  --spec FILE     a JSON feed spec: { "sources": [ { "file", "format" (lean-trade | lean-quote | binanceus | kraken),
                  "index", "source", "priceField" (close | mid), "latencyMs"?, "barMs"?, "skipEmptyBars"? } ],
                  "from"?, "to"?, "tickEveryMs"?, "baseDir"? }; relative files are read from the spec's folder
  --preset NAME   lean-2022-12-13 (bundled data/) or usdc-depeg-2023-03 (../shared/data, Mar 9 to 15 by default)
  --from, --to    keep bars starting in [from, to): ms since the epoch or ISO-8601 UTC (2023-03-11T00:00Z)
  --tick-ms N     a tick command every N ms (0: none)
  --output FILE   write there instead of stdout
`;

export interface PriceFeedIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const PRESETS: Record<string, () => PriceFeedSpec> = {
  "lean-2022-12-13": () => leanFeedSpec(),
  "usdc-depeg-2023-03": () => usdcDepegFeedSpec(),
};

/** Runs the command; 0 when the feed was written, 2 for unusable arguments, spec or data (with the reason). */
export function priceFeedCli(args: readonly string[], io: PriceFeedIo = process): number {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        spec: { type: "string" },
        preset: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        "tick-ms": { type: "string" },
        output: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      io.stdout.write(PRICE_FEED_USAGE);
      return 0;
    }
    let spec = loadSpec(values.spec, values.preset);
    if (values.from !== undefined) spec = { ...spec, from: parseTime(timeArg(values.from), "--from") };
    if (values.to !== undefined) spec = { ...spec, to: parseTime(timeArg(values.to), "--to") };
    const tick = values["tick-ms"];
    if (tick !== undefined) {
      if (!/^\d{1,15}$/.test(tick))
        throw new Error(`--tick-ms: ${JSON.stringify(tick)} is not a whole number of ms`);
      const { tickEveryMs: _, ...rest } = spec;
      spec = Number(tick) === 0 ? rest : { ...rest, tickEveryMs: Number(tick) };
    }
    const text = buildPriceFeedText(spec);
    if (values.output === undefined) io.stdout.write(text);
    else writeFileSync(values.output, text);
    return 0;
  } catch (error) {
    if (!(error instanceof Error) || error.name === "AssertionError") throw error;
    io.stderr.write(`price-feed: ${error.message}\n`);
    return 2;
  }
}

function loadSpec(specFile: string | undefined, preset: string | undefined): PriceFeedSpec {
  if ((specFile === undefined) === (preset === undefined))
    throw new Error(`give exactly one of --spec FILE and --preset NAME\n${PRICE_FEED_USAGE}`);
  if (preset !== undefined) {
    const make = PRESETS[preset];
    if (make === undefined)
      throw new Error(`unknown preset ${JSON.stringify(preset)} (known: ${Object.keys(PRESETS).join(", ")})`);
    return make();
  }
  const path = specFile as string;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const spec = parsePriceFeedSpec(json, path);
  return { ...spec, baseDir: resolve(dirname(path), spec.baseDir ?? ".") };
}

/** A command-line time: digits are ms since the epoch, anything else an ISO-8601 string. */
function timeArg(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = priceFeedCli(process.argv.slice(2));

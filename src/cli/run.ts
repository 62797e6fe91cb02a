// `plimsoll run`: commands in (JSON Lines), events out (JSON Lines), deterministically, streaming both ways.

import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { MarketConfig } from "../config/types.js";
import { COMMAND_FIELDS } from "../engine/commands.js";
import { Engine } from "../engine/engine.js";
import { writeEventLine } from "../engine/event-bytes.js";
import { eventJson } from "../engine/event-json.js";
import type { EngineEvent, EventSink } from "../engine/events.js";
import { NOT_FLAT, parseFlatJson } from "./flat-json.js";
import { Interner } from "./interner.js";
import { LineSplitter, LineTooLong } from "./lines.js";
import { UsageError } from "./usage-error.js";

/** JSON whitespace only: a line of other blanks is not JSON and stops the run like any other bad line. */
function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/**
 * Output block size: each event's text is encoded into it at once, so no long-lived strings build up for the GC
 * (a string accumulator spent ~40 % of the run in the GC, measured).
 */
const BLOCK_BYTES = 1 << 20;

class JsonLinesSink implements EventSink {
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private readonly full: Buffer[] = [];

  push(event: EngineEvent): void {
    let end = writeEventLine(this.block, this.used, event);
    if (end < 0) {
      this.seal(3 * eventJson(event).length + 1); // UTF-8 needs at most 3 bytes per UTF-16 unit
      end = writeEventLine(this.block, this.used, event);
    }
    this.used = end;
  }

  /** Everything written so far, as blocks the stream may keep. */
  take(): Buffer[] {
    if (this.used > 0) {
      // Copy out the partial block and keep writing into it: a live producer's small chunks cost no new blocks.
      this.full.push(Buffer.from(this.block.subarray(0, this.used)));
      this.used = 0;
    }
    return this.full.splice(0);
  }

  private seal(need: number): void {
    if (this.used > 0) this.full.push(this.block.subarray(0, this.used));
    this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, need));
    this.used = 0;
  }
}

/** Field names, command types and the market's ids: the strings that recur on every line. */
function commandVocabulary(config: MarketConfig): Interner {
  const known = new Interner(["type", "ts", ...Object.keys(COMMAND_FIELDS)]);
  for (const fields of Object.values(COMMAND_FIELDS)) for (const field of fields) known.add(field);
  for (const asset of config.assets) known.add(asset.id);
  for (const instrument of config.instruments) known.add(instrument.symbol);
  for (const index of config.indices) known.add(index.id);
  for (const word of ["buy", "sell", "GTC", "IOC", "FOK", "POST_ONLY", "standard", "portfolio"])
    known.add(word);
  return known;
}

export interface RunSummary {
  readonly commands: number;
  readonly rejected: number;
  readonly events: number;
  readonly stateHash: string;
}

/** Runs every line of `input` through a fresh engine, writing events to `output`. */
export async function runStream(
  config: MarketConfig,
  input: Readable,
  output: Writable,
): Promise<RunSummary> {
  const engine = new Engine(config);
  const sink = new JsonLinesSink();
  const known = commandVocabulary(config);
  const splitter = new LineSplitter((bytes, start, end, lineNumber) => {
    let command: unknown = parseFlatJson(bytes, start, end, known);
    if (command === NOT_FLAT) {
      const text = bytes.toString("utf8", start, end);
      if (isBlank(text)) return;
      try {
        command = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`line ${lineNumber}: not valid JSON (${(error as Error).message})`);
      }
    }
    engine.applyInto(command, lineNumber, sink);
  });
  const write = async (): Promise<void> => {
    let ok = true;
    for (const block of sink.take()) ok = output.write(block);
    if (!ok) await once(output, "drain");
  };
  try {
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      await write(); // per input chunk, so a live producer sees its events as soon as its lines arrive
    }
    splitter.finish();
  } catch (error) {
    await write(); // events of the lines before the bad one are kept
    if (error instanceof LineTooLong) throw new UsageError(error.message);
    throw error;
  }
  const hash = engine.end(sink);
  await write();
  const stats = engine.stats;
  return { commands: stats.commands, rejected: stats.rejected, events: stats.events, stateHash: hash };
}

export async function runFiles(
  config: MarketConfig,
  inputPath: string | undefined,
  outputPath: string | undefined,
) {
  const input =
    inputPath === undefined ? process.stdin : createReadStream(inputPath, { highWaterMark: 1 << 20 });
  if (inputPath !== undefined) {
    await new Promise<void>((resolve, reject) => {
      input.once("open", () => resolve());
      input.once("error", (error: Error) => reject(new UsageError(`--input ${inputPath}: ${error.message}`)));
    });
  }
  const output =
    outputPath === undefined ? process.stdout : createWriteStream(outputPath, { highWaterMark: 1 << 24 }); // wait only when the disk is really behind;
  if (outputPath !== undefined) {
    await new Promise<void>((resolve, reject) => {
      output.once("open", () => resolve());
      output.once("error", (error: Error) =>
        reject(new UsageError(`--output ${outputPath}: ${error.message}`)),
      );
    });
  }
  try {
    return await runStream(config, input, output);
  } finally {
    if (outputPath !== undefined) {
      output.end();
      await once(output, "finish");
    }
  }
}

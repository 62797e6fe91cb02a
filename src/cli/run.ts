// `plimsoll run`: commands in (JSON Lines), events out (JSON Lines), deterministically, streaming both ways.

import { once } from "node:events";
import { closeSync, createReadStream, openSync } from "node:fs";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import type { MarketConfig } from "../config/types.js";
import { COMMAND_FIELDS } from "../engine/commands.js";
import { Engine } from "../engine/engine.js";
import { eventJson } from "../engine/event-json.js";
import type { EngineEvent, EventSink } from "../engine/events.js";
import {
  align8,
  BALANCE_RECORD_BYTES,
  CONTROL_WORDS,
  KIND_BALANCE,
  KIND_NAME,
  KIND_TEXT,
  RING_BYTES,
  RingWriter,
} from "./event-ring.js";
import type { WriterData } from "./event-writer.worker.js";
import { NOT_FLAT, parseFlatJson } from "./flat-json.js";
import { Interner } from "./interner.js";
import { LineSplitter, LineTooLong } from "./lines.js";
import { UsageError } from "./usage-error.js";

/** JSON whitespace only: a line of other blanks is not JSON and stops the run like any other bad line. */
function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/**
 * The engine's side of the event ring: balance changes go in raw (64 bytes, nothing formatted), other events as
 * their JSON text, and each account's id once, before its first balance record.
 */
class RingSink implements EventSink {
  private named = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly ring: RingWriter,
    private readonly ledger: { accountId(account: number): string },
  ) {}

  balance(
    seq: number,
    ts: number,
    cause: number,
    account: number,
    asset: number,
    delta: bigint,
    balance: bigint,
    reason: number,
    counterparty: number,
  ): void {
    const top = account > counterparty ? account : counterparty;
    if (top >= this.named) this.name(top);
    const { i32, f64, i64 } = this.ring.views;
    const offset = this.ring.reserve(BALANCE_RECORD_BYTES);
    const at = offset >> 2;
    const f = offset >> 3;
    i32[at] = KIND_BALANCE;
    i32[at + 1] = BALANCE_RECORD_BYTES;
    f64[f + 1] = seq;
    f64[f + 2] = ts;
    f64[f + 3] = cause;
    i32[at + 8] = account;
    i32[at + 9] = asset;
    i32[at + 10] = reason;
    i32[at + 11] = counterparty;
    i64[f + 6] = delta;
    i64[f + 7] = balance;
    this.ring.commit(offset, BALANCE_RECORD_BYTES);
  }

  push(event: EngineEvent): void {
    const text = `${eventJson(event)}\n`;
    const offset = this.ring.reserve(align8(12 + 3 * text.length)); // UTF-8: at most 3 bytes per UTF-16 unit
    const { i32, u8 } = this.ring.views;
    const length = this.encoder.encodeInto(text, u8.subarray(offset + 12)).written;
    i32[offset >> 2] = KIND_TEXT;
    i32[(offset >> 2) + 1] = align8(12 + length);
    i32[(offset >> 2) + 2] = length;
    this.ring.commit(offset, align8(12 + length));
  }

  private name(top: number): void {
    const { i32, u8 } = this.ring.views;
    for (; this.named <= top; this.named++) {
      const id = this.ledger.accountId(this.named); // ids are ASCII (checked on the way in)
      const size = align8(16 + id.length);
      const offset = this.ring.reserve(size);
      i32[offset >> 2] = KIND_NAME;
      i32[(offset >> 2) + 1] = size;
      i32[(offset >> 2) + 2] = this.named;
      i32[(offset >> 2) + 3] = id.length;
      for (let k = 0; k < id.length; k++) u8[offset + 16 + k] = id.charCodeAt(k);
      this.ring.commit(offset, size);
    }
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

/** Runs every line of `input` through a fresh engine, writing events to the file descriptor `fd`. */
export async function runStream(config: MarketConfig, input: Readable, fd: number): Promise<RunSummary> {
  const engine = new Engine(config);
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const ring = new RingWriter(new SharedArrayBuffer(RING_BYTES), new Int32Array(control));
  const data: WriterData = { data: ring.views.data, control, fd, assets: config.assets };
  const writer = new Worker(new URL("./event-writer.worker.js", import.meta.url), { workerData: data });
  let writerError: string | null = null;
  writer.on("message", (message: { error?: string }) => {
    writerError = message.error ?? writerError;
  });
  writer.on("error", (error: Error) => {
    writerError = error.message;
  });
  const exited = once(writer, "exit");
  const sink = new RingSink(ring, engine.ledger);
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
  let failure: unknown = null;
  let hash = "";
  try {
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      ring.publish(); // per input chunk, so a live producer sees its events as soon as its lines arrive
    }
    splitter.finish();
    hash = engine.end(sink);
  } catch (error) {
    failure = error instanceof LineTooLong ? new UsageError(error.message) : error;
  }
  ring.close(); // the events of every line before a bad one are still written
  await exited;
  if (writerError !== null) throw new Error(`writing events failed: ${writerError}`);
  if (failure !== null) throw failure;
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
  let fd = 1; // stdout, written by the writer thread directly
  if (outputPath !== undefined) {
    try {
      fd = openSync(outputPath, "w");
    } catch (error) {
      throw new UsageError(`--output ${outputPath}: ${(error as Error).message}`);
    }
  }
  try {
    return await runStream(config, input, fd);
  } finally {
    if (outputPath !== undefined) closeSync(fd);
  }
}

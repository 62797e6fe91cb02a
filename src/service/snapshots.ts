// Snapshots of the engine in the embedded store: DIR/snapshot-<seq>.json, written to a temporary file, synced and
// renamed (a crash leaves the old snapshot or the new one, never half of one). The first line names the seq, the
// state hash and a CRC-32C of the body; a start loads the newest snapshot that verifies — checksum, then the
// restored engine's own state hash — and replays the journal after its seq. A snapshot that does not verify is
// skipped with a log line (the journal still holds everything). The two newest are kept.
import { readdirSync, readFileSync } from "node:fs";
import { type FileHandle, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { MarketConfig } from "../config/types.js";
import { Engine, type EngineSnapshot } from "../engine/engine.js";
import { crc32c } from "../journal/crc32c.js";
import { type BodyWritten, writeBody } from "./snapshot-writer.js";

const PREFIX = "snapshot-";
const SUFFIX = ".json";
const KEEP = 2;

/**
 * Writes the engine's snapshot at `seq` (commands applied) and drops all but the newest KEEP. The state is taken
 * at the call, synchronously — the caller stands at a command boundary — and the engine may go on while it is
 * encoded (in slices, yielding to the event loop) and written (asynchronously). Resolves to the file's path.
 */
export async function writeSnapshot(dir: string, engine: Engine, seq: number): Promise<string> {
  const capture = engine.capture();
  const path = join(dir, `${PREFIX}${String(seq).padStart(12, "0")}${SUFFIX}`);
  const temporary = `${path}.tmp`;
  // The body is written to a file of its own as it is built — its checksum and length, which the header before
  // it carries, are known only at the end — then copied after the header.
  const bodyPath = `${path}.body.tmp`;
  const bodyFile = await open(bodyPath, "w");
  let body: BodyWritten;
  try {
    body = await writeBody(capture, (bytes) => writeAll(bodyFile, bytes));
  } finally {
    await bodyFile.close();
  }
  const header = `plimsoll-snapshot 1 ${seq} ${body.stateHash} ${body.crc.toString(16)} ${body.length}\n`;
  const file = await open(temporary, "w");
  try {
    await writeAll(file, Buffer.from(header, "utf8"));
    await copyInto(bodyPath, body.length, file);
    await file.sync();
  } finally {
    await file.close();
  }
  await rm(bodyPath, { force: true });
  await rename(temporary, path);
  const directory = await open(dir, "r");
  try {
    await directory.sync(); // the rename itself survives a crash
  } finally {
    await directory.close();
  }
  for (const old of newestFirst(await readdir(dir)).slice(KEEP)) await rm(join(dir, old), { force: true });
  return path;
}

/** Writes all of `bytes` at the file's position (a write may take only part). */
async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await file.write(bytes, at, bytes.length - at)).bytesWritten;
}

/** Appends the `length` bytes of the file at `from` to `to`, a mebibyte at a time. */
async function copyInto(from: string, length: number, to: FileHandle): Promise<void> {
  const source = await open(from, "r");
  try {
    const buffer = Buffer.allocUnsafe(Math.min(length, 1 << 20));
    for (let at = 0; at < length; ) {
      const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, length - at), at);
      if (bytesRead === 0) throw new Error(`${from}: ends at ${at} of ${length} bytes`);
      await writeAll(to, buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await source.close();
  }
}

/** Snapshot files of a store, newest first. */
function snapshotFiles(dir: string): string[] {
  return newestFirst(readdirSync(dir));
}

function newestFirst(files: readonly string[]): string[] {
  return files
    .filter((f) => f.startsWith(PREFIX) && f.endsWith(SUFFIX))
    .sort()
    .reverse();
}

/**
 * The newest snapshot that verifies, restored, with the seq it stands at; null when there is none (replay from the
 * start). `maxSeq` bounds it to what the journal holds (a snapshot beyond the journal's end is not trusted).
 */
export function loadSnapshot(
  dir: string,
  config: MarketConfig,
  maxSeq: number,
  log: (line: string) => void,
): { engine: Engine; seq: number } | null {
  for (const file of snapshotFiles(dir)) {
    const why = (reason: string) =>
      log(`snapshot ${file}: ${reason}; trying an older one (the journal holds all)`);
    const bytes = readFileSync(join(dir, file));
    const newline = bytes.indexOf(10);
    const header = newline < 0 ? [] : bytes.subarray(0, newline).toString("utf8").split(" ");
    if (header.length !== 6 || header[0] !== "plimsoll-snapshot" || header[1] !== "1") {
      why("not a snapshot header");
      continue;
    }
    const [seqText, hash, crcText, lengthText] = header.slice(2) as [string, string, string, string];
    const seq = Number(seqText);
    const body = bytes.subarray(newline + 1);
    if (body.length !== Number(lengthText) || crc32c(body).toString(16) !== crcText) {
      why("its checksum does not match");
      continue;
    }
    if (!(Number.isSafeInteger(seq) && seq >= 0 && seq <= maxSeq)) {
      why(`its seq ${seqText} is beyond the journal's ${maxSeq} commands`);
      continue;
    }
    let engine: Engine;
    try {
      engine = Engine.fromSnapshot(config, JSON.parse(body.toString("utf8")) as EngineSnapshot);
    } catch (error) {
      why(`it does not restore (${(error as Error).message})`);
      continue;
    }
    if (engine.stateHash() !== hash) {
      why("the restored state's hash is not the one recorded");
      continue;
    }
    return { engine, seq };
  }
  return null;
}

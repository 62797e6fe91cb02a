// Snapshots of the engine in the embedded store: DIR/snapshot-<seq>.json, written to a temporary file, synced and
// renamed (a crash leaves the old snapshot or the new one, never half of one). The first line names the seq, the
// state hash and a CRC-32C of the body; a start loads the newest snapshot that verifies — checksum, then the
// restored engine's own state hash — and replays the journal after its seq. A snapshot that does not verify is
// skipped with a log line (the journal still holds everything). The two newest are kept.
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { MarketConfig } from "../config/types.js";
import { Engine, type EngineSnapshot } from "../engine/engine.js";
import { crc32c } from "../journal/crc32c.js";

const PREFIX = "snapshot-";
const SUFFIX = ".json";
const KEEP = 2;

/** Writes the engine's snapshot at `seq` (commands applied) and drops all but the newest KEEP. */
export function writeSnapshot(dir: string, engine: Engine, seq: number): string {
  const body = Buffer.from(JSON.stringify(engine.snapshot()), "utf8");
  const header = `plimsoll-snapshot 1 ${seq} ${engine.stateHash()} ${crc32c(body).toString(16)} ${body.length}\n`;
  const path = join(dir, `${PREFIX}${String(seq).padStart(12, "0")}${SUFFIX}`);
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, header);
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd); // the rename itself survives a crash
  } finally {
    closeSync(dirFd);
  }
  for (const old of snapshotFiles(dir).slice(KEEP)) rmSync(join(dir, old), { force: true });
  return path;
}

/** Snapshot files of a store, newest first. */
function snapshotFiles(dir: string): string[] {
  return readdirSync(dir)
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

// The embedded journal: one append-only file of checksummed records, written in batches (group commit). A batch
// is its records followed by a commit marker; it is acknowledged only after the write and an fdatasync return.
//
//   record: u32 RECORD_MAGIC, u32 length, payload (one command: binary, or JSON text)
//   commit: u32 COMMIT_MAGIC, u32 records in the batch, u32 crc32c(the batch's bytes before the marker),
//           u32 crc32c(these 12 bytes)
// One checksum over the whole batch: replay checks a batch in one pass (in hardware where the addon built) instead
// of once per record. Journals written before binary records (format 1: `RMLP` records carrying their own CRC,
// `CMLP` markers over the record headers) are still read; a batch is all of one format.
//
// Recovery reads batch by batch. A damaged or short record or marker ends the good part. If a valid commit marker
// appears anywhere after the damage, a later batch was written after this one was synced — the damage is inside
// acknowledged data, and the start stops with an error naming the byte. Otherwise the damage is the torn tail of
// a batch that was never acknowledged: it is cut off, and the caller logs what was dropped. Never silent.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { binarySize, writeBinary } from "./command-codec.js";
import { crc32c } from "./crc32c.js";
import { JournalRecords } from "./journal-records.js";

export const RECORD_MAGIC = 0x514c4d52; // "RMLQ" little-endian on disk
export const COMMIT_MAGIC = 0x514c4d43; // "CMLQ"
/** Format 1 (read only): each record with its own CRC, the marker over the record headers. */
export const RECORD_MAGIC_1 = 0x504c4d52; // "RMLP"
export const COMMIT_MAGIC_1 = 0x504c4d43; // "CMLP"
const RECORD_HEADER = 8;
const RECORD_HEADER_1 = 12;
const COMMIT_SIZE = 16;
/** Largest record: a command is at most this many bytes (the service refuses larger bodies first). */
export const MAX_RECORD_BYTES = 1 << 20;
export const JOURNAL_FILE = "journal.log";

/** A journal that cannot be trusted: acknowledged data is damaged. */
export class JournalCorruption extends Error {
  override readonly name = "JournalCorruption";
}

export interface Recovery {
  /** The committed commands, in order. */
  readonly records: JournalRecords;
  /** Bytes of committed batches (where the next batch is written). */
  readonly end: number;
  /** Set when an unacknowledged tail was cut off: what was dropped and why. */
  readonly dropped: { readonly at: number; readonly bytes: number; readonly reason: string } | null;
}

/** Reads a journal's bytes into its committed records, or throws JournalCorruption. */
export function recoverJournal(bytes: Uint8Array, name = JOURNAL_FILE): Recovery {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records = new JournalRecords();
  records.addChunk(bytes);
  let committed = 0; // records of verified batches; those after it await their commit marker
  let format = 0; // of the batch being read: 0 until its first record
  let headers = 0; // format 1: crc32c of the pending records' headers
  let pos = 0;
  let batchStart = 0;
  let end = 0;
  let failure: string | null = null;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) {
      failure = "a header cut short";
      break;
    }
    const magic = view.getUint32(pos, true);
    if (magic === RECORD_MAGIC || magic === RECORD_MAGIC_1) {
      const f = magic === RECORD_MAGIC ? 2 : 1;
      if (format !== 0 && format !== f) {
        failure = "a batch mixing journal formats";
        break;
      }
      format = f;
      const header = f === 2 ? RECORD_HEADER : RECORD_HEADER_1;
      if (pos + header > bytes.length) {
        failure = "a record header cut short";
        break;
      }
      const length = view.getUint32(pos + 4, true);
      if (length === 0 || length > MAX_RECORD_BYTES || pos + header + length > bytes.length) {
        failure = `a record of ${length} bytes that does not fit`;
        break;
      }
      const start = pos + header;
      if (f === 1) {
        if (crc32c(bytes, start, start + length) !== view.getUint32(pos + 8, true)) {
          failure = "a record whose checksum does not match";
          break;
        }
        headers = crc32c(bytes, pos, start, headers);
      }
      records.push(start, start + length);
      pos = start + length;
    } else if (magic === COMMIT_MAGIC || magic === COMMIT_MAGIC_1) {
      const f = magic === COMMIT_MAGIC ? 2 : 1;
      if (!validCommit(bytes, view, pos)) {
        failure = "a commit marker that does not verify";
        break;
      }
      if (
        (format !== 0 && format !== f) ||
        view.getUint32(pos + 4, true) !== records.length - committed ||
        (f === 2 ? crc32c(bytes, batchStart, pos) : headers) !== view.getUint32(pos + 8, true)
      ) {
        failure = "a batch whose records do not match its commit marker";
        break;
      }
      committed = records.length;
      format = 0;
      headers = 0;
      pos += COMMIT_SIZE;
      batchStart = pos;
      end = pos;
    } else {
      failure = "bytes that are neither a record nor a commit marker";
      break;
    }
  }
  if (failure === null && records.length > committed) failure = "records without their commit marker";
  records.truncate(committed);
  if (failure === null) return { records, end, dropped: null };
  // Damage at `pos` (in the batch from batchStart). Any valid commit marker after it proves a later sync.
  for (let q = Math.max(pos, batchStart) + 1; q + COMMIT_SIZE <= bytes.length; q++) {
    const magic = view.getUint32(q, true);
    if ((magic === COMMIT_MAGIC || magic === COMMIT_MAGIC_1) && validCommit(bytes, view, q))
      throw new JournalCorruption(
        `journal ${name}: ${failure} at byte ${pos}, and a committed batch follows at byte ${q}: acknowledged data is damaged; refusing to start (restore the file from a replica or backup)`,
      );
  }
  return {
    records,
    end,
    dropped: { at: end, bytes: bytes.length - end, reason: `${failure} at byte ${pos}` },
  };
}

function validCommit(bytes: Uint8Array, view: DataView, at: number): boolean {
  return at + COMMIT_SIZE <= bytes.length && crc32c(bytes, at, at + 12) === view.getUint32(at + 12, true);
}

/** A command to journal: its JSON text as it is, or a command object (binary when it can be, else its JSON). */
export type JournalInput = string | object;

/** One batch as it is written (records, then the commit marker, in one buffer) and its records, to apply. */
export function encodeBatch(inputs: readonly JournalInput[]): { bytes: Buffer; records: JournalRecords } {
  const sizes = new Int32Array(inputs.length);
  const texts: (string | null)[] = new Array<string | null>(inputs.length).fill(null);
  let bound = COMMIT_SIZE;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as JournalInput;
    const size = typeof input === "string" ? -1 : binarySize(input);
    sizes[i] = size;
    if (size >= 0) bound += RECORD_HEADER + size;
    else {
      const text = typeof input === "string" ? input : JSON.stringify(input);
      texts[i] = text;
      bound += RECORD_HEADER + 3 * text.length; // UTF-8: at most 3 bytes per UTF-16 unit
    }
  }
  const out = Buffer.allocUnsafe(bound);
  const records = new JournalRecords();
  records.addChunk(out);
  let pos = 0;
  for (let i = 0; i < inputs.length; i++) {
    const start = pos + RECORD_HEADER;
    const text = texts[i] ?? null;
    const end =
      text === null ? writeBinary(inputs[i] as object, out, start) : start + out.write(text, start, "utf8");
    const length = end - start;
    if (length > MAX_RECORD_BYTES)
      throw new RangeError(`journal: a record of ${length} bytes is over the limit`);
    if (length === 0) throw new RangeError("journal: an empty record");
    out.writeUInt32LE(RECORD_MAGIC, pos);
    out.writeUInt32LE(length, pos + 4);
    records.push(start, end);
    pos = end;
  }
  out.writeUInt32LE(COMMIT_MAGIC, pos);
  out.writeUInt32LE(inputs.length, pos + 4);
  out.writeUInt32LE(crc32c(out, 0, pos), pos + 8);
  out.writeUInt32LE(crc32c(out, pos, pos + 12), pos + 12);
  return { bytes: out.subarray(0, pos + COMMIT_SIZE), records };
}

/** Reads the journal of a store directory (none yet: empty), cutting off an unacknowledged tail. */
export function openJournalSync(dir: string): Recovery {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return { records: new JournalRecords(), end: 0, dropped: null };
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size); // every byte is read into below
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) throw new Error(`journal ${path}: the file shrank while it was read`);
      read += n;
    }
    const recovery = recoverJournal(bytes, path);
    if (recovery.dropped !== null) {
      ftruncateSync(fd, recovery.end);
      fdatasyncSync(fd);
    }
    return recovery;
  } finally {
    closeSync(fd);
  }
}

/** Appends batches to a store's journal, each durable (written and synced) before its promise resolves. */
export class FileJournal {
  private constructor(
    private readonly handle: FileHandle,
    private position: number,
  ) {}

  static async open(dir: string, end: number): Promise<FileJournal> {
    const handle = await open(join(dir, JOURNAL_FILE), existsSync(join(dir, JOURNAL_FILE)) ? "r+" : "w+");
    return new FileJournal(handle, end);
  }

  /** Writes one encoded batch (encodeBatch) and syncs it: when this resolves, the batch survives a crash. */
  async append(batch: Uint8Array): Promise<void> {
    let written = 0;
    while (written < batch.length) {
      const { bytesWritten } = await this.handle.write(
        batch,
        written,
        batch.length - written,
        this.position + written,
      );
      written += bytesWritten;
    }
    await this.handle.datasync();
    this.position += batch.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Synchronous append, for tools and tests. */
export function appendBatchSync(dir: string, inputs: readonly JournalInput[]): void {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, JOURNAL_FILE), "a");
  try {
    writeSync(fd, encodeBatch(inputs).bytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// The embedded journal: one append-only file of checksummed records, written in batches (group commit). A batch
// is its records followed by a commit marker; it is acknowledged only after the write and an fdatasync return.
//
//   record: u32 RECORD_MAGIC, u32 length, u32 crc32c(payload), payload (UTF-8: one command as JSON)
//   commit: u32 COMMIT_MAGIC, u32 records in the batch, u32 crc32c(the batch's record headers), u32 crc32c(these 12 bytes)
// (each header holds its payload's checksum, so the headers' checksum binds the whole batch without reading it twice)
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
import { crc32c } from "./crc32c.js";

export const RECORD_MAGIC = 0x504c4d52; // "RMLP" little-endian on disk
export const COMMIT_MAGIC = 0x504c4d43;
const RECORD_HEADER = 12;
const COMMIT_SIZE = 16;
/** Largest record: a command is at most this many bytes of JSON (the service refuses larger bodies first). */
export const MAX_RECORD_BYTES = 1 << 20;
export const JOURNAL_FILE = "journal.log";

/** A journal that cannot be trusted: acknowledged data is damaged. */
export class JournalCorruption extends Error {
  override readonly name = "JournalCorruption";
}

export interface Recovery {
  /** The committed commands, in order. */
  readonly records: string[];
  /** Bytes of committed batches (where the next batch is written). */
  readonly end: number;
  /** Set when an unacknowledged tail was cut off: what was dropped and why. */
  readonly dropped: { readonly at: number; readonly bytes: number; readonly reason: string } | null;
}

/** Reads a journal's bytes into its committed records, or throws JournalCorruption. */
export function recoverJournal(bytes: Uint8Array, name = JOURNAL_FILE): Recovery {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const records: string[] = [];
  let pending: string[] = [];
  let headers = 0; // crc32c of the pending records' headers
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
    if (magic === RECORD_MAGIC) {
      if (pos + RECORD_HEADER > bytes.length) {
        failure = "a record header cut short";
        break;
      }
      const length = view.getUint32(pos + 4, true);
      if (length > MAX_RECORD_BYTES || pos + RECORD_HEADER + length > bytes.length) {
        failure = `a record of ${length} bytes that does not fit`;
        break;
      }
      const start = pos + RECORD_HEADER;
      if (crc32c(bytes, start, start + length) !== view.getUint32(pos + 8, true)) {
        failure = "a record whose checksum does not match";
        break;
      }
      headers = crc32c(bytes, pos, start, headers);
      try {
        pending.push(decoder.decode(bytes.subarray(start, start + length)));
      } catch {
        failure = "a record that is not UTF-8";
        break;
      }
      pos = start + length;
    } else if (magic === COMMIT_MAGIC) {
      if (!validCommit(bytes, view, pos)) {
        failure = "a commit marker that does not verify";
        break;
      }
      if (view.getUint32(pos + 4, true) !== pending.length || headers !== view.getUint32(pos + 8, true)) {
        failure = "a batch whose records do not match its commit marker";
        break;
      }
      for (const r of pending) records.push(r);
      pending = [];
      headers = 0;
      pos += COMMIT_SIZE;
      batchStart = pos;
      end = pos;
    } else {
      failure = "bytes that are neither a record nor a commit marker";
      break;
    }
  }
  if (failure === null && pending.length > 0) failure = "records without their commit marker";
  if (failure === null) return { records, end, dropped: null };
  // Damage at `pos` (in the batch from batchStart). Any valid commit marker after it proves a later sync.
  for (let q = Math.max(pos, batchStart) + 1; q + COMMIT_SIZE <= bytes.length; q++)
    if (view.getUint32(q, true) === COMMIT_MAGIC && validCommit(bytes, view, q))
      throw new JournalCorruption(
        `journal ${name}: ${failure} at byte ${pos}, and a committed batch follows at byte ${q}: acknowledged data is damaged; refusing to start (restore the file from a replica or backup)`,
      );
  return {
    records,
    end,
    dropped: { at: end, bytes: bytes.length - end, reason: `${failure} at byte ${pos}` },
  };
}

function validCommit(bytes: Uint8Array, view: DataView, at: number): boolean {
  return at + COMMIT_SIZE <= bytes.length && crc32c(bytes, at, at + 12) === view.getUint32(at + 12, true);
}

/** One batch as it is written: its records, then its commit marker (one buffer, each payload encoded in place). */
export function encodeBatch(payloads: readonly string[]): Buffer {
  let bound = COMMIT_SIZE;
  for (const p of payloads) bound += RECORD_HEADER + 3 * p.length; // UTF-8: at most 3 bytes per UTF-16 unit
  const out = Buffer.allocUnsafe(bound);
  let pos = 0;
  let headers = 0;
  for (const p of payloads) {
    const start = pos + RECORD_HEADER;
    const length = out.write(p, start, "utf8");
    if (length > MAX_RECORD_BYTES)
      throw new RangeError(`journal: a record of ${length} bytes is over the limit`);
    out.writeUInt32LE(RECORD_MAGIC, pos);
    out.writeUInt32LE(length, pos + 4);
    out.writeUInt32LE(crc32c(out, start, start + length), pos + 8);
    headers = crc32c(out, pos, start, headers);
    pos = start + length;
  }
  out.writeUInt32LE(COMMIT_MAGIC, pos);
  out.writeUInt32LE(payloads.length, pos + 4);
  out.writeUInt32LE(headers, pos + 8);
  out.writeUInt32LE(crc32c(out, pos, pos + 12), pos + 12);
  return out.subarray(0, pos + COMMIT_SIZE);
}

/** Reads the journal of a store directory (none yet: empty), cutting off an unacknowledged tail. */
export function openJournalSync(dir: string): Recovery {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return { records: [], end: 0, dropped: null };
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) read += readSync(fd, bytes, read, size - read, read);
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

  /** Writes one batch and syncs it: when this resolves, the batch survives a crash. */
  async append(payloads: readonly string[]): Promise<void> {
    const batch = encodeBatch(payloads);
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
export function appendBatchSync(dir: string, payloads: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, JOURNAL_FILE), "a");
  try {
    writeSync(fd, encodeBatch(payloads));
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

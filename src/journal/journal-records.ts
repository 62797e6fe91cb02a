// The records of a journal as read back: where each lies in the bytes read (no copy, no string per record), decoded
// only when replay asks for it. A record is a command in binary (src/journal/command-codec.ts) or as JSON text; a
// request's idempotency key rides on its first command's JSON as `_key` (with the request's size as `_n`).
import { BINARY, CommandCodecError, readBinary } from "./command-codec.js";

/** Records per page of offsets: pages are added, never copied, as a journal is read. */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const SLOT = PAGE - 1;

export class JournalRecords {
  private readonly chunks: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  // Per record: its chunk, and where it starts and ends in it (a chunk is a Buffer: under 4 GiB).
  private readonly chunkPages: Uint32Array[] = [];
  private readonly startPages: Uint32Array[] = [];
  private readonly endPages: Uint32Array[] = [];
  private count = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** After `command(i)`: the idempotency key its request carried (on its first command only), else null. */
  key: string | null = null;
  /** After `command(i)` with a key: how many commands the request held. */
  n = 1;

  get length(): number {
    return this.count;
  }

  /** Starts a new buffer of records (the journal file, or one stream message); records then refer to it. */
  addChunk(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.views.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /** A record at bytes[start, end) of the last chunk added. */
  push(start: number, end: number): void {
    this.put(this.chunks.length - 1, start, end);
  }

  private put(chunk: number, start: number, end: number): void {
    const page = this.count >>> PAGE_BITS;
    if (page === this.startPages.length) {
      this.chunkPages.push(new Uint32Array(PAGE));
      this.startPages.push(new Uint32Array(PAGE));
      this.endPages.push(new Uint32Array(PAGE));
    }
    const slot = this.count & SLOT;
    (this.chunkPages[page] as Uint32Array)[slot] = chunk;
    (this.startPages[page] as Uint32Array)[slot] = start;
    (this.endPages[page] as Uint32Array)[slot] = end;
    this.count++;
  }

  /** Forgets the records from `length` on (a batch whose commit marker did not verify). */
  truncate(length: number): void {
    this.count = Math.min(this.count, length);
  }

  /** Every record of `other`, after these. */
  append(other: JournalRecords): void {
    const base = this.chunks.length;
    for (let c = 0; c < other.chunks.length; c++) this.addChunk(other.chunks[c] as Uint8Array);
    for (let i = 0; i < other.count; i++) {
      const page = i >>> PAGE_BITS;
      const slot = i & SLOT;
      this.put(
        base + ((other.chunkPages[page] as Uint32Array)[slot] as number),
        (other.startPages[page] as Uint32Array)[slot] as number,
        (other.endPages[page] as Uint32Array)[slot] as number,
      );
    }
  }

  // Scratch results of locate, read right after the call.
  private chunk = 0;
  private start = 0;
  private end = 0;

  private locate(i: number): Uint8Array {
    if (!(i >= 0 && i < this.count && (i | 0) === i))
      throw new RangeError(`journal: record ${i} of ${this.count}`);
    const page = i >>> PAGE_BITS;
    const slot = i & SLOT;
    this.chunk = (this.chunkPages[page] as Uint32Array)[slot] as number;
    this.start = (this.startPages[page] as Uint32Array)[slot] as number;
    this.end = (this.endPages[page] as Uint32Array)[slot] as number;
    return this.chunks[this.chunk] as Uint8Array;
  }

  /** Whether record i is binary (never keyed). */
  isBinary(i: number): boolean {
    return this.locate(i)[this.start] === BINARY;
  }

  /** The command of record i, as the engine applies it; `key` and `n` say whether its request was keyed. */
  command(i: number): Record<string, unknown> {
    const bytes = this.locate(i);
    const start = this.start;
    const end = this.end;
    this.key = null;
    this.n = 1;
    if (bytes[start] === BINARY) return readBinary(bytes, this.views[this.chunk] as DataView, start, end);
    const parsed = this.parse(bytes, start, end);
    if (typeof parsed !== "object" || parsed === null || !("_key" in parsed))
      return parsed as Record<string, unknown>;
    const record = parsed as Record<string, unknown>;
    if (typeof record["_key"] !== "string") return record;
    this.key = record["_key"];
    this.n = typeof record["_n"] === "number" ? record["_n"] : 1;
    const command: Record<string, unknown> = {};
    for (const field of Object.keys(record))
      if (field !== "_key" && field !== "_n") command[field] = record[field];
    return command;
  }

  /** Record i as JSON text, as the client's command was canonicalised (with its `_key`/`_n` if keyed): for tools. */
  text(i: number): string {
    const bytes = this.locate(i);
    const start = this.start;
    const end = this.end;
    if (bytes[start] === BINARY)
      return JSON.stringify(readBinary(bytes, this.views[this.chunk] as DataView, start, end));
    return this.decode(bytes, start, end);
  }

  /** Every record as JSON text. */
  texts(from = 0): string[] {
    const out: string[] = [];
    for (let i = from; i < this.count; i++) out.push(this.text(i));
    return out;
  }

  private parse(bytes: Uint8Array, start: number, end: number): unknown {
    const text = this.decode(bytes, start, end);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new CommandCodecError(
        `journal: a record at byte ${start} is not JSON (${(error as Error).message})`,
      );
    }
  }

  private decode(bytes: Uint8Array, start: number, end: number): string {
    try {
      return this.decoder.decode(bytes.subarray(start, end));
    } catch {
      throw new CommandCodecError(`journal: a record at byte ${start} is not UTF-8`);
    }
  }
}

// The records of a journal as read back: where each lies in the bytes read (no copy, no string per record), decoded
// only when replay asks for it. A record is a command in binary (src/journal/command-codec.ts) or as JSON text; a
// request's idempotency key rides on its first command's JSON as `_key` (with the request's size as `_n`).
import { BINARY, CommandCodecError, readBinary } from "./command-codec.js";

/** The records of one buffer of journal bytes (a chunk of the file, one stream message, one batch written). */
export class JournalRecords {
  private bytes: Uint8Array;
  private view: DataView;
  /** Record i lies at bytes[offsets[2i], offsets[2i + 1]) (a buffer is under 4 GiB). Grows, and is kept by reset. */
  private offsets = new Uint32Array(2048);
  private count = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** After `command(i)`: the idempotency key its request carried (on its first command only), else null. */
  key: string | null = null;
  /** After `command(i)` with a key: how many commands the request held. */
  n = 1;

  constructor(bytes: Uint8Array = new Uint8Array(0)) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.count;
  }

  /** Forgets every record, keeping the offsets' memory for reuse, and starts over on `bytes`. */
  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.count = 0;
  }

  /** A record at bytes[start, end). */
  push(start: number, end: number): void {
    const k = this.count << 1;
    if (k === this.offsets.length) {
      const larger = new Uint32Array(this.offsets.length * 2);
      larger.set(this.offsets);
      this.offsets = larger;
    }
    this.offsets[k] = start;
    this.offsets[k + 1] = end;
    this.count++;
  }

  /** Forgets the records from `length` on (a batch whose commit marker did not verify). */
  truncate(length: number): void {
    this.count = Math.min(this.count, length);
  }

  private start = 0;
  private end = 0;

  /** Finds record i: its bounds in `start` and `end`, read right after the call. */
  private locate(i: number): void {
    if (!(i >= 0 && i < this.count && (i | 0) === i))
      throw new RangeError(`journal: record ${i} of ${this.count}`);
    this.start = this.offsets[i << 1] as number;
    this.end = this.offsets[(i << 1) + 1] as number;
  }

  /** Whether record i is binary (never keyed). */
  isBinary(i: number): boolean {
    this.locate(i);
    return this.bytes[this.start] === BINARY;
  }

  /** The command of record i, as the engine applies it; `key` and `n` say whether its request was keyed. */
  command(i: number): Record<string, unknown> {
    this.locate(i);
    const bytes = this.bytes;
    const start = this.start;
    const end = this.end;
    this.key = null;
    this.n = 1;
    if (bytes[start] === BINARY) return readBinary(bytes, this.view, start, end);
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
    this.locate(i);
    const bytes = this.bytes;
    const start = this.start;
    const end = this.end;
    if (bytes[start] === BINARY) return JSON.stringify(readBinary(bytes, this.view, start, end));
    return this.decode(bytes, start, end);
  }

  /** Every record as JSON text. */
  texts(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.text(i));
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

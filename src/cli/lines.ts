// Incremental JSON Lines reading: input is consumed chunk by chunk, never loaded whole, and every line is
// bounded in length so one bad producer cannot exhaust memory.

export const MAX_LINE_BYTES = 1 << 20;

export class LineTooLong extends Error {
  constructor(readonly line: number) {
    super(`line ${line}: longer than ${MAX_LINE_BYTES} bytes`);
  }
}

/**
 * Splits byte chunks into lines (LF or CRLF), calling `onLine(bytes, start, end, lineNumber)` for each, without
 * decoding them. Line numbers count every line from 1, blank ones included, so they match what an editor shows.
 */
export class LineSplitter {
  private carry: Buffer | null = null;
  private lineNumber = 0;

  constructor(
    private readonly onLine: (bytes: Buffer, start: number, end: number, lineNumber: number) => void,
  ) {}

  get linesRead(): number {
    return this.lineNumber;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (this.carry !== null) {
        const joined = Buffer.concat([this.carry, chunk.subarray(start, nl)]);
        this.carry = null;
        this.emit(joined, 0, joined.length);
      } else this.emit(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      const carried = this.carry === null ? 0 : this.carry.length;
      if (carried + rest.length > MAX_LINE_BYTES) throw new LineTooLong(this.lineNumber + 1);
      this.carry = this.carry === null ? Buffer.from(rest) : Buffer.concat([this.carry, rest]);
    }
  }

  /** End of input: a last line without a newline still counts. */
  finish(): void {
    if (this.carry !== null && this.carry.length > 0) {
      const last = this.carry;
      this.carry = null;
      this.emit(last, 0, last.length);
    }
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    this.lineNumber++;
    if (end - start > MAX_LINE_BYTES) throw new LineTooLong(this.lineNumber);
    if (end > start && buffer[end - 1] === 13) end--; // CRLF
    this.onLine(buffer, start, end, this.lineNumber);
  }
}

// Buffer's own latin1/UTF-8 codecs, called directly: `toString`/`write` spend most of their time on argument
// handling for short texts (measured ~1.5–2× per call). Falls back to the public API if they ever disappear.

type FastCodecs = {
  latin1Slice(start: number, end: number): string;
  utf8Write(text: string, offset: number): number;
};

const proto = Buffer.prototype as unknown as Partial<FastCodecs>;

/** Bytes [start, end) as text, one character per byte (exact for ASCII). */
export const latin1Slice: (buf: Buffer, start: number, end: number) => string =
  typeof proto.latin1Slice === "function"
    ? (buf, start, end) => (buf as unknown as FastCodecs).latin1Slice(start, end)
    : (buf, start, end) => buf.toString("latin1", start, end);

/** Encodes `text` as UTF-8 into `buf` at `offset`; the caller guarantees room. Returns the bytes written. */
export const utf8Write: (buf: Buffer, text: string, offset: number) => number =
  typeof proto.utf8Write === "function"
    ? (buf, text, offset) => (buf as unknown as FastCodecs).utf8Write(text, offset)
    : (buf, text, offset) => buf.write(text, offset);

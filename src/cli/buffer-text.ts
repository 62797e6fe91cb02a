// Buffer's own latin1 decoder, called directly: `toString` spends most of its time on argument handling for
// short texts (measured ~1.5–2× per call). Falls back to the public API if it ever disappears.

type FastCodecs = { latin1Slice(start: number, end: number): string };

const proto = Buffer.prototype as unknown as Partial<FastCodecs>;

/** Bytes [start, end) as text, one character per byte (exact for ASCII). */
export const latin1Slice: (buf: Buffer, start: number, end: number) => string =
  typeof proto.latin1Slice === "function"
    ? (buf, start, end) => (buf as unknown as FastCodecs).latin1Slice(start, end)
    : (buf, start, end) => buf.toString("latin1", start, end);

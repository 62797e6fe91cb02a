// Known strings (field names, command types, asset ids) recognised straight from bytes, returning one shared
// string: no allocation per occurrence, and property stores with it skip V8's string-table lookup.

/** Explicit limit: the interner holds a fixed vocabulary, not user data. */
export const MAX_INTERNED = 4096;

export class Interner {
  /** byLength[n]: the known strings of n bytes, with their bytes. */
  private readonly byLength: { text: string; bytes: Uint8Array }[][] = [];
  private count = 0;

  constructor(texts: Iterable<string> = []) {
    for (const text of texts) this.add(text);
  }

  /** Adds an ASCII string to the vocabulary (others are ignored: they never match byte for byte as latin1). */
  add(text: string): void {
    if (!/^[\x20-\x7e]*$/.test(text) || this.get(Buffer.from(text), 0, text.length) !== null) return;
    if (this.count >= MAX_INTERNED) throw new RangeError(`Interner: more than ${MAX_INTERNED} strings`);
    const bucket = (this.byLength[text.length] ??= []);
    bucket.push({ text, bytes: Buffer.from(text, "latin1") });
    this.count++;
  }

  /** The known string equal to bytes [start, end), or null. */
  get(buf: Uint8Array, start: number, end: number): string | null {
    const bucket = this.byLength[end - start];
    if (bucket === undefined) return null;
    for (let k = 0; k < bucket.length; k++) {
      const candidate = bucket[k] as { text: string; bytes: Uint8Array };
      const bytes = candidate.bytes;
      let i = 0;
      while (i < bytes.length && bytes[i] === buf[start + i]) i++;
      if (i === bytes.length) return candidate.text;
    }
    return null;
  }
}

// Arrays and bigints in snapshots, on top of snapshot-numbers.ts (one double's encoding: NaN, ±∞ and −0 as
// strings, every other double as itself): typed arrays as JSON arrays, bigints as decimal strings.
import { decodeNumber, encodeNumber, encodeNumbers, type SnapNumber } from "./snapshot-numbers.js";

export type Encoded = SnapNumber;

export const encodeFloat = encodeNumber;

export function decodeFloat(x: Encoded): number {
  return decodeNumber(x, "a number");
}

/** The first `n` values of a typed array (all by default), as JSON values. */
export const encodeArray = encodeNumbers;

/** Decodes into `into` (from index 0), which must be long enough; returns it. */
export function decodeArray<T extends { [i: number]: number; length: number }>(
  values: readonly Encoded[],
  into: T,
): T {
  if (values.length > into.length) throw new RangeError("snapshot: an array longer than its destination");
  for (let i = 0; i < values.length; i++) into[i] = decodeNumber(values[i], "an array value");
  return into;
}

export function encodeBigints(a: ArrayLike<bigint>, n = a.length): string[] {
  if (a instanceof BigInt64Array) return encodeInt64s(a, 0, n);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = String(a[i]);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** a[from, to) as decimal strings. */
export function encodeInt64s(a: BigInt64Array, from: number, to: number): string[] {
  const halves = int64Halves(a);
  const out: string[] = new Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = int64Text(a, halves, i);
  return out;
}

/** A view of a's 64-bit values as 32-bit halves, for int64Text; null on a big-endian machine. */
export function int64Halves(a: BigInt64Array): Int32Array | null {
  return LITTLE_ENDIAN ? new Int32Array(a.buffer, a.byteOffset, 2 * a.length) : null;
}

/**
 * a[i] in decimal. Reading a BigInt64Array allocates a bigint per element, and its String() is slow (a ledger of
 * 1,000,000 accounts: 330 ms); a value within ±2^53 is read instead as two 32-bit halves into an exact double,
 * whose String() gives the same digits, ~8× faster.
 */
export function int64Text(a: BigInt64Array, halves: Int32Array | null, i: number): string {
  if (halves === null) return String(a[i]);
  const high = halves[2 * i + 1] as number;
  return high >= -0x200000 && high < 0x200000
    ? String(high * 0x100000000 + ((halves[2 * i] as number) >>> 0))
    : String(a[i]);
}

export function decodeBigints(values: readonly string[]): bigint[] {
  return values.map((v) => BigInt(v));
}

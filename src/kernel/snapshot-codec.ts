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
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = String(a[i]);
  return out;
}

export function decodeBigints(values: readonly string[]): bigint[] {
  return values.map((v) => BigInt(v));
}

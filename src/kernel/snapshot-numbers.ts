// Doubles in a snapshot: a snapshot is JSON, where a finite number round-trips bit for bit but NaN and ±∞ have
// no form and −0 comes back as 0. Those four are written as strings; every other double as itself. −0 is kept
// apart because the layer's arithmetic can produce it (a Neumaier compensation, an EWMA step) and 1/x, Math.min
// and Object.is tell it from 0: a restore must not change a bit.

export type SnapNumber = number | "NaN" | "Infinity" | "-Infinity" | "-0";

export function encodeNumber(x: number): SnapNumber {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return x;
}

/** The double `v` encodes; a malformed snapshot (anything else) is refused, naming `what`. */
export function decodeNumber(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  switch (v) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0":
      return -0;
  }
  throw new RangeError(`snapshot: ${what}: ${JSON.stringify(v)} is not an encoded number`);
}

/** values[0..length) encoded. */
export function encodeNumbers(values: ArrayLike<number>, length = values.length): SnapNumber[] {
  const out: SnapNumber[] = new Array(length);
  for (let i = 0; i < length; i++) out[i] = encodeNumber(values[i] as number);
  return out;
}

/**
 * A typed array that starts zeroed, encoded without its trailing +0s: a ring not yet filled is written as far
 * as it was, and `decodeInto` writes the zeros back.
 */
export function encodeTrimmed(values: Float64Array): SnapNumber[] {
  let end = values.length;
  while (end > 0 && Object.is(values[end - 1], 0)) end--;
  return encodeNumbers(values, end);
}

/** Writes the encoded `v` into target[0..), zeroing the rest: the inverse of encodeNumbers / encodeTrimmed. */
export function decodeInto(target: Float64Array, v: unknown, what: string): void {
  const values = array(v, target.length, what);
  for (let i = 0; i < values.length; i++) target[i] = decodeNumber(values[i], `${what}[${i}]`);
  target.fill(0, values.length);
}

/** Small integers (roles, flags) into a Uint8Array of the same length. */
export function decodeBytes(target: Uint8Array, v: unknown, what: string): void {
  const values = array(v, target.length, what);
  if (values.length !== target.length)
    throw new RangeError(`snapshot: ${what}: ${values.length} values for ${target.length}`);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 255))
      throw new RangeError(`snapshot: ${what}[${i}]: ${JSON.stringify(x)} is not a byte`);
    target[i] = x;
  }
}

/** `v` as an array of at most `max` entries. */
export function array(v: unknown, max: number, what: string): unknown[] {
  if (!Array.isArray(v)) throw new RangeError(`snapshot: ${what}: not an array`);
  if (v.length > max) throw new RangeError(`snapshot: ${what}: ${v.length} values, more than ${max}`);
  return v;
}

/** A non-negative integer (a count, a ring position) below `limit`. */
export function decodeCount(v: unknown, limit: number, what: string): number {
  if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v < limit))
    throw new RangeError(`snapshot: ${what}: ${JSON.stringify(v)} is not an integer in [0, ${limit})`);
  return v;
}

/** Refuses a snapshot taken from another configuration: restoring it would mix two markets. */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new RangeError(
      `snapshot: ${what}: ${JSON.stringify(actual)} where this market has ${JSON.stringify(expected)}`,
    );
}

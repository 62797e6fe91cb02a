// Encoding of engine state for snapshots: JSON-compatible values that decode to exactly what was encoded. JSON
// numbers carry every finite double exactly (shortest round-trip form); NaN and the infinities, which JSON cannot,
// travel as strings; bigints as decimal strings.

export type Encoded = number | string;

export function encodeFloat(x: number): Encoded {
  return Number.isFinite(x) ? x : Number.isNaN(x) ? "NaN" : x > 0 ? "Inf" : "-Inf";
}

export function decodeFloat(x: Encoded): number {
  if (typeof x === "number") return x;
  if (x === "NaN") return Number.NaN;
  if (x === "Inf") return Number.POSITIVE_INFINITY;
  if (x === "-Inf") return Number.NEGATIVE_INFINITY;
  throw new RangeError(`snapshot: ${JSON.stringify(x)} is not an encoded number`);
}

/** The first `n` values of a typed array (all by default), as JSON values. */
export function encodeArray(a: ArrayLike<number>, n = a.length): Encoded[] {
  const out: Encoded[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = encodeFloat(a[i] as number);
  return out;
}

/** Decodes into `into` (from index 0), which must be long enough; returns it. */
export function decodeArray<T extends { [i: number]: number; length: number }>(
  values: readonly Encoded[],
  into: T,
): T {
  if (values.length > into.length) throw new RangeError("snapshot: an array longer than its destination");
  for (let i = 0; i < values.length; i++) into[i] = decodeFloat(values[i] as Encoded);
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

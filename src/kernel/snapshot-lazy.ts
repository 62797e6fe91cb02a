// A snapshot captured at a command boundary and encoded later. Encoding the large arrays (one entry per account,
// position or order) into JSON values takes hundreds of milliseconds at a million accounts; copying them takes
// about one. A capture holds such arrays as LazyArrays — a copy of the raw values, encoded a range at a time when
// the snapshot is written — so the engine can go on meanwhile; everything else in it is plain JSON values.
// `materialize` turns a capture into the snapshot itself.
import { encodeInt64s } from "./snapshot-codec.js";
import { encodeNumbers, type SnapNumber } from "./snapshot-numbers.js";

/** `length` JSON values, encoded a range at a time from data that no later command changes. */
export class LazyArray<T> {
  constructor(
    readonly length: number,
    private readonly encode: (from: number, to: number) => T[],
  ) {}

  /** Entries [from, to). */
  slice(from: number, to: number): T[] {
    return this.encode(from, to);
  }

  /** JSON.stringify writes the encoded array: a capture stringifies as its snapshot does. */
  toJSON(): T[] {
    return this.encode(0, this.length);
  }
}

/** A snapshot of type T with any of its arrays possibly lazy. */
export type Captured<T> = T extends readonly (infer E)[]
  ? LazyArray<E> | readonly Captured<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Captured<T[K]> }
    : T;

type Numbers = Float64Array | Int32Array | Int8Array | Uint8Array;

// The arrays given to these are read when the snapshot is written: copies, or arrays no later command changes.

/** `values` encoded as snapshot numbers (snapshot-numbers.ts). */
export function lazyNumbers(values: Numbers): LazyArray<SnapNumber> {
  return new LazyArray(values.length, (from, to) => encodeNumbers(values.subarray(from, to)));
}

/** `values` as decimal strings. */
export function lazyBigints(values: BigInt64Array | readonly bigint[]): LazyArray<string> {
  if (values instanceof BigInt64Array)
    return new LazyArray(values.length, (from, to) => encodeInt64s(values, from, to));
  return new LazyArray(values.length, (from, to) => {
    const out: string[] = new Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = String(values[i]);
    return out;
  });
}

/** values[from, to) of an array only ever appended to: later commands add entries after `to`, never change one. */
export function lazyPrefix<T>(values: readonly T[], from: number, to: number): LazyArray<T> {
  return new LazyArray(to - from, (a, b) => values.slice(from + a, from + b));
}

/** The plain JSON values of a capture: its snapshot. */
export function materialize<T>(captured: Captured<T>): T {
  return plain(captured) as T;
}

function plain(v: unknown): unknown {
  if (v instanceof LazyArray) return v.toJSON();
  if (Array.isArray(v)) {
    let out = v;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null || typeof x !== "object") continue;
      const y = plain(x);
      if (y === x) continue;
      if (out === v) out = v.slice();
      out[i] = y;
    }
    return out;
  }
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(o)) {
    const x = o[key];
    const y = x !== null && typeof x === "object" ? plain(x) : x;
    if (y !== x && out === null) out = { ...o };
    if (out !== null) out[key] = y;
  }
  return out ?? o;
}

// A fast path for the common shape of a command line: one flat JSON object whose keys and string values are
// printable ASCII without escapes, and whose numbers are small integers. It reads the bytes directly (no line
// string, no generic parser). Anything else, including anything it is unsure of, returns NOT_FLAT and the
// caller uses JSON.parse, so results are always exactly JSON.parse's (property-tested).

import { latin1Slice } from "./buffer-text.js";
import { Interner } from "./interner.js";

export const NOT_FLAT: unique symbol = Symbol("not-flat");

const QUOTE = 34;
const BACKSLASH = 92;

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

const NO_VOCABULARY = new Interner();

/** Explicit limit on members per line; more goes to JSON.parse. Scratch space, reused line after line. */
const MAX_MEMBERS = 32;
const KEYS: string[] = new Array(MAX_MEMBERS).fill("");
const VALUES: unknown[] = new Array(MAX_MEMBERS).fill(null);

/**
 * The object for the members read. The commonest command shapes, in the contract's field order, are built as
 * literals: one allocation with a fixed layout, where adding members one by one goes through V8's megamorphic
 * keyed stores. Same keys, same order, same values either way.
 */
function build(n: number): Record<string, unknown> {
  const k = KEYS;
  const v = VALUES;
  if (n >= 2 && k[0] === "type" && k[1] === "ts") {
    if (n === 5 && k[2] === "account" && k[3] === "asset" && k[4] === "amount")
      return { type: v[0], ts: v[1], account: v[2], asset: v[3], amount: v[4] };
    if (n === 6 && k[2] === "from" && k[3] === "to" && k[4] === "asset" && k[5] === "amount")
      return { type: v[0], ts: v[1], from: v[2], to: v[3], asset: v[4], amount: v[5] };
    if (n === 6 && k[2] === "index" && k[3] === "source" && k[4] === "price" && k[5] === "sourceTs")
      return { type: v[0], ts: v[1], index: v[2], source: v[3], price: v[4], sourceTs: v[5] };
    if (n === 2) return { type: v[0], ts: v[1] };
  }
  const out: Record<string, unknown> = {};
  for (let m = 0; m < n; m++) out[k[m] as string] = v[m];
  return out;
}

/** Parses bytes [start, end) of `buf`, or returns NOT_FLAT. Strings found in `known` are shared, not copied. */
export function parseFlatJson(
  buf: Buffer,
  start: number,
  end: number,
  known: Interner = NO_VOCABULARY,
): Record<string, unknown> | typeof NOT_FLAT {
  let i = start;
  while (i < end && isWs(buf[i] as number)) i++;
  if (buf[i] !== 123) return NOT_FLAT; // {
  i++;
  let n = 0; // members so far, in KEYS / VALUES
  while (i < end && isWs(buf[i] as number)) i++;
  if (buf[i] === 125) {
    i++;
  } else {
    for (;;) {
      // key
      if (buf[i] !== QUOTE) return NOT_FLAT;
      const keyStart = ++i;
      i = scanString(buf, i, end);
      if (i < 0) return NOT_FLAT;
      const key = known.get(buf, keyStart, i) ?? latin1Slice(buf, keyStart, i);
      if (key === "__proto__" || n === MAX_MEMBERS) return NOT_FLAT; // JSON.parse makes "__proto__" an own property
      KEYS[n] = key;
      i++;
      while (i < end && isWs(buf[i] as number)) i++;
      if (buf[i] !== 58) return NOT_FLAT; // :
      i++;
      while (i < end && isWs(buf[i] as number)) i++;
      // value
      const c = buf[i] as number;
      if (c === QUOTE) {
        const valueStart = ++i;
        i = scanString(buf, i, end);
        if (i < 0) return NOT_FLAT;
        VALUES[n++] = known.get(buf, valueStart, i) ?? latin1Slice(buf, valueStart, i);
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        // integers of at most 15 digits: exact in a double, no exponent or fraction
        const negative = c === 45;
        if (negative) i++;
        const digitsStart = i;
        let value = 0;
        while (i < end) {
          const d = buf[i] as number;
          if (d < 48 || d > 57) break;
          value = value * 10 + (d - 48);
          i++;
        }
        const digits = i - digitsStart;
        if (digits === 0 || digits > 15 || (digits > 1 && buf[digitsStart] === 48)) return NOT_FLAT;
        const next = buf[i] as number;
        if (next === 46 || next === 101 || next === 69) return NOT_FLAT; // . e E
        VALUES[n++] = negative ? -value : value;
      } else if (c === 116 && buf[i + 1] === 114 && buf[i + 2] === 117 && buf[i + 3] === 101) {
        VALUES[n++] = true;
        i += 4;
      } else if (
        c === 102 &&
        buf[i + 1] === 97 &&
        buf[i + 2] === 108 &&
        buf[i + 3] === 115 &&
        buf[i + 4] === 101
      ) {
        VALUES[n++] = false;
        i += 5;
      } else if (c === 110 && buf[i + 1] === 117 && buf[i + 2] === 108 && buf[i + 3] === 108) {
        VALUES[n++] = null;
        i += 4;
      } else return NOT_FLAT; // objects, arrays, anything else
      while (i < end && isWs(buf[i] as number)) i++;
      const sep = buf[i];
      i++;
      if (sep === 125) break; // }
      if (sep !== 44) return NOT_FLAT; // ,
      while (i < end && isWs(buf[i] as number)) i++;
    }
  }
  while (i < end && isWs(buf[i] as number)) i++;
  return i === end ? build(n) : NOT_FLAT;
}

/** Index of the closing quote of a string of printable ASCII without escapes, or -1. */
function scanString(buf: Buffer, i: number, end: number): number {
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 32 || c > 126) return -1;
  }
  return -1;
}

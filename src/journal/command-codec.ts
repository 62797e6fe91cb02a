// The journal's binary form of a command: what replay decodes instead of parsing JSON. Lossless by construction —
// a command is written in binary only when decoding gives back the same object (same fields in the same order,
// the same values), so JSON.stringify of the decoded command is the text the client sent, canonicalised; any other
// command (fields out of the contract's order, nested values, non-ASCII or long strings, unknown fields, the
// idempotency key's `_key`/`_n`) is journaled as its JSON text. Both forms replay to the same state.
//
//   u8 BINARY (0x01: a JSON text never starts with it), u8 command type (TYPE_CODES), u16 fields present (bit k:
//   the contract's field k of that type, `ts` first), then each present field in the contract's order as a tagged
//   value: STRING u8 length + ASCII bytes, NUMBER f64, TRUE, FALSE, NULL.
import { COMMAND_FIELDS, type CommandType } from "../engine/commands.js";
import { asciiString, asciiText } from "./ascii-strings.js";

export const BINARY = 0x01;

/** Command types by their code on disk. Append only: a code, once written, means its type forever. */
const TYPE_CODES: readonly CommandType[] = [
  "price",
  "deposit",
  "withdraw",
  "transfer",
  "order",
  "cancel",
  "smile",
  "tick",
  "halt",
  "resume",
  "position.mode",
  "margin.mode",
  "query.account",
  "fill",
];

const STRING = 1;
const NUMBER = 2;
const TRUE = 3;
const FALSE = 4;
const NULL = 5;
/** Longest string written in binary (its length is one byte). */
const STRING_MAX = 255;

interface TypeLayout {
  readonly type: CommandType;
  readonly code: number;
  /** Fields after `type`, `ts` first, in the contract's order: bit k of the mask is fields[k]. */
  readonly fields: readonly string[];
  /** Whether field k names something (an account, an index, a side…): looked up, not rebuilt, when decoded. */
  readonly named: readonly boolean[];
}

/**
 * Fields whose values repeat across a journal — ids of accounts, indices, sources, assets, instruments, and
 * enumerations. Their strings are looked up in a cache when decoded; the rest (prices, amounts, order ids) are
 * mostly new each time, and caching them costs more in misses and in the collector than it saves (measured:
 * 8.1 → 11.9 M price records/s with prices left out).
 */
const NAMED: ReadonlySet<string> = new Set([
  "index",
  "source",
  "account",
  "asset",
  "symbol",
  "side",
  "tif",
  "from",
  "to",
  "buyer",
  "seller",
  "takerSide",
  "scope",
  "mode",
]);

const LAYOUTS: readonly TypeLayout[] = TYPE_CODES.map((type, code) => {
  const fields = ["ts", ...COMMAND_FIELDS[type]];
  return { type, code, fields, named: fields.map((f) => NAMED.has(f)) };
});
const LAYOUT_OF: ReadonlyMap<string, TypeLayout> = new Map(LAYOUTS.map((l) => [l.type, l]));

// The contract's field lists must fit the mask, and the table must name every command type exactly once.
for (const l of LAYOUTS)
  if (l.fields.length > 16) throw new Error(`command-codec: ${l.type} has too many fields`);
if (new Set(TYPE_CODES).size !== Object.keys(COMMAND_FIELDS).length)
  throw new Error("command-codec: TYPE_CODES does not list every command type once");

/** The most bytes a command takes in binary: a header, then at most 16 fields of at most a 255-character string. */
export const MAX_BINARY_BYTES = 4 + 16 * (2 + STRING_MAX);

/**
 * Writes `command` in binary at `at` (room for MAX_BINARY_BYTES) and returns the end, or returns −1 when it must be
 * journaled as JSON (what was written is then garbage, overwritten by the caller). One pass: the fields must follow
 * `type` in the contract's order, so that decoding rebuilds them in the same order.
 */
export function writeBinary(command: object, out: Uint8Array, view: DataView, at: number): number {
  const c = command as Record<string, unknown>;
  const type = c["type"];
  if (typeof type !== "string") return -1;
  const layout = LAYOUT_OF.get(type);
  if (layout === undefined) return -1;
  const fields = layout.fields;
  let mask = 0;
  let pos = at + 4;
  let k = -1; // the contract's place of the field before
  let first = true;
  for (const name in c) {
    if (first) {
      if (name !== "type") return -1;
      first = false;
      continue;
    }
    let f = k + 1;
    while (f < fields.length && fields[f] !== name) f++;
    if (f === fields.length) return -1; // unknown, repeated or out of order
    k = f;
    mask |= 1 << f;
    const v = c[name];
    if (typeof v === "string") {
      const n = v.length;
      if (n > STRING_MAX) return -1;
      out[pos] = STRING;
      out[pos + 1] = n;
      for (let i = 0; i < n; i++) {
        const ch = v.charCodeAt(i);
        if (ch > 0x7f) return -1;
        out[pos + 2 + i] = ch;
      }
      pos += 2 + n;
    } else if (typeof v === "number") {
      out[pos] = NUMBER;
      view.setFloat64(pos + 1, v, true);
      pos += 9;
    } else if (v === true) out[pos++] = TRUE;
    else if (v === false) out[pos++] = FALSE;
    else if (v === null) out[pos++] = NULL;
    else return -1;
  }
  out[at] = BINARY;
  out[at + 1] = layout.code;
  out[at + 2] = mask & 0xff;
  out[at + 3] = mask >>> 8;
  return pos;
}

/** A binary record that does not decode: the journal's checksums passed, so this is a bug or a foreign writer. */
export class CommandCodecError extends Error {
  override readonly name = "CommandCodecError";
}

/** A price command with every field, the usual shape of most of a journal: read as one object literal. */
const PRICE_CODE = TYPE_CODES.indexOf("price");
const PRICE_ALL = 0b11111;

function readPrice(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
): Record<string, unknown> | null {
  let p = start + 4;
  if (bytes[p] !== NUMBER) return null;
  const ts = view.getFloat64(p + 1, true);
  p += 9;
  if (bytes[p] !== STRING) return null;
  let n = bytes[p + 1] as number;
  const index = asciiString(bytes, view, p + 2, n);
  p += 2 + n;
  if (bytes[p] !== STRING) return null;
  n = bytes[p + 1] as number;
  const source = asciiString(bytes, view, p + 2, n);
  p += 2 + n;
  if (bytes[p] !== STRING) return null;
  n = bytes[p + 1] as number;
  const price = asciiText(bytes, p + 2, n);
  p += 2 + n;
  if (bytes[p] !== NUMBER || p + 9 !== end) return null;
  return { type: "price", ts, index, source, price, sourceTs: view.getFloat64(p + 1, true) };
}

/** Decodes the binary record bytes[start, end) into its command. */
export function readBinary(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
): Record<string, unknown> {
  if (bytes[start + 1] === PRICE_CODE && bytes[start + 2] === PRICE_ALL && bytes[start + 3] === 0) {
    const price = readPrice(bytes, view, start, end);
    if (price !== null) return price;
  }
  const layout = LAYOUTS[bytes[start + 1] as number];
  if (layout === undefined || end - start < 4)
    throw new CommandCodecError(`journal: a binary record at byte ${start} has an unknown command type`);
  const mask = (bytes[start + 2] as number) | ((bytes[start + 3] as number) << 8);
  const fields = layout.fields;
  if (mask >>> fields.length !== 0)
    throw new CommandCodecError(
      `journal: a binary record at byte ${start} names fields its type does not have`,
    );
  const c: Record<string, unknown> = { type: layout.type };
  let pos = start + 4;
  for (let k = 0; k < fields.length; k++) {
    if ((mask & (1 << k)) === 0) continue;
    const tag = bytes[pos];
    let v: unknown;
    if (tag === STRING) {
      const length = bytes[pos + 1] as number;
      v = layout.named[k] ? asciiString(bytes, view, pos + 2, length) : asciiText(bytes, pos + 2, length);
      pos += 2 + length;
    } else if (tag === NUMBER) {
      v = view.getFloat64(pos + 1, true);
      pos += 9;
    } else if (tag === TRUE || tag === FALSE || tag === NULL) {
      v = tag === TRUE ? true : tag === FALSE ? false : null;
      pos += 1;
    } else
      throw new CommandCodecError(`journal: a binary record at byte ${start} has a bad value tag ${tag}`);
    c[fields[k] as string] = v;
  }
  if (pos !== end)
    throw new CommandCodecError(`journal: a binary record at byte ${start} has ${end - pos} bytes left over`);
  return c;
}

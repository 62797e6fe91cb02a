// Events straight into bytes, for the output hot path: no intermediate strings, nothing for the GC. The bytes
// are exactly those of eventJson (property-tested); events it does not specialise are encoded from eventJson.
import { eventJson } from "./event-json.js";
import type { BalanceEvent, EngineEvent } from "./events.js";

/** Longest encoding of a balance event: ids ≤ 64 characters, decimals ≤ 48, integers ≤ 16 digits. */
export const MAX_BALANCE_EVENT_BYTES = 512;

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

const SEQ = bytesOf('{"seq":');
const TS = bytesOf(',"ts":');
const BALANCE_CAUSE = bytesOf(',"type":"balance","cause":');
const ACCOUNT = bytesOf(',"account":"');
const ASSET = bytesOf('","asset":"');
const DELTA = bytesOf('","delta":"');
const BALANCE = bytesOf('","balance":"');
const REASON = bytesOf('","reason":"');
const COUNTERPARTY = bytesOf('","counterparty":"');
const CLOSE = bytesOf('"}');

function put(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos + i] = bytes[i] as number;
  return pos + bytes.length;
}

/** ASCII text (identifiers, decimals, codes: checked on the way in) byte for byte. */
function putAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/** A non-negative safe integer in decimal; split into 31-bit halves so the digit loop stays on small ints. */
function putInt(buf: Uint8Array, pos: number, n: number): number {
  if (n < 100_000_000) return putSmall(buf, pos, n);
  const high = Math.floor(n / 100_000_000);
  pos = putSmall(buf, pos, high);
  return putPadded8(buf, pos, n - high * 100_000_000);
}

/** 0 <= n < 10^8 (or any n < 2^31), no leading zeros. */
function putSmall(buf: Uint8Array, pos: number, n: number): number {
  let digits = 1;
  for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
  let at = pos + digits;
  for (let m = n; at > pos; ) {
    const q = (m / 10) | 0;
    buf[--at] = 48 + m - q * 10;
    m = q;
  }
  return pos + digits;
}

/** 0 <= n < 10^8 as exactly 8 digits. */
function putPadded8(buf: Uint8Array, pos: number, n: number): number {
  for (let at = pos + 8, m = n; at > pos; ) {
    const q = (m / 10) | 0;
    buf[--at] = 48 + m - q * 10;
    m = q;
  }
  return pos + 8;
}

function putBalance(buf: Uint8Array, pos: number, e: BalanceEvent): number {
  pos = putInt(buf, put(buf, pos, SEQ), e.seq);
  pos = putInt(buf, put(buf, pos, TS), e.ts);
  pos = putInt(buf, put(buf, pos, BALANCE_CAUSE), e.cause);
  pos = putAscii(buf, put(buf, pos, ACCOUNT), e.account);
  pos = putAscii(buf, put(buf, pos, ASSET), e.asset);
  pos = putAscii(buf, put(buf, pos, DELTA), e.delta);
  pos = putAscii(buf, put(buf, pos, BALANCE), e.balance);
  pos = putAscii(buf, put(buf, pos, REASON), e.reason);
  if (e.counterparty !== undefined) pos = putAscii(buf, put(buf, pos, COUNTERPARTY), e.counterparty);
  return put(buf, pos, CLOSE);
}

/**
 * Writes the event's JSON and a newline into `buf` at `pos` and returns the new position, or -1 when fewer
 * than the bytes it needs are left (nothing is written then).
 */
export function writeEventLine(buf: Uint8Array, pos: number, e: EngineEvent): number {
  if (e.type === "balance") {
    if (buf.length - pos < MAX_BALANCE_EVENT_BYTES) return -1;
    pos = putBalance(buf, pos, e);
  } else {
    const text = eventJson(e);
    if (buf.length - pos < 3 * text.length + 1) return -1;
    pos += encoder.encodeInto(text, buf.subarray(pos)).written;
  }
  buf[pos] = 10;
  return pos + 1;
}

// A snapshot's body and state hash built from a capture (Engine.capture, taken at a command boundary) a slice at a
// time, yielding to the event loop between slices: a service never blocks it for milliseconds, and at a million
// accounts encoding, stringifying and hashing a snapshot takes over a second. The engine goes on meanwhile — the
// capture holds copies. The body is the very text JSON.stringify(engine.snapshot()) gave at the capture. On the
// main thread rather than a worker: handing a worker the capture's million account ids alone blocks for 40-60 ms.
import type { EngineCapture } from "../engine/engine.js";
import { crc32c } from "../journal/crc32c.js";
import { LazyArray } from "../kernel/snapshot-lazy.js";
import { completeInSlices, SLICE_MS, TimeSlices } from "./time-slices.js";

/** Entries of an array encoded in one piece of text: well under a millisecond. */
const ENTRIES = 4096;
/** Bytes of body written at a time (characters, for the text body). */
const CHUNK = 1 << 18;

/** What a body written from a capture came to. */
export interface BodyWritten {
  readonly length: number;
  readonly crc: number;
  readonly stateHash: string;
}

/**
 * Writes the body as UTF-8 through `write`, a chunk at a time (one buffer, reused: `write` is done with the bytes
 * when it resolves), and resolves to its length, its CRC-32C and the state hash at the capture. Nothing holds the
 * whole body: 27 MB of buffers at a million accounts, held through the write, made V8 count enough external
 * memory to run a full collection in the middle of it (a 40-70 ms pause here).
 */
export async function writeBody(
  capture: EngineCapture,
  write: (bytes: Uint8Array) => Promise<void>,
  sliceMs = SLICE_MS,
): Promise<BodyWritten> {
  let chunk = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  let length = 0;
  let crc = 0;
  const flush = async () => {
    if (used === 0) return;
    const bytes = chunk.subarray(0, used);
    crc = crc32c(bytes, 0, used, crc);
    length += used;
    used = 0;
    await write(bytes);
  };
  const stateHash = await build(
    capture,
    async (piece) => {
      const size = Buffer.byteLength(piece, "utf8");
      if (used + size > chunk.length) {
        await flush();
        if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
      }
      used += chunk.write(piece, used, "utf8");
    },
    sliceMs,
  );
  await flush();
  return { length, crc, stateHash };
}

/** Runs the capture's state hash, then its body's pieces into `take`, pausing for the event loop every slice. */
async function build(
  capture: EngineCapture,
  take: (piece: string) => Promise<void>,
  sliceMs: number,
): Promise<string> {
  const slices = new TimeSlices(sliceMs);
  const stateHash = await completeInSlices(capture.stateHash, slices);
  for (const piece of jsonPieces(capture.snapshot)) {
    await take(piece);
    const pause = slices.pause();
    if (pause !== null) await pause;
  }
  capture.release();
  return stateHash;
}

/**
 * JSON text of `value` — JSON values and LazyArrays (snapshot-lazy.ts) — in pieces: together, the characters
 * JSON.stringify(value) gives (same key order, same number and string forms, undefined skipped or null as it
 * does), each piece a bounded amount of work.
 */
export function* jsonPieces(value: unknown): Generator<string, void, undefined> {
  if (value instanceof LazyArray) {
    yield "[";
    for (let i = 0; i < value.length; i += ENTRIES) {
      const part = JSON.stringify(value.slice(i, Math.min(i + ENTRIES, value.length))).slice(1, -1);
      yield i === 0 ? part : `,${part}`;
    }
    yield "]";
  } else if (Array.isArray(value)) {
    yield "[";
    for (let i = 0; i < value.length; i += ENTRIES) {
      const part = value.slice(i, i + ENTRIES);
      if (i > 0) yield ",";
      if (part.every(flat)) yield JSON.stringify(part).slice(1, -1);
      else
        for (let j = 0; j < part.length; j++) {
          if (j > 0) yield ",";
          const x: unknown = part[j];
          if (x !== null && typeof x === "object") yield* jsonPieces(x);
          else yield JSON.stringify(x) ?? "null";
        }
    }
    yield "]";
  } else if (value !== null && typeof value === "object") {
    yield "{";
    let first = true;
    for (const [key, x] of Object.entries(value)) {
      if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
      yield `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      yield* jsonPieces(x);
    }
    yield "}";
  } else yield JSON.stringify(value);
}

/** Stringified at once: a primitive, or a short array of primitives (a tuple). */
function flat(x: unknown): boolean {
  return (
    x === null ||
    typeof x !== "object" ||
    (Array.isArray(x) && x.length <= ENTRIES && x.every((y) => y === null || typeof y !== "object"))
  );
}

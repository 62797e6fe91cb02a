// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of each journal record and batch: it catches
// every burst error up to 32 bits and the torn writes of a crash. Slicing-by-8 (Kounavis & Berry, "A Systematic
// Approach to Building High Performance Software-based CRC Generators", 2005): eight bytes per step through eight
// tables; check value crc32c("123456789") = 0xE3069283 (RFC 3720, appendix B.4).
import { createRequire } from "node:module";

const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = ((t[prev & 0xff] as number) ^ (prev >>> 8)) >>> 0;
    }
  return t;
})();

type Crc32c = (bytes: Uint8Array, start: number, end: number, crc: number) => number;

// The SSE4.2 instruction through the native addon (native/crc32c.c, built by `npm ci`) when it built and the CPU has
// it: a batch's checksum at several GB/s instead of ~1. Absent, the software CRC below gives the same values.
const hardware: Crc32c | null = (() => {
  if (process.env["PLIMSOLL_NATIVE"] === "0") return null;
  try {
    const addon = createRequire(import.meta.url)("../../build/Release/plimsoll_native.node") as {
      crc32c?: Crc32c;
    };
    return addon.crc32c ?? null;
  } catch {
    return null;
  }
})();

/** Which CRC-32C runs: "sse4.2" (the native addon) or "software". */
export const crc32cImplementation: "sse4.2" | "software" = hardware === null ? "software" : "sse4.2";

/** Below this many bytes the native call costs more than it saves. */
const HARDWARE_FROM = 128;

/** CRC-32C of `bytes[start, end)`, continuing from `crc` (0 for a fresh checksum). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  if (hardware !== null && end - start >= HARDWARE_FROM) return hardware(bytes, start, end, crc);
  return crc32cSoftware(bytes, start, end, crc);
}

/** The software CRC-32C (slicing-by-8): the fallback, and the reference the hardware one is tested against. */
export function crc32cSoftware(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo =
      (c ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24))) >>>
      0;
    c =
      (t[7 * 256 + (lo & 0xff)] as number) ^
      (t[6 * 256 + ((lo >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((lo >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (lo >>> 24)] as number) ^
      (t[3 * 256 + (bytes[i + 4] as number)] as number) ^
      (t[2 * 256 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

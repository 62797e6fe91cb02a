import { describe, expect, it } from "vitest";
import { crc32c, crc32cImplementation, crc32cSoftware } from "./crc32c.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("crc32c", () => {
  it("gives the published check value and RFC 3720's test vectors", () => {
    expect(crc32c(bytes("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // 32 bytes of zeros (RFC 3720 B.4)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // 32 bytes of ones
  });

  it("continues across chunks and over a range", () => {
    const all = bytes("the quick brown fox");
    const whole = crc32c(all);
    expect(crc32c(all, 9, all.length, crc32c(all, 0, 9))).toBe(whole);
    expect(crc32c(bytes("xxthe quick brown foxyy"), 2, 21)).toBe(whole);
  });
});

describe("crc32c slicing-by-8", () => {
  it("agrees with the bytewise definition at every length and alignment", () => {
    const bitwise = (b: Uint8Array, s: number, e: number) => {
      let c = 0xffffffff;
      for (let i = s; i < e; i++) {
        c ^= b[i] as number;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      }
      return ~c >>> 0;
    };
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let s = 0; s < 9; s++)
      for (let e = s; e <= data.length; e++) expect(crc32c(data, s, e)).toBe(bitwise(data, s, e));
  });
});

describe("crc32c in hardware", () => {
  it("is built here, and agrees with the software CRC at every length, alignment and starting value", () => {
    // npm ci builds the addon (native/crc32c.c); on CI's x86-64 machine it must be there.
    if (process.env["CI"] === "true") expect(crc32cImplementation).toBe("sse4.2");
    const data = Uint8Array.from({ length: 2_000 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let s = 0; s < 9; s++)
      for (let e = s; e <= data.length; e += 37)
        for (const from of [0, 0xdeadbeef])
          expect(crc32c(data, s, e, from)).toBe(crc32cSoftware(data, s, e, from));
  });
});

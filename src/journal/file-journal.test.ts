// The journal's recovery rules: committed batches come back in order; a torn tail (a batch cut short by a crash,
// never acknowledged) is cut off and reported; damage inside acknowledged data stops the start, naming the byte.
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc32c } from "./crc32c.js";
import {
  COMMIT_MAGIC_1,
  encodeBatch,
  FileJournal,
  JOURNAL_FILE,
  JournalCorruption,
  RECORD_MAGIC_1,
  readJournalSync,
  recoverJournal,
} from "./file-journal.js";

/** A store's journal read back (`repair`: as its owner at a start): its records as JSON text, and what the read found. */
function readTexts(dir: string, repair = false) {
  const texts: string[] = [];
  const read = readJournalSync(
    dir,
    (records) => {
      texts.push(...records.texts());
    },
    repair,
  );
  return { texts, ...read };
}

const batches = [['{"a":1}', '{"b":"é"}'], ['{"c":3}'], ['{"d":4}', '{"e":5}', '{"f":6}']];
const bytesOf = (batch: readonly string[]) => encodeBatch(batch).bytes;
const joined = () => Buffer.concat(batches.map(bytesOf));

describe("journal recovery", () => {
  it("returns every committed record in order", () => {
    const r = recoverJournal(joined());
    expect(r.records.texts()).toEqual(batches.flat());
    expect(r.end).toBe(joined().length);
    expect(r.dropped).toBeNull();
  });

  it("cuts off a torn tail at every possible crash point of the last batch, keeping what was committed", () => {
    const all = joined();
    const committed = Buffer.concat(batches.slice(0, 2).map(bytesOf)).length;
    for (let cut = committed + 1; cut < all.length; cut++) {
      const r = recoverJournal(all.subarray(0, cut));
      expect(r.records.texts()).toEqual(batches.slice(0, 2).flat());
      expect(r.end).toBe(committed);
      expect(r.dropped).toMatchObject({ at: committed, bytes: cut - committed });
    }
  });

  it("stops on damage inside acknowledged data: any flipped byte of an earlier batch", () => {
    const all = joined();
    const first = bytesOf(batches[0] as string[]).length;
    for (let at = 0; at < first; at++) {
      const damaged = Buffer.from(all);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      expect(() => recoverJournal(damaged)).toThrow(JournalCorruption);
    }
  });

  it("cuts a last batch whose commit marker reached the disk but not all of its records (a power cut mid-sync)", () => {
    const all = joined();
    const committed = Buffer.concat(batches.slice(0, 2).map(bytesOf)).length;
    const marker = all.length - 16;
    // Zeros where a page of the batch was lost: its first record's header, one payload, every record.
    for (const [from, to] of [
      [committed, committed + 4],
      [committed + 9, committed + 10],
      [committed, marker],
    ] as const) {
      const torn = Buffer.from(all);
      torn.fill(0, from, to);
      const r = recoverJournal(torn);
      expect(r.records.texts()).toEqual(batches.slice(0, 2).flat());
      expect(r.dropped).toMatchObject({ at: committed, bytes: all.length - committed });
    }
  });

  it("takes a damaged batch for acknowledged data when a later batch verifies, or anything is written after it", () => {
    const all = joined();
    const second = bytesOf(batches[0] as string[]).length;
    const third = second + bytesOf(batches[1] as string[]).length;
    // The second batch's commit marker gone: the third closes a batch of its own.
    const noMarker = Buffer.from(all);
    noMarker.fill(0, third - 16, third);
    expect(() => recoverJournal(noMarker)).toThrow(/committed batch follows at byte/);
    // The second batch's records damaged, its marker whole; the third batch's marker damaged too, its records not.
    const written = Buffer.from(all);
    written.fill(0, second, second + 4);
    written[all.length - 1] = (written[all.length - 1] as number) ^ 1;
    expect(() => recoverJournal(written)).toThrow(
      new RegExp(`goes on after the damaged batch's commit marker \\(bytes at ${third}\\)`),
    );
  });

  it("reports damage to the last batch as a torn tail only when no commit marker verifies after it", () => {
    const all = joined();
    const damaged = Buffer.from(all);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1; // the last marker's own checksum
    const r = recoverJournal(damaged);
    expect(r.records.texts()).toEqual(batches.slice(0, 2).flat());
    expect(r.dropped?.reason).toContain("commit marker");
  });
});

describe("journal files", () => {
  it("appends durable batches and reads them back; a torn tail is truncated on open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    expect(readTexts(dir).count).toBe(0);
    const journal = await FileJournal.open(dir, 0);
    for (const batch of batches) await journal.append(bytesOf(batch));
    await journal.close();
    // The last batch's final bytes never reached the disk (zeros, as a crash on ext4 may leave them).
    const path = join(dir, JOURNAL_FILE);
    const file = readFileSync(path);
    file.fill(0, joined().length - 5, joined().length);
    writeFileSync(path, file);
    const r = readTexts(dir, true);
    expect(r.texts).toEqual(batches.slice(0, 2).flat());
    expect(r.dropped).not.toBeNull();
    expect(readFileSync(path).length).toBe(r.end);
    // Appending continues where the committed data ends.
    const again = await FileJournal.open(dir, r.end);
    await again.append(bytesOf(['{"g":7}']));
    await again.close();
    expect(readTexts(dir, true).texts).toEqual([...batches.slice(0, 2).flat(), '{"g":7}']);
  });

  it("at a start, cuts a last batch whose marker reached the disk before its records; refuses one followed by data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const journal = await FileJournal.open(dir, 0);
    for (let i = 0; i < 100; i++) for (const batch of batches) await journal.append(bytesOf(batch));
    await journal.close();
    const path = join(dir, JOURNAL_FILE);
    const whole = readFileSync(path);
    const last = whole.length - bytesOf(batches[2] as string[]).length;
    const torn = Buffer.from(whole);
    torn.fill(0, last, whole.length - 16); // every record of the last batch lost, its marker kept
    writeFileSync(path, torn);
    expect(() => readTexts(dir)).not.toThrow();
    const r = readTexts(dir, true);
    expect(r).toMatchObject({ count: 100 * 6 - 3, end: last, dropped: { at: last } });
    expect(readFileSync(path).length).toBe(last);
    // The same batch with a later write after it was synced: acknowledged, and the start stops.
    writeFileSync(path, Buffer.concat([torn, bytesOf(['{"g":7}']).subarray(0, 5)]));
    expect(() => readTexts(dir, true)).toThrow(JournalCorruption);
    expect(readFileSync(path).length).toBe(whole.length + 5);
  });

  it("reads zeros after the written part as its end (ext4 may leave them after a crash); reading without repair never writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const journal = await FileJournal.open(dir, 0);
    for (let i = 0; i < 200; i++) for (const batch of batches) await journal.append(bytesOf(batch));
    await journal.close();
    const path = join(dir, JOURNAL_FILE);
    const written = 200 * joined().length;
    const before = Buffer.concat([readFileSync(path), Buffer.alloc(3 << 20)]); // longer than a read
    writeFileSync(path, before);
    for (const repair of [false, true]) {
      const r = readTexts(dir, repair);
      expect(r).toMatchObject({ count: 200 * 6, end: written, dropped: null });
      expect(readFileSync(path).equals(before)).toBe(true);
    }
    expect(recoverJournal(before)).toMatchObject({ end: written, dropped: null });
    // A torn tail read without repair is reported and left in the file (a live service may be writing it).
    const torn = Buffer.from(before);
    torn.fill(0, written - 3, written);
    writeFileSync(path, torn);
    expect(readTexts(dir).dropped).toMatchObject({
      at:
        written -
        joined().length +
        bytesOf(batches[0] as string[]).length +
        bytesOf(batches[1] as string[]).length,
    });
    expect(readFileSync(path).equals(torn)).toBe(true);
  });

  it("checks the zeros to the end at a start: bytes after them are a torn batch, or damage if a batch commits there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const journal = await FileJournal.open(dir, 0);
    for (const batch of batches) await journal.append(bytesOf(batch));
    await journal.close();
    const path = join(dir, JOURNAL_FILE);
    const clean = Buffer.concat([readFileSync(path), Buffer.alloc(1 << 16)]);
    const end = joined().length;
    // Stray bytes far after the end (no commit marker): not acknowledged, cut off.
    const stray = Buffer.from(clean);
    stray.fill(7, end + 1000, end + 1010);
    writeFileSync(path, stray);
    const r = readTexts(dir, true);
    expect(r.texts).toEqual(batches.flat());
    expect(r.dropped?.reason).toMatch(/not zeros/);
    expect(readFileSync(path).length).toBe(end);
    // The first batch zeroed (a lost block), the later ones intact: acknowledged data is damaged.
    const lost = Buffer.from(clean);
    lost.fill(0, 0, bytesOf(batches[0] as string[]).length);
    writeFileSync(path, lost);
    expect(() => readTexts(dir, true)).toThrow(/acknowledged data is damaged/);
    expect(readFileSync(path).equals(lost)).toBe(true);
  });

  it("reads again, without repair, a tail that a live writer completes while it is read", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const path = join(dir, JOURNAL_FILE);
    const all = Buffer.concat([joined(), Buffer.alloc(4096)]);
    const second = bytesOf(batches[0] as string[]).length;
    // The second batch half written when the read begins; the writer finishes it and adds the third meanwhile.
    const partial = Buffer.from(all);
    partial.fill(0, second + 10);
    writeFileSync(path, partial);
    let finished = false;
    const texts: string[] = [];
    const read = readJournalSync(dir, (records) => {
      texts.push(...records.texts());
      if (!finished) writeFileSync(path, all);
      finished = true;
    });
    expect(texts).toEqual(batches.flat());
    expect(read).toMatchObject({ count: 6, end: joined().length, dropped: null });
  });
  it("refuses to open a journal whose acknowledged data is damaged, and leaves it as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const damaged = joined();
    damaged[20] = (damaged[20] as number) ^ 0xff;
    writeFileSync(join(dir, JOURNAL_FILE), damaged);
    expect(() => readTexts(dir)).toThrow(/acknowledged data is damaged/);
    expect(readFileSync(join(dir, JOURNAL_FILE)).equals(damaged)).toBe(true);
  });
});

describe("journal files longer than the read buffer", () => {
  // ~3.5 MiB: batches straddle the 1 MiB reads, and one batch (~1.6 MiB) is longer than the buffer.
  const big = Array.from({ length: 60 }, (_, b) =>
    Array.from({ length: b === 30 ? 400 : 1 + (b % 7) * 50 }, (_, i) =>
      JSON.stringify({
        type: "deposit",
        ts: b * 1000 + i,
        account: `a${i}`,
        asset: "USDC",
        amount: "1",
        note: "x".repeat(b === 30 ? 4000 : 90),
      }),
    ),
  );
  const write = () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    writeFileSync(join(dir, JOURNAL_FILE), Buffer.concat(big.map(bytesOf)));
    return dir;
  };

  it("reads back every record in order, as reading it whole does", () => {
    const dir = write();
    const r = readTexts(dir);
    expect(r.texts).toEqual(big.flat());
    expect(r.count).toBe(big.flat().length);
    expect(r.dropped).toBeNull();
    expect(recoverJournal(readFileSync(join(dir, JOURNAL_FILE))).records.texts()).toEqual(r.texts);
  });

  it("cuts a torn tail far from the start, and stops on damage whose proof is a later read", () => {
    const dir = write();
    const path = join(dir, JOURNAL_FILE);
    const all = readFileSync(path);
    truncateSync(path, all.length - 100);
    const r = readTexts(dir, true);
    expect(r.texts).toEqual(big.slice(0, -1).flat());
    expect(readFileSync(path).length).toBe(r.end);
    const damaged = Buffer.from(all);
    damaged[200] = (damaged[200] as number) ^ 1; // in the first batch; the markers that prove it are MiBs later
    writeFileSync(path, damaged);
    expect(() => readTexts(dir)).toThrow(/acknowledged data is damaged/);
    expect(() => readTexts(dir, true)).toThrow(/acknowledged data is damaged/);
  });
});

/** A batch in the first format (each record with its own CRC; the marker over the record headers), as written before. */
function formatOneBatch(texts: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let headers = 0;
  for (const t of texts) {
    const payload = Buffer.from(t, "utf8");
    const header = Buffer.alloc(12);
    header.writeUInt32LE(RECORD_MAGIC_1, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(crc32c(payload), 8);
    headers = crc32c(header, 0, 12, headers);
    parts.push(header, payload);
  }
  const marker = Buffer.alloc(16);
  marker.writeUInt32LE(COMMIT_MAGIC_1, 0);
  marker.writeUInt32LE(texts.length, 4);
  marker.writeUInt32LE(headers, 8);
  marker.writeUInt32LE(crc32c(marker, 0, 12), 12);
  return Buffer.concat([...parts, marker]);
}

describe("journals of the first format", () => {
  it("are read, followed by batches of the current format, with the same recovery rules", () => {
    const old = Buffer.concat([
      formatOneBatch(batches[0] as string[]),
      formatOneBatch(batches[1] as string[]),
    ]);
    const mixed = Buffer.concat([old, bytesOf(batches[2] as string[])]);
    expect(recoverJournal(mixed).records.texts()).toEqual(batches.flat());
    const torn = recoverJournal(old.subarray(0, old.length - 3));
    expect(torn.records.texts()).toEqual(batches[0]);
    expect(torn.dropped).not.toBeNull();
    for (let at = 0; at < formatOneBatch(batches[0] as string[]).length; at++) {
      const damaged = Buffer.from(mixed);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      expect(() => recoverJournal(damaged)).toThrow(JournalCorruption);
    }
  });
});

// The journal's recovery rules: committed batches come back in order; a torn tail (a batch cut short by a crash,
// never acknowledged) is cut off and reported; damage inside acknowledged data stops the start, naming the byte.
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendBatchSync,
  encodeBatch,
  FileJournal,
  JOURNAL_FILE,
  JournalCorruption,
  openJournalSync,
  recoverJournal,
} from "./file-journal.js";

const batches = [['{"a":1}', '{"b":"é"}'], ['{"c":3}'], ['{"d":4}', '{"e":5}', '{"f":6}']];
const joined = () => Buffer.concat(batches.map(encodeBatch));

describe("journal recovery", () => {
  it("returns every committed record in order", () => {
    const r = recoverJournal(joined());
    expect(r.records).toEqual(batches.flat());
    expect(r.end).toBe(joined().length);
    expect(r.dropped).toBeNull();
  });

  it("cuts off a torn tail at every possible crash point of the last batch, keeping what was committed", () => {
    const all = joined();
    const committed = Buffer.concat(batches.slice(0, 2).map(encodeBatch)).length;
    for (let cut = committed + 1; cut < all.length; cut++) {
      const r = recoverJournal(all.subarray(0, cut));
      expect(r.records).toEqual(batches.slice(0, 2).flat());
      expect(r.end).toBe(committed);
      expect(r.dropped).toMatchObject({ at: committed, bytes: cut - committed });
    }
  });

  it("stops on damage inside acknowledged data: any flipped byte of an earlier batch", () => {
    const all = joined();
    const first = encodeBatch(batches[0] as string[]).length;
    for (let at = 0; at < first; at++) {
      const damaged = Buffer.from(all);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      expect(() => recoverJournal(damaged)).toThrow(JournalCorruption);
    }
  });

  it("reports damage to the last batch as a torn tail only when no commit marker verifies after it", () => {
    const all = joined();
    const damaged = Buffer.from(all);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1; // the last marker's own checksum
    const r = recoverJournal(damaged);
    expect(r.records).toEqual(batches.slice(0, 2).flat());
    expect(r.dropped?.reason).toContain("commit marker");
  });
});

describe("journal files", () => {
  it("appends durable batches and reads them back; a torn tail is truncated on open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    expect(openJournalSync(dir).records).toEqual([]);
    const journal = await FileJournal.open(dir, 0);
    await journal.append(batches[0] as string[]);
    await journal.append(batches[1] as string[]);
    await journal.close();
    appendBatchSync(dir, batches[2] as string[]);
    const path = join(dir, JOURNAL_FILE);
    const size = readFileSync(path).length;
    truncateSync(path, size - 5);
    const r = openJournalSync(dir);
    expect(r.records).toEqual(batches.slice(0, 2).flat());
    expect(r.dropped).not.toBeNull();
    expect(readFileSync(path).length).toBe(r.end);
    // Appending continues where the committed data ends.
    const again = await FileJournal.open(dir, r.end);
    await again.append(['{"g":7}']);
    await again.close();
    expect(openJournalSync(dir).records).toEqual([...batches.slice(0, 2).flat(), '{"g":7}']);
  });

  it("refuses to open a journal whose acknowledged data is damaged, and leaves it as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-journal-"));
    const damaged = joined();
    damaged[20] = (damaged[20] as number) ^ 0xff;
    writeFileSync(join(dir, JOURNAL_FILE), damaged);
    expect(() => openJournalSync(dir)).toThrow(/acknowledged data is damaged/);
    expect(readFileSync(join(dir, JOURNAL_FILE)).equals(damaged)).toBe(true);
  });
});

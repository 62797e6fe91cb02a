// A journal replays to the engine that applied it: every shipped scenario and the replayed real day, journaled the
// way the service journals them (binary where it can, JSON otherwise) in batches, recovered from the bytes and
// applied, give the same events and state hash as the commands applied straight from their JSON.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { encodeBatch, recoverJournal } from "../src/journal/file-journal.js";
import { applyRecords } from "../src/service/serve.js";
import { scenarios } from "./shipped-scenarios.js";

const BATCH = 100;

describe("the binary journal", () => {
  it.each(scenarios().map((s) => [s.name, s] as const))("%s: replays to the same events and hash", (_, s) => {
    // What the service journals: each command as the HTTP layer parsed it (a non-object line as its JSON text).
    const inputs = s.lines.map((c) => (typeof c === "object" && c !== null ? c : JSON.stringify(c)));
    const chunks: Buffer[] = [];
    for (let i = 0; i < inputs.length; i += BATCH) chunks.push(encodeBatch(inputs.slice(i, i + BATCH)).bytes);
    const { records, dropped } = recoverJournal(Buffer.concat(chunks));
    expect(dropped).toBeNull();
    expect(records.length).toBe(s.lines.length);

    const direct = new Engine(s.config);
    const expected = s.lines.map((c, i) => direct.apply(JSON.parse(JSON.stringify(c)), i + 1));
    const replayed: EngineEvent[][] = [];
    const engine = applyRecords(new Engine(s.config), records, 0, (events) => replayed.push([...events]));
    expect(replayed).toEqual(expected);
    expect(engine.stateHash()).toBe(direct.stateHash());
    // The day is mostly prices: nearly all of it is binary.
    if (s.name.includes("2022-12-13")) {
      let binary = 0;
      for (let i = 0; i < records.length; i++) if (records.isBinary(i)) binary++;
      expect(binary / records.length).toBeGreaterThan(0.95);
    }
  });
});

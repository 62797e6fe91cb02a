// The read model's backlog has a bound: when its writes fall behind by more than `readModelBacklog` events, the
// sequencer waits for them before the next batch, so requests wait (and, past the queue's limit, are refused) rather
// than the service's memory growing; once the writes catch up every event reaches the read model, in order.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { EngineEvent } from "../src/engine/events.js";
import type { ReadModel } from "../src/service/read-model.js";
import { serve } from "../src/service/serve.js";
import { ROOT } from "./plimsoll-run.js";

const config = (() => {
  const loaded = loadConfig(
    JSON.parse(readFileSync(join(ROOT, "examples", "trading", "trading.config.json"), "utf8")),
  );
  if (!loaded.ok) throw new Error("config");
  return loaded.config;
})();
const T0 = 1_700_000_000_000;
const BOUND = 50;
const PER_REQUEST = 10; // deposits: one balance event each

/** A read model whose writes finish only when the test releases them. */
class HeldModel implements ReadModel {
  lastSeq = 0;
  written: EngineEvent[] = [];
  unwritten = 0;
  mostUnwritten = 0;
  private held: (() => void)[] = [];
  hold = true;

  apply(events: readonly EngineEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    this.lastSeq = (events.at(-1) as EngineEvent).seq;
    this.unwritten += events.length;
    this.mostUnwritten = Math.max(this.mostUnwritten, this.unwritten);
    const write = () => {
      this.written.push(...events);
      this.unwritten -= events.length;
    };
    if (!this.hold) {
      write();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.held.push(() => {
        write();
        resolve();
      }),
    );
  }

  release(): void {
    this.hold = false;
    for (const done of this.held.splice(0)) done();
  }

  async close(): Promise<void> {}
}

describe("read model backlog", () => {
  it("past its bound the sequencer waits for the read model; nothing is dropped", async () => {
    const model = new HeldModel();
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-backlog-"));
    const service = await serve({
      config,
      dir,
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
      readModel: model,
      readModelBacklog: BOUND,
      snapshotEvery: 0,
    });
    let n = 0;
    const post = () =>
      fetch(`http://127.0.0.1:${service.port}/v1/commands`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: Array.from({ length: PER_REQUEST }, () =>
          JSON.stringify({ type: "deposit", ts: T0 + ++n, account: `u${n % 7}`, asset: "USDC", amount: "1" }),
        ).join("\n"),
      });
    // Within the bound, requests are answered though nothing is written yet.
    for (let i = 0; i < BOUND / PER_REQUEST + 1; i++) expect((await post()).status).toBe(200);
    expect(model.written).toEqual([]);
    expect(model.unwritten).toBeGreaterThan(BOUND);
    // Past it, the next request waits for the read model.
    const waiting = post();
    const early = await Promise.race([
      waiting.then(() => "answered"),
      new Promise((resolve) => setTimeout(() => resolve("waiting"), 300)),
    ]);
    expect(early).toBe("waiting");
    expect(service.sequencer.applied).toBe((BOUND / PER_REQUEST + 1) * PER_REQUEST);
    model.release();
    expect((await waiting).status).toBe(200);
    expect((await post()).status).toBe(200);
    await service.close();
    // Every event was written once, in seq order; never more than the bound and one request's behind.
    const total = service.engine.stats.events;
    expect(service.sequencer.applied).toBe((BOUND / PER_REQUEST + 3) * PER_REQUEST);
    expect(model.written.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(model.mostUnwritten).toBeLessThanOrEqual(BOUND + PER_REQUEST);
  });
});

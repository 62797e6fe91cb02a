// `plimsoll replay --store file:DIR` beside a running service: it reads the journal while batches are being written
// and synced, and must never change the file (a reader that cut a "torn" tail could cut the batch being written,
// which the service would then acknowledge). Every replay sees a prefix of what is journaled; at the end the replay
// equals the live state, and a restart finds the journal whole.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayStore, serve } from "../src/service/serve.js";
import { exampleConfig } from "./plimsoll-run.js";

const config = exampleConfig("quickstart", "config.json");
const T0 = 1_670_889_600_000;

describe("plimsoll replay beside a running service", () => {
  it("reads prefixes of the journal while it is written, changes nothing, and ends at the live state", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-beside-"));
    const options = { config, dir, port: 0, host: "127.0.0.1", log: () => undefined, snapshotEvery: 0 };
    let service = await serve(options);
    const url = `http://127.0.0.1:${service.port}/v1/commands`;
    let n = 0;
    const request = () =>
      Array.from({ length: 2_000 }, () =>
        JSON.stringify({
          type: "deposit",
          ts: T0 + n,
          account: `u${n++ % 300}`,
          asset: "USDC",
          amount: "1.25",
        }),
      ).join("\n");
    const posts: Promise<Response>[] = [];
    const counts: number[] = [];
    const lines: string[] = [];
    for (let round = 0; round < 40; round++) {
      posts.push(
        fetch(url, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: request() }),
      );
      await new Promise((resolve) => setImmediate(resolve)); // the service reads, journals and writes meanwhile
      counts.push(replayStore(config, dir, (line) => lines.push(line)).read.count);
    }
    for (const r of await Promise.all(posts)) expect(r.status).toBe(200);
    expect(counts.every((c, i) => i === 0 || c >= (counts[i - 1] as number))).toBe(true);
    const live = (await (await fetch(`http://127.0.0.1:${service.port}/v1/state/hash`)).json()) as {
      seq: number;
      stateHash: string;
    };
    const replayed = replayStore(config, dir, () => undefined);
    expect({ seq: replayed.read.count, stateHash: replayed.engine.stateHash() }).toEqual(live);
    expect(replayed.read.dropped).toBeNull();
    await service.close();
    // The owner's start finds the journal whole: nothing cut, the same state.
    const logs: string[] = [];
    service = await serve({ ...options, log: (line) => logs.push(line) });
    expect(logs.filter((l) => l.startsWith("journal:"))).toEqual([]);
    expect(service.engine.stateHash()).toBe(live.stateHash);
    await service.close();
    // Whatever a replay met mid-write was only reported, never cut.
    for (const line of lines) expect(line).toMatch(/^journal: ignored \(read only: left in the file\)/);
  }, 60_000);
});

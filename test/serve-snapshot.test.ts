// Snapshots in the embedded store: taken every N commands and at shutdown; a start loads the newest that verifies
// and replays only the journal after it; a damaged snapshot is skipped with a log line for an older one (the
// journal holds everything), and the state is the same as a full replay either way.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { GONE } from "../src/service/http.js";
import { replayStore, serve } from "../src/service/serve.js";
import { exampleConfig } from "./plimsoll-run.js";

const config = exampleConfig("trading", "trading.config.json");
const T0 = 1_700_000_000_000;
const command = (n: number) =>
  n % 3 === 0
    ? JSON.stringify({
        type: "price",
        ts: T0 + n,
        index: "BTC-USD",
        source: n % 2 ? "a" : "b",
        price: String(20_000 + n),
        sourceTs: T0 + n,
      })
    : JSON.stringify({ type: "deposit", ts: T0 + n, account: `u${n % 5}`, asset: "USDC", amount: `${n}` });

describe("snapshots", () => {
  it("restart loads the newest snapshot and replays only what follows; a damaged one falls back to an older", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-snap-"));
    const logs: string[] = [];
    const log = (line: string) => logs.push(line);
    let service = await serve({ config, dir, port: 0, host: "127.0.0.1", log, snapshotEvery: 10 });
    const post = (from: number, to: number) =>
      fetch(`http://127.0.0.1:${service.port}/v1/commands`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: Array.from({ length: to - from }, (_, i) => command(from + i)).join("\n"),
      });
    await post(0, 12);
    await new Promise((resolve) => setTimeout(resolve, 150)); // the snapshot timer takes one at 12
    await post(12, 35);
    await service.close(); // and one at shutdown, at 35
    const full = replayStore(config, dir, () => undefined).engine.stateHash();
    const files = readdirSync(dir)
      .filter((f) => f.startsWith("snapshot-"))
      .sort();
    expect(files).toEqual(["snapshot-000000000012.json", "snapshot-000000000035.json"]);
    service = await serve({ config, dir, port: 0, host: "127.0.0.1", log, snapshotEvery: 10 });
    expect(logs, JSON.stringify(logs)).toContain("snapshot at 35 loaded; 0 commands replayed");
    expect(service.engine.stateHash()).toBe(full);
    await service.close();
    // Damage the newest: the start takes the older one and replays the 23 commands after it.
    const newest = join(dir, "snapshot-000000000035.json");
    const bytes = readFileSync(newest);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 1;
    writeFileSync(newest, bytes);
    logs.length = 0;
    service = await serve({ config, dir, port: 0, host: "127.0.0.1", log, snapshotEvery: 0 });
    expect(
      logs.some((l) => l.startsWith("snapshot snapshot-000000000035.json: its checksum does not match")),
    ).toBe(true);
    expect(logs).toContain("snapshot at 12 loaded; 23 commands replayed");
    expect(service.engine.stateHash()).toBe(full);
    await service.close();
  });

  it("after a start from a snapshot, a catch-up reaching before it is refused (410, close 4410), not served with a gap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-snap-gone-"));
    const options = { config, dir, port: 0, host: "127.0.0.1", log: () => undefined, snapshotEvery: 1_000 };
    let service = await serve(options);
    const post = (from: number, to: number) =>
      fetch(`http://127.0.0.1:${service.port}/v1/commands`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: Array.from({ length: to - from }, (_, i) => command(from + i)).join("\n"),
      });
    await post(0, 20);
    const events = service.engine.stats.events;
    const base = () => `http://127.0.0.1:${service.port}`;
    expect((await fetch(`${base()}/v1/events?after=0`)).status).toBe(200);
    await service.close(); // snapshot at shutdown: the events before it are not in memory after the start
    service = await serve(options);
    const refused = await fetch(`${base()}/v1/events?after=3`);
    expect(refused.status).toBe(410);
    expect(await refused.json()).toEqual({
      error: `after: events 4 to ${events} are no longer kept; the oldest kept is ${events + 1}`,
      oldest: events + 1,
    });
    expect(await (await fetch(`${base()}/v1/events?after=${events}`)).json()).toEqual({ events: [] });
    const ws = new WebSocket(`ws://127.0.0.1:${service.port}/v1/stream?after=0`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
    expect(closed).toEqual({
      code: GONE,
      reason: `after: events 1 to ${events} are no longer kept; the oldest kept is ${events + 1}`,
    });
    await post(20, 21);
    const next = (await (await fetch(`${base()}/v1/events?after=${events}`)).json()) as {
      events: { seq: number }[];
    };
    expect(next.events[0]?.seq).toBe(events + 1);
    await service.close();
  });
});

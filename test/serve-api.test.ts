// The service's HTTP and WebSocket API with real clients over real sockets: commands one at a time and as JSON
// Lines, validation errors naming the line, idempotency keys (kept across a restart), reads, the state hash against
// a replay, Prometheus metrics, and the stream — including a client that does not read, which is disconnected with
// a reason while the engine goes on answering.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RunningService, replayStore, serve } from "../src/service/serve.js";
import { exampleConfig } from "./plimsoll-run.js";

const config = exampleConfig("quickstart", "config.json");
const T0 = 1_670_889_600_000;
const deposit = (n: number, account = "alice") =>
  JSON.stringify({ type: "deposit", ts: T0 + n, account, asset: "USDC", amount: `${1 + (n % 1000)}` });

/** A reply's JSON, loosely typed for assertions. */
interface Body {
  readonly events: { seq: number; cause: number; type: string }[] | null;
  readonly error: string;
  readonly seq: number;
  readonly stateHash: string;
  readonly duplicate: boolean;
  readonly first: number;
  readonly [field: string]: unknown;
}
const body = async (r: Response | Promise<Response>): Promise<Body> => (await (await r).json()) as Body;

let dir = "";
let service: RunningService;
let base = "";
const start = async () => {
  service = await serve({
    config,
    dir,
    port: 0,
    host: "127.0.0.1",
    log: () => undefined,
    streamMaxBuffered: 1 << 16,
    // No snapshots: a restart replays the journal, so the events of earlier requests are kept for their retries.
    snapshotEvery: 0,
  });
  base = `http://127.0.0.1:${service.port}`;
};
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/commands`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", ...headers },
    body,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "plimsoll-api-"));
  await start();
});
afterAll(async () => {
  await service.close();
});

describe("POST /v1/commands", () => {
  it("applies one command (application/json) and a JSON Lines batch, answering with their events", async () => {
    const one = await fetch(`${base}/v1/commands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: deposit(0),
    });
    expect(one.status).toBe(200);
    expect((await body(one)).events).toMatchObject([{ seq: 1, cause: 1, type: "balance", account: "alice" }]);
    const batch = await post([1, 2, 3].map((n) => deposit(n)).join("\n"));
    const events = (await body(batch)).events as { cause: number }[];
    expect(events.map((e) => e.cause)).toEqual([2, 3, 4]);
  });

  it("refuses a body that is not JSON objects with a 400 naming the line; nothing is applied", async () => {
    const before = await body(fetch(`${base}/v1/state/hash`));
    const bad = await post(`${deposit(10)}\n{not json\n`);
    expect(bad.status).toBe(400);
    expect((await body(bad)).error).toMatch(/^line 2: not JSON/);
    const reserved = await post(JSON.stringify({ type: "deposit", ts: T0 + 11, _key: "forged" }));
    expect((await body(reserved)).error).toMatch(/^line 1: _key and _n are reserved/);
    const array = await post("[1,2]");
    expect((await body(array)).error).toBe("line 1: a command is a JSON object");
    expect(await body(fetch(`${base}/v1/state/hash`))).toEqual(before);
  });

  it("answers a retried request (same Idempotency-Key) with its first outcome, also after a restart", async () => {
    const key = { "idempotency-key": "req-42" };
    const first = await body(post(`${deposit(20)}\n${deposit(21)}`, key));
    const again = await body(post(`${deposit(20)}\n${deposit(21)}`, key));
    expect(again).toMatchObject({ duplicate: true, events: first.events });
    await service.close();
    await start();
    const seq = (await body(fetch(`${base}/healthz`))).seq;
    const afterRestart = await body(post(`${deposit(20)}\n${deposit(21)}`, key));
    expect(afterRestart).toMatchObject({ duplicate: true, events: first.events });
    expect((await body(fetch(`${base}/healthz`))).seq).toBe(seq);
  });
});

describe("reads", () => {
  it("gives accounts, events after a seq, and a state hash equal to a replay of the journal", async () => {
    const account = await body(fetch(`${base}/v1/accounts/alice`));
    expect(account).toMatchObject({ type: "account", account: "alice", seq: 0 });
    expect((await fetch(`${base}/v1/accounts/nobody`)).status).toBe(404);
    const events = (await body(fetch(`${base}/v1/events?after=2`))).events as { seq: number }[];
    expect(events[0]?.seq).toBe(3);
    expect((await fetch(`${base}/v1/events?after=-1`)).status).toBe(400);
    const live = await body(fetch(`${base}/v1/state/hash`));
    const { engine, read } = replayStore(config, dir, () => undefined);
    expect(live).toEqual({ seq: read.count, stateHash: engine.stateHash() });
    expect(await body(fetch(`${base}/healthz`))).toEqual({ status: "ok", seq: live.seq });
  });

  it("exposes Prometheus metrics in the text format", async () => {
    await post(
      JSON.stringify({
        type: "price",
        ts: T0 + 5_000,
        index: "BTC-USD",
        source: "binance",
        price: "17000",
        sourceTs: T0 + 5_000,
      }),
    );
    const r = await fetch(`${base}/metrics`);
    expect(r.headers.get("content-type")).toContain("text/plain");
    const text = await r.text();
    for (const line of text.trim().split("\n"))
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z]+="[^"]*"\})? -?[0-9.e+-]+)$/);
    for (const name of [
      "plimsoll_commands_total",
      "plimsoll_journal_append_seconds_bucket",
      "plimsoll_tick_to_decision_seconds_count",
      "plimsoll_index_status",
      "plimsoll_instrument_mode",
      "plimsoll_insurance_fund_balance",
      'plimsoll_accounts{state="healthy"}',
    ])
      expect(text).toContain(name);
  });
});

describe("GET /v1/stream (WebSocket)", () => {
  it("sends a catch-up from ?after= and then every applied command's events", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${service.port}/v1/stream?after=0`);
    const received: { seq: number }[] = [];
    ws.on("message", (data) => received.push(...(JSON.parse(String(data)) as { seq: number }[])));
    await new Promise((resolve) => ws.on("open", resolve));
    await post(deposit(30));
    const live = await body(fetch(`${base}/v1/state/hash`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received[0]?.seq).toBe(1);
    expect(received.at(-1)).toMatchObject({ cause: live.seq });
    ws.close();
  });

  it("disconnects a client that does not read, with a reason, while commands keep being answered", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${service.port}/v1/stream`);
    await new Promise((resolve) => ws.on("open", resolve));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
    (ws as unknown as { _socket: { pause(): void } })._socket.pause(); // the client stops reading
    let n = 1_000;
    let result: { code: number; reason: string } | null = null;
    void closed.then((r) => {
      result = r;
    });
    for (let round = 0; round < 40 && result === null; round++) {
      const started = performance.now();
      const r = await post(Array.from({ length: 5_000 }, () => deposit(n++, `bulk${n % 50}`)).join("\n"));
      expect(r.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(5_000);
      // The server drops a slow client on its own; the paused client never reads the close frame, so the
      // server's terminate ends it, which the client then sees as a close.
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const r = await closed;
    expect([1008, 1006]).toContain(r.code);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/plimsoll_stream_slow_disconnects_total [1-9]/);
  }, 60_000);
});

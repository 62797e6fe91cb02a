// The read model's backlog has a bound: when its writes fall behind by more than `readModelBacklog` events, the
// sequencer waits for them before the next batch, so requests wait (and, past the queue's limit, are refused) rather
// than the service's memory growing; once the writes catch up every event reaches the read model, in order. A start's
// replay of a long stream (the journal on NATS JetStream, 127.0.0.1:4222) and a standby's batches from the leader
// wait for it too, and end at the same read model and state hash. Under CI=true an unreachable NATS is a failure;
// elsewhere those cases skip with a message.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import { encodeBatch } from "../src/journal/file-journal.js";
import { NatsJournal } from "../src/journal/nats-journal.js";
import type { ReadModel } from "../src/service/read-model.js";
import { serve } from "../src/service/serve.js";
import { exampleConfig } from "./plimsoll-run.js";

const config = exampleConfig("trading", "trading.config.json");
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

const SERVERS = "127.0.0.1:4222";
const natsReachable = await connect({ servers: SERVERS, timeout: 2_000, reconnect: false }).then(
  async (nc) => {
    await nc.close();
    return true;
  },
  () => false,
);
if (!natsReachable && process.env["CI"] === "true")
  throw new Error(`NATS JetStream at ${SERVERS} is not reachable: under CI these tests must run`);
if (!natsReachable)
  console.warn(`read-model-backlog: NATS at ${SERVERS} is not reachable; skipping the stream cases`);
const streams: string[] = [];
afterAll(async () => {
  if (!natsReachable) return;
  const nc = await connect({ servers: SERVERS });
  const jsm = await nc.jetstreamManager();
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});

/** A read model whose writes take a few ms each, one after another (PostgreSQL behind): how far behind it got. */
class SlowModel implements ReadModel {
  lastSeq = 0;
  written: EngineEvent[] = [];
  unwritten = 0;
  mostUnwritten = 0;
  private writes: Promise<void> = Promise.resolve();

  apply(events: readonly EngineEvent[]): Promise<void> {
    if (events.length === 0) return this.writes;
    this.lastSeq = (events.at(-1) as EngineEvent).seq;
    this.unwritten += events.length;
    this.mostUnwritten = Math.max(this.mostUnwritten, this.unwritten);
    this.writes = this.writes
      .then(() => new Promise((resolve) => setTimeout(resolve, 2)))
      .then(() => {
        this.written.push(...events);
        this.unwritten -= events.length;
      });
    return this.writes;
  }

  async close(): Promise<void> {
    await this.writes;
  }
}

const STREAM_BOUND = 300;
const BATCHES = 30;
const BATCH = 200; // deposits: one balance event each
/** The long tail: BATCHES batches of BATCH commands. */
const tail = Array.from({ length: BATCHES }, (_, b) =>
  Array.from({ length: BATCH }, (_, k) => {
    const n = b * BATCH + k;
    return { type: "deposit", ts: T0 + n, account: `u${n % 97}`, asset: "USDC", amount: `${1 + (n % 13)}.5` };
  }),
);

/** The events and state hash of the tail applied straight to a fresh engine. */
function expected() {
  const engine = new Engine(config);
  const events: EngineEvent[] = [];
  let seq = 0;
  for (const batch of tail) for (const command of batch) engine.applyInto(command, ++seq, events);
  return { events, hash: engine.stateHash() };
}

async function appendTail(stream: string): Promise<void> {
  const { journal } = await NatsJournal.open({ servers: SERVERS, stream });
  for (const batch of tail) await journal.append(encodeBatch(batch).bytes, batch.length);
  await journal.close();
}

const uniqueStream = (name: string) => {
  const stream = `${name}_${process.pid}_${Math.floor(performance.now() * 1000)}`;
  streams.push(stream);
  return stream;
};

describe.skipIf(!natsReachable)("read model backlog, the journal on NATS", () => {
  it("a start's replay of a long tail waits for the read model: never past the bound; the same model and hash", async () => {
    const stream = uniqueStream("backlog_replay");
    await appendTail(stream);
    const model = new SlowModel();
    const service = await serve({
      config,
      dir: "",
      journal: { servers: SERVERS, stream },
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
      readModel: model,
      readModelBacklog: STREAM_BOUND,
      snapshotEvery: 0,
    });
    const want = expected();
    expect(service.sequencer.applied).toBe(BATCHES * BATCH);
    expect(service.engine.stateHash()).toBe(want.hash);
    // The replay waited for the writes: most of them were done before it ended.
    expect(model.written.length).toBeGreaterThan(want.events.length - 2 * STREAM_BOUND);
    await service.close();
    expect(model.written).toEqual(want.events);
    // Checked every 64 commands of a replay: at most 64 deposits' events past the bound.
    expect(model.mostUnwritten).toBeGreaterThan(STREAM_BOUND / 2);
    expect(model.mostUnwritten).toBeLessThanOrEqual(STREAM_BOUND + 64);
  });

  it("a standby's batches from the leader wait for the read model: never past the bound and a batch", async () => {
    const stream = uniqueStream("backlog_follow");
    const model = new SlowModel();
    const standby = await serve({
      config,
      dir: "",
      follow: { servers: SERVERS, stream },
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
      readModel: model,
      readModelBacklog: STREAM_BOUND,
    });
    await appendTail(stream); // the leader's batches, stored as fast as JetStream takes them
    for (let i = 0; i < 600 && standby.sequencer.applied < BATCHES * BATCH; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const want = expected();
    expect(standby.sequencer.applied).toBe(BATCHES * BATCH);
    expect(standby.engine.stateHash()).toBe(want.hash);
    await standby.close();
    expect(model.written).toEqual(want.events);
    expect(model.mostUnwritten).toBeLessThanOrEqual(STREAM_BOUND + BATCH);
  });
});

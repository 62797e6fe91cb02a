// The journal on NATS JetStream (127.0.0.1:4222): batches round-trip; a stale writer is fenced off by the stream's
// sequence check; `plimsoll serve --journal nats://…` killed with SIGKILL restarts to its stream's state; a hot
// standby (`serve --follow`) matches the leader's state hash at the same seq, is promoted after the leader stops,
// takes commands, and the stream replays to its state. Under CI=true a NATS server that cannot be reached is a
// failure; elsewhere these tests skip with a message.
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { encodeBatch } from "../src/journal/file-journal.js";
import { NatsJournal } from "../src/journal/nats-journal.js";
import { PostgresReadModel } from "../src/service/postgres-read-model.js";
import { serve } from "../src/service/serve.js";
import { ROOT, startServe } from "./plimsoll-run.js";

const SERVERS = "127.0.0.1:4222";
const CONFIG = join(ROOT, "examples", "trading", "trading.config.json");
const T0 = 1_700_000_000_000;

const reachable = await connect({ servers: SERVERS, timeout: 2_000, reconnect: false }).then(
  async (nc) => {
    await nc.close();
    return true;
  },
  () => false,
);
if (!reachable && process.env["CI"] === "true")
  throw new Error(`NATS JetStream at ${SERVERS} is not reachable: under CI these tests must run`);
if (!reachable)
  console.warn(`nats-journal: NATS at ${SERVERS} is not reachable; skipping (they run under CI=true)`);

const created: string[] = [];
const unique = (name: string) => {
  const stream = `${name}_${process.pid}_${Math.floor(performance.now() * 1000)}`;
  created.push(stream);
  return stream;
};
// The streams these tests create are deleted after them: the server is shared by every run on the machine.
afterAll(async () => {
  if (!reachable) return;
  const nc = await connect({ servers: SERVERS });
  const jsm = await nc.jetstreamManager();
  for (const stream of created) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});
const deposit = (n: number) =>
  JSON.stringify({ type: "deposit", ts: T0 + n, account: `u${n % 7}`, asset: "USDC", amount: `${100 + n}` });

const post = async (port: number, lines: string[]) =>
  (
    await fetch(`http://127.0.0.1:${port}/v1/commands`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.join("\n"),
    })
  ).status;
const hash = async (port: number) =>
  (await (await fetch(`http://127.0.0.1:${port}/v1/state/hash`)).json()) as {
    seq: number;
    stateHash: string;
  };
const stop = async (child: ChildProcess, signal: NodeJS.Signals) => {
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill(signal);
  await exited;
};
const replay = (store: string, stream: string) => {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "plimsoll"),
      "replay",
      "--store",
      `file:${store}`,
      "--journal",
      `nats://${SERVERS}/${stream}`,
    ],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { commands: number; stateHash: string };
};

describe.skipIf(!reachable)("journal on NATS JetStream", () => {
  it("round-trips batches, and refuses a writer whose view of the stream is stale", async () => {
    const target = { servers: SERVERS, stream: unique("roundtrip") };
    const { journal } = await NatsJournal.open(target);
    await journal.append(encodeBatch([deposit(1), deposit(2)]).bytes, 2);
    await journal.append(encodeBatch([deposit(3)]).bytes, 1);
    const stale = await NatsJournal.resume(target, 1, 2); // it saw only the first batch
    await expect(stale.append(encodeBatch([deposit(4)]).bytes, 1)).rejects.toThrow(
      /wrong last sequence|already stored/,
    );
    await stale.close();
    await journal.close();
    const texts: string[] = [];
    const reopened = await NatsJournal.open(target, 0, 0, (records) => {
      texts.push(...records.texts());
    });
    expect(texts).toEqual([deposit(1), deposit(2), deposit(3)]);
    expect(reopened.count).toBe(3);
    await reopened.journal.close();
  });

  it("serve --journal: a SIGKILL loses no acknowledged command; the stream replays to the restarted state", async () => {
    const stream = unique("serve");
    const store = mkdtempSync(join(tmpdir(), "plimsoll-nats-"));
    const args = ["--config", CONFIG, "--store", `file:${store}`, "--journal", `nats://${SERVERS}/${stream}`];
    let { child, port } = await startServe(args);
    expect(await post(port, [0, 1, 2].map(deposit))).toBe(200);
    expect(await post(port, [3, 4].map(deposit))).toBe(200);
    const before = await hash(port);
    await stop(child, "SIGKILL");
    ({ child, port } = await startServe(args));
    expect(await hash(port)).toEqual(before);
    expect(await post(port, [5].map(deposit))).toBe(200);
    const live = await hash(port);
    await stop(child, "SIGTERM");
    expect(replay(store, stream)).toEqual({ commands: live.seq, stateHash: live.stateHash });
  }, 60_000);

  it("a hot standby matches the leader, is promoted after the leader stops, and continues", async () => {
    const stream = unique("standby");
    const url = `nats://${SERVERS}/${stream}`;
    const leaderStore = mkdtempSync(join(tmpdir(), "plimsoll-leader-"));
    const standbyStore = mkdtempSync(join(tmpdir(), "plimsoll-standby-"));
    const leader = await startServe(["--config", CONFIG, "--store", `file:${leaderStore}`, "--journal", url]);
    const standby = await startServe([
      "--config",
      CONFIG,
      "--store",
      `file:${standbyStore}`,
      "--follow",
      url,
    ]);
    for (let b = 0; b < 5; b++)
      expect(
        await post(
          leader.port,
          [0, 1, 2, 3].map((k) => deposit(b * 4 + k)),
        ),
      ).toBe(200);
    const leading = await hash(leader.port);
    // The standby applies the same batches: equal state at the same seq.
    let following = await hash(standby.port);
    for (let i = 0; i < 100 && following.seq < leading.seq; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      following = await hash(standby.port);
    }
    expect(following).toEqual(leading);
    expect(await post(standby.port, [deposit(100)])).toBe(503); // a standby takes no commands
    await stop(leader.child, "SIGKILL");
    const promoted = await fetch(`http://127.0.0.1:${standby.port}/v1/promote`, { method: "POST" });
    expect(await promoted.json()).toEqual({ promoted: true, seq: leading.seq });
    expect(await post(standby.port, [deposit(101), deposit(102)])).toBe(200);
    const live = await hash(standby.port);
    expect(live.seq).toBe(leading.seq + 2);
    await stop(standby.child, "SIGTERM");
    expect(replay(standbyStore, stream)).toEqual({ commands: live.seq, stateHash: live.stateHash });
  }, 60_000);
});

/** A connection to the test database, or null (with a line saying so) where PostgreSQL is down outside CI. */
async function pgAdmin() {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/test" });
  try {
    await admin.connect();
    return admin;
  } catch (error) {
    if (process.env["CI"] === "true") throw error;
    console.warn("nats-journal: PostgreSQL is not reachable; skipping the snapshot case");
    return null;
  }
}

describe.skipIf(!reachable)("journal on NATS with the PostgreSQL store", () => {
  it("snapshots into PostgreSQL and restarts from the snapshot, reading only the stream after it", async () => {
    const admin = await pgAdmin();
    if (admin === null) return;
    const schema = `plimsoll_snap_${process.pid}_${Math.floor(performance.now())}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const store = `postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D${schema}`;
    const stream = unique("pgsnap");
    const args = ["--config", CONFIG, "--store", store, "--journal", `nats://${SERVERS}/${stream}`];
    try {
      const first = await startServe([...args, "--snapshot-every", "5"]);
      let { child, port } = first;
      for (let b = 0; b < 4; b++)
        expect(
          await post(
            port,
            [0, 1, 2].map((k) => deposit(b * 3 + k)),
          ),
        ).toBe(200);
      const before = await hash(port);
      await stop(child, "SIGTERM"); // a snapshot at shutdown
      const rows = await admin.query(`SELECT seq FROM ${schema}.plimsoll_snapshots ORDER BY seq DESC`);
      expect(Number(rows.rows[0]?.seq), first.output()).toBe(before.seq);
      const second = await startServe(args);
      ({ child, port } = second);
      expect(await hash(port)).toEqual(before);
      expect(second.output()).toContain(`snapshot at ${before.seq} loaded; 0 commands replayed`);
      expect(await post(port, [deposit(50)])).toBe(200);
      const live = await hash(port);
      await stop(child, "SIGKILL");
      const third = await startServe(args); // from the snapshot, then the stream's last batch
      ({ child, port } = third);
      expect(await hash(port)).toEqual(live);
      expect(third.output()).toContain(`snapshot at ${before.seq} loaded; 1 commands replayed`);
      await stop(child, "SIGTERM");
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 60_000);
  it("a start skips a stored snapshot whose chunks do not verify, for the older one", async () => {
    const admin = await pgAdmin();
    if (admin === null) return;
    const loaded = loadConfig(JSON.parse(readFileSync(CONFIG, "utf8")));
    if (!loaded.ok) throw new Error("config");
    const schema = `plimsoll_snapcrc_${process.pid}_${Math.floor(performance.now())}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const logs: string[] = [];
    const start = async () => {
      const model = await PostgresReadModel.open(
        `postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D${schema}`,
      );
      return serve({
        config: loaded.config,
        dir: "",
        journal: { servers: SERVERS, stream },
        port: 0,
        host: "127.0.0.1",
        log: (line) => logs.push(line),
        readModel: model,
        snapshotStore: model,
        snapshotEvery: 6,
      });
    };
    const stream = unique("pgcrc");
    try {
      let service = await start();
      expect(await post(service.port, [0, 1, 2, 3, 4, 5].map(deposit))).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the snapshot at 6
      expect(await post(service.port, [6, 7, 8, 9].map(deposit))).toBe(200);
      await service.close(); // and one at 10
      const before = service.engine.stateHash();
      const rows = await admin.query(`SELECT seq FROM ${schema}.plimsoll_snapshots ORDER BY seq DESC`);
      expect(rows.rows.map((r) => Number(r.seq))).toEqual([10, 6]);
      await admin.query(
        `UPDATE ${schema}.plimsoll_snapshot_chunks SET bytes = set_byte(bytes, 1, 32) WHERE seq = 10 AND n = 0`,
      );
      service = await start();
      expect(service.engine.stateHash()).toBe(before);
      expect(logs).toContain(
        "snapshot at 10: its body cannot be read (its checksum does not match); trying an older one",
      );
      expect(logs).toContain("snapshot at 6 loaded; 4 commands replayed");
      await service.close();
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 60_000);
});

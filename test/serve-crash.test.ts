// Crash safety of `plimsoll serve` on the embedded store: a child process is fed commands over HTTP and killed
// with SIGKILL at random moments (24 times), restarted on the same store, and fed on. Checked after every restart
// and at the end: every acknowledged command is in the journal, in order, exactly once (nothing applied twice);
// what the restarted service reports equals a clean replay of its journal; and at the end the live state hash
// equals `plimsoll replay` and an in-process engine fed the same commands. The random moments come from a seed
// printed by the test (CRASH_SEED replays it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { Engine } from "../src/engine/engine.js";
import { JOURNAL_FILE, recoverJournal } from "../src/journal/file-journal.js";
import { ROOT, startServe } from "./plimsoll-run.js";

const CONFIG = join(ROOT, "examples", "trading", "trading.config.json");
const KILLS = 24;
const T0 = 1_700_000_000_000;

/** A deterministic stream of commands: prices, deposits, resting orders, crossing orders and cancels. */
function commandStream(count: number): string[] {
  const out: string[] = [];
  let ts = T0;
  const accounts = ["a", "b", "c", "d"];
  for (let n = 0; n < count; n++) {
    ts += 7;
    const k = n % 10;
    const account = accounts[n % accounts.length] as string;
    const level = 20_000 + ((n * 37) % 400) - 200;
    let command: Record<string, unknown>;
    if (k === 0 || k === 1)
      command = {
        type: "price",
        ts,
        index: "BTC-USD",
        source: k === 0 ? "a" : "b",
        price: String(level),
        sourceTs: ts,
      };
    else if (k === 2) command = { type: "deposit", ts, account, asset: "USDC", amount: String(1000 + n) };
    else if (k < 8)
      command = {
        type: "order",
        ts,
        account,
        id: `o${n}`,
        symbol: "BTC-PERP",
        side: n % 2 === 0 ? "buy" : "sell",
        qty: "0.01",
        price: String(level + (n % 2 === 0 ? -5 : 5) + (k === 7 ? (n % 2 === 0 ? 20 : -20) : 0)),
      };
    else command = { type: "cancel", ts, account, id: `o${n - 3}` };
    out.push(JSON.stringify(command));
  }
  return out;
}

// Snapshots every 150 commands: restarts load the newest one and replay the journal after it.
const start = (store: string) =>
  startServe(["--config", CONFIG, "--store", `file:${store}`, "--snapshot-every", "150"]);

async function post(port: number, lines: readonly string[]): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v1/commands`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${lines.join("\n")}\n`,
    });
    return r.status === 200;
  } catch {
    return false; // killed mid-request: not acknowledged
  }
}

async function liveHash(port: number): Promise<{ seq: number; stateHash: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/state/hash`);
  return (await r.json()) as { seq: number; stateHash: string };
}

function journalRecords(store: string): string[] {
  return recoverJournal(readFileSync(join(store, JOURNAL_FILE))).records.texts();
}

function replayHash(records: readonly string[]): string {
  const loaded = loadConfig(JSON.parse(readFileSync(CONFIG, "utf8")));
  if (!loaded.ok) throw new Error("config");
  const engine = new Engine(loaded.config);
  records.forEach((r, i) => {
    engine.applyInto(JSON.parse(r), i + 1, []);
  });
  return engine.stateHash();
}

describe("plimsoll serve under SIGKILL", () => {
  it(`keeps every acknowledged command, applies none twice, and replays to the live state (${KILLS} kills)`, async () => {
    const seed = Number(process.env["CRASH_SEED"] ?? Date.now() % 1_000_000);
    console.log(`serve-crash: CRASH_SEED=${seed}`);
    let state = seed;
    const rand = () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const store = mkdtempSync(join(tmpdir(), "plimsoll-crash-"));
    const stream = commandStream(20_000);
    let next = 0;
    const acknowledged: string[] = [];
    let durableUnanswered = 0;
    for (let round = 0; round <= KILLS; round++) {
      const { child, port } = await start(store);
      // After a restart the service's state is its journal's, replayed.
      const records = journalRecords(store);
      const live = await liveHash(port);
      expect(live.seq).toBe(records.length);
      expect(live.stateHash).toBe(replayHash(records));
      // Acknowledged commands are all there, in order, once; anything else is one unacknowledged tail.
      expect(records.slice(0, acknowledged.length)).toEqual(acknowledged);
      // Resume after what the journal holds (a command journaled but not acknowledged is not sent again).
      if (records.length > acknowledged.length) durableUnanswered++;
      for (let i = acknowledged.length; i < records.length; i++) acknowledged.push(records[i] as string);
      next = acknowledged.length;
      if (round === KILLS) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.on("exit", resolve));
        break;
      }
      // Feed batches while a kill lands at a random moment within ~30 ms.
      const killAfter = 2 + rand() * 30;
      const killer = setTimeout(() => child.kill("SIGKILL"), killAfter);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      let alive = true;
      void exited.then(() => {
        alive = false;
      });
      while (alive && next < stream.length) {
        const size = 1 + Math.floor(rand() * 40);
        const batch = stream.slice(next, next + size);
        next += batch.length;
        if (await post(port, batch)) acknowledged.push(...batch);
        else break;
      }
      clearTimeout(killer);
      child.kill("SIGKILL");
      await exited;
      // Commands sent but not acknowledged may or may not be in the journal; the next round finds out.
      next = acknowledged.length;
    }
    const records = journalRecords(store);
    console.log(
      `serve-crash: ${records.length} commands journaled over ${KILLS} kills; ${durableUnanswered} kills landed after a batch was durable but before its answer`,
    );
    expect(records.length).toBeGreaterThan(KILLS);
    expect(new Set(records).size).toBe(records.length); // every command in the stream is unique: none twice
    const replay = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "plimsoll"), "replay", "--store", `file:${store}`],
      {
        encoding: "utf8",
      },
    );
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ commands: records.length, stateHash: replayHash(records) });
  }, 120_000);
});

// `plimsoll run` end to end, through the real executable.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "plimsoll");
const CONFIG = join(ROOT, "examples", "quickstart", "config.json");
const COMMANDS = join(ROOT, "examples", "quickstart", "commands.jsonl");

function plimsoll(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("plimsoll run", () => {
  it("writes exactly the events the engine produces in-process (writer thread and ring included)", () => {
    // a few thousand mixed commands: deposits, transfers, withdrawals, rejections, queries
    const commands: string[] = [];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 6000; i++) {
      const ts = 1_670_889_600_000 + i;
      const a = `u${next(40)}`;
      const b = `u${next(40)}`;
      const amount = `${next(5000)}.${next(1_000_000)}`;
      const kind = next(10);
      if (kind < 4)
        commands.push(
          JSON.stringify({ type: "deposit", ts, account: a, asset: next(2) ? "USDC" : "BTC", amount }),
        );
      else if (kind < 7)
        commands.push(JSON.stringify({ type: "transfer", ts, from: a, to: b, asset: "USDC", amount }));
      else if (kind < 9)
        commands.push(JSON.stringify({ type: "withdraw", ts, account: a, asset: "USDC", amount }));
      else commands.push(JSON.stringify({ type: "query.account", ts, account: a }));
    }
    const input = `${commands.join("\n")}\n`;
    const r = plimsoll(["run", "--config", CONFIG], input);
    expect(r.status).toBe(0);
    const loaded = loadConfig(JSON.parse(readFileSync(CONFIG, "utf8")));
    if (!loaded.ok) throw new Error("config");
    const engine = new Engine(loaded.config, { assertInvariants: true });
    const events: EngineEvent[] = [];
    commands.forEach((line, i) => {
      engine.applyInto(JSON.parse(line), i + 1, events);
    });
    engine.end(events);
    expect(events.filter((e) => e.type === "rejected").length).toBeGreaterThan(100);
    expect(r.stdout).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
  });

  it("turns the quickstart commands into the contract's events, ending with the state hash", () => {
    const r = plimsoll(["run", "--config", CONFIG, "--input", COMMANDS]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const events = lines(r.stdout);
    expect(events.map((e) => e["seq"])).toEqual(events.map((_, i) => i + 1));
    const end = events.at(-1) as Record<string, unknown>;
    expect(end).toMatchObject({ type: "end", commands: 36, rejected: 9, cause: 36 });
    expect(end["stateHash"]).toMatch(/^[0-9a-f]{64}$/);
    const rejected = events.filter((e) => e["type"] === "rejected").map((e) => [e["cause"], e["code"]]);
    expect(rejected).toEqual([
      [6, "insufficient_balance"],
      [7, "invalid"],
      [8, "invalid"],
      [9, "unknown_asset"],
      [10, "unknown_account"],
      [11, "ts_regression"],
      [12, "invalid"],
      [23, "invalid"], // a fill price off the tick grid
    ]);
    expect(events.find((e) => e["type"] === "account" && e["account"] === "bob")).toMatchObject({
      balances: { USDC: "10735.067891", BTC: "0.25" },
      equity: "10735.067891",
    });
    // After the fills and a fall to 16,500 (the mark 16,520.34: the last trade at 17,100 pulls its basis up, within
    // the 0.5 % band): alice (long 2 at 17,100, most of her USDC withdrawn) is bankrupt. There is no bid at her
    // bankruptcy price, so the insurance fund takes the position over there (above the mark: the fund bears her
    // negative equity), and she is left with what the tick rounding gave her.
    const decision = events.find((e) => e["type"] === "margin" && e["account"] === "alice");
    expect(decision).toMatchObject({ state: "bankrupt", equity: "-94.451822", maintenance: "133.360465" });
    expect(events.filter((e) => e["type"] === "liquidation")).toMatchObject([
      { account: "alice", qty: "2", price: "16717.3", via: "insurance", decision: decision?.["seq"] },
    ]);
    expect(events.find((e) => e["type"] === "insurance")).toMatchObject({
      reason: "takeover",
      account: "alice",
      qty: "2",
      price: "16717.3",
      decision: decision?.["seq"],
    });
    const alice = events.filter((e) => e["type"] === "account" && e["account"] === "alice").at(-1);
    expect(alice).toMatchObject({ equity: "0.032109", positions: [], state: "healthy" });
  });

  it("is deterministic: the same input gives byte-identical output, stdin or file, to stdout or file", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-run-"));
    const a = plimsoll(["run", "--config", CONFIG, "--input", COMMANDS]);
    const b = plimsoll(["run", "--config", CONFIG], readFileSync(COMMANDS, "utf8"));
    const out = join(dir, "events.jsonl");
    const c = plimsoll(["run", "--config", CONFIG, "--input", COMMANDS, "--output", out]);
    expect(c.status).toBe(0);
    expect(c.stdout).toBe("");
    expect(b.stdout).toBe(a.stdout);
    expect(readFileSync(out, "utf8")).toBe(a.stdout);
  });

  it("stops at a line that is not JSON with exit code 2 and its line number, keeping earlier events", () => {
    const input = [
      '{"type":"deposit","ts":1,"account":"a","asset":"USDC","amount":"5"}',
      "",
      '{"type":"deposit","ts":2,"account":"a","asset":"USDC","amount":"5"',
      '{"type":"deposit","ts":3,"account":"a","asset":"USDC","amount":"5"}',
    ].join("\n");
    const r = plimsoll(["run", "--config", CONFIG], input);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^plimsoll run: line 3: not valid JSON \(/);
    expect(lines(r.stdout).map((e) => e["type"])).toEqual(["balance"]);
  });

  it("accepts CRLF line ends and a last line without a newline; blank lines still count for cause", () => {
    const r = plimsoll(
      ["run", "--config", CONFIG],
      '\r\n{"type":"deposit","ts":1,"account":"a","asset":"USDC","amount":"5"}\r\n\n{"type":"tick","ts":2}',
    );
    expect(r.status).toBe(0);
    const events = lines(r.stdout);
    expect(events[0]).toMatchObject({ type: "balance", cause: 2 });
    expect(events[1]).toMatchObject({ type: "end", cause: 4, commands: 2 });
  });

  it("streams: events for a line come out before the input ends", async () => {
    const child = spawn(process.execPath, [BIN, "run", "--config", CONFIG], { cwd: ROOT });
    let out = "";
    const first = new Promise<string>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out);
      });
    });
    child.stdin.write('{"type":"deposit","ts":1,"account":"a","asset":"USDC","amount":"5"}\n');
    const seen = await first; // stdin is still open here
    expect(JSON.parse(seen.split("\n")[0] as string)).toMatchObject({ seq: 1, type: "balance" });
    child.stdin.end();
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toContain('"type":"end"');
  });

  it("refuses a broken configuration with every problem named by its JSON path", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-cfg-"));
    const bad = JSON.parse(readFileSync(CONFIG, "utf8"));
    bad.assets[1].decimals = 40;
    bad.instruments[0].marginTiers[1].initial = "0.001";
    bad.instruments[1].tickSize = 0.5;
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify(bad));
    const r = plimsoll(["run", "--config", path], "");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("assets[1].decimals");
    expect(r.stderr).toContain("instruments[0].marginTiers[1]");
    expect(r.stderr).toContain("instruments[1].tickSize: expected a decimal string, got the number 0.5");
    expect(r.stderr).toContain(": 3 problems");
  });

  it("refuses unusable arguments with exit code 2", () => {
    expect(plimsoll(["run"]).status).toBe(2);
    expect(plimsoll(["run"]).stderr).toContain("--config FILE is required");
    expect(plimsoll(["run", "--config", CONFIG, "--bogus", "1"]).status).toBe(2);
    const missing = plimsoll(["run", "--config", CONFIG, "--input", "/nonexistent/x.jsonl"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--input /nonexistent/x.jsonl");
    expect(plimsoll(["run", "--config", "/nonexistent.json"]).stderr).toContain(
      "config /nonexistent.json: cannot be read",
    );
    expect(plimsoll(["frobnicate"]).status).toBe(2);
  });
});

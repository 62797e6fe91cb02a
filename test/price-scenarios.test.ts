// The price scenarios of examples/scenarios (see its README), end to end through the real executable: each
// failure mode of a feed gives exactly the index, mark and breaker events the price layer's rules call for, and
// a second run prints the same bytes.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "plimsoll");
const DIR = join(ROOT, "examples", "scenarios");
const CONFIG = join(DIR, "prices.config.json");
/** Every scenario starts here; times in the assertions are offsets from it (ms). */
const T = 1_700_000_000_000;

const NAMES = [
  "stale-venue",
  "silent-venue",
  "spiking-venue",
  "lagging-venue",
  "all-venues-down",
  "crash-move",
  "operator-halt",
] as const;
type Name = (typeof NAMES)[number];

type Command = Record<string, unknown> & { type: string; ts: number };
interface Header {
  seq: number;
  ts: number;
  type: string;
  cause: number;
}
interface Used {
  source: string;
  price: string;
  weight: string;
  raw?: string;
}
interface IndexEvent extends Header {
  type: "index";
  index: string;
  price: string;
  status: string;
  ageMs: number;
  sources: Used[];
  excluded: { source: string; reason: string }[];
}
interface MarkEvent extends Header {
  type: "mark";
  symbol: string;
  price: string;
  index: string;
  status: string;
  ageMs: number;
}
interface BreakerEvent extends Header {
  type: "breaker";
  scope: string;
  state: string;
  reason: string;
  value: string;
  threshold: string;
  action: string;
  note?: string;
}
interface RejectedEvent extends Header {
  type: "rejected";
  code: string;
  message: string;
  command: string | null;
}
interface AccountEvent extends Header {
  type: "account";
  equity: string;
  collateral: { asset: string; price: string | null; status: string; ageMs: number; value: string }[];
}
type Event = Header & Record<string, unknown>;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `plimsoll run` on one scenario file (spawned, not in-process: the real executable, writer thread included). */
function plimsoll(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", "--config", CONFIG, "--input", file], { cwd: ROOT });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({
        status,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

class Scenario {
  readonly commands: Command[];

  constructor(
    readonly name: Name,
    readonly first: Run,
    readonly second: Run,
  ) {
    this.commands = readFileSync(join(DIR, `${name}.jsonl`), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Command);
  }

  get events(): Event[] {
    return this.first.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Event);
  }

  /** The input line number (the events' `cause`) of the one command that matches. */
  line(match: Partial<Command>): number {
    const found: number[] = [];
    this.commands.forEach((c, i) => {
      if (Object.entries(match).every(([k, v]) => c[k] === v)) found.push(i + 1);
    });
    if (found.length !== 1)
      throw new Error(`${this.name}: ${found.length} commands match ${JSON.stringify(match)}`);
    return found[0] as number;
  }

  /** Events of one type (as parsed: the interfaces above describe them), optionally filtered. */
  of<E extends Header>(type: E["type"], where: (e: Event) => boolean = () => true): E[] {
    return this.events.filter((e) => e.type === type && where(e)) as unknown[] as E[];
  }

  index(id: string): IndexEvent[] {
    return this.of<IndexEvent>("index", (e) => e["index"] === id);
  }

  marks(symbol: string): MarkEvent[] {
    return this.of<MarkEvent>("mark", (e) => e["symbol"] === symbol);
  }

  breakers(): BreakerEvent[] {
    return this.of<BreakerEvent>("breaker");
  }

  rejected(): RejectedEvent[] {
    return this.of<RejectedEvent>("rejected");
  }

  accounts(): AccountEvent[] {
    return this.of<AccountEvent>("account");
  }
}

/** An index event in brief: time offset, price, status, age, sources used and excluded (with reasons). */
function brief(e: IndexEvent) {
  return {
    t: e.ts - T,
    price: e.price,
    status: e.status,
    ageMs: e.ageMs,
    used: e.sources.map((s) => s.source).join(","),
    excluded: e.excluded.map((x) => `${x.source}:${x.reason}`).join(","),
  };
}

function breakerBrief(e: BreakerEvent) {
  return {
    t: e.ts - T,
    scope: e.scope,
    state: e.state,
    reason: e.reason,
    value: e.value,
    threshold: e.threshold,
    action: e.action,
  };
}

const scenarios = new Map<Name, Scenario>();
function scenario(name: Name): Scenario {
  const s = scenarios.get(name);
  if (s === undefined) throw new Error(`${name} did not run`);
  return s;
}

beforeAll(async () => {
  // Both runs of every scenario at once: each is a separate process, and the suite stays fast.
  const runs = await Promise.all(
    NAMES.flatMap((name) => [plimsoll(join(DIR, `${name}.jsonl`)), plimsoll(join(DIR, `${name}.jsonl`))]),
  );
  NAMES.forEach((name, i) => {
    scenarios.set(name, new Scenario(name, runs[2 * i] as Run, runs[2 * i + 1] as Run));
  });
});

describe("price scenarios: every file", () => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, "docs/schema/events.schema.json"), "utf8")),
  );

  it.each(NAMES)("%s: exits 0, gap-free seq, schema-valid events, ends with the state hash", (name) => {
    const s = scenario(name);
    expect(s.first.stderr).toBe("");
    expect(s.first.status).toBe(0);
    const events = s.events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1] as Event, events[i] as Event];
      expect(b.cause).toBeGreaterThanOrEqual(a.cause);
    }
    for (const e of events)
      expect(validate(e), `${JSON.stringify(e)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: "end",
      commands: s.commands.length,
      cause: s.commands.length,
    });
    // renormalised weights of the sources used sum to 1 (to their 6 published decimals)
    for (const e of s.of<IndexEvent>("index")) {
      if (e.sources.length === 0) continue; // unavailable: nothing used
      const sum = e.sources.reduce((acc, u) => acc + Number(u.weight), 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    }
  });

  it.each(NAMES)("%s: a second run prints byte-identical output", (name) => {
    const s = scenario(name);
    expect(s.second.status).toBe(0);
    expect(s.second.stdout.length).toBeGreaterThan(0);
    expect(s.second.stdout === s.first.stdout).toBe(true);
  });
});

describe("stale-venue: one venue stops, then a second", () => {
  it("drops d as stale exactly once its sourceTs is more than staleAfterMs old; the index continues on a, b, c", () => {
    const s = scenario("stale-venue");
    const lastD = Math.max(
      ...s.commands.filter((c) => c["source"] === "d" && c.ts < T + 20_000).map((c) => c.ts),
    );
    expect(lastD).toBe(T + 5000);
    const after = s.index("BTC-USD").filter((e) => e.ts > T);
    expect(after.map(brief)).toEqual([
      { t: 10_001, price: "20000", status: "ok", ageMs: 0, used: "a,b,c", excluded: "d:stale" },
      { t: 17_001, price: "20005", status: "degraded", ageMs: 0, used: "a,b", excluded: "c:stale,d:stale" },
      { t: 20_000, price: "20000", status: "ok", ageMs: 0, used: "a,b,c", excluded: "d:stale" },
      { t: 20_000, price: "20005", status: "ok", ageMs: 0, used: "a,b,c,d", excluded: "" },
    ]);
    // At T+10s (5000 ms after d's last sourceTs) d is still fresh; the tick one ms later excludes it.
    expect(after[0]?.cause).toBe(s.line({ type: "tick", ts: T + 10_001 }));
    expect(after[1]?.cause).toBe(s.line({ type: "tick", ts: T + 17_001 }));
    expect(after[2]?.cause).toBe(s.line({ ts: T + 20_000, source: "c" }));
    expect(after[3]?.cause).toBe(s.line({ ts: T + 20_000, source: "d" }));
    expect(s.marks("BTC-PERP").find((m) => m.ts === T + 17_001)).toMatchObject({
      price: "20005",
      status: "degraded",
    });
  });

  it("below minSources the degraded breaker trips, and clears 3 s after the venues return", () => {
    const s = scenario("stale-venue");
    expect(s.breakers().map(breakerBrief)).toEqual([
      {
        t: 17_001,
        scope: "BTC-USD",
        state: "tripped",
        reason: "degraded",
        value: "2",
        threshold: "3",
        action: "reduce_only",
      },
      {
        t: 23_000,
        scope: "BTC-USD",
        state: "cleared",
        reason: "degraded",
        value: "4",
        threshold: "3",
        action: "reduce_only",
      },
    ]);
    expect(s.breakers()[0]?.cause).toBe(s.line({ type: "tick", ts: T + 17_001 }));
    expect(s.rejected()).toEqual([]);
  });
});

describe("silent-venue: a venue that never reports", () => {
  it("is excluded as stale in every index event; degraded until three venues report, then ok", () => {
    const s = scenario("silent-venue");
    expect(s.commands.some((c) => c["source"] === "d")).toBe(false);
    const events = s.index("BTC-USD");
    expect(events.map(brief)).toEqual([
      { t: 0, price: "20000", status: "degraded", ageMs: 0, used: "a", excluded: "b:stale,c:stale,d:stale" },
      { t: 1000, price: "20005", status: "degraded", ageMs: 0, used: "a,b", excluded: "c:stale,d:stale" },
      { t: 2000, price: "20000", status: "ok", ageMs: 0, used: "a,b,c", excluded: "d:stale" },
    ]);
    for (const e of events) expect(e.excluded).toContainEqual({ source: "d", reason: "stale" });
    // Warming up (never ok before T+5s) trips no breaker: the mark is not ok, so new risk is refused anyway.
    expect(s.breakers().map(breakerBrief)).toEqual([]);
  });
});

describe("spiking-venue: one venue prints +7 % for three seconds", () => {
  it("cap mode (BTC-USD): the spike counts at the band's edge, with its raw price; the index barely moves", () => {
    const s = scenario("spiking-venue");
    const after = s.index("BTC-USD").filter((e) => e.ts > T);
    expect(after.map(brief)).toEqual([
      { t: 6000, price: "20101.275", status: "ok", ageMs: 0, used: "a,b,c,d", excluded: "" },
      { t: 9000, price: "20005", status: "ok", ageMs: 0, used: "a,b,c,d", excluded: "" },
    ]);
    const [spike, back] = after as [IndexEvent, IndexEvent];
    expect(spike.cause).toBe(s.line({ ts: T + 6000, index: "BTC-USD", source: "d" }));
    // median of 20000, 20010, 19990, 21421.4 is 20005; + 2 % = 20405.1
    expect(spike.sources).toEqual([
      { source: "a", price: "20000", weight: "0.25" },
      { source: "b", price: "20010", weight: "0.25" },
      { source: "c", price: "19990", weight: "0.25" },
      { source: "d", price: "20405.1", weight: "0.25", raw: "21421.4" },
    ]);
    expect(Math.abs(Number(spike.price) / 20_005 - 1)).toBeLessThan(0.005);
    for (const u of back.sources) expect(u).not.toHaveProperty("raw");
  });

  it("exclude mode (ETH-USD): the spike is left out as an outlier, the others renormalised, still ok", () => {
    const s = scenario("spiking-venue");
    const after = s.index("ETH-USD").filter((e) => e.ts > T);
    expect(after.map(brief)).toEqual([
      { t: 6000, price: "2000.42857143", status: "ok", ageMs: 0, used: "a,b", excluded: "c:outlier" },
      { t: 9000, price: "2000", status: "ok", ageMs: 0, used: "a,b,c", excluded: "" },
    ]);
    expect(after[0]?.sources).toEqual([
      { source: "a", price: "2000", weight: "0.571429" },
      { source: "b", price: "2001", weight: "0.428571" },
    ]);
    expect(after[0]?.cause).toBe(s.line({ ts: T + 6000, index: "ETH-USD", source: "c" }));
  });

  it("trips no breaker at all (warming up trips none either)", () => {
    const s = scenario("spiking-venue");
    expect(s.breakers().map(breakerBrief)).toEqual([]);
  });
});

describe("lagging-venue: a venue that keeps sending, late", () => {
  it("is excluded as stale by its own on-time message once ts − sourceTs passes staleAfterMs, and back when it catches up", () => {
    const s = scenario("lagging-venue");
    const d = s.commands.filter((c) => c["source"] === "d");
    expect(d.map((c) => c.ts - T)).toEqual(Array.from({ length: 19 }, (_, k) => k * 1000)); // never silent
    const lag = (k: number) => {
      const c = d[k] as Command;
      return c.ts - (c["sourceTs"] as number);
    };
    expect([lag(10), lag(11), lag(14), lag(15)]).toEqual([4900, 5600, 7700, 0]);
    const after = s.index("BTC-USD").filter((e) => e.ts > T);
    expect(after.map(brief)).toEqual([
      { t: 11_000, price: "20000", status: "ok", ageMs: 0, used: "a,b,c", excluded: "d:stale" },
      { t: 15_000, price: "20005", status: "ok", ageMs: 0, used: "a,b,c,d", excluded: "" },
    ]);
    expect(after[0]?.cause).toBe(s.line({ ts: T + 11_000, source: "d" }));
    expect(after[1]?.cause).toBe(s.line({ ts: T + 15_000, source: "d" }));
    expect(s.rejected()).toEqual([]);
    expect(s.breakers().map(breakerBrief)).toEqual([]);
  });
});

describe("all-venues-down: every venue stops", () => {
  it("goes unavailable carrying the last good price, with its age; the degraded breaker trips", () => {
    const s = scenario("all-venues-down");
    const tick = s.line({ type: "tick", ts: T + 11_000 });
    const down = s.index("BTC-USD").filter((e) => e.status === "unavailable");
    expect(down).toHaveLength(1); // published once: the price and status do not change while it is down
    expect(down[0]).toMatchObject({
      ts: T + 11_000,
      cause: tick,
      price: "20005",
      status: "unavailable",
      ageMs: 1000,
      sources: [],
      excluded: ["a", "b", "c", "d"].map((source) => ({ source, reason: "stale" })),
    });
    expect(s.index("BTC-USD").filter((e) => e.ts > T + 11_000 && e.ts < T + 20_000)).toEqual([]);
    expect(s.marks("BTC-PERP").find((m) => m.ts === T + 11_000)).toMatchObject({
      price: "20005",
      status: "unavailable",
      ageMs: 1000,
    });
    const breakers = s.breakers().map(breakerBrief);
    expect(breakers).toEqual([
      {
        t: 11_000,
        scope: "BTC-USD",
        state: "tripped",
        reason: "degraded",
        value: "0",
        threshold: "3",
        action: "reduce_only",
      },
      {
        t: 23_000,
        scope: "BTC-USD",
        state: "cleared",
        reason: "degraded",
        value: "4",
        threshold: "3",
        action: "reduce_only",
      },
    ]);
  });

  it("values BTC collateral only while the price is ok; the carried price's ageMs grows while unavailable", () => {
    const s = scenario("all-venues-down");
    const btc = s.accounts().map((a) => {
      expect(a.collateral).toHaveLength(1);
      const line = a.collateral[0];
      return [a.ts - T, line?.asset, line?.price, line?.status, line?.ageMs, line?.value, a.equity];
    });
    expect(btc).toEqual([
      [5000, "BTC", "20005", "ok", 0, "9002.25", "9002.25"],
      [11_000, "BTC", "20005", "unavailable", 1000, "0", "0"],
      [15_000, "BTC", "20005", "unavailable", 5000, "0", "0"],
      [19_000, "BTC", "20005", "unavailable", 9000, "0", "0"],
      [23_000, "BTC", "20105", "ok", 0, "9047.25", "9047.25"],
    ]);
    // 0.5 BTC × 20005 × 0.9 and 0.5 × 20105 × 0.9
    expect([0.5 * 20_005 * 0.9, 0.5 * 20_105 * 0.9]).toEqual([9002.25, 9047.25]);
  });

  it("recovers: degraded with one and two venues, ok from the third, ageMs back to 0", () => {
    const s = scenario("all-venues-down");
    expect(
      s
        .index("BTC-USD")
        .filter((e) => e.ts >= T + 20_000)
        .map(brief),
    ).toEqual([
      {
        t: 20_000,
        price: "20100",
        status: "degraded",
        ageMs: 0,
        used: "a",
        excluded: "b:stale,c:stale,d:stale",
      },
      { t: 20_000, price: "20105", status: "degraded", ageMs: 0, used: "a,b", excluded: "c:stale,d:stale" },
      { t: 20_000, price: "20100", status: "ok", ageMs: 0, used: "a,b,c", excluded: "d:stale" },
      { t: 20_000, price: "20105", status: "ok", ageMs: 0, used: "a,b,c,d", excluded: "" },
    ]);
  });
});

describe("crash-move: every venue falls 8 % in eight seconds", () => {
  it("trips the move breakers (reduce_only on BTC-USD, halted on ETH-USD) and clears them after the window and the cool-down", () => {
    const s = scenario("crash-move");
    const trips = s.breakers().filter((b) => b.reason !== "degraded" || b.ts > T + 3000);
    const move = (t: number, scope: string, state: string, value: string, action: string) => ({
      t,
      scope,
      state,
      reason: "move",
      value,
      threshold: "0.05",
      action,
    });
    expect(trips.map(breakerBrief)).toEqual([
      move(10_000, "BTC-USD", "tripped", "0.05263158", "reduce_only"),
      move(10_000, "ETH-USD", "tripped", "0.05263158", "halted"),
      move(22_000, "BTC-USD", "cleared", "0.00815285", "reduce_only"),
      move(22_000, "ETH-USD", "cleared", "0.00652174", "halted"),
    ]);
    expect(trips[0]?.cause).toBe(s.line({ ts: T + 10_000, index: "BTC-USD", source: "d" }));
    expect(trips[1]?.cause).toBe(s.line({ ts: T + 10_000, index: "ETH-USD", source: "c" }));
    // the trip: 20005 / 19004.75 − 1 > 5 %, one index event before it was still 4.99 %
    const btc = s.index("BTC-USD");
    const atTrip = btc.filter((e) => e.ts === T + 10_000).map((e) => e.price);
    expect(atTrip).toEqual(["19154.8", "19104.775", "19054.8", "19004.75"]);
    expect(20_005 / 19_054.8 - 1).toBeLessThan(0.05);
    expect(20_005 / 19_004.75 - 1).toBeGreaterThan(0.05);
  });

  it("clears exactly windowMs + coolDownMs after the last index value more than 5 % above the low", () => {
    const s = scenario("crash-move");
    for (const [id, low] of [
      ["BTC-USD", "18404.6"],
      ["ETH-USD", "1840"],
    ] as const) {
      const events = s.index(id);
      expect(events.at(-1)?.price).toBe(low);
      const high = events.filter((e) => Number(e.price) / Number(low) - 1 > 0.05).at(-1) as IndexEvent;
      expect(high.ts).toBe(T + 9000);
      const cleared = s
        .breakers()
        .find((b) => b.scope === id && b.reason === "move" && b.state === "cleared");
      expect(cleared?.ts).toBe(high.ts + 10_000 + 3000);
    }
    expect(Number("18404.6") / 20_005 - 1).toBeCloseTo(-0.08, 10);
  });
});

describe("operator-halt: manual halts and refused commands", () => {
  it("a halted venue leaves its index at once (reason halted) and its prices move nothing until resumed", () => {
    const s = scenario("operator-halt");
    const halt = s.line({ type: "halt", scope: "BTC-USD/b" });
    const resume = s.line({ type: "resume", scope: "BTC-USD/b" });
    const caused = (line: number) => s.events.filter((e) => e.cause === line);
    expect(caused(halt).map((e) => e.type)).toEqual(["breaker", "index", "mark"]);
    expect(caused(halt)[0]).toMatchObject({
      ts: T + 5000,
      scope: "BTC-USD/b",
      state: "tripped",
      reason: "manual",
      action: "halted",
      note: "venue b prints off-market",
    });
    expect(brief(s.index("BTC-USD").find((e) => e.cause === halt) as IndexEvent)).toEqual({
      t: 5000,
      price: "20003.33333333",
      status: "ok",
      ageMs: 0,
      used: "a,c,d",
      excluded: "b:halted",
    });
    // b prints 25000 while halted: accepted, but no index event until the resume
    expect(s.commands[s.line({ ts: T + 6000, source: "b" }) - 1]?.["price"]).toBe("25000");
    const between = s.index("BTC-USD").filter((e) => e.cause > halt && e.cause < resume);
    expect(between).toEqual([]);
    expect(caused(resume).map((e) => e.type)).toEqual(["breaker", "index", "mark"]);
    expect(brief(s.index("BTC-USD").find((e) => e.cause === resume) as IndexEvent)).toEqual({
      t: 8000,
      price: "20005",
      status: "ok",
      ageMs: 0,
      used: "a,b,c,d",
      excluded: "",
    });
  });

  it("halts and resumes the instrument; every manual event names its scope and note", () => {
    const s = scenario("operator-halt");
    const manual = s.breakers().filter((b) => b.reason === "manual");
    expect(manual.map((b) => [b.ts - T, b.scope, b.state, b.action, b.note])).toEqual([
      [5000, "BTC-USD/b", "tripped", "halted", "venue b prints off-market"],
      [6500, "BTC-PERP", "tripped", "halted", "incident 42"],
      [8000, "BTC-PERP", "cleared", "halted", "incident 42 resolved"],
      [8000, "BTC-USD/b", "cleared", "halted", "venue b fixed"],
    ]);
    expect(manual.every((b) => b.value === "0" && b.threshold === "0")).toBe(true);
  });

  it("refuses unknown scopes, double halts, resumes of what is not halted, stale, future-dated and unknown prices", () => {
    const s = scenario("operator-halt");
    const rejected = s.rejected();
    expect(rejected.map((r) => [r.cause, r.code, r.command])).toEqual([
      [s.line({ type: "halt", scope: "BTC-USD/zz" }), "invalid", "halt"],
      [s.line({ type: "halt", scope: "DOGE-PERP" }), "invalid", "halt"],
      [s.line({ type: "halt", scope: "BTC-PERP", ts: T + 7000 }), "invalid", "halt"],
      [s.line({ type: "resume", scope: "ETH-PERP" }), "invalid", "resume"],
      [s.line({ type: "price", sourceTs: T + 5500 }), "stale_price", "price"],
      [s.line({ type: "price", sourceTs: T + 9001 }), "invalid", "price"],
      [s.line({ type: "price", source: "e" }), "unknown_source", "price"],
      [s.line({ type: "price", index: "SOL-USD" }), "unknown_index", "price"],
      [s.line({ type: "tick", ts: T + 6000 }), "ts_regression", "tick"],
    ]);
    const messages = rejected.map((r) => r.message);
    expect(messages[0]).toContain('"BTC-USD/zz"');
    expect(messages[2]).toContain("already halted");
    expect(messages[3]).toContain("not halted");
    expect(messages[4]).toContain("older than BTC-USD/a's last observation");
    expect(messages[5]).toContain("2001 ms ahead");
    // each refusal is its only event, and none moved the clock: the regressing tick is stamped with the last
    // accepted command's ts (the halt at T+6.5s), not with the refused commands' T+7s
    for (const r of rejected) expect(s.events.filter((e) => e.cause === r.cause)).toHaveLength(1);
    expect(rejected.at(-1)?.ts).toBe(T + 6500);
    expect(s.events.at(-1)).toMatchObject({ type: "end", commands: 45, rejected: 9 });
  });
});

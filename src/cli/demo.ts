// `npm start`: a real market day through the engine, summarised for a person. 2022-12-13 (US CPI at 13:30 UTC),
// four venues of the bundled QuantConnect/Lean sample data, plus a few accounts: BTC collateral valued at the index
// as the day goes, and two perpetual positions (one thinly margined) through funding and the margin states.
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "../engine/engine.js";
import type { AccountEvent, BreakerEvent, EngineEvent, IndexEvent } from "../engine/events.js";
import { leanFeedText } from "../lab/lean-feed.js";
import { serve } from "../service/serve.js";
import { SqliteReadModel } from "../service/sqlite-read-model.js";
import { storeConfig } from "../service/store.js";
import { readConfigFile } from "./config-file.js";

const CONFIG = fileURLToPath(new URL("../../examples/replay/lean-2022-12-13.config.json", import.meta.url));
const DAY = Date.UTC(2022, 11, 13);

type Extra = {
  ts: number;
  command: Record<string, unknown> | ((engine: Engine) => Record<string, unknown>[]);
};

/**
 * A few accounts: collateral before the open; at 00:30 a market maker quotes BTC-PERP around the mark, carol buys
 * 2 BTC at the market and dave sells 2 BTC (thinly margined) at the bid, and the maker withdraws what is left but
 * a ladder of offers 4.5–6 % higher — which the CPI spike makes dave's liquidation buy from;
 * account queries around the CPI release and at the close.
 */
function accountCommands(): Extra[] {
  const at = (h: number, m: number) => DAY + (h * 60 + m) * 60_000 + 999;
  const t = at(0, 30);
  const quotes = (engine: Engine) => {
    const mark = engine.prices.markPrice("BTC-PERP", t)?.value ?? Number.NaN;
    const price = (x: number) => (Math.round(x * 10) / 10).toFixed(1);
    const order = (account: string, id: string, side: string, qty: string, p?: string, tif?: string) => ({
      type: "order",
      ts: t,
      account,
      id,
      symbol: "BTC-PERP",
      side,
      qty,
      ...(p === undefined ? {} : { price: p }),
      ...(tif === undefined ? {} : { tif }),
    });
    return [
      order("mm", "ask", "sell", "3", price(mark * 1.0005)),
      order("mm", "bid", "buy", "3", price(mark * 0.9995)),
      order("carol", "long", "buy", "2"),
      // A limit IOC at the bid: a market order would reserve the fall to the band's edge (5 %) as its worst case.
      order("dave", "short", "sell", "2", price(mark * 0.9995), "IOC"),
      { type: "cancel", ts: t, account: "mm", id: "ask" },
      { type: "cancel", ts: t, account: "mm", id: "bid" },
      // A ladder of offers far above the market, left all day: the book a liquidation can buy from.
      order("mm", "offer-1", "sell", "1", price(mark * 1.045)),
      order("mm", "offer-2", "sell", "1", price(mark * 1.05)),
      order("mm", "offer-3", "sell", "2", price(mark * 1.06)),
    ];
  };
  return [
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "alice", asset: "USDC", amount: "25000" } },
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "alice", asset: "BTC", amount: "1.5" } },
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "bob", asset: "BTC", amount: "0.25" } },
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "mm", asset: "USDC", amount: "1000000" } },
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "carol", asset: "USDC", amount: "5000" } },
    { ts: DAY, command: { type: "deposit", ts: DAY, account: "dave", asset: "USDC", amount: "1600" } },
    { ts: t, command: quotes },
    { ts: at(13, 29), command: { type: "query.account", ts: at(13, 29), account: "alice" } },
    { ts: at(13, 35), command: { type: "query.account", ts: at(13, 35), account: "alice" } },
    { ts: at(13, 35), command: { type: "query.account", ts: at(13, 35), account: "dave" } },
    { ts: at(23, 59), command: { type: "query.account", ts: at(23, 59), account: "alice" } },
    { ts: at(23, 59), command: { type: "query.account", ts: at(23, 59), account: "bob" } },
    { ts: at(23, 59), command: { type: "query.account", ts: at(23, 59), account: "carol" } },
    { ts: at(23, 59), command: { type: "query.account", ts: at(23, 59), account: "dave" } },
  ];
}

function replay(config: MarketConfig): {
  engine: Engine;
  events: EngineEvent[];
  ms: number;
  lines: number;
  commands: Record<string, unknown>[];
} {
  const feed = leanFeedText().trim().split("\n");
  const extra = accountCommands();
  const engine = new Engine(config, { assertInvariants: true });
  const events: EngineEvent[] = [];
  const applied: Record<string, unknown>[] = [];
  const start = process.hrtime.bigint();
  let line = 0;
  const apply = (e: Extra) => {
    const commands = typeof e.command === "function" ? e.command(engine) : [e.command];
    for (const c of commands) {
      applied.push(c);
      engine.applyInto(c, ++line, events);
    }
  };
  for (const text of feed) {
    const command = JSON.parse(text) as { ts: number };
    while (extra.length > 0 && (extra[0] as Extra).ts <= command.ts) apply(extra.shift() as Extra);
    applied.push(command);
    engine.applyInto(command, ++line, events);
  }
  for (const e of extra) apply(e);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  engine.end(events);
  return { engine, events, ms, lines: line, commands: applied };
}

const hhmm = (ts: number) => new Date(ts).toISOString().slice(11, 16);
const pad = (text: string, n: number) => text.padEnd(n);

const VIA = {
  book: "through the book",
  insurance: "taken over by the insurance fund at the bankruptcy price (no order there)",
  adl: "by auto-deleveraging at the bankruptcy price",
} as const;

export async function runDemo(args: readonly string[]): Promise<number> {
  const config = readConfigFile(CONFIG);
  const { engine, events, ms, lines, commands } = replay(config);
  const index = events.filter((e): e is IndexEvent => e.type === "index");
  const out: string[] = [];
  out.push("Plimsoll — 2022-12-13, US CPI day: BTC-USD from four venues, replayed through the engine");
  out.push(
    "  data: QuantConnect/Lean sample data (Apache-2.0), 1-minute bars: Binance spot BTCBUSD and Bybit spot BTCUSDT",
  );
  out.push(
    "        trade closes, Binance COIN-M and Bybit linear perpetual quote mids (Bybit perp data ends at 12:00)",
  );
  out.push(
    `  ${lines.toLocaleString("en")} commands → ${engine.stats.events.toLocaleString("en")} events in ${ms.toFixed(0)} ms, ${engine.stats.rejected} rejected`,
  );
  out.push("");
  out.push("BTC-USD index by the hour (price, status, venues used / excluded):");
  for (let h = 0; h < 24; h += 2) {
    const e = index.filter((x) => x.ts < DAY + (h + 1) * 3_600_000).at(-1);
    if (e === undefined) continue;
    const excluded = e.excluded.map((x) => `${x.source} (${x.reason})`).join(", ");
    out.push(
      `  ${hhmm(e.ts)}  ${pad(e.price, 14)} ${pad(e.status, 9)} ${e.sources.length} used${excluded === "" ? "" : `; excluded: ${excluded}`}`,
    );
  }
  out.push("");
  out.push("Around the 13:30 CPI release, minute by minute (index and what each venue contributed):");
  for (const e of index.filter(
    (x) => x.ts >= DAY + 13 * 3_600_000 + 28 * 60_000 && x.ts < DAY + 13 * 3_600_000 + 36 * 60_000,
  )) {
    if (e.sources.length === 0) continue;
    const venues = e.sources
      .map((s) => `${s.source} ${s.price}${s.raw === undefined ? "" : ` (capped from ${s.raw})`}`)
      .join(", ");
    out.push(`  ${new Date(e.ts).toISOString().slice(11, 19)}  ${pad(e.price, 14)} ${venues}`);
  }
  out.push("");
  out.push("Circuit breakers:");
  const breakers = events.filter((e): e is BreakerEvent => e.type === "breaker");
  if (breakers.length === 0) out.push("  none tripped");
  for (const b of breakers)
    out.push(
      `  ${hhmm(b.ts)}  ${pad(b.scope, 10)} ${pad(b.state, 8)} ${pad(b.reason, 11)} value ${b.value} (threshold ${b.threshold}) → ${b.action}`,
    );
  out.push("");
  out.push("Venues at the close (latency = arrival − venue timestamp, EWMA; age of the last price):");
  const state = engine.prices.indices[0];
  if (state !== undefined) {
    const now = engine.lastTs;
    state.sourceIds.forEach((id, i) => {
      const latency = state.latency[i]?.value ?? Number.NaN;
      const age = now - (state.sourceTs[i] as number);
      out.push(
        `  ${pad(id, 20)} latency ${latency.toFixed(0).padStart(4)} ms, last price ${String(Math.round(age / 60_000)).padStart(4)} min old`,
      );
    });
  }
  out.push("");
  out.push(
    "Trades on BTC-PERP (the maker quoted ±0.05 % around the mark at 00:30, withdrew those quotes and left offers 4.5–6 % higher):",
  );
  for (const e of events)
    if (e.type === "trade")
      out.push(
        `  ${hhmm(e.ts)}  ${pad(e.buyer, 6)} buys from ${pad(e.seller, 6)} ${e.qty} at ${e.price}${e.liquidation ? "  (liquidation)" : ""}`,
      );
    else if (e.type === "liquidation")
      out.push(
        `  ${hhmm(e.ts)}  ${pad(e.account, 6)} liquidated ${e.qty} at ${e.price} ${VIA[e.via]}, fee ${e.fee} (decision #${e.decision})`,
      );
    else if (e.type === "insurance" && e.reason === "unwind")
      out.push(
        `  ${hhmm(e.ts)}  the insurance fund unwinds ${e.qty} through the book: ${e.delta} to the fund`,
      );
  for (const e of events)
    if (e.type === "order.rejected")
      out.push(`  ${hhmm(e.ts)}  ${pad(e.account, 6)} order refused: ${e.code} (${e.message})`);
  out.push("");
  out.push("Funding (8-hourly; only offers above the index after 00:30, so no premium: the interest rate):");
  for (const e of events)
    if (e.type === "funding") {
      const paid = events.filter((p) => p.type === "funding.payment" && p.cause === e.cause);
      out.push(
        `  ${hhmm(e.ts)}  rate ${pad(e.rate, 10)} mark ${pad(e.markPrice, 14)} ${paid.length} payments`,
      );
    }
  out.push("");
  out.push("Margin states (every transition, with the prices behind it):");
  const margins = events.filter((e) => e.type === "margin");
  if (margins.length === 0) out.push("  none");
  for (const e of margins.slice(0, 8))
    if (e.type === "margin")
      out.push(
        `  ${hhmm(e.ts)}  ${pad(e.account, 6)} ${pad(e.state, 12)} equity ${pad(e.equity, 12)} maintenance ${pad(e.maintenance, 10)} ${e.prices.map((p) => `${p.symbol} ${p.price} (${p.status}, ${p.ageMs} ms)`).join(", ")}`,
      );
  if (margins.length > 8)
    out.push(
      `  … ${margins.length - 8} more: what is left of dave's short sits near its thresholds through the afternoon`,
    );
  out.push("");
  out.push("Accounts (BTC collateral valued at the index × 0.95, only while the index is ok):");
  for (const e of events.filter((x): x is AccountEvent => x.type === "account")) {
    const btc = e.collateral.find((c) => c.asset === "BTC");
    const position = e.positions[0];
    const detail =
      position === undefined
        ? `(BTC ${btc?.balance ?? "0"} at ${btc?.price ?? "-"}, ${btc?.status ?? "-"})`
        : `(BTC-PERP ${position.qty} from ${position.entryPrice}, PnL ${position.unrealizedPnl}, liquidation at ${position.liquidationPrice ?? "-"}; ${e.state})`;
    out.push(`  ${hhmm(e.ts)}  ${pad(e.account, 6)} equity ${pad(e.equity, 14)} ${detail}`);
  }
  out.push("");
  out.push(`Ledger balanced ✓   state hash ${engine.stateHash()}`);
  out.push("Replay it yourself, event by event:");
  out.push(
    "  ./bin/plimsoll run --config examples/replay/lean-2022-12-13.config.json --input test/fixtures/lean-2022-12-13.commands.jsonl",
  );
  process.stdout.write(`${out.join("\n")}\n`);
  if (!args.includes("--serve")) return 0;
  return serveDemo(config, commands, engine.stateHash(), args.includes("--exit"));
}

/**
 * `npm start`: the same day through the service on a fresh embedded store (./plimsoll-data/demo), journal first,
 * over HTTP; its state hash checked against the in-process replay's; then it keeps serving for a person to explore
 * (until Ctrl-C, or at once with --exit).
 */
async function serveDemo(
  config: MarketConfig,
  commands: readonly Record<string, unknown>[],
  expected: string,
  exit: boolean,
): Promise<number> {
  const dir = resolve("plimsoll-data", "demo");
  rmSync(dir, { recursive: true, force: true }); // the demo's own store, rebuilt each run
  storeConfig(dir, readFileSync(CONFIG, "utf8"));
  const port = Number(process.env["PORT"] ?? "8080");
  const open = (p: number) =>
    serve({
      config,
      dir,
      port: p,
      host: "127.0.0.1",
      log: () => undefined,
      readModel: new SqliteReadModel(join(dir, "read-model.db")),
    });
  // 8080 taken on this machine: any free port will do for a demo.
  const service = await open(port).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    return open(0);
  });
  const base = `http://127.0.0.1:${service.port}`;
  const start = process.hrtime.bigint();
  for (let i = 0; i < commands.length; i += 1_000) {
    const body = commands
      .slice(i, i + 1_000)
      .map((c) => JSON.stringify(c))
      .join("\n");
    const r = await fetch(`${base}/v1/commands`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    if (r.status !== 200) throw new Error(`demo: the service answered ${r.status}: ${await r.text()}`);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const live = (await (await fetch(`${base}/v1/state/hash`)).json()) as { seq: number; stateHash: string };
  const same = live.stateHash === expected ? "= the in-process replay's ✓" : `≠ ${expected} ✗`;
  process.stdout.write(
    [
      "",
      `The same day through the service: ${commands.length.toLocaleString("en")} commands over HTTP, each journaled and synced before it was applied, in ${ms.toFixed(0)} ms`,
      `  state hash ${live.stateHash} ${same}`,
      `  store ${dir} (journal.log, read-model.db: SQL tables of accounts, positions, liquidations, …)`,
      `Serving on ${base} — try:`,
      `  curl -s ${base}/v1/accounts/dave`,
      `  curl -s '${base}/v1/events?after=${Math.max(0, service.engine.stats.events - 5)}'   # the last 5 events`,
      `  curl -s ${base}/metrics`,
      `  ./bin/plimsoll replay --store file:${dir}`,
      exit ? "" : "Ctrl-C to stop.",
    ].join("\n") + "\n",
  );
  if (live.stateHash !== expected) {
    await service.close();
    return 1;
  }
  if (!exit)
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
  await service.close();
  return 0;
}

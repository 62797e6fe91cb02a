// Deterministic benchmark workloads: a seeded generator, so every run measures the same commands.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** mulberry32: a small seeded PRNG (benchmarks only; the engine never draws random numbers). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const T0 = 1_670_889_600_000;

/**
 * `n` ledger commands over `accounts` accounts: each account is opened by a deposit, then a mix of
 * 50 % deposits and 50 % transfers (amounts with up to 6 decimals), timestamps advancing by 0-2 ms.
 */
export function* ledgerCommands(n, accounts = 10_000, seed = 42) {
  const rand = prng(seed);
  let ts = T0;
  for (let i = 0; i < n; i++) {
    ts += Math.floor(rand() * 3);
    const amount = `${Math.floor(rand() * 10_000)}.${Math.floor(rand() * 1_000_000)}`;
    if (i < accounts) {
      yield {
        type: "deposit",
        ts,
        account: `acct-${i}`,
        asset: "USDC",
        amount: `1000000${amount.slice(amount.indexOf("."))}`,
      };
    } else if (rand() < 0.5) {
      yield { type: "deposit", ts, account: `acct-${Math.floor(rand() * accounts)}`, asset: "USDC", amount };
    } else {
      const from = Math.floor(rand() * accounts);
      const to = (from + 1 + Math.floor(rand() * (accounts - 1))) % accounts;
      yield {
        type: "transfer",
        ts,
        from: `acct-${from}`,
        to: `acct-${to}`,
        asset: "USDC",
        amount: `${Math.floor(rand() * 100)}.${Math.floor(rand() * 100)}`,
      };
    }
  }
}

export function machine() {
  const cpu = cpus();
  return `${cpu[0]?.model ?? "unknown cpu"} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quickstartConfigJson() {
  return JSON.parse(readFileSync(new URL("../examples/quickstart/config.json", import.meta.url), "utf8"));
}

/**
 * The standard account of the margin benchmarks: 10 perpetuals over 5 underlyings (linear and inverse, tiered and
 * size-scaled), and an engine where `acct` holds one position in each with USDC, BTC and ETH collateral.
 */
export const UNDERLYINGS = ["BTC", "ETH", "SOL", "XRP", "DOGE"];
export const LEVEL = { BTC: 60000, ETH: 3000, SOL: 150, XRP: 0.6, DOGE: 0.15 };

export function tenPerpetualsMarket(loadConfig) {
  const tiers = [
    { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
    { upToNotional: "250000", initial: "0.02", maintenance: "0.005" },
    { upToNotional: "1000000", initial: "0.05", maintenance: "0.01" },
    { upToNotional: "10000000", initial: "0.1", maintenance: "0.025" },
  ];
  const instruments = [];
  for (const u of UNDERLYINGS) {
    const coin = u === "BTC" || u === "ETH";
    const common = { kind: "perpetual", index: `${u}-USD`, tickSize: "0.0001", mark: { method: "index" } };
    instruments.push({
      symbol: `${u}-PERP`,
      ...common,
      settlementAsset: "USDC",
      contractSize: "1",
      lotSize: "0.001",
      ...(coin
        ? { marginScaling: { initial: "0.02", maintenance: "0.01", perUnit: "0.00005" } }
        : { marginTiers: tiers }),
    });
    instruments.push({
      symbol: `${u}-USD-INV`,
      ...common,
      settlementAsset: coin ? u : "USDC",
      inverse: coin,
      contractSize: coin ? "10" : "1",
      lotSize: coin ? "1" : "0.001",
      marginTiers: tiers,
    });
  }
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
      { id: "ETH", decimals: 8, index: "ETH-USD", collateralWeight: "0.9" },
    ],
    indices: UNDERLYINGS.map((u) => ({
      id: `${u}-USD`,
      sources: [{ id: "x", weight: "1" }],
      minSources: 1,
      staleAfterMs: 3_600_000,
    })),
    instruments,
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return { config: loaded.config, instruments };
}

/** Prices at LEVEL, collateral for `acct` (`usdc` USDC, 2 BTC, 20 ETH) and a market maker, one fill per instrument. */
export function openTenPositions(engine, instruments, ts, usdc) {
  const ok = (c) => {
    const events = engine.apply({ ts, ...c });
    if (events.some((e) => e.type === "rejected")) throw new Error(JSON.stringify(events));
  };
  for (const u of UNDERLYINGS)
    ok({ type: "price", index: `${u}-USD`, source: "x", price: String(LEVEL[u]), sourceTs: ts });
  ok({ type: "deposit", account: "acct", asset: "USDC", amount: usdc });
  ok({ type: "deposit", account: "acct", asset: "BTC", amount: "2" });
  ok({ type: "deposit", account: "acct", asset: "ETH", amount: "20" });
  ok({ type: "deposit", account: "mm", asset: "USDC", amount: "9000000" });
  ok({ type: "deposit", account: "mm", asset: "BTC", amount: "100" });
  ok({ type: "deposit", account: "mm", asset: "ETH", amount: "1000" });
  instruments.forEach((instrument, i) => {
    const u = UNDERLYINGS[Math.floor(i / 2)];
    const long = i % 3 !== 0;
    ok({
      type: "fill",
      symbol: instrument.symbol,
      buyer: long ? "acct" : "mm",
      seller: long ? "mm" : "acct",
      qty: instrument.inverse ? String(100 + i) : (2000 / LEVEL[u]).toFixed(3),
      price: (LEVEL[u] * 0.99).toFixed(4),
    });
  });
}

/** `n` resting-order commands (the journal benches' batch: ~123 bytes each as JSON), from `t0`. */
export function orderCommands(n, t0) {
  return Array.from({ length: n }, (_, i) => ({
    type: "order",
    ts: t0 + i,
    account: `u${i % 97}`,
    id: `o${i}`,
    symbol: "BTC-PERP",
    side: i % 2 ? "buy" : "sell",
    qty: "0.01",
    price: String(20_000 + (i % 50)),
  }));
}

/** `indices` indices of `sources` venues each (outlier band 2 %, quorum 6), one perpetual on each: the price benches' market. */
export function pricesMarket(indices, sources) {
  return {
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: Array.from({ length: indices }, (_, i) => ({
      id: `IDX${i}`,
      sources: Array.from({ length: sources }, (_, s) => ({ id: `venue${s}`, weight: "0.1" })),
      staleAfterMs: 5_000,
      outlierBand: "0.02",
      minSources: 6,
    })),
    instruments: Array.from({ length: indices }, (_, i) => ({
      symbol: `PERP${i}`,
      kind: "perpetual",
      index: `IDX${i}`,
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.01",
      lotSize: "0.001",
      marginTiers: [{ upToNotional: "1000000", initial: "0.02", maintenance: "0.01" }],
    })),
  };
}

/**
 * The restart benches' engine: one perpetual, `accounts` accounts each with a deposit of 1,000 USDC, and `holders`
 * of them (in pairs) holding 0.1 BTC-PERP against each other. Returns it with its configuration and the number of
 * commands applied.
 */
export function accountsEngine(loadConfig, Engine, accounts, holders) {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [{ id: "BTC-USD", sources: [{ id: "a", weight: "1" }], minSources: 1, staleAfterMs: 3_600_000 }],
    instruments: [
      {
        symbol: "BTC-PERP",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "USDC",
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.001",
        mark: { method: "index" },
        marginTiers: [{ upToNotional: "100000000", initial: "0.05", maintenance: "0.025" }],
      },
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const config = loaded.config;
  const engine = new Engine(config);
  const t0 = 1_700_000_000_000;
  let cause = 0;
  const sink = [];
  const apply = (command) => {
    engine.applyInto(command, ++cause, sink);
    sink.length = 0;
  };
  apply({ type: "price", ts: t0, index: "BTC-USD", source: "a", price: "20000", sourceTs: t0 });
  for (let a = 0; a < accounts; a++)
    apply({ type: "deposit", ts: t0, account: `acct${a}`, asset: "USDC", amount: "1000" });
  for (let a = 0; a < holders; a += 2)
    apply({
      type: "fill",
      ts: t0,
      symbol: "BTC-PERP",
      buyer: `acct${a}`,
      seller: `acct${a + 1}`,
      qty: "0.1",
      price: "20000",
    });
  return { engine, config, cause };
}

/**
 * Counts, on a read model, the events the service has handed it and that are not yet written (the most at once in
 * `most`), without changing what it does.
 */
export function unwrittenEvents(model) {
  const counts = { unwritten: 0, most: 0 };
  const apply = model.apply.bind(model);
  model.apply = (events) => {
    counts.unwritten += events.length;
    counts.most = Math.max(counts.most, counts.unwritten);
    const written = apply(events);
    written.then(
      () => {
        counts.unwritten -= events.length;
      },
      () => undefined,
    );
    return written;
  };
  return counts;
}

/**
 * A NATS connection and a PostgreSQL client for a bench that needs both; where either is not reachable, a line says
 * so and the process ends (exit 0: the bench is skipped).
 */
export async function natsAndPostgres(name, servers, pgUrl) {
  const { connect } = await import("nats");
  const pg = (await import("pg")).default;
  const nc = await connect({ servers, timeout: 2_000, reconnect: false }).catch(() => null);
  const admin = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2_000 });
  const pgReachable = await admin.connect().then(
    () => true,
    () => false,
  );
  if (nc === null || !pgReachable) {
    console.log(`${name}  NATS at ${servers} or PostgreSQL at ${pgUrl} not reachable: skipped`);
    await nc?.close();
    process.exit(0);
  }
  return { nc, admin };
}

/** The service benches' market: USDC only, no index or instrument (deposits go through the whole service). */
export function cashMarket(loadConfig) {
  const loaded = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [],
    instruments: [],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

// Portfolio margin in the engine: an account in portfolio mode holding 10 options + 1 perpetual, its exact
// margin figures after a fill (AccountMargin.check: every position's exact figures, then the scenarios), the rows
// already priced at this moment (they are shared by every account read at the same prices and time).
import { loadConfig } from "../dist/config/load.js";
import { Engine } from "../dist/engine/engine.js";
import { median } from "./workload.mjs";

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;
const EXPIRY = T0 + 30 * DAY;
const strikes = [8_000, 8_500, 9_000, 9_500, 10_000, 10_500, 11_000, 11_500, 12_000, 12_500];
const loaded = loadConfig({
  quoteAsset: "USDC",
  assets: [{ id: "USDC", decimals: 6 }],
  indices: [{ id: "I", sources: [{ id: "x", weight: "1" }], minSources: 1, staleAfterMs: 600_000 }],
  instruments: [
    {
      symbol: "P",
      kind: "perpetual",
      index: "I",
      settlementAsset: "USDC",
      contractSize: "1",
      tickSize: "0.5",
      lotSize: "0.01",
      mark: { method: "index" },
      marginTiers: [{ upToNotional: "100000000", initial: "0.1", maintenance: "0.05" }],
    },
    ...strikes.map((k, i) => ({
      symbol: `O${i}`,
      kind: "option",
      index: "I",
      settlementAsset: "USDC",
      right: i % 2 === 0 ? "call" : "put",
      strike: String(k),
      expiry: EXPIRY,
      contractSize: "1",
      tickSize: "0.5",
      lotSize: "0.1",
    })),
  ],
});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const engine = new Engine(loaded.config);
engine.apply({ type: "price", ts: T0, index: "I", source: "x", price: "10000", sourceTs: T0 });
engine.apply({
  type: "smile",
  ts: T0,
  index: "I",
  expiry: EXPIRY,
  forward: "10000",
  quotes: [7_000, 8_000, 8_500, 9_000, 9_500, 10_000, 10_500, 11_000, 12_000, 13_000].map((k) => ({
    strike: String(k),
    iv: (0.6 + 0.3 * Math.log(k / 10_000) ** 2).toFixed(4),
  })),
});
for (const a of ["u", "mm"])
  engine.apply({ type: "deposit", ts: T0, account: a, asset: "USDC", amount: "1000000" });
engine.apply({ type: "margin.mode", ts: T0, account: "u", mode: "portfolio" });
for (let i = 0; i < strikes.length; i++) {
  const [buyer, seller] = i % 3 ? ["u", "mm"] : ["mm", "u"];
  engine.apply({ type: "fill", ts: T0, symbol: `O${i}`, buyer, seller, qty: "1", price: "300" });
}
engine.apply({ type: "fill", ts: T0, symbol: "P", buyer: "u", seller: "mm", qty: "0.5", price: "10000" });
const u = engine.ledger.account("u");
const inEngine = [];
for (let i = 0; i < 20_000; i++) {
  const start = process.hrtime.bigint();
  const f = engine.margin.check(u, T0);
  inEngine.push(Number(process.hrtime.bigint() - start) / 1e3);
  if (f.portfolio === null) throw new Error("not in portfolio mode");
}
console.log(
  `portfolio margin in the engine: one account's exact figures after a fill (10 options + 1 perpetual, rows priced): median ${median(inEngine.slice(5_000)).toFixed(2)} µs (target 5 µs)`,
);

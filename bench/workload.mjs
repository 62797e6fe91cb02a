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

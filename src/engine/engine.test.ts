import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { Engine } from "./engine.js";
import type { EngineEvent } from "./events.js";

function market(): MarketConfig {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
    ],
    indices: [{ id: "BTC-USD", sources: [{ id: "a", weight: "1" }] }],
    instruments: [],
    insuranceFund: { asset: "USDC", initialBalance: "1000" },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const T0 = 1_670_889_600_000;

function deposit(ts: number, account: string, amount: string, asset = "USDC") {
  return { type: "deposit", ts, account, asset, amount };
}

/** Applies `command` and checks that a rejection changed nothing: same state hash, same clock. */
function rejectedWith(engine: Engine, command: unknown, code: string): string {
  const before = engine.stateHash();
  const ts = engine.lastTs;
  const events = engine.apply(command);
  expect(events).toHaveLength(1);
  const e = events[0] as EngineEvent;
  if (e.type !== "rejected") throw new Error(`expected a rejection, got ${JSON.stringify(e)}`);
  expect(e.code).toBe(code);
  expect(engine.stateHash()).toBe(before);
  expect(engine.lastTs).toBe(ts);
  return e.message;
}

describe("engine: ledger commands", () => {
  it("opens an account on its first deposit and reports balance events", () => {
    const engine = new Engine(market(), { assertInvariants: true });
    const events = engine.apply(deposit(T0, "alice", "100.5"));
    expect(events).toEqual([
      {
        seq: 1,
        ts: T0,
        type: "balance",
        cause: 1,
        account: "alice",
        asset: "USDC",
        delta: "100.5",
        balance: "100.5",
        reason: "deposit",
      },
    ]);
    expect(engine.ledger.balance(engine.ledger.account("alice"), 0)).toBe(100_500_000n);
  });

  it("moves both sides of a transfer in one step", () => {
    const engine = new Engine(market(), { assertInvariants: true });
    engine.apply(deposit(T0, "alice", "100"));
    engine.apply(deposit(T0, "bob", "1"));
    const events = engine.apply({
      type: "transfer",
      ts: T0 + 1,
      from: "alice",
      to: "bob",
      asset: "USDC",
      amount: "40",
    });
    expect(
      events.map((e) => (e.type === "balance" ? [e.account, e.delta, e.balance, e.counterparty] : e.type)),
    ).toEqual([
      ["alice", "-40", "60", "bob"],
      ["bob", "40", "41", "alice"],
    ]);
  });

  it("withdraws only what the balance covers", () => {
    const engine = new Engine(market(), { assertInvariants: true });
    engine.apply(deposit(T0, "alice", "100"));
    expect(
      rejectedWith(
        engine,
        { type: "withdraw", ts: T0, account: "alice", asset: "USDC", amount: "100.000001" },
        "insufficient_balance",
      ),
    ).toBe("withdraw.amount: 100.000001 USDC exceeds the balance of 100 USDC");
    const [e] = engine.apply({ type: "withdraw", ts: T0, account: "alice", asset: "USDC", amount: "100" });
    expect(e).toMatchObject({ type: "balance", delta: "-100", balance: "0", reason: "withdraw" });
  });

  it("answers query.account with an account event", () => {
    const engine = new Engine(market());
    engine.apply(deposit(T0, "alice", "250.25"));
    engine.apply(deposit(T0, "alice", "0.5", "BTC"));
    const [e] = engine.apply({ type: "query.account", ts: T0 + 5, account: "alice" });
    expect(e).toEqual({
      seq: 3,
      ts: T0 + 5,
      type: "account",
      cause: 3,
      account: "alice",
      balances: { USDC: "250.25", BTC: "0.5" },
      collateral: [
        {
          asset: "USDC",
          balance: "250.25",
          price: "1",
          status: "ok",
          ageMs: 0,
          weight: "1",
          factor: "1",
          value: "250.25",
        },
        {
          asset: "BTC",
          balance: "0.5",
          price: null,
          status: "unavailable",
          ageMs: 0,
          weight: "0.95",
          factor: "0",
          value: "0",
        },
      ],
      positions: [],
      equity: "250.25",
      initial: "0",
      maintenance: "0",
      state: "healthy",
      marginRatio: "0",
      collateralValue: "250.25",
      freeCollateral: "250.25",
      availableToWithdraw: { USDC: "250.25", BTC: "0.5" },
      prices: [{ symbol: "BTC-USD", price: null, ageMs: 0, status: "unavailable" }],
      marginMode: "standard",
      portfolio: null,
    });
  });

  it("funds the insurance account from the configuration and keeps system accounts out of user commands", () => {
    const engine = new Engine(market(), { assertInvariants: true });
    engine.apply(deposit(T0, "alice", "10"));
    const [e] = engine.apply({ type: "query.account", ts: T0, account: "sys:insurance" });
    expect(e).toMatchObject({ type: "account", balances: { USDC: "1000", BTC: "0" } });
    rejectedWith(engine, deposit(T0, "sys:insurance", "1"), "reserved_account");
    rejectedWith(engine, deposit(T0, "sys:new", "1"), "reserved_account");
    rejectedWith(
      engine,
      { type: "withdraw", ts: T0, account: "sys:fees", asset: "USDC", amount: "1" },
      "reserved_account",
    );
    rejectedWith(
      engine,
      { type: "transfer", ts: T0, from: "alice", to: "sys:insurance", asset: "USDC", amount: "1" },
      "reserved_account",
    );
  });
});

describe("engine: rejections change nothing", () => {
  const engine = new Engine(market(), { assertInvariants: true });
  engine.apply(deposit(T0, "alice", "100"));
  engine.apply(deposit(T0 + 10, "bob", "5"));

  const cases: [string, unknown, string, string][] = [
    ["not an object", 42, "invalid", "command: expected a JSON object, got 42"],
    ["an array", [1], "invalid", "command: expected a JSON object"],
    ["no type", { ts: T0 + 10 }, "invalid", "type: missing"],
    ["unknown type", { type: "mint", ts: T0 + 10 }, "invalid", 'type: "mint" is not a command type'],
    ["no ts", { type: "tick" }, "invalid", "tick.ts: missing"],
    ["fractional ts", { type: "tick", ts: 1.5 }, "invalid", "tick.ts: 1.5 is not a timestamp"],
    [
      "ts going back",
      { type: "tick", ts: T0 },
      "ts_regression",
      `tick.ts: ${T0} is earlier than the last accepted command's ts ${T0 + 10}`,
    ],
    [
      "unknown field",
      { ...deposit(T0 + 10, "alice", "1"), amout: "1" },
      "invalid",
      "deposit.amout: unknown field",
    ],
    [
      "float amount",
      { ...deposit(T0 + 10, "alice", "1"), amount: 1 },
      "invalid",
      "deposit.amount: expected a decimal string, got the number 1",
    ],
    ["exponent", deposit(T0 + 10, "alice", "1e3"), "invalid", 'deposit.amount: "1e3" is not a plain decimal'],
    [
      "too many decimals",
      deposit(T0 + 10, "alice", "0.0000001"),
      "invalid",
      'deposit.amount: "0.0000001" has more than 6 decimal places',
    ],
    [
      "zero amount",
      deposit(T0 + 10, "alice", "0"),
      "invalid",
      'deposit.amount: "0" must be greater than zero',
    ],
    [
      "negative amount",
      deposit(T0 + 10, "alice", "-5"),
      "invalid",
      'deposit.amount: "-5" must be greater than zero',
    ],
    [
      "bad account id",
      deposit(T0 + 10, "al ice", "1"),
      "invalid",
      'deposit.account: "al ice" is not an identifier',
    ],
    [
      "unknown asset",
      deposit(T0 + 10, "alice", "1", "ETH"),
      "unknown_asset",
      'deposit.asset: "ETH" is not an asset of this market',
    ],
    [
      "overflow",
      deposit(T0 + 10, "alice", "9223372036854.775807"),
      "overflow",
      "deposit.amount: the USDC balance would exceed the 64-bit ledger limit",
    ],
    [
      "withdraw, no such account",
      { type: "withdraw", ts: T0 + 10, account: "zed", asset: "USDC", amount: "1" },
      "unknown_account",
      'withdraw.account: account "zed" has no deposits',
    ],
    [
      "transfer to nobody",
      { type: "transfer", ts: T0 + 10, from: "alice", to: "zed", asset: "USDC", amount: "1" },
      "unknown_account",
      'transfer.to: account "zed" has no deposits',
    ],
    [
      "transfer to self",
      { type: "transfer", ts: T0 + 10, from: "alice", to: "alice", asset: "USDC", amount: "1" },
      "invalid",
      "transfer.to",
    ],
    [
      "transfer too much",
      { type: "transfer", ts: T0 + 10, from: "bob", to: "alice", asset: "USDC", amount: "5.000001" },
      "insufficient_balance",
      "transfer.amount: 5.000001 USDC exceeds the balance of 5 USDC",
    ],
    [
      "query nobody",
      { type: "query.account", ts: T0 + 10, account: "zed" },
      "unknown_account",
      "query.account.account",
    ],
  ];
  for (const [name, command, code, message] of cases) {
    it(`${name} → ${code}, state hash unchanged`, () => {
      expect(rejectedWith(engine, command, code)).toContain(message);
    });
  }

  it("a rejected event names the command type and keeps the sequence gap-free", () => {
    const e = new Engine(market());
    e.apply(deposit(T0, "a", "1"));
    const [r] = e.apply({ type: "withdraw", ts: T0, account: "a", asset: "USDC", amount: "2" });
    expect(r).toMatchObject({ seq: 2, cause: 2, type: "rejected", command: "withdraw", ts: T0 });
    const [ok] = e.apply(deposit(T0, "a", "1"));
    expect(ok).toMatchObject({ seq: 3, cause: 3 });
  });
});

describe("engine: determinism and the ledger invariant under random commands", () => {
  const ACCOUNTS = ["a", "b", "c", "d", "e", "zz", "sys:fees"];
  const ASSETS = ["USDC", "BTC", "ETH"];
  const amountArb = fc.oneof(
    fc
      .bigInt({ min: 1n, max: 10n ** 12n })
      .map((n) => (Number(n % 7n) === 0 ? `${n}` : `${n / 1000n}.${n % 1000n}`)),
    fc.constantFrom("0", "-1", "1e3", "0.000000001", "9223372036854.775807", "abc"),
  );
  const commandArb = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant("deposit"),
        dt: fc.nat(5),
        account: fc.constantFrom(...ACCOUNTS),
        asset: fc.constantFrom(...ASSETS),
        amount: amountArb,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant("withdraw"),
        dt: fc.nat(5),
        account: fc.constantFrom(...ACCOUNTS),
        asset: fc.constantFrom(...ASSETS),
        amount: amountArb,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant("transfer"),
        dt: fc.nat(5),
        from: fc.constantFrom(...ACCOUNTS),
        to: fc.constantFrom(...ACCOUNTS),
        asset: fc.constantFrom(...ASSETS),
        amount: amountArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("tick"), dt: fc.integer({ min: -3, max: 5 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("query.account"),
        dt: fc.nat(5),
        account: fc.constantFrom(...ACCOUNTS),
      }),
    },
    { weight: 1, arbitrary: fc.anything() },
  );

  it("holds Σ balances = Σ deposits − Σ withdrawals after each of ≥ 10,000 commands; rejections change nothing; replays agree", () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 10_000, maxLength: 10_000 }), (script) => {
        const engine = new Engine(market(), { assertInvariants: true });
        const replica = new Engine(market());
        let ts = T0;
        const commands = script.map((raw) => {
          if (typeof raw !== "object" || raw === null || !("dt" in raw)) return raw;
          const { dt, ...rest } = raw as { dt: number };
          ts += dt;
          return { ...rest, ts };
        });
        let hash = engine.stateHash();
        for (const command of commands) {
          const events = engine.apply(command); // assertInvariants: throws if the ledger is out of balance
          replica.apply(command);
          const after = engine.stateHash();
          if (events.length === 1 && events[0]?.type === "rejected") expect(after).toBe(hash);
          hash = after;
        }
        expect(replica.stateHash()).toBe(hash);
      }),
      { numRuns: 2, seed: Number(process.env["FC_SEED"] ?? Date.now() % 2 ** 31) },
    );
  });
});

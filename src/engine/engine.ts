// The sequenced state machine: one command at a time, validated in full before anything changes, then applied.
// Pure and deterministic: time is each command's `ts`; there is no clock, randomness or I/O here.
import type { AssetConfig, MarketConfig } from "../config/types.js";
import { formatDecimal, mulFixed, parseDecimal } from "../kernel/decimal.js";
import { AssertionError, assert, type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { parseTimestamp } from "../kernel/time.js";
import { INSURANCE, Ledger, reserved } from "../ledger/ledger.js";
import { MAX_NOTE, MarketPrices } from "../prices/market-prices.js";
import type { PriceEventSink } from "../prices/price-events.js";
import { type PriceStatus, priceText } from "../prices/priced.js";
import { balanceEventObject } from "./balance-event.js";
import { type CommandType, commandSpec, isCommandType, unknownField } from "./commands.js";
import {
  type AccountEvent,
  BALANCE_REASONS,
  type CollateralLine,
  type EngineEvent,
  type EventSink,
} from "./events.js";
import { stateHash } from "./state-hash.js";

export interface EngineOptions {
  /** Assert the ledger invariant after every command (tests); it is always checked at the end of a run. */
  readonly assertInvariants?: boolean;
}

type Fields = Record<string, unknown>;
type MoneyCommand = "deposit" | "withdraw" | "transfer";
const DEPOSIT = BALANCE_REASONS.indexOf("deposit");
const WITHDRAW = BALANCE_REASONS.indexOf("withdraw");
const TRANSFER = BALANCE_REASONS.indexOf("transfer");
const AMOUNT_FIELD: Readonly<Record<MoneyCommand, string>> = {
  deposit: "deposit.amount",
  withdraw: "withdraw.amount",
  transfer: "transfer.amount",
};

export class Engine {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  private readonly quote: number;
  private readonly assertInvariants: boolean;
  /** Time of the last accepted command; commands may not go back before it. */
  private now = 0;
  // Output cursor: not engine state (a rejected command advances it), so outside the state hash.
  private eventSeq = 0;
  private lastCause = 0;
  private commandCount = 0;
  private rejectedCount = 0;
  // Scratch results of assetAndAmount, read right after the call.
  private argAsset = 0;
  private argAmount = 0n;

  readonly prices: MarketPrices;
  /** The sink of the command being applied, for the price layer's events. */
  private out: EventSink = { push: () => undefined };
  private readonly priceSink: PriceEventSink = {
    nextSeq: () => ++this.eventSeq,
    push: (event) => this.out.push(event),
    raw: () => this.out,
  };

  constructor(config: MarketConfig, options: EngineOptions = {}) {
    this.config = config;
    this.ledger = new Ledger(config.assets);
    this.prices = new MarketPrices(config);
    this.quote = this.ledger.asset(config.quoteAsset);
    assert(this.quote >= 0, "engine: the quote asset is not in the ledger");
    this.assertInvariants = options.assertInvariants ?? false;
    const fund = config.insuranceFund;
    if (fund.initialBalance > 0n)
      this.ledger.depositSystem(INSURANCE, this.ledger.asset(fund.asset), fund.initialBalance);
  }

  /** Applies one command and returns its events. */
  apply(command: unknown, cause?: number): EngineEvent[] {
    const out: EngineEvent[] = [];
    this.applyInto(command, cause ?? this.lastCause + 1, out);
    return out;
  }

  /** Applies one command, writing its events to `out`. `cause` is the command's seq (its input line). */
  applyInto(command: unknown, cause: number, out: EventSink): void {
    if (!(Number.isSafeInteger(cause) && cause > this.lastCause))
      throw new AssertionError(`engine: cause ${cause} after ${this.lastCause}`);
    this.lastCause = cause;
    this.commandCount++;
    this.out = out;
    const error = this.dispatch(command, cause, out);
    if (error !== null) this.reject(command, cause, error, out);
    else if (this.assertInvariants) this.ledger.assertBalanced();
  }

  /** SHA-256 of the canonical serialisation of the whole engine state. */
  stateHash(): string {
    return stateHash(this.now, this.ledger, this.prices);
  }

  /** The end event of a batch: it checks the ledger invariant and carries the state hash. */
  end(out: EventSink): string {
    this.ledger.assertBalanced();
    const stateHash = this.stateHash();
    out.push({
      seq: ++this.eventSeq,
      ts: this.now,
      type: "end",
      cause: this.lastCause,
      stateHash,
      commands: this.commandCount,
      rejected: this.rejectedCount,
    });
    return stateHash;
  }

  get lastTs(): number {
    return this.now;
  }

  get stats(): { readonly commands: number; readonly rejected: number; readonly events: number } {
    return { commands: this.commandCount, rejected: this.rejectedCount, events: this.eventSeq };
  }

  private reject(command: unknown, cause: number, error: DomainError, out: EventSink): void {
    this.rejectedCount++;
    const c = typeof command === "object" && command !== null ? (command as Fields) : null;
    const ts =
      c !== null && typeof c["ts"] === "number" && Number.isSafeInteger(c["ts"]) && c["ts"] >= this.now;
    out.push({
      seq: ++this.eventSeq,
      ts: ts ? (c["ts"] as number) : this.now,
      type: "rejected",
      cause,
      code: error.code,
      message: error.message,
      command: c !== null && isCommandType(c["type"]) ? c["type"] : null,
    });
  }

  /** Validates the envelope, then hands over to the command's own handler. Returns an error, or null. */
  private dispatch(command: unknown, cause: number, out: EventSink): DomainError | null {
    if (typeof command !== "object" || command === null || Array.isArray(command))
      return domainError("invalid", `command: expected a JSON object, got ${describeValue(command)}`);
    const c = command as Fields;
    const spec = commandSpec(c["type"]);
    if (spec === undefined) {
      if (c["type"] === undefined) return domainError("invalid", "type: missing (every command has a type)");
      return domainError("invalid", `type: ${describeValue(c["type"])} is not a command type`);
    }
    const type = spec.type;
    const ts = c["ts"];
    if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0)
      return parseTimestamp(ts, `${type}.ts`) as DomainError; // the field name is built only on this path
    if (ts < this.now)
      return domainError(
        "ts_regression",
        `${type}.ts: ${ts} is earlier than the last accepted command's ts ${this.now}`,
      );
    const extra = unknownField(spec, c);
    if (extra !== null)
      return domainError("invalid", `${type}.${extra}: unknown field for a ${type} command`);
    if (!spec.supported)
      return domainError(
        "unsupported",
        `type: "${type}" commands are not supported by this engine version yet`,
      );
    return this.handle(type, c, ts, cause, out);
  }

  private handle(
    type: CommandType,
    c: Fields,
    ts: number,
    cause: number,
    out: EventSink,
  ): DomainError | null {
    switch (type) {
      case "deposit":
        return this.deposit(c, ts, cause, out);
      case "withdraw":
        return this.withdraw(c, ts, cause, out);
      case "transfer":
        return this.transfer(c, ts, cause, out);
      case "tick":
        this.now = ts;
        this.prices.tick(ts, cause, this.priceSink);
        return null;
      case "price": {
        const invalid = this.prices.checkPrice(c, ts);
        if (invalid !== null) return invalid;
        this.now = ts;
        this.prices.applyPrice(ts, cause, this.priceSink);
        return null;
      }
      case "halt":
      case "resume":
        return this.haltOrResume(type, c, ts, cause);
      case "query.account":
        return this.queryAccount(c, ts, cause, out);
      default:
        return domainError(
          "unsupported",
          `type: "${type}" commands are not supported by this engine version yet`,
        );
    }
  }

  /** Parses `asset` and `amount` into `this.argAsset` / `this.argAmount` (no allocation on the hot path). */
  private assetAndAmount(c: Fields, type: MoneyCommand): DomainError | null {
    const assetId = c["asset"];
    const asset = typeof assetId === "string" ? this.ledger.asset(assetId) : -1;
    if (asset < 0) {
      const id = parseId(assetId, `${type}.asset`);
      if (typeof id !== "string") return id;
      return domainError("unknown_asset", `${type}.asset: "${id}" is not an asset of this market`);
    }
    const decimals = (this.ledger.assets[asset] as AssetConfig).decimals;
    const amount = parseDecimal(c["amount"], decimals, AMOUNT_FIELD[type], "positive");
    if (typeof amount !== "bigint") return amount;
    this.argAsset = asset;
    this.argAmount = amount;
    return null;
  }

  /** An existing account named by `field`, or an error naming the field. System accounts only if `readOnly`. */
  private existingAccount(c: Fields, type: string, field: string, readOnly = false): number | DomainError {
    const value = c[field];
    const account = typeof value === "string" ? this.ledger.account(value) : -1;
    if (account >= 0) {
      if (!readOnly && this.ledger.isSystem(account))
        return prefix(reserved(value as string), `${type}.${field}`, false);
      return account;
    }
    const id = parseId(value, `${type}.${field}`);
    if (typeof id !== "string") return id;
    return domainError("unknown_account", `${type}.${field}: account "${id}" has no deposits`);
  }

  private deposit(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const value = c["account"];
    const known = typeof value === "string" ? this.ledger.account(value) : -1;
    // A known account's id was validated when it was opened; only a new one needs the pattern check.
    const accountId = known >= 0 ? (value as string) : parseId(value, "deposit.account");
    if (typeof accountId !== "string") return accountId;
    const invalid = this.assetAndAmount(c, "deposit");
    if (invalid !== null) return invalid;
    const { argAsset: asset, argAmount: amount } = this;
    const refused = this.ledger.checkDeposit(known, accountId, asset, amount);
    if (refused !== null) return prefix(refused, "deposit");
    this.now = ts;
    const account = this.ledger.deposit(known, accountId, asset, amount);
    this.balanceEvent(ts, cause, account, asset, amount, DEPOSIT, -1, out);
    return null;
  }

  private withdraw(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.existingAccount(c, "withdraw", "account");
    if (typeof account !== "number") return account;
    const invalid = this.assetAndAmount(c, "withdraw");
    if (invalid !== null) return invalid;
    const { argAsset: asset, argAmount: amount } = this;
    const refused = this.ledger.checkWithdraw(account, asset, amount);
    if (refused !== null) return prefix(refused, "withdraw");
    this.now = ts;
    this.ledger.withdraw(account, asset, amount);
    this.balanceEvent(ts, cause, account, asset, -amount, WITHDRAW, -1, out);
    return null;
  }

  private transfer(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const from = this.existingAccount(c, "transfer", "from");
    if (typeof from !== "number") return from;
    // The receiver must exist too: value sent to a misspelt account would be stranded.
    const to = this.existingAccount(c, "transfer", "to");
    if (typeof to !== "number") return to;
    if (from === to)
      return domainError("invalid", `transfer.to: "${c["to"]}" is the same account as transfer.from`);
    const invalid = this.assetAndAmount(c, "transfer");
    if (invalid !== null) return invalid;
    const { argAsset: asset, argAmount: amount } = this;
    const refused = this.ledger.checkTransfer(from, to, asset, amount);
    if (refused !== null) return prefix(refused, "transfer");
    this.now = ts;
    this.ledger.transfer(from, to, asset, amount);
    this.balanceEvent(ts, cause, from, asset, -amount, TRANSFER, to, out);
    this.balanceEvent(ts, cause, to, asset, amount, TRANSFER, from, out);
    return null;
  }

  private haltOrResume(type: "halt" | "resume", c: Fields, ts: number, cause: number): DomainError | null {
    const scope = c["scope"];
    if (typeof scope !== "string" || scope.length === 0 || scope.length > 129)
      return domainError(
        "invalid",
        `${type}.scope: ${describeValue(scope)} is not a scope (a symbol, an index, or index/source)`,
      );
    if (this.prices.scopeKind(scope) === null)
      return domainError(
        "invalid",
        `${type}.scope: "${scope}" is not a symbol, index or index/source of this market`,
      );
    const note = c["reason"] ?? "";
    if (typeof note !== "string" || note.length > MAX_NOTE)
      return domainError("invalid", `${type}.reason: expected text of at most ${MAX_NOTE} characters`);
    const halted = this.prices.isHalted(scope);
    if (type === "halt" && halted) return domainError("invalid", `halt.scope: "${scope}" is already halted`);
    if (type === "resume" && !halted) return domainError("invalid", `resume.scope: "${scope}" is not halted`);
    this.now = ts;
    if (type === "halt") this.prices.halt(scope, note, ts, cause, this.priceSink);
    else this.prices.resume(scope, note, ts, cause, this.priceSink);
    return null;
  }

  private queryAccount(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.existingAccount(c, "query.account", "account", true);
    if (typeof account !== "number") return account;
    this.now = ts;
    out.push(this.accountView(account, ts, cause));
    return null;
  }

  private accountView(account: number, ts: number, cause: number): AccountEvent {
    const quote = this.config.assets[this.quote] as AssetConfig;
    const balances: Record<string, string> = {};
    const collateral: CollateralLine[] = [];
    let equity = 0n;
    this.config.assets.forEach((asset, i) => {
      const balance = this.ledger.balance(account, i);
      balances[asset.id] = formatDecimal(balance, asset.decimals);
      if (balance === 0n) return;
      const w = asset.collateralWeight;
      const line = this.collateralLine(asset, i === this.quote, balance, ts, quote.decimals);
      equity += line.raw;
      collateral.push({
        asset: asset.id,
        balance: balances[asset.id] as string,
        price: line.price,
        status: line.status,
        ageMs: line.ageMs,
        weight: formatDecimal(w.raw, w.scale),
        value: formatDecimal(line.raw, quote.decimals),
      });
    });
    return {
      seq: ++this.eventSeq,
      ts,
      type: "account",
      cause,
      account: this.ledger.accountId(account),
      balances,
      collateral,
      positions: [],
      equity: formatDecimal(equity, quote.decimals),
      initial: "0",
      maintenance: "0",
      state: "healthy",
    };
  }

  /** One balance change, raw to a sink that takes it so, else as a `balance` event object. */
  /**
   * One asset's collateral value in the quote asset, rounded down: balance × index price × weight. Only a price
   * whose status is ok counts (the margin issue adds the age-decay schedule); otherwise the asset counts 0.
   */
  private collateralLine(
    asset: AssetConfig,
    isQuote: boolean,
    balance: bigint,
    now: number,
    quoteDecimals: number,
  ): { raw: bigint; price: string | null; status: PriceStatus; ageMs: number } {
    const w = asset.collateralWeight;
    if (isQuote)
      return {
        raw: mulFixed(balance, asset.decimals, w.raw, w.scale, quoteDecimals, "floor"),
        price: "1",
        status: "ok",
        ageMs: 0,
      };
    const priced = asset.index === null ? null : this.prices.indexPrice(asset.index, now);
    if (priced === null || Number.isNaN(priced.value))
      return { raw: 0n, price: null, status: "unavailable", ageMs: 0 };
    const price = priceText(priced.value, 8);
    if (priced.status !== "ok") return { raw: 0n, price, status: priced.status, ageMs: priced.ageMs };
    // price × weight exactly (the price at its published 8 decimals), then × balance, floored once
    const p = parseDecimal(price, 8, "price");
    assert(typeof p === "bigint", "engine: a published price is not a plain decimal");
    const valueAtScale = mulFixed(balance * p, asset.decimals + 8, w.raw, w.scale, quoteDecimals, "floor");
    return { raw: valueAtScale, price, status: "ok", ageMs: priced.ageMs };
  }

  private balanceEvent(
    ts: number,
    cause: number,
    account: number,
    asset: number,
    delta: bigint,
    reason: number,
    counterparty: number,
    out: EventSink,
  ): void {
    const ledger = this.ledger;
    if (out.balance !== undefined) {
      out.balance(
        ++this.eventSeq,
        ts,
        cause,
        account,
        asset,
        delta,
        ledger.balance(account, asset),
        reason,
        counterparty,
      );
      return;
    }
    const balance = ledger.balance(account, asset);
    out.push(
      balanceEventObject(
        ++this.eventSeq,
        ts,
        cause,
        ledger,
        account,
        asset,
        delta,
        balance,
        reason,
        counterparty,
      ),
    );
  }
}

/** Ledger messages name the bare field; the engine names it within its command. */
function prefix(error: DomainError, type: string, keepField = true): DomainError {
  if (keepField) return domainError(error.code, `${type}.${error.message}`);
  return domainError(error.code, `${type}${error.message.slice(error.message.indexOf(":"))}`);
}

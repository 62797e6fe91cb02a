// The sequenced state machine: one command at a time, validated in full before anything changes, then applied.
// Pure and deterministic: time is each command's `ts`; there is no clock, randomness or I/O here.
import type { AssetConfig, MarketConfig } from "../config/types.js";
import { formatDecimal, parseDecimal } from "../kernel/decimal.js";
import { AssertionError, assert, type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { isId, parseId } from "../kernel/ids.js";
import { type Captured, materialize } from "../kernel/snapshot-lazy.js";
import { complete, type Steps } from "../kernel/steps.js";
import { parseTimestamp } from "../kernel/time.js";
import { wadToRaw } from "../kernel/wad.js";
import { INSURANCE, Ledger, type LedgerSnapshot, reserved, SYSTEM_ACCOUNTS } from "../ledger/ledger.js";
import { LIQUIDATING, STATE_NAMES } from "../liquidation/margin-state.js";
import { MarginWatch, type MarginWatchSnapshot } from "../liquidation/margin-watch.js";
import { AccountMargin } from "../margin/account-margin.js";
import { OptionMarks } from "../margin/option-marks.js";
import { Positions, type PositionsSnapshot } from "../margin/positions.js";
import { OrderBooks, type OrderBooksSnapshot } from "../orderbook/order-books.js";
import { MAX_NOTE, MarketPrices, type PricesSnapshot } from "../prices/market-prices.js";
import type { PriceEventSink } from "../prices/price-events.js";
import { parseSmileQuotes } from "../volatility/smile-quotes.js";
import { SurfaceBook, type SurfaceBookSnapshot } from "../volatility/surface-book.js";
import { accountEvent } from "./account-view.js";
import { balanceEventObject } from "./balance-event.js";
import { type CommandType, commandSpec, isCommandType, unknownField } from "./commands.js";
import { type AccountEvent, BALANCE_REASONS, type EngineEvent, type EventSink } from "./events.js";
import { Expiry, type ExpirySnapshot } from "./expiry.js";
import { Funding, type FundingSnapshot } from "./funding.js";
import { Liquidator } from "./liquidator.js";
import { stateHashSteps } from "./state-hash.js";
import { Trading } from "./trading.js";

export interface EngineOptions {
  /** Assert the ledger invariant after every command (tests); it is always checked at the end of a run. */
  readonly assertInvariants?: boolean;
  /** Tests only: decide every pre-trade check on the exact path, bypassing the float screen. */
  readonly exactChecks?: boolean;
  /** Tests only: re-evaluate every holder exactly on every price move instead of sweeping (the reference). */
  readonly exhaustiveMargin?: boolean;
  /** Tests only: a failure injected into expiry settlement after `n` accounts, to check all-or-nothing. */
  readonly settlementFault?: (settled: number) => void;
}

type Fields = Record<string, unknown>;
type MoneyCommand = "deposit" | "withdraw" | "transfer";
const DEPOSIT = BALANCE_REASONS.indexOf("deposit");
const WITHDRAW = BALANCE_REASONS.indexOf("withdraw");
const TRANSFER = BALANCE_REASONS.indexOf("transfer");
const _PNL = BALANCE_REASONS.indexOf("pnl");
const _FEE = BALANCE_REASONS.indexOf("fee");
const AMOUNT_FIELD: Readonly<Record<MoneyCommand, string>> = {
  deposit: "deposit.amount",
  withdraw: "withdraw.amount",
  transfer: "transfer.amount",
};

export const SNAPSHOT_FORMAT = "plimsoll-engine/1";

type LedgerCapture = ReturnType<Ledger["capture"]>;
type PositionsCapture = ReturnType<Positions["capture"]>;

/** The state at one command boundary, to be written while the engine goes on (see `Engine.capture`). */
export interface EngineCapture {
  /** Encodes (materialize, or JSON.stringify) to what `Engine.snapshot()` gave at the capture. */
  readonly snapshot: Captured<EngineSnapshot>;
  /** Runs to the state hash the engine had at the capture. */
  readonly stateHash: Steps<string>;
  /** Done with both: the copies' memory may serve the next capture. Neither may be used after. */
  readonly release: () => void;
}

/** Everything `Engine.snapshot` records. */
export interface EngineSnapshot {
  readonly format: string;
  readonly now: number;
  readonly eventSeq: number;
  readonly lastCause: number;
  readonly commandCount: number;
  readonly rejectedCount: number;
  readonly ledger: LedgerSnapshot;
  readonly positions: PositionsSnapshot;
  readonly books: OrderBooksSnapshot;
  readonly prices: PricesSnapshot;
  readonly funding: FundingSnapshot;
  readonly expiry: ExpirySnapshot;
  readonly surfaces: SurfaceBookSnapshot;
  readonly watch: MarginWatchSnapshot;
}

/** The engine as a service's metrics see it (Engine.observe). */
export interface EngineObservation {
  readonly commands: number;
  readonly rejected: number;
  readonly events: number;
  readonly indices: readonly { readonly id: string; readonly status: "ok" | "degraded" | "unavailable" }[];
  readonly instruments: readonly {
    readonly symbol: string;
    readonly mode: "normal" | "reduce_only" | "halted";
  }[];
  readonly insuranceFund: { readonly asset: string; readonly balance: number };
  readonly accounts: readonly { readonly state: string; readonly count: number }[];
}

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
  readonly positions = new Positions();
  readonly margin: AccountMargin;
  readonly books: OrderBooks;
  private readonly trading: Trading;
  private readonly funding: Funding;
  private readonly expiry: Expiry;
  readonly watch: MarginWatch;
  /** Volatility surfaces by index, from `smile` commands. */
  readonly surfaces = new SurfaceBook();
  /** Option marks from the surfaces, read through `prices.markPrice` like every mark. */
  readonly optionMarks: OptionMarks;
  private readonly liquidator: Liquidator;
  private readonly instrumentNo: ReadonlyMap<string, number>;
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
    this.optionMarks = new OptionMarks(config, this.prices, this.surfaces);
    this.prices.setOptionMarks(this.optionMarks);
    this.quote = this.ledger.asset(config.quoteAsset);
    this.margin = new AccountMargin(config, this.ledger, this.positions, this.prices, this.optionMarks);
    this.instrumentNo = new Map(config.instruments.map((instrument, i) => [instrument.symbol, i]));
    this.books = new OrderBooks(config.instruments.length);
    this.funding = new Funding({
      config,
      ledger: this.ledger,
      positions: this.positions,
      books: this.books,
      prices: this.prices,
      nextSeq: () => ++this.eventSeq,
      touch: (account) => this.watch.touch(account),
    });
    this.watch = new MarginWatch({
      config,
      ledger: this.ledger,
      positions: this.positions,
      margin: this.margin,
      prices: this.prices,
      nextSeq: () => ++this.eventSeq,
    });
    this.expiry = new Expiry({
      config,
      ledger: this.ledger,
      positions: this.positions,
      prices: this.prices,
      nextSeq: () => ++this.eventSeq,
      touch: (account) => this.watch.touch(account),
      cancelAll: (instrument, reason, ts, cause, out) =>
        this.trading.cancelAll(instrument, reason, ts, cause, out),
      balanceEvent: (ts, cause, account, asset, delta, reason, counterparty, out) =>
        this.balanceEvent(ts, cause, account, asset, delta, reason, counterparty, out),
      ...(options.settlementFault ? { settlementFault: options.settlementFault } : {}),
    });
    this.trading = new Trading({
      config,
      ledger: this.ledger,
      positions: this.positions,
      books: this.books,
      margin: this.margin,
      prices: this.prices,
      nextSeq: () => ++this.eventSeq,
      balanceEvent: (ts, cause, account, asset, delta, reason, counterparty, out) =>
        this.balanceEvent(ts, cause, account, asset, delta, reason, counterparty, out),
      existingAccount: (c, type, field) => this.existingAccount(c, type, field),
      instrument: (c, type) => this.instrument(c, type),
      accept: (ts) => {
        this.now = ts;
      },
      isExpired: (instrument) => this.expiry.isExpired(instrument),
      touch: (account) => this.watch.touch(account),
      reduceOnlyAccount: (account) =>
        this.watch.isFrozen(account) || this.watch.stateOf(account) >= LIQUIDATING,
      exactChecks: options.exactChecks ?? false,
    });
    this.liquidator = new Liquidator({
      config,
      ledger: this.ledger,
      positions: this.positions,
      margin: this.margin,
      prices: this.prices,
      watch: this.watch,
      trading: this.trading,
      balanceEvent: (ts, cause, account, asset, delta, reason, counterparty, out) =>
        this.balanceEvent(ts, cause, account, asset, delta, reason, counterparty, out),
      isExpired: (instrument) => this.expiry.isExpired(instrument),
      nextSeq: () => ++this.eventSeq,
    });
    this.watch.exhaustive = options.exhaustiveMargin ?? false;
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
    else {
      // Each called only with work to do: `now` (a double) passed to a call V8 does not inline is boxed, and
      // with neither inlined that was 16 bytes a command for nothing.
      if (this.watch.pending) this.watch.evaluate(this.now, cause, out);
      // Liquidations act on the states just decided; the accounts they touch are decided again after them.
      if (this.liquidator.due && this.liquidator.run(this.now, cause, out))
        this.watch.evaluate(this.now, cause, out);
      if (this.assertInvariants) this.ledger.assertBalanced();
    }
  }

  /**
   * The whole engine state as JSON-compatible values (src/kernel/snapshot-codec.ts), for a snapshot: restored with
   * `Engine.fromSnapshot` under the same configuration, the engine continues exactly as this one would (same events,
   * same state hash). Not for hot paths: it copies everything.
   */
  snapshot(): EngineSnapshot {
    const ledger = this.ledger.capture();
    const snapshot = materialize<EngineSnapshot>(this.captureSnapshot(ledger, this.positions.capture()));
    ledger.release();
    return snapshot;
  }

  /** The snapshot as it stands now, its per-account, per-position and per-order arrays encoded later. */
  private captureSnapshot(ledger: LedgerCapture, positions: PositionsCapture): Captured<EngineSnapshot> {
    return {
      format: SNAPSHOT_FORMAT,
      now: this.now,
      eventSeq: this.eventSeq,
      lastCause: this.lastCause,
      commandCount: this.commandCount,
      rejectedCount: this.rejectedCount,
      ledger: ledger.snapshot,
      positions: positions.snapshot,
      books: this.books.capture(),
      prices: this.prices.snapshot(),
      funding: this.funding.snapshot(),
      expiry: this.expiry.snapshot(),
      surfaces: this.surfaces.snapshot(),
      watch: this.watch.capture(),
    };
  }

  /** An engine in the state a snapshot recorded (same configuration): see `snapshot`. */
  static fromSnapshot(config: MarketConfig, s: EngineSnapshot, options: EngineOptions = {}): Engine {
    if (s.format !== SNAPSHOT_FORMAT)
      throw new RangeError(`snapshot: format ${String(s.format)}, this engine reads ${SNAPSHOT_FORMAT}`);
    const engine = new Engine(config, options);
    engine.ledger.restoreSnapshot(s.ledger);
    engine.positions.restoreSnapshot(s.positions);
    engine.books.restoreSnapshot(s.books);
    engine.prices.restore(s.prices);
    engine.funding.restoreSnapshot(s.funding);
    engine.expiry.restoreSnapshot(s.expiry);
    engine.surfaces.restoreSnapshot(s.surfaces);
    engine.now = s.now;
    engine.eventSeq = s.eventSeq;
    engine.lastCause = s.lastCause;
    engine.commandCount = s.commandCount;
    engine.rejectedCount = s.rejectedCount;
    // Last: the margin states, and the sweep's ranges from exact evaluations of the state just restored.
    engine.watch.restoreSnapshot(s.watch, s.now);
    return engine;
  }

  /** SHA-256 of the canonical serialisation of the whole engine state. */
  stateHash(): string {
    const ledger = this.ledger.capture();
    const hash = complete(this.hashSteps(ledger, this.positions.capture()));
    ledger.release();
    return hash;
  }

  /** The state hash as it stands now, computed in steps from copies while the engine goes on (`capture`, hash only). */
  captureStateHash(): { readonly stateHash: Steps<string>; readonly release: () => void } {
    const ledger = this.ledger.capture();
    return { stateHash: this.hashSteps(ledger, this.positions.capture()), release: ledger.release };
  }

  /**
   * The state as it stands now, for a snapshot written while the engine goes on: the snapshot with its large
   * arrays copied raw (encoded as it is written) and the steps of its state hash, which read only copies.
   */
  capture(): EngineCapture {
    const ledger = this.ledger.capture();
    const positions = this.positions.capture();
    return {
      snapshot: this.captureSnapshot(ledger, positions),
      stateHash: this.hashSteps(ledger, positions),
      release: ledger.release,
    };
  }

  /**
   * The state hash's steps: the ledger's and the positions' text computed from their copies, every other
   * module's lines read now (the books, the prices, the jobs: small next to them).
   */
  private hashSteps(ledger: LedgerCapture, positions: PositionsCapture): Steps<string> {
    const accountId = (a: number) => this.ledger.accountId(a);
    return stateHashSteps(this.now, [
      ledger.text,
      [...this.prices.canonicalLines()],
      positions.text(accountId),
      [...this.books.canonicalLines(accountId)],
      [
        ...this.funding.canonicalLines(),
        ...this.expiry.canonicalLines(),
        ...this.watch.canonicalLines(accountId),
        ...this.surfaces.canonicalLines(),
      ],
    ]);
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
    // An order whose account and id are known is answered in its own terms (CONTRACT.md `order.rejected`).
    if (
      c !== null &&
      c["type"] === "order" &&
      error.code !== "ts_regression" &&
      isId(c["account"]) &&
      isId(c["id"])
    ) {
      const known = this.ledger.account(c["account"] as string);
      if (known >= 0 && !this.ledger.isSystem(known)) {
        out.push({
          seq: ++this.eventSeq,
          ts: ts ? (c["ts"] as number) : this.now,
          type: "order.rejected",
          cause,
          account: c["account"] as string,
          id: c["id"] as string,
          code: error.code,
          message: error.message,
        });
        return;
      }
    }
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
        this.funding.advance(ts, cause, out);
        this.expiry.advance(ts, cause, out);
        this.watch.pricesMoved(ts);
        return null;
      case "price": {
        const invalid = this.prices.checkPrice(c, ts);
        if (invalid !== null) return invalid;
        this.now = ts;
        this.prices.applyPrice(ts, cause, this.priceSink);
        this.funding.advance(ts, cause, out);
        this.expiry.advance(ts, cause, out);
        this.watch.pricesMoved(ts);
        return null;
      }
      case "halt":
      case "resume":
        return this.haltOrResume(type, c, ts, cause);
      case "query.account":
        return this.queryAccount(c, ts, cause, out);
      case "fill":
        return this.trading.fill(c, ts, cause, out);
      case "order":
        return this.trading.order(c, ts, cause, out);
      case "cancel":
        return this.trading.cancel(c, ts, cause, out);
      case "position.mode":
        return this.trading.positionMode(c, ts, cause, out);
      case "margin.mode":
        return this.marginMode(c, ts, cause, out);
      case "smile":
        return this.smile(c, ts, cause, out);
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
    this.touchIfExposed(account);
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
    const short = this.initialMarginShortfall(account, asset, amount, ts, "withdraw");
    if (short !== null) return short;
    this.now = ts;
    this.ledger.withdraw(account, asset, amount);
    this.touchIfExposed(account);
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
    const short = this.initialMarginShortfall(from, asset, amount, ts, "transfer");
    if (short !== null) return short;
    this.now = ts;
    this.ledger.transfer(from, to, asset, amount);
    this.touchIfExposed(from);
    this.touchIfExposed(to);
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
    this.watch.pricesMoved(ts);
    return null;
  }

  /** A smile: its quotes checked, the expiry's SVI slice fitted and admitted or refused (CONTRACT.md `smile`). */
  private smile(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const index = c["index"];
    if (typeof index !== "string" || this.prices.scopeKind(index) !== "index")
      return domainError(
        typeof index === "string" ? "unknown_index" : "invalid",
        `smile.index: ${describeValue(index)} is not an index of this market`,
      );
    const quotes = parseSmileQuotes(c, ts);
    if ("code" in quotes) return quotes;
    this.now = ts;
    const wasTripped = this.optionMarks.indexTripped(index);
    const spot = this.prices.indexPrice(index, ts)?.value ?? Number.NaN;
    const outcome = this.surfaces.apply(index, quotes, ts, spot);
    out.push({
      seq: ++this.eventSeq,
      ts,
      type: "surface",
      cause,
      index,
      expiry: quotes.expiry,
      accepted: outcome.accepted,
      params: outcome.accepted ? outcome.params : null,
      rmse: outcome.accepted ? outcome.rmse : null,
      method: outcome.accepted ? outcome.method : null,
      code: outcome.accepted ? null : outcome.code,
      message: outcome.accepted ? null : outcome.message,
    });
    if (wasTripped !== this.optionMarks.indexTripped(index))
      out.push({
        seq: ++this.eventSeq,
        ts,
        type: "breaker",
        cause,
        scope: index,
        state: wasTripped ? "cleared" : "tripped",
        reason: "surface",
        value: String(this.surfaces.refusals(index)),
        threshold: String(this.config.volatility.tripAfterRefusals),
        action: "reduce_only",
      });
    // Option marks move with the surface; a tripped surface breaker changes what its options may do.
    this.prices.surfaceChanged();
    this.watch.pricesMoved(ts);
    return null;
  }

  /**
   * `margin.mode`: standard rules or portfolio scenarios for the account's cross positions. Refused while the
   * account is being liquidated or frozen (`reduce_only`), and when the new mode raises initial margin beyond its
   * equity (`insufficient_margin`); nothing changes then.
   */
  private marginMode(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.existingAccount(c, "margin.mode", "account");
    if (typeof account !== "number") return account;
    const mode = c["mode"];
    if (mode !== "standard" && mode !== "portfolio")
      return domainError(
        "invalid",
        `margin.mode.mode: ${describeValue(mode)} is not "standard" or "portfolio"`,
      );
    const portfolio = mode === "portfolio";
    const id = this.ledger.accountId(account);
    if (this.positions.portfolio(account) !== portfolio) {
      if (this.watch.isFrozen(account) || this.watch.stateOf(account) >= LIQUIDATING)
        return domainError(
          "reduce_only",
          `margin.mode.account: "${id}" is being liquidated or is frozen on a bad price; its margin mode cannot change now`,
        );
      const before = this.margin.check(account, ts);
      this.positions.setPortfolio(account, portfolio);
      const after = this.margin.check(account, ts);
      if (after.initialEquity < after.crossInitial && after.crossInitial > before.crossInitial) {
        this.positions.setPortfolio(account, !portfolio);
        const quote = this.config.assets[this.quote] as AssetConfig;
        const q = (wad: bigint) => formatDecimal(wadToRaw(wad, quote.decimals, "ceil"), quote.decimals);
        return domainError(
          "insufficient_margin",
          `margin.mode.mode: ${mode} margin needs ${q(after.crossInitial)} ${quote.id} of initial margin against ${q(after.initialEquity > 0n ? after.initialEquity : 0n)} ${quote.id} of equity`,
        );
      }
      this.watch.touch(account);
    }
    this.now = ts;
    out.push({ seq: ++this.eventSeq, ts, type: "margin.mode", cause, account: id, mode });
    return null;
  }

  private queryAccount(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.existingAccount(c, "query.account", "account", true);
    if (typeof account !== "number") return account;
    this.now = ts;
    out.push(this.accountView(account, ts, cause));
    return null;
  }

  /**
   * Withdraw and transfer rule (CONTRACT.md): value may leave an account with open positions only while what
   * remains covers its initial margin. Null when allowed; else `insufficient_margin` naming the shortfall.
   */
  private initialMarginShortfall(
    account: number,
    asset: number,
    amount: bigint,
    now: number,
    type: "withdraw" | "transfer",
  ): DomainError | null {
    if (!this.positions.hasOpenPosition(account)) return null;
    const after = this.margin.check(account, now, asset, -amount);
    if (after.initialEquity >= after.crossInitial) return null;
    const quote = this.config.assets[this.quote] as AssetConfig;
    const q = (wad: bigint) => formatDecimal(wadToRaw(wad, quote.decimals, "ceil"), quote.decimals);
    const before = this.margin.check(account, now);
    const assetConfig = this.config.assets[asset] as AssetConfig;
    return domainError(
      "insufficient_margin",
      `${type}.amount: ${formatDecimal(amount, assetConfig.decimals)} ${assetConfig.id} would leave the account ${q(after.crossInitial - after.initialEquity)} ${quote.id} short of its initial margin of ${q(after.crossInitial)} ${quote.id} (available to withdraw: ${formatDecimal(this.margin.availableToWithdraw(account, asset, before, now), assetConfig.decimals)} ${assetConfig.id})`,
    );
  }

  /**
   * An account's view as of the last command, read without a command (seq and cause 0): what a service answers to
   * a GET, which must not change the sequence. Null for an account the ledger has never seen.
   */
  readAccount(id: string): AccountEvent | null {
    const account = this.ledger.account(id);
    if (account < 0) return null;
    const figures = this.margin.figures(account, this.now);
    const available = this.config.assets.map((_, asset) =>
      this.margin.availableToWithdraw(account, asset, figures, this.now),
    );
    return accountEvent(
      { seq: 0, ts: this.now, cause: 0, state: STATE_NAMES[this.watch.stateOf(account)] },
      this.config,
      this.ledger,
      account,
      figures,
      available,
      (p) => this.liquidator.ranking.quantile(p.slot, Number(p.mark.price as bigint) / 1e18, this.now),
    );
  }

  /** What a service's metrics and health read, as of the last command: not for hot paths. */
  observe(): EngineObservation {
    const fund = this.ledger.asset(this.config.insuranceFund.asset);
    const byState = this.watch.countByState();
    const flagged = byState.reduce((a, b) => a + b, 0);
    // Every account the ledger knows but the system ones (the fund, clearing, fees).
    const users = this.ledger.accountCount - SYSTEM_ACCOUNTS;
    return {
      commands: this.commandCount,
      rejected: this.rejectedCount,
      events: this.eventSeq,
      indices: this.config.indices.map((i) => ({
        id: i.id,
        status: this.prices.indexPrice(i.id, this.now)?.status ?? "unavailable",
      })),
      instruments: this.config.instruments.map((i) => ({
        symbol: i.symbol,
        mode: this.expiry.isExpired(this.instrumentNo.get(i.symbol) as number)
          ? "halted"
          : this.prices.tradingMode(i.symbol),
      })),
      insuranceFund: {
        asset: this.config.insuranceFund.asset,
        balance:
          Number(this.ledger.balance(INSURANCE, fund)) /
          10 ** (this.config.assets[fund] as AssetConfig).decimals,
      },
      accounts: STATE_NAMES.map((state, k) => ({
        state,
        count: k === 0 ? users - flagged : (byState[k] as number),
      })),
    };
  }

  /** Time of the last accepted command. */
  get clock(): number {
    return this.now;
  }

  private accountView(account: number, ts: number, cause: number): EngineEvent {
    const figures = this.margin.figures(account, ts);
    const available = this.config.assets.map((_, asset) =>
      this.margin.availableToWithdraw(account, asset, figures, ts),
    );
    return accountEvent(
      { seq: ++this.eventSeq, ts, cause, state: STATE_NAMES[this.watch.stateOf(account)] },
      this.config,
      this.ledger,
      account,
      figures,
      available,
      (p) => this.liquidator.ranking.quantile(p.slot, Number(p.mark.price as bigint) / 1e18, ts),
    );
  }

  /** Queues an account's margin state for evaluation when a balance change can move it: it holds positions or
   * orders, or is not healthy. Pure ledger traffic stays off the margin path. */
  private touchIfExposed(account: number): void {
    if (
      this.positions.hasOpenPosition(account) ||
      this.watch.stateOf(account) !== 0 ||
      this.watch.isFrozen(account)
    )
      this.watch.touch(account);
  }

  /** The instrument named by `field`, or an error naming it. */
  private instrument(c: Fields, type: string): number | DomainError {
    const symbol = c["symbol"];
    const no = typeof symbol === "string" ? this.instrumentNo.get(symbol) : undefined;
    if (no !== undefined) return no;
    const id = parseId(symbol, `${type}.symbol`);
    if (typeof id !== "string") return id;
    return domainError("unknown_symbol", `${type}.symbol: "${id}" is not an instrument of this market`);
  }

  /**
   * The pre-trade margin check of an order, without placing it (what-if): null when it would pass. `price` is in
   * ticks of the instrument, `lots` in lots. Changes nothing.
   */
  preTradeCheck(
    account: string,
    symbol: string,
    side: "buy" | "sell",
    lots: number,
    priceTicks: number,
  ): DomainError | null {
    const a = this.ledger.account(account);
    const no = this.instrumentNo.get(symbol);
    if (a < 0 || no === undefined) return domainError("invalid", "preTradeCheck: unknown account or symbol");
    return this.trading.preTradeCheck(a, no, side === "buy" ? 0 : 1, lots, priceTicks, this.now);
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

// The sequenced state machine: one command at a time, validated in full before anything changes, then applied.
// Pure and deterministic: time is each command's `ts`; there is no clock, randomness or I/O here.
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal, parseDecimal, parseFixed } from "../kernel/decimal.js";
import { AssertionError, assert, type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { parseTimestamp } from "../kernel/time.js";
import { WAD, wadAbs, wadDiv, wadMul, wadOf, wadToRaw } from "../kernel/wad.js";
import { CLEARING, FEES, INSURANCE, Ledger, reserved } from "../ledger/ledger.js";
import { type AccountFigures, AccountMargin, unitOf } from "../margin/account-margin.js";
import { maxLeverage } from "../margin/margin-tiers.js";
import { MAX_POSITIONS_PER_ACCOUNT, Positions } from "../margin/positions.js";
import { inverseEntryPrice, linearEntryPrice } from "../margin/unrealized-pnl.js";
import { MAX_NOTE, MarketPrices } from "../prices/market-prices.js";
import type { PriceEventSink } from "../prices/price-events.js";
import { accountEvent } from "./account-view.js";
import { balanceEventObject } from "./balance-event.js";
import { type CommandType, commandSpec, isCommandType, unknownField } from "./commands.js";
import { BALANCE_REASONS, type EngineEvent, type EventSink } from "./events.js";
import { parseLots, parseTickPrice } from "./instrument-args.js";
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
const PNL = BALANCE_REASONS.indexOf("pnl");
const FEE = BALANCE_REASONS.indexOf("fee");
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
  readonly positions = new Positions();
  readonly margin: AccountMargin;
  private readonly instrumentNo: ReadonlyMap<string, number>;
  /** The sink of the command being applied, for the price layer's events. */
  private out: EventSink = { push: () => undefined };
  private readonly priceSink: PriceEventSink = {
    nextSeq: () => ++this.eventSeq,
    push: (event) => this.out.push(event),
  };

  constructor(config: MarketConfig, options: EngineOptions = {}) {
    this.config = config;
    this.ledger = new Ledger(config.assets);
    this.prices = new MarketPrices(config);
    this.quote = this.ledger.asset(config.quoteAsset);
    this.margin = new AccountMargin(config, this.ledger, this.positions, this.prices);
    this.instrumentNo = new Map(config.instruments.map((instrument, i) => [instrument.symbol, i]));
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
    return stateHash(this.now, this.ledger, this.prices, this.positions);
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
      case "fill":
        return this.fill(c, ts, cause, out);
      case "position.mode":
        return this.positionMode(c, ts, cause, out);
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
    const short = this.initialMarginShortfall(account, asset, amount, ts, "withdraw");
    if (short !== null) return short;
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
    const short = this.initialMarginShortfall(from, asset, amount, ts, "transfer");
    if (short !== null) return short;
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
    const after = this.margin.figures(account, now, asset, -amount);
    if (after.initialEquity >= after.crossInitial) return null;
    const quote = this.config.assets[this.quote] as AssetConfig;
    const q = (wad: bigint) => formatDecimal(wadToRaw(wad, quote.decimals, "ceil"), quote.decimals);
    const before = this.margin.figures(account, now);
    const assetConfig = this.config.assets[asset] as AssetConfig;
    return domainError(
      "insufficient_margin",
      `${type}.amount: ${formatDecimal(amount, assetConfig.decimals)} ${assetConfig.id} would leave the account ${q(after.crossInitial - after.initialEquity)} ${quote.id} short of its initial margin of ${q(after.crossInitial)} ${quote.id} (available to withdraw: ${formatDecimal(this.margin.availableToWithdraw(account, asset, before, now), assetConfig.decimals)} ${assetConfig.id})`,
    );
  }

  private accountView(account: number, ts: number, cause: number): EngineEvent {
    const figures = this.margin.figures(account, ts);
    const available = this.config.assets.map((_, asset) =>
      this.margin.availableToWithdraw(account, asset, figures, ts),
    );
    return accountEvent(
      { seq: ++this.eventSeq, ts, cause },
      this.config,
      this.ledger,
      account,
      figures,
      available,
    );
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
   * A trade matched outside the engine: applied to both positions at once, PnL realised against sys:clearing
   * and fees paid to sys:fees, all or nothing. It is a fact, not a request: it is not margin-checked (the
   * venue's matcher did that); the accounts' margin is what it is after it.
   */
  private fill(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const no = this.instrument(c, "fill");
    if (typeof no !== "number") return no;
    const instrument = this.config.instruments[no] as InstrumentConfig;
    if (instrument.kind === "option")
      return domainError(
        "unsupported",
        `fill.symbol: "${instrument.symbol}" is an option; options positions come with the options issue`,
      );
    const price = parseTickPrice(c["price"], instrument, "fill.price");
    if (typeof price !== "bigint") return price;
    const lots = parseLots(c["qty"], instrument, "fill.qty");
    if (typeof lots !== "number") return lots;
    const buyer = this.existingAccount(c, "fill", "buyer");
    if (typeof buyer !== "number") return buyer;
    const seller = this.existingAccount(c, "fill", "seller");
    if (typeof seller !== "number") return seller;
    if (buyer === seller)
      return domainError("invalid", `fill.seller: "${c["seller"]}" is the same account as fill.buyer`);
    const takerSide = c["takerSide"];
    if (takerSide !== undefined && takerSide !== "buy" && takerSide !== "sell")
      return domainError("invalid", `fill.takerSide: ${describeValue(takerSide)} is not "buy" or "sell"`);
    for (const [account, field, sign] of [
      [buyer, "buyer", 1],
      [seller, "seller", -1],
    ] as const) {
      if (!this.positions.canOpen(account, no))
        return domainError(
          "limit_exceeded",
          `fill.${field}: account "${this.ledger.accountId(account)}" already holds its maximum of ${MAX_POSITIONS_PER_ACCOUNT} instruments`,
        );
      const slot = this.positions.slot(account, no);
      const after = (slot < 0 ? 0 : this.positions.lots(slot)) + sign * lots;
      if (!Number.isSafeInteger(after) || Math.abs(after) > 2 ** 50)
        return domainError(
          "limit_exceeded",
          `fill.qty: the ${field}'s position would exceed the largest size`,
        );
    }
    this.now = ts;
    const qty = formatDecimal(BigInt(lots) * instrument.lotSize.raw, instrument.qtyScale);
    const priceText = formatDecimal(wadToRaw(price, instrument.priceScale, "down"), instrument.priceScale);
    out.push({
      seq: ++this.eventSeq,
      ts,
      type: "trade",
      cause,
      symbol: instrument.symbol,
      price: priceText,
      qty,
      buyer: this.ledger.accountId(buyer),
      seller: this.ledger.accountId(seller),
      buyOrder: null,
      sellOrder: null,
      liquidation: false,
    });
    this.applyFillSide(
      instrument,
      no,
      buyer,
      lots,
      price,
      takerSide === "buy",
      takerSide !== undefined,
      ts,
      cause,
      out,
    );
    this.applyFillSide(
      instrument,
      no,
      seller,
      -lots,
      price,
      takerSide === "sell",
      takerSide !== undefined,
      ts,
      cause,
      out,
    );
    return null;
  }

  /** One side of a fill: position, realised PnL against sys:clearing, fee to sys:fees; then its events. */
  private applyFillSide(
    instrument: InstrumentConfig,
    no: number,
    account: number,
    lots: number,
    price: bigint,
    taker: boolean,
    rebates: boolean,
    ts: number,
    cause: number,
    out: EventSink,
  ): void {
    const slot = this.positions.open(account, no);
    const unit = unitOf(instrument);
    const effect = this.positions.applyFill(slot, lots, price, unit, instrument.inverse);
    const asset = this.ledger.asset(instrument.settlementAsset);
    const decimals = (this.config.assets[asset] as AssetConfig).decimals;
    // Realised PnL is credited rounded down (a loss is charged rounded up); the residue stays in clearing.
    const pnl = wadToRaw(effect.realized, decimals, "floor");
    if (pnl !== 0n) {
      this.ledger.move(CLEARING, account, asset, pnl);
      this.balanceEvent(ts, cause, account, asset, pnl, PNL, CLEARING, out);
    }
    // Fee = notional × rate: charged rounded up, a maker rebate paid rounded down (and only when the taker pays).
    const exposure = wadAbs(BigInt(lots) * unit);
    const notional = instrument.inverse ? wadDiv(exposure, price, "ceil") : wadMul(exposure, price, "ceil");
    const rate = wadOf(taker ? instrument.fees.taker : instrument.fees.maker);
    let fee = 0n;
    if (rate > 0n) fee = wadToRaw(wadMul(notional, rate, "ceil"), decimals, "ceil");
    else if (rate < 0n && rebates) fee = -wadToRaw(wadMul(notional, -rate, "floor"), decimals, "floor");
    if (fee !== 0n) {
      this.ledger.move(account, FEES, asset, fee);
      this.balanceEvent(ts, cause, account, asset, -fee, FEE, FEES, out);
    }
    const after = this.positions.lots(slot);
    const entryValue = this.positions.entryValue(slot);
    const exposureAfter = BigInt(after) * unit;
    const entry =
      after === 0
        ? null
        : instrument.inverse
          ? inverseEntryPrice(exposureAfter, entryValue)
          : linearEntryPrice(exposureAfter, entryValue);
    out.push({
      seq: ++this.eventSeq,
      ts,
      type: "position",
      cause,
      account: this.ledger.accountId(account),
      symbol: instrument.symbol,
      qty: formatDecimal(BigInt(after) * instrument.lotSize.raw, instrument.qtyScale),
      entryPrice:
        entry === null
          ? null
          : formatDecimal(wadToRaw(entry, instrument.priceScale, "half-even"), instrument.priceScale),
      realizedPnl: formatDecimal(pnl, decimals),
      fee: formatDecimal(fee, decimals),
    });
  }

  /**
   * Isolated or cross margin for one instrument, and the leverage that sets its IM (CONTRACT.md
   * `position.mode`). The leverage is bounded by the instrument's first bracket (1 / IMR). Switching between
   * isolated and cross needs a flat position; a new leverage on an open position must still be covered.
   */
  private positionMode(c: Fields, ts: number, cause: number, out: EventSink): DomainError | null {
    const account = this.existingAccount(c, "position.mode", "account");
    if (typeof account !== "number") return account;
    const no = this.instrument(c, "position.mode");
    if (typeof no !== "number") return no;
    const instrument = this.config.instruments[no] as InstrumentConfig;
    if (instrument.margin === null)
      return domainError(
        "invalid",
        `position.mode.symbol: "${instrument.symbol}" is an option; its margin has no leverage`,
      );
    const isolated = c["isolated"];
    if (typeof isolated !== "boolean")
      return domainError(
        "invalid",
        `position.mode.isolated: ${describeValue(isolated)} is not true or false`,
      );
    let leverage = 0n;
    if (c["leverage"] !== undefined) {
      const parsed = parseFixed(c["leverage"], "position.mode.leverage", "positive");
      if (typeof parsed !== "object" || !("raw" in parsed)) return parsed as DomainError;
      leverage = wadOf(parsed);
      const max =
        instrument.margin.kind === "tiers"
          ? maxLeverage(instrument.margin.tiers[0] as (typeof instrument.margin.tiers)[number])
          : wadDiv(WAD, wadOf(instrument.margin.initial), "floor");
      if (leverage < WAD || leverage > max)
        return domainError(
          "invalid",
          `position.mode.leverage: ${describeValue(c["leverage"])} is outside 1 to the instrument's maximum of ${formatDecimal(wadToRaw(max, 4, "floor"), 4)}`,
        );
    }
    if (!this.positions.canOpen(account, no))
      return domainError(
        "limit_exceeded",
        `position.mode.symbol: the account already holds its maximum of ${MAX_POSITIONS_PER_ACCOUNT} instruments`,
      );
    const existing = this.positions.slot(account, no);
    const open = existing >= 0 && this.positions.lots(existing) !== 0;
    if (open && this.positions.isolated(existing) !== isolated)
      return domainError(
        "invalid",
        `position.mode.isolated: the ${instrument.symbol} position is open; close it before switching between isolated and cross`,
      );
    if (open) {
      // Check the new leverage by trying it, and put the old one back if it is not covered.
      const old = this.positions.leverage(existing);
      const before = this.margin.figures(account, ts);
      this.positions.setMode(existing, isolated, leverage);
      const after = this.margin.figures(account, ts);
      if (after.initialEquity < after.crossInitial && after.crossInitial > before.crossInitial) {
        this.positions.setMode(existing, isolated, old);
        return domainError(
          "insufficient_margin",
          `position.mode.leverage: ${describeValue(c["leverage"])} raises initial margin beyond the account's equity (short by ${this.quoteText(after.crossInitial - after.initialEquity)} ${this.config.quoteAsset})`,
        );
      }
    }
    this.now = ts;
    this.positions.setMode(this.positions.open(account, no), isolated, leverage);
    out.push({
      seq: ++this.eventSeq,
      ts,
      type: "position.mode",
      cause,
      account: this.ledger.accountId(account),
      symbol: instrument.symbol,
      isolated,
      leverage: leverage === 0n ? null : formatDecimal(wadToRaw(leverage, 18, "down"), 18),
    });
    return null;
  }

  private quoteText(wad: bigint): string {
    const decimals = (this.config.assets[this.quote] as AssetConfig).decimals;
    return formatDecimal(wadToRaw(wad, decimals, "ceil"), decimals);
  }

  /** Figures of an account now (tests, the service's account view). */
  accountFigures(account: string): AccountFigures | null {
    const no = this.ledger.account(account);
    return no < 0 ? null : this.margin.figures(no, this.now);
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

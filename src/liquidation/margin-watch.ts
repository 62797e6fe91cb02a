// The margin state machine of every account, re-evaluated when something it depends on changes, with a `margin`
// event on every transition carrying the figures and every price behind them. Never on a bad price: an account
// that would go to liquidating while a price it depends on is not ok (stale, degraded, unavailable, or its
// instrument's breaker tripped) is frozen to reduce-only instead, with the reason, and re-evaluated when the price
// recovers. (The liquidation steps themselves — partial liquidation, insurance, ADL — build on these states.)
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal } from "../kernel/decimal.js";
import { wadOf, wadToRaw } from "../kernel/wad.js";
import type { Ledger } from "../ledger/ledger.js";
import type { AccountFigures, AccountMargin } from "../margin/account-margin.js";
import type { Positions } from "../margin/positions.js";
import type { MarketPrices } from "../prices/market-prices.js";
import type { PriceStatus } from "../prices/priced.js";
import {
  HEALTHY,
  LIQUIDATING,
  MARGIN_CALL,
  type MarginState,
  nextMarginState,
  STATE_NAMES,
} from "./margin-state.js";

export interface MarginPriceLine {
  readonly symbol: string;
  readonly price: string | null;
  readonly ageMs: number;
  readonly status: PriceStatus;
}

/** A margin state transition (CONTRACT.md `margin`), with Plimsoll's `frozen` and `reason`. */
export interface MarginEvent {
  readonly seq: number;
  readonly ts: number;
  readonly type: "margin";
  readonly cause: number;
  readonly account: string;
  readonly state: (typeof STATE_NAMES)[number];
  readonly equity: string;
  readonly initial: string;
  readonly maintenance: string;
  readonly prices: readonly MarginPriceLine[];
  /** Reduce-only because a price the decision depends on is not trustworthy; no liquidation on it. */
  readonly frozen: boolean;
  readonly reason: string | null;
}

export interface MarginWatchHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly margin: AccountMargin;
  readonly prices: MarketPrices;
  nextSeq(): number;
}

export class MarginWatch {
  private readonly host: MarginWatchHost;
  private state = new Uint8Array(1024);
  private frozen = new Uint8Array(1024);
  /** Accounts queued for evaluation at the end of the command, deduplicated by stamp. */
  private readonly queue: number[] = [];
  private stamp = new Uint32Array(1024);
  private round = 1;
  /** Accounts not healthy or frozen: they are re-evaluated whenever prices move. */
  private flagged = 0;
  /** Seq of each account's last margin event: the evidence link of the liquidation events that follow. */
  private readonly decision = new Map<number, number>();
  private readonly marginCallRatio: bigint;
  private readonly bufferRatio: bigint;
  private readonly quoteDecimals: number;

  constructor(host: MarginWatchHost) {
    this.host = host;
    this.marginCallRatio = wadOf(host.config.liquidation.marginCallRatio);
    this.bufferRatio = wadOf(host.config.liquidation.bufferRatio);
    this.quoteDecimals = (
      host.config.assets.find((a) => a.id === host.config.quoteAsset) as AssetConfig
    ).decimals;
  }

  stateOf(account: number): MarginState {
    return account < this.state.length ? (this.state[account] as MarginState) : HEALTHY;
  }

  /** The seq of the margin event that last set the account's state: the decision its liquidation acts on. */
  decisionOf(account: number): number {
    return this.decision.get(account) ?? 0;
  }

  /** Some account is not healthy or is frozen. */
  get anyFlagged(): boolean {
    return this.flagged > 0;
  }

  /** Accounts to liquidate now: liquidating or bankrupt, and not frozen on a bad price; in account order. */
  liquidatable(): number[] {
    const found: number[] = [];
    if (this.flagged === 0) return found;
    for (let a = 0; a < this.state.length; a++)
      if ((this.state[a] as number) >= LIQUIDATING && this.frozen[a] === 0) found.push(a);
    return found;
  }

  isFrozen(account: number): boolean {
    return account < this.frozen.length && this.frozen[account] === 1;
  }

  /** Queues an account whose margin may have changed (a fill, a transfer, funding). */
  touch(account: number): void {
    if (account >= this.stamp.length) this.grow(account + 1);
    if (this.stamp[account] === this.round) return;
    this.stamp[account] = this.round;
    this.queue.push(account);
  }

  /** Queues every account holding a position or in a non-healthy state: prices moved. */
  touchHolders(): void {
    const positions = this.host.positions;
    for (let s = 0; s < positions.total; s++) if (positions.lots(s) !== 0) this.touch(positions.account(s));
    if (this.flagged > 0)
      for (let a = 0; a < this.state.length; a++)
        if (this.state[a] !== HEALTHY || this.frozen[a] === 1) this.touch(a);
  }

  /** Evaluates the queued accounts at `now`, in account order (deterministic), writing `margin` events. */
  evaluate(now: number, cause: number, out: { push(event: MarginEvent): unknown }): void {
    if (this.queue.length === 0) return;
    this.queue.sort((a, b) => a - b);
    for (const account of this.queue) this.evaluateOne(account, now, cause, out);
    this.queue.length = 0;
    this.round++;
  }

  private evaluateOne(
    account: number,
    now: number,
    cause: number,
    out: { push(event: MarginEvent): unknown },
  ): void {
    if (this.host.ledger.isSystem(account)) return;
    const f = this.host.margin.check(account, now);
    const previous = this.stateOf(account);
    let next = nextMarginState(previous, {
      equity: f.crossEquity,
      maintenance: f.crossMaintenance,
      marginCallRatio: this.marginCallRatio,
      bufferRatio: this.bufferRatio,
    });
    const bad = this.badPrice(f);
    let frozen = false;
    let reason: string | null = null;
    if (next >= LIQUIDATING && bad !== null) {
      // Not on a bad price: held at margin_call, reduce-only, until the price recovers.
      next = previous >= LIQUIDATING ? previous : MARGIN_CALL;
      frozen = true;
      reason = bad;
    }
    const wasFrozen = this.isFrozen(account);
    if (next === previous && frozen === wasFrozen) return;
    if (account >= this.state.length) this.grow(account + 1);
    this.flagged += (next !== HEALTHY || frozen ? 1 : 0) - (previous !== HEALTHY || wasFrozen ? 1 : 0);
    this.state[account] = next;
    this.frozen[account] = frozen ? 1 : 0;
    const event = this.event(account, next, f, frozen, reason, now, cause);
    this.decision.set(account, event.seq);
    out.push(event);
  }

  /** Why a price behind these figures may not be acted on, or null. */
  private badPrice(f: AccountFigures): string | null {
    const { config, prices } = this.host;
    for (const p of f.positions) {
      const instrument = config.instruments[p.instrument] as InstrumentConfig;
      if (p.mark.status !== "ok") return `${instrument.symbol} mark ${p.mark.status}`;
      if (prices.tradingMode(instrument.symbol) !== "normal") return `${instrument.symbol} breaker tripped`;
    }
    for (const c of f.collateral)
      if (c.status !== "ok" && c.balance > 0n)
        return `${(config.assets[c.asset] as AssetConfig).index ?? "collateral"} price ${c.status}`;
    return null;
  }

  private event(
    account: number,
    state: MarginState,
    f: AccountFigures,
    frozen: boolean,
    reason: string | null,
    now: number,
    cause: number,
  ): MarginEvent {
    const { config, ledger } = this.host;
    const q = (wad: bigint, mode: "floor" | "ceil") =>
      formatDecimal(wadToRaw(wad, this.quoteDecimals, mode), this.quoteDecimals);
    const prices: MarginPriceLine[] = [];
    for (const c of f.collateral) {
      const asset = config.assets[c.asset] as AssetConfig;
      if (asset.index === null) continue;
      prices.push({
        symbol: asset.index,
        price: c.price === null ? null : formatDecimal(wadToRaw(c.price, 8, "half-even"), 8),
        ageMs: c.ageMs,
        status: c.status,
      });
    }
    for (const p of f.positions)
      prices.push({
        symbol: (config.instruments[p.instrument] as InstrumentConfig).symbol,
        price: p.mark.price === null ? null : formatDecimal(wadToRaw(p.mark.price, 12, "half-even"), 12),
        ageMs: p.mark.ageMs,
        status: p.mark.status,
      });
    return {
      seq: this.host.nextSeq(),
      ts: now,
      type: "margin",
      cause,
      account: ledger.accountId(account),
      state: STATE_NAMES[state],
      equity: q(f.crossEquity, "floor"),
      initial: q(f.crossInitial, "ceil"),
      maintenance: q(f.crossMaintenance, "ceil"),
      prices,
      frozen,
      reason,
    };
  }

  /** Canonical text for the state hash: accounts not healthy or frozen. */
  *canonicalLines(accountId: (account: number) => string): Generator<string> {
    const lines: string[] = [];
    for (let a = 0; a < this.state.length; a++)
      if (this.state[a] !== HEALTHY || this.frozen[a] === 1)
        lines.push(`margin ${accountId(a)} ${this.state[a]} ${this.frozen[a]} ${this.decisionOf(a)}`);
    yield* lines.sort();
  }

  private grow(needed: number): void {
    const size = Math.max(needed, this.state.length * 2);
    const state = new Uint8Array(size);
    state.set(this.state);
    const frozen = new Uint8Array(size);
    frozen.set(this.frozen);
    const stamp = new Uint32Array(size);
    stamp.set(this.stamp);
    this.state = state;
    this.frozen = frozen;
    this.stamp = stamp;
  }
}

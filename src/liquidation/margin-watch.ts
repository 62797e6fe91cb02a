// The margin state machine of every account, re-evaluated when something it depends on changes, with a `margin`
// event on every transition carrying the figures and every price behind them. Never on a bad price: an account
// that would go to liquidating while a price it depends on is not ok (stale, degraded, unavailable, or its
// instrument's breaker tripped) is frozen to reduce-only instead, with the reason, and re-evaluated when the price
// recovers — for at most `liquidation.maxPriceWaitMs`, after which the last good price is used, with a
// `margin.override` event. The liquidation steps (src/engine/liquidator.ts) act on the states decided here.

import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import { decodeArray, type Encoded } from "../kernel/snapshot-codec.js";
import { type Captured, type LazyArray, lazyNumbers, materialize } from "../kernel/snapshot-lazy.js";
import { WAD, wadMul, wadOf, wadToRaw } from "../kernel/wad.js";
import type { Ledger } from "../ledger/ledger.js";
import type { AccountFigures, AccountMargin } from "../margin/account-margin.js";
import type { Positions } from "../margin/positions.js";
import type { IndexSourceEvidence, MarketPrices } from "../prices/market-prices.js";
import type { PriceStatus } from "../prices/priced.js";
import {
  HEALTHY,
  LIQUIDATING,
  MARGIN_CALL,
  type MarginState,
  nextMarginState,
  STATE_NAMES,
} from "./margin-state.js";
import { SweepFeed, type SweepFeedSnapshot } from "./sweep-feed.js";

export interface MarginPriceLine {
  readonly symbol: string;
  readonly price: string | null;
  readonly ageMs: number;
  readonly status: PriceStatus;
  /** The index the price stands on, and its sources as counted then (price, age): enough to recompute it. */
  readonly index: string;
  readonly sources: readonly IndexSourceEvidence[];
}

/** A position as a margin decision saw it: its size and the requirement it added. */
export interface MarginPositionLine {
  readonly symbol: string;
  readonly qty: string;
  readonly entryPrice: string | null;
  readonly unrealizedPnl: string;
  readonly maintenance: string;
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
  readonly positions: readonly MarginPositionLine[];
  /** Reduce-only because a price the decision depends on is not trustworthy; no liquidation on it. */
  readonly frozen: boolean;
  readonly reason: string | null;
  /** The isolated position (symbol) whose own margin is below its maintenance, when that decided the state. */
  readonly isolated: string | null;
}

/** An account has waited `maxPriceWaitMs` for a bad price to recover: it is liquidated on the last good price. */
export interface MarginOverrideEvent {
  readonly seq: number;
  readonly ts: number;
  readonly type: "margin.override";
  readonly cause: number;
  readonly account: string;
  /** Frozen since (ts), and for how long. */
  readonly since: number;
  readonly waitedMs: number;
  readonly maxWaitMs: number;
  /** The price that was not trustworthy, as in the freezing `margin` event. */
  readonly reason: string;
  /** Seq of the `margin` event that froze the account. */
  readonly decision: number;
}

export interface MarginWatchHost {
  readonly config: MarketConfig;
  readonly ledger: Ledger;
  readonly positions: Positions;
  readonly margin: AccountMargin;
  readonly prices: MarketPrices;
  nextSeq(): number;
}

export interface MarginWatchSnapshot {
  readonly state: number[];
  readonly frozen: number[];
  readonly frozenSince: Encoded[];
  readonly overridden: number[];
  readonly risk: Encoded[];
  readonly flagged: number[];
  readonly decisions: [number, number][];
  readonly feed: SweepFeedSnapshot;
}

export class MarginWatch {
  private readonly host: MarginWatchHost;
  private state = new Uint8Array(1024);
  private frozen = new Uint8Array(1024);
  /** When the account was frozen on a bad price (ts), and whether its wait ran out (it acts on the last good price). */
  private frozenSince = new Float64Array(1024);
  private overridden = new Uint8Array(1024);
  /** MM / equity at the account's last decision (Infinity at equity ≤ 0): the order in which liquidations go. */
  private risk = new Float64Array(1024);
  /** Accounts queued for evaluation at the end of the command, deduplicated by stamp. */
  private readonly queue: number[] = [];
  private stamp = new Uint32Array(1024);
  private round = 1;
  /** Accounts not healthy or frozen, listed (position in the list by account, -1 when not in it). */
  private readonly flaggedList: number[] = [];
  private flaggedAt = new Int32Array(1024).fill(-1);
  /** Which accounts a mark move can change the state of (src/liquidation/liquidation-sweep.ts). */
  readonly feed: SweepFeed;
  /** Tests only: every holder re-evaluated exactly whenever prices move, the reference the sweep is checked against. */
  exhaustive = false;
  /** Seq of each account's last margin event: the evidence link of the liquidation events that follow. */
  private readonly decision = new Map<number, number>();
  private readonly marginCallRatio: bigint;
  private readonly bufferRatio: bigint;
  private readonly quoteDecimals: number;
  private readonly maxWaitMs: number;

  constructor(host: MarginWatchHost) {
    this.host = host;
    this.marginCallRatio = wadOf(host.config.liquidation.marginCallRatio);
    this.bufferRatio = wadOf(host.config.liquidation.bufferRatio);
    this.maxWaitMs = host.config.liquidation.maxPriceWaitMs;
    this.feed = new SweepFeed(host.config, host.positions, host.prices);
    this.quoteDecimals = (
      host.config.assets.find((a) => a.id === host.config.quoteAsset) as AssetConfig
    ).decimals;
  }

  /** Accounts in each margin state but healthy (indexed by state; [0] is 0: healthy ones are not listed). */
  countByState(): number[] {
    const counts = [0, 0, 0, 0];
    for (const a of this.flaggedList) counts[this.stateOf(a)] = (counts[this.stateOf(a)] as number) + 1;
    counts[0] = 0;
    return counts;
  }

  stateOf(account: number): MarginState {
    return account < this.state.length ? (this.state[account] as MarginState) : HEALTHY;
  }

  /** The seq of the margin event that last set the account's state: the decision its liquidation acts on. */
  decisionOf(account: number): number {
    return this.decision.get(account) ?? 0;
  }

  /** Accounts are queued for `evaluate`. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Some account is not healthy or is frozen. */
  get anyFlagged(): boolean {
    return this.flaggedList.length > 0;
  }

  /** Accounts to liquidate now: liquidating or bankrupt, and not frozen on a bad price; riskiest first (MM /
   * equity at their last decision), then in account order. */
  liquidatable(): number[] {
    const found: number[] = [];
    for (const a of this.flaggedList)
      if ((this.state[a] as number) >= LIQUIDATING && this.frozen[a] === 0) found.push(a);
    const risk = this.risk;
    return found.sort((a, b) => (risk[b] as number) - (risk[a] as number) || a - b);
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

  /**
   * Prices moved (a price, a tick, a halt): queues the accounts whose state a mark move may have changed (the
   * sweep), those holding collateral whose price changed, every frozen account (its price may be back, or its
   * wait over), and, when a mark's status or an instrument's trading mode changed, every account being
   * liquidated (it must not be liquidated on a bad price).
   */
  pricesMoved(now: number): void {
    const conditionChanged = this.feed.pricesMoved(now, this.touchFn);
    if (this.exhaustive) {
      const positions = this.host.positions;
      for (let s = 0; s < positions.total; s++) if (positions.lots(s) !== 0) this.touch(positions.account(s));
    }
    for (const a of this.flaggedList)
      if (this.frozen[a] === 1 || (conditionChanged && (this.state[a] as number) >= LIQUIDATING))
        this.touch(a);
  }

  private readonly touchFn = (account: number): void => this.touch(account);

  /** Evaluates the queued accounts at `now`, in account order (deterministic), writing `margin` events. */
  evaluate(
    now: number,
    cause: number,
    out: { push(event: MarginEvent | MarginOverrideEvent): unknown },
  ): void {
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
    out: { push(event: MarginEvent | MarginOverrideEvent): unknown },
  ): void {
    if (this.host.ledger.isSystem(account)) return;
    const f = this.host.margin.check(account, now);
    if (account >= this.state.length) this.grow(account + 1);
    const previous = this.stateOf(account);
    let next = nextMarginState(previous, {
      equity: f.crossEquity,
      maintenance: f.crossMaintenance,
      marginCallRatio: this.marginCallRatio,
      bufferRatio: this.bufferRatio,
    });
    // An isolated position stands on its own margin: below its maintenance, the account is liquidating for it
    // (and stays so until that position is back to maintenance × (1 + buffer), like the cross figures).
    const isolated = this.isolatedBreach(f, previous >= LIQUIDATING);
    if (isolated !== null && next < LIQUIDATING) next = LIQUIDATING;
    const bad = this.badPrice(f);
    let frozen = false;
    let reason: string | null = null;
    const wasFrozen = this.isFrozen(account);
    if (next >= LIQUIDATING && bad !== null) {
      if (
        this.overridden[account] === 0 &&
        wasFrozen &&
        now - (this.frozenSince[account] as number) >= this.maxWaitMs
      ) {
        // Waited long enough: act on the last good price, and say so.
        this.overridden[account] = 1;
        out.push({
          seq: this.host.nextSeq(),
          ts: now,
          type: "margin.override",
          cause,
          account: this.host.ledger.accountId(account),
          since: this.frozenSince[account] as number,
          waitedMs: now - (this.frozenSince[account] as number),
          maxWaitMs: this.maxWaitMs,
          reason: bad,
          decision: this.decisionOf(account),
        });
      }
      if (this.overridden[account] === 0) {
        // Not on a bad price: held at margin_call, reduce-only, until the price recovers.
        next = previous >= LIQUIDATING ? previous : MARGIN_CALL;
        frozen = true;
        reason = bad;
        if (!wasFrozen) this.frozenSince[account] = now;
      }
    } else this.overridden[account] = 0;
    this.feed.sync(account, f);
    if (next === previous && frozen === wasFrozen) return;
    const flaggedNow = next !== HEALTHY || frozen;
    if (flaggedNow !== (previous !== HEALTHY || wasFrozen)) this.flag(account, flaggedNow);
    this.state[account] = next;
    const equity = Number(f.crossEquity);
    this.risk[account] = equity > 0 ? Number(f.crossMaintenance) / equity : Number.POSITIVE_INFINITY;
    this.frozen[account] = frozen ? 1 : 0;
    const event = this.event(account, next, f, frozen, reason, isolated, now, cause);
    this.decision.set(account, event.seq);
    out.push(event);
  }

  /** The symbol of an isolated position whose margin + PnL is below its maintenance (× (1 + buffer) when already
   * liquidating), or null. */
  private isolatedBreach(f: AccountFigures, liquidating: boolean): string | null {
    for (const p of f.positions) {
      if (!p.isolated) continue;
      const own = p.isolatedMarginQuote + p.unrealizedPnlQuote;
      const floor = liquidating
        ? wadMul(p.maintenanceQuote, WAD + this.bufferRatio, "ceil")
        : p.maintenanceQuote;
      if (own < floor) return (this.host.config.instruments[p.instrument] as InstrumentConfig).symbol;
    }
    return null;
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
    isolated: string | null,
    now: number,
    cause: number,
  ): MarginEvent {
    const { config, ledger } = this.host;
    const q = (wad: bigint, mode: "floor" | "ceil") =>
      formatDecimal(wadToRaw(wad, this.quoteDecimals, mode), this.quoteDecimals);
    const { prices: market } = this.host;
    const prices: MarginPriceLine[] = [];
    for (const c of f.collateral) {
      const asset = config.assets[c.asset] as AssetConfig;
      if (asset.index === null) continue;
      prices.push({
        symbol: asset.index,
        price: c.price === null ? null : formatDecimal(wadToRaw(c.price, 8, "half-even"), 8),
        ageMs: c.ageMs,
        status: c.status,
        index: asset.index,
        sources: market.indexSources(asset.index, now),
      });
    }
    const positions: MarginPositionLine[] = [];
    for (const p of f.positions) {
      const instrument = config.instruments[p.instrument] as InstrumentConfig;
      prices.push({
        symbol: instrument.symbol,
        price: p.mark.price === null ? null : formatDecimal(wadToRaw(p.mark.price, 12, "half-even"), 12),
        ageMs: p.mark.ageMs,
        status: p.mark.status,
        index: instrument.index,
        sources: market.indexSources(instrument.index, now),
      });
      positions.push({
        symbol: instrument.symbol,
        qty: formatDecimal(BigInt(p.lots) * instrument.lotSize.raw, instrument.qtyScale),
        entryPrice:
          p.entryPrice === null
            ? null
            : formatDecimal(
                wadToRaw(p.entryPrice, instrument.priceScale, "half-even"),
                instrument.priceScale,
              ),
        unrealizedPnl: q(p.unrealizedPnlQuote, "floor"),
        maintenance: q(p.maintenanceQuote, "ceil"),
      });
    }
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
      positions,
      frozen,
      reason,
      isolated,
    };
  }

  /** Canonical text for the state hash: accounts not healthy or frozen. */
  /** The margin states for a snapshot: per account, the flagged list in its order, decisions, the sweep's feed. */
  snapshot(): MarginWatchSnapshot {
    return materialize<MarginWatchSnapshot>(this.capture());
  }

  /** The snapshot as it stands now, its per-account arrays copied and encoded later (snapshot-lazy.ts). */
  capture(): Captured<MarginWatchSnapshot> {
    const n = Math.min(this.state.length, this.host.ledger.accountCount);
    return {
      state: lazyNumbers(this.state.slice(0, n)) as LazyArray<number>,
      frozen: lazyNumbers(this.frozen.slice(0, n)) as LazyArray<number>,
      frozenSince: lazyNumbers(this.frozenSince.slice(0, n)),
      overridden: lazyNumbers(this.overridden.slice(0, n)) as LazyArray<number>,
      risk: lazyNumbers(this.risk.slice(0, n)),
      flagged: [...this.flaggedList],
      decisions: [...this.decision],
      feed: this.feed.snapshot(),
    };
  }

  /**
   * Restores a snapshot into a watch just constructed, then gives every account holding a position its sweep range
   * from an exact evaluation at `now` (ranges are derived, not state: any valid range gives the same decisions).
   */
  restoreSnapshot(s: MarginWatchSnapshot, now: number): void {
    assert(this.flaggedList.length === 0, "margin watch: restoring into a watch in use");
    const n = s.state.length;
    if (n > this.state.length) this.grow(n);
    this.state.set(s.state);
    this.frozen.set(s.frozen);
    decodeArray(s.frozenSince, this.frozenSince);
    this.overridden.set(s.overridden);
    decodeArray(s.risk, this.risk);
    for (const account of s.flagged) this.flag(account, true);
    for (const [account, seq] of s.decisions) this.decision.set(account, seq);
    this.feed.restoreSnapshot(s.feed);
    const positions = this.host.positions;
    const synced = new Set<number>();
    for (let slot = 0; slot < positions.total; slot++) {
      const account = positions.account(slot);
      if (synced.has(account) || this.host.ledger.isSystem(account) || !positions.hasOpenPosition(account))
        continue;
      synced.add(account);
      this.feed.sync(account, this.host.margin.check(account, now));
    }
  }

  *canonicalLines(accountId: (account: number) => string): Generator<string> {
    const lines: string[] = [];
    for (let a = 0; a < this.state.length; a++)
      if (this.state[a] !== HEALTHY || this.frozen[a] === 1)
        lines.push(
          `margin ${accountId(a)} ${this.state[a]} ${this.frozen[a]} ${this.decisionOf(a)} ${this.frozenSince[a]} ${this.overridden[a]} ${this.risk[a]}`,
        );
    yield* lines.sort();
  }

  private flag(account: number, on: boolean): void {
    if (on) {
      this.flaggedAt[account] = this.flaggedList.length;
      this.flaggedList.push(account);
      return;
    }
    const at = this.flaggedAt[account] as number;
    const last = this.flaggedList.pop() as number;
    if (last !== account) {
      this.flaggedList[at] = last;
      this.flaggedAt[last] = at;
    }
    this.flaggedAt[account] = -1;
  }

  private grow(needed: number): void {
    const size = Math.max(needed, this.state.length * 2);
    const state = new Uint8Array(size);
    state.set(this.state);
    const frozen = new Uint8Array(size);
    frozen.set(this.frozen);
    const stamp = new Uint32Array(size);
    stamp.set(this.stamp);
    const frozenSince = new Float64Array(size);
    frozenSince.set(this.frozenSince);
    const overridden = new Uint8Array(size);
    overridden.set(this.overridden);
    const risk = new Float64Array(size);
    risk.set(this.risk);
    const flaggedAt = new Int32Array(size).fill(-1);
    flaggedAt.set(this.flaggedAt);
    this.flaggedAt = flaggedAt;
    this.state = state;
    this.frozen = frozen;
    this.stamp = stamp;
    this.frozenSince = frozenSince;
    this.overridden = overridden;
    this.risk = risk;
  }
}

// Events of the contract (CONTRACT.md "Events") that this engine emits, with their exact field order: the
// order objects are built in is the order they are serialised in, so output is byte-for-byte deterministic.
import type { ErrorCode } from "../kernel/errors.js";
import type { MarginEvent, MarginOverrideEvent } from "../liquidation/margin-watch.js";
import type { PriceEvent, RawPriceEvents } from "../prices/price-events.js";
import type { PriceStatus } from "../prices/priced.js";

export type { MarginEvent, MarginOverrideEvent } from "../liquidation/margin-watch.js";
export type { BreakerEvent, IndexEvent, MarkEvent, PriceEvent } from "../prices/price-events.js";

export interface EventHeader {
  /** 1, 2, 3, … over the whole output, no gaps. */
  readonly seq: number;
  readonly ts: number;
  /** The seq of the command (its input line) that caused the event. */
  readonly cause: number;
}

/** A balance changed: by a deposit, a withdrawal or one side of a transfer. */
export interface BalanceEvent extends EventHeader {
  readonly type: "balance";
  readonly account: string;
  readonly asset: string;
  readonly delta: string;
  readonly balance: string;
  readonly reason: BalanceReason;
  /** The other side of a transfer. */
  readonly counterparty?: string;
}

export interface RejectedEvent extends EventHeader {
  readonly type: "rejected";
  readonly code: ErrorCode;
  readonly message: string;
  /** The command's type when it had a recognisable one. */
  readonly command: string | null;
}

export interface CollateralLine {
  readonly asset: string;
  readonly balance: string;
  /** Price in the quote asset (its index), or null while there has never been one. */
  readonly price: string | null;
  readonly status: PriceStatus;
  /** Age of the price in ms (0 for the quote asset). */
  readonly ageMs: number;
  /** The collateral weight (the flat weight, or the tiers' average at this value), rounded down. */
  readonly weight: string;
  /** Share of the weight the price's age and status let count (1 = full; 0 when unavailable). */
  readonly factor: string;
  /** balance × price × weight × factor, rounded down at the quote asset's decimals; a debt counts in full. */
  readonly value: string;
}

/** A price behind an account's figures: an index valuing collateral, or an instrument's mark. */
export interface PriceLine {
  readonly symbol: string;
  readonly price: string | null;
  readonly ageMs: number;
  readonly status: PriceStatus;
}

export interface PositionLine {
  readonly symbol: string;
  /** Signed: + long, − short. */
  readonly qty: string;
  readonly entryPrice: string | null;
  readonly markPrice: string | null;
  /** In the settlement asset, rounded down. */
  readonly unrealizedPnl: string;
  /** Rounded toward the current mark (a long's up, a short's down); null when no move of this mark liquidates. */
  readonly liquidationPrice: string | null;
  readonly settlementAsset: string;
  readonly notional: string;
  readonly initial: string;
  readonly maintenance: string;
  readonly isolated: boolean;
  readonly leverage: string | null;
  readonly isolatedMargin: string | null;
  readonly markStatus: PriceStatus;
  readonly markAgeMs: number;
  /** Place in the ADL queue of its side, as a quantile: 1 = first to be deleveraged, 1/n = last. */
  readonly adlRank: number;
  /** Options: the forward their mark and margin stand on. */
  readonly underlying?: string | null;
}

export type AccountState = "healthy" | "margin_call" | "liquidating" | "bankrupt";

export interface AccountEvent extends EventHeader {
  readonly type: "account";
  readonly account: string;
  readonly balances: Readonly<Record<string, string>>;
  readonly collateral: readonly CollateralLine[];
  readonly positions: readonly PositionLine[];
  /** Collateral value plus all unrealised PnL, in the quote asset, rounded down. */
  readonly equity: string;
  readonly initial: string;
  readonly maintenance: string;
  readonly state: AccountState;
  /** maintenance / equity, rounded up; null when equity <= 0. */
  readonly marginRatio: string | null;
  readonly collateralValue: string;
  readonly freeCollateral: string;
  /** Per asset: the most that can be withdrawn now without falling below initial margin. */
  readonly availableToWithdraw: Readonly<Record<string, string>>;
  readonly prices: readonly PriceLine[];
  readonly marginMode: "standard" | "portfolio";
  /** Portfolio mode: per underlying, the worst scenario and each position's loss in it; null in standard mode. */
  readonly portfolio: readonly PortfolioLine[] | null;
}

/** One underlying of an account's portfolio margin (quote asset; requirements rounded up). */
export interface PortfolioLine {
  readonly index: string;
  /** The worst scenario: spot move (fraction), volatility move, and the share of its loss that counts; null when no scenario loses. */
  readonly scenario: {
    readonly spotMove: string;
    readonly volMove: "up" | "none" | "down";
    readonly weight: string;
  } | null;
  readonly worstLoss: string;
  readonly contingency: string;
  readonly maintenance: string;
  readonly initial: string;
  /** Each position's weighted loss in the worst scenario (negative: a gain). */
  readonly positions: readonly { readonly symbol: string; readonly loss: string }[];
}

/** A fill applied to both sides' positions (from the engine's book, or reported by an external matcher). */
export interface TradeEvent extends EventHeader {
  readonly type: "trade";
  readonly symbol: string;
  readonly price: string;
  readonly qty: string;
  readonly buyer: string;
  readonly seller: string;
  readonly buyOrder: string | null;
  readonly sellOrder: string | null;
  readonly liquidation: boolean;
}

export interface OrderAcceptedEvent extends EventHeader {
  readonly type: "order.accepted";
  readonly account: string;
  readonly id: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: string;
  /** null for a market order. */
  readonly price: string | null;
  readonly tif: "GTC" | "IOC" | "FOK" | "POST_ONLY";
  readonly reduceOnly: boolean;
}

/** An order refused before it reached the book; nothing changed. */
export interface OrderRejectedEvent extends EventHeader {
  readonly type: "order.rejected";
  readonly account: string;
  readonly id: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** What was left of an order leaves the book: cancelled, its IOC/market remainder, self-trade prevention. */
export interface OrderCancelledEvent extends EventHeader {
  readonly type: "order.cancelled";
  readonly account: string;
  readonly id: string;
  readonly symbol: string;
  readonly remaining: string;
  readonly reason: string;
}

/** A perpetual's funding for one interval (CONTRACT.md `funding`), before its payments. */
export interface FundingEvent extends EventHeader {
  readonly type: "funding";
  readonly symbol: string;
  readonly rate: string;
  readonly markPrice: string;
  readonly indexPrice: string;
  /** Mean premium of the interval's samples. */
  readonly premium: string;
  /** The interval boundary settled. */
  readonly fundingTs: number;
  readonly markStatus: PriceStatus;
}

/** One account's funding: + received, − paid, in the settlement asset, with the balance after. */
export interface FundingPaymentEvent extends EventHeader {
  readonly type: "funding.payment";
  readonly account: string;
  readonly symbol: string;
  readonly asset: string;
  readonly amount: string;
  readonly balance: string;
  readonly rate: string;
}

/** The insurance fund changed (CONTRACT.md `insurance`). */
/**
 * The insurance fund moved (CONTRACT.md `insurance`): `delta` to its balance, the running `balance`, and why —
 * `liquidation_fee`, `takeover` (a position taken over at the bankruptcy price: `symbol`, `qty`, `price`),
 * `bankruptcy_cover` (an account's deficit paid), `unwind` (a position it holds reduced through the book),
 * `funding_rounding` (the residue of a funding interval: `symbol`).
 * `account` and `decision` (seq of the `margin` event acted on) are null for the fund's own unwinding.
 */
export interface InsuranceEvent extends EventHeader {
  readonly type: "insurance";
  readonly delta: string;
  readonly balance: string;
  readonly asset: string;
  readonly reason: "liquidation_fee" | "takeover" | "bankruptcy_cover" | "unwind" | "funding_rounding";
  readonly account: string | null;
  readonly symbol: string | null;
  readonly qty: string | null;
  readonly price: string | null;
  readonly decision: number | null;
}

/**
 * Auto-deleveraging (CONTRACT.md `adl`): `account`'s opposite position reduced by `qty` at the bankruptcy price
 * of `counterparty`, whose position neither the book nor the fund could take. `rank` is the account's quantile
 * among the same side's positions (1 = first in line), `score` its ranking figure (profit % × effective
 * leverage, or profit % ÷ effective leverage at a loss).
 */
export interface AdlEvent extends EventHeader {
  readonly type: "adl";
  readonly account: string;
  readonly counterparty: string;
  readonly symbol: string;
  readonly qty: string;
  readonly price: string;
  readonly rank: number;
  readonly score: number;
  readonly decision: number;
}

/**
 * The outcome of a `smile` command: the expiry's SVI slice admitted to the index's surface (`params`, the fit's
 * weighted RMSE in total variance and its method), or refused with the reason (`code`: `too_few_quotes`,
 * `invalid_quote`, `fit_failed`, `invalid_slice`, `butterfly`, `calendar`), the previous slice staying in use.
 */
export interface SurfaceEvent extends EventHeader {
  readonly type: "surface";
  readonly index: string;
  readonly expiry: number;
  readonly accepted: boolean;
  readonly params: {
    readonly a: number;
    readonly b: number;
    readonly rho: number;
    readonly m: number;
    readonly sigma: number;
  } | null;
  readonly rmse: number | null;
  readonly method: string | null;
  readonly code: string | null;
  readonly message: string | null;
}

/**
 * A bankrupt account's deficit that neither the fund nor deleveraging covered, shared pro rata over the
 * balances of the asset held by every other account (`accounts` charged, `amount` in all, `uncovered` what
 * even that could not pay).
 */
export interface SocializedLossEvent extends EventHeader {
  readonly type: "socialized_loss";
  readonly account: string;
  readonly asset: string;
  readonly amount: string;
  readonly accounts: number;
  readonly uncovered: string;
  readonly decision: number;
}

/** A dated instrument settled at expiry (CONTRACT.md `settlement`). */
export interface SettlementEvent extends EventHeader {
  readonly type: "settlement";
  readonly symbol: string;
  readonly price: string;
  readonly kind: "expiry" | "funding";
  /** Positions closed. */
  readonly positions: number;
  /** Options: the settlement index (TWAP) whose intrinsic value is `price`. */
  readonly underlying?: string;
}

/** Part of a position closed by liquidation (CONTRACT.md `liquidation`), naming the margin decision it acts on. */
export interface LiquidationEvent extends EventHeader {
  readonly type: "liquidation";
  readonly account: string;
  readonly symbol: string;
  readonly qty: string;
  readonly price: string;
  readonly fee: string;
  readonly via: "book" | "insurance" | "adl";
  /** Seq of the `margin` event whose decision this carries out. */
  readonly decision: number;
}

/** One side's position after a fill. */
export interface PositionEvent extends EventHeader {
  readonly type: "position";
  readonly account: string;
  readonly symbol: string;
  readonly qty: string;
  readonly entryPrice: string | null;
  /** PnL this fill realised, in the settlement asset (credited rounded down). */
  readonly realizedPnl: string;
  readonly fee: string;
}

/** An account's margin mode for one instrument changed (position.mode). */
export interface PositionModeEvent extends EventHeader {
  readonly type: "position.mode";
  readonly account: string;
  readonly symbol: string;
  readonly isolated: boolean;
  readonly leverage: string | null;
}

/** An account's margin mode changed (or was confirmed): standard rules, or portfolio scenarios. */
export interface MarginModeEvent extends EventHeader {
  readonly type: "margin.mode";
  readonly account: string;
  readonly mode: "standard" | "portfolio";
}

export interface EndEvent extends EventHeader {
  readonly type: "end";
  readonly stateHash: string;
  /** Commands read, and how many of them were rejected. */
  readonly commands: number;
  readonly rejected: number;
}

export type EngineEvent =
  | BalanceEvent
  | RejectedEvent
  | AccountEvent
  | TradeEvent
  | PositionEvent
  | PositionModeEvent
  | MarginModeEvent
  | OrderAcceptedEvent
  | OrderRejectedEvent
  | OrderCancelledEvent
  | FundingEvent
  | FundingPaymentEvent
  | InsuranceEvent
  | SettlementEvent
  | MarginEvent
  | MarginOverrideEvent
  | LiquidationEvent
  | AdlEvent
  | SocializedLossEvent
  | SurfaceEvent
  | EndEvent
  | PriceEvent;

/**
 * pnl: realised PnL, against sys:clearing; fee: trading fees, to (or rebates from) sys:fees; liquidation_fee: to
 * the insurance fund; bankruptcy_cover: a deficit paid by the fund; socialized_loss: a share of a deficit the fund
 * could not pay.
 */
export const BALANCE_REASONS = [
  "deposit",
  "withdraw",
  "transfer",
  "pnl",
  "fee",
  "liquidation_fee",
  "bankruptcy_cover",
  "socialized_loss",
] as const;
export type BalanceReason = (typeof BALANCE_REASONS)[number];

/**
 * Where the engine writes its events; an array is one. A sink may also take balance changes raw (`balance`):
 * exact integers and ledger numbers, nothing formatted or allocated, for consumers that encode events
 * themselves (the batch runner hands them to a writer thread). The engine then calls `balance` instead of
 * `push` for balance events; likewise `index` and `mark` (RawPriceEvents, read `engine.prices` during the call)
 * for those events; everything else still arrives through `push`.
 */
export interface EventSink extends RawPriceEvents {
  push(event: EngineEvent): unknown;
  balance?(
    seq: number,
    ts: number,
    cause: number,
    account: number,
    asset: number,
    delta: bigint,
    balance: bigint,
    reason: number,
    counterparty: number,
  ): void;
}

/** The engine's balance-event writer, as its modules (trading, expiry) are handed it. */
export type BalanceEventFn = (
  ts: number,
  cause: number,
  account: number,
  asset: number,
  delta: bigint,
  reason: number,
  counterparty: number,
  out: EventSink,
) => void;

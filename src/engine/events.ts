// Events of the contract (CONTRACT.md "Events") that this engine emits, with their exact field order: the
// order objects are built in is the order they are serialised in, so output is byte-for-byte deterministic.
import type { ErrorCode } from "../kernel/errors.js";
import type { PriceEvent, RawPriceEvents } from "../prices/price-events.js";
import type { PriceStatus } from "../prices/priced.js";

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
  readonly weight: string;
  /** balance × price × weight, rounded down at the quote asset's decimals. */
  readonly value: string;
}

export interface AccountEvent extends EventHeader {
  readonly type: "account";
  readonly account: string;
  readonly balances: Readonly<Record<string, string>>;
  readonly collateral: readonly CollateralLine[];
  readonly positions: readonly never[];
  readonly equity: string;
  readonly initial: string;
  readonly maintenance: string;
  readonly state: "healthy" | "margin_call" | "liquidating" | "bankrupt";
}

export interface EndEvent extends EventHeader {
  readonly type: "end";
  readonly stateHash: string;
  /** Commands read, and how many of them were rejected. */
  readonly commands: number;
  readonly rejected: number;
}

export type EngineEvent = BalanceEvent | RejectedEvent | AccountEvent | EndEvent | PriceEvent;

export const BALANCE_REASONS = ["deposit", "withdraw", "transfer"] as const;
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

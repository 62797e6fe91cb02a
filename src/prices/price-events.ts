// Events of the price layer (CONTRACT.md: `index`, `mark`, `breaker`). Field order is serialisation order.
import type { PriceStatus } from "./priced.js";

export interface EventHeaderFields {
  readonly seq: number;
  readonly ts: number;
  readonly cause: number;
}

export interface IndexSourceUsed {
  readonly source: string;
  /** The price as used: capped to the band when it was an outlier in `cap` mode. */
  readonly price: string;
  /** Renormalised weight over the sources used. */
  readonly weight: string;
  /** The source's own price, present only when it was capped. */
  readonly raw?: string;
}

export type ExclusionReason = "stale" | "outlier" | "halted";

export interface IndexSourceExcluded {
  readonly source: string;
  readonly reason: ExclusionReason;
}

export interface IndexEvent extends EventHeaderFields {
  readonly type: "index";
  readonly index: string;
  readonly price: string;
  readonly status: PriceStatus;
  /** Age of the price: 0 when computed now from fresh sources, growing while unavailable. */
  readonly ageMs: number;
  readonly sources: readonly IndexSourceUsed[];
  readonly excluded: readonly IndexSourceExcluded[];
}

export interface MarkEvent extends EventHeaderFields {
  readonly type: "mark";
  readonly symbol: string;
  readonly price: string;
  readonly index: string;
  readonly status: PriceStatus;
  readonly ageMs: number;
}

export type BreakerReason = "divergence" | "move" | "degraded" | "manual" | "surface";

export interface BreakerEvent extends EventHeaderFields {
  readonly type: "breaker";
  /** An index id or an instrument symbol. */
  readonly scope: string;
  readonly state: "tripped" | "cleared";
  readonly reason: BreakerReason;
  /** The measured value and the threshold it was held to (decimal strings; "0" for manual and degraded). */
  readonly value: string;
  readonly threshold: string;
  /** What the scope's instruments may do while tripped. */
  readonly action: "reduce_only" | "halted";
  /** The operator's words, for manual halts. */
  readonly note?: string;
}

export type PriceEvent = IndexEvent | MarkEvent | BreakerEvent;

/**
 * Index and mark events raw, for consumers that encode events themselves: the event's header and which index
 * or mark (by number), nothing formatted or allocated. The published state is read during the call:
 * `MarketPrices.indexEvent` / `markEvent` build the contract's object from it, the same the object channel
 * emits.
 */
export interface RawPriceEvents {
  index?(seq: number, ts: number, cause: number, index: number): void;
  mark?(seq: number, ts: number, cause: number, mark: number): void;
}

/** Where the price layer writes its events. The engine assigns `seq`; this layer fills everything else. */
export interface PriceEventSink {
  nextSeq(): number;
  push(event: PriceEvent): unknown;
  /** The raw channel of the consumer, when it has one: index and mark events then go there, not to `push`. */
  raw?(): RawPriceEvents;
}

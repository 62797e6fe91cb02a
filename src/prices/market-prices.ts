// Every price of the market in one place: the indices with their sources, the instruments' marks, and the
// circuit breakers that watch them. The engine calls it in sequence; it decides nothing on a bare number:
// every price it hands out carries its age and status.
import type { IndexConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatFixed, parseDecimal } from "../kernel/decimal.js";
import { assert, type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { IdNumbers } from "../kernel/id-numbers.js";
import { Breaker, type BreakerTransition } from "./breaker.js";
import { DivergenceMonitor, type DivergenceSettings } from "./divergence-monitor.js";
import { IndexState, type IndexStateSnapshot } from "./index-state.js";
import { MarkState, type MarkStateSnapshot } from "./mark-state.js";
import type { BreakerReason, IndexEvent, MarkEvent, PriceEventSink } from "./price-events.js";
import { canonicalPrice, lastRead, readPrice } from "./price-text.js";
import { type PricedValue, priceText } from "./priced.js";
import {
  DegradedWatch,
  type DegradedWatchSnapshot,
  DivergenceWatch,
  type DivergenceWatchSnapshot,
  MoveWatch,
  type MoveWatchSnapshot,
  type Watch,
} from "./watches.js";
import { WindowRange } from "./window-range.js";

const num = (value: { raw: bigint; scale: number }): number => Number(formatFixed(value));
/** Index values kept for the move breaker's window. */
const MOVE_SAMPLES = 8192;
/** Explicit limit on prices: far above any asset's, and small enough that published texts never need an exponent. */
export const MAX_PRICE = 1e15;
/** Explicit limit on an operator's halt note. */
export const MAX_NOTE = 256;

export type TradingMode = "normal" | "reduce_only" | "halted";

/**
 * Where option marks come from (the volatility surface, priced above this layer): the engine plugs it in, so that
 * every reader of a mark reads an option's the same way as a future's.
 */
export interface OptionMarkSource {
  /** The option's mark at `now`, with its age and status; null for a symbol that is not an option. */
  optionMark(symbol: string, now: number): PricedValue | null;
  /** The forward an option's mark and margin stand on at `now` (NaN without one). */
  optionForward(symbol: string, now: number): number;
  /** Whether the option's surface breaker is tripped (its smiles keep being refused). */
  surfaceTripped(symbol: string): boolean;
}

interface IndexWatch {
  readonly divergence: DivergenceWatch | null;
  readonly move: MoveWatch | null;
  readonly degraded: DegradedWatch | null;
}

/** Version of the PricesSnapshot layout: a restore refuses any other. */
export const PRICES_SNAPSHOT_FORMAT = 1;

/**
 * The price layer's state as JSON (MarketPrices.snapshot): restored onto a MarketPrices built from the same
 * configuration, it behaves from then on as the one snapshotted. Arrays follow the configuration's order.
 */
export interface PricesSnapshot {
  readonly format: typeof PRICES_SNAPSHOT_FORMAT;
  readonly indices: readonly IndexStateSnapshot[];
  /** Each index's breakers; null where the configuration has none. */
  readonly indexWatches: readonly {
    readonly divergence: DivergenceWatchSnapshot | null;
    readonly move: MoveWatchSnapshot | null;
    readonly degraded: DegradedWatchSnapshot | null;
  }[];
  /** Marks of the instruments that are not options (an option's mark is the volatility surface's). */
  readonly marks: readonly MarkStateSnapshot[];
  /** Each mark's divergence breaker; null where the configuration has none. */
  readonly markWatches: readonly (DivergenceWatchSnapshot | null)[];
  /** Manual halts as [scope, note], in the order they were set. */
  readonly halts: readonly (readonly [string, string])[];
}

function settings(config: {
  k: { raw: bigint; scale: number };
  sampleMs: number;
  window: number;
  minSamples: number;
  hardCap: { raw: bigint; scale: number };
  minStd: { raw: bigint; scale: number };
}): DivergenceSettings {
  return {
    k: num(config.k),
    sampleMs: config.sampleMs,
    window: config.window,
    minSamples: config.minSamples,
    hardCap: num(config.hardCap),
    minStd: num(config.minStd),
  };
}

/**
 * Why a price's sourceTs is refused. Built apart from checkPrice, from the command itself: with a number
 * interpolated into a message there, V8 (Node 20) formatted it on every call, on a branch never taken
 * (measured: checkPrice 310 → 95 ns).
 */
function sourceTsRefusal(
  c: Record<string, unknown>,
  ts: number,
  state: IndexState,
  source: number,
): DomainError {
  const sourceTs = c["sourceTs"];
  if (typeof sourceTs !== "number" || !Number.isSafeInteger(sourceTs) || sourceTs < 0)
    return domainError(
      "invalid",
      sourceTs === undefined
        ? "price.sourceTs: missing (the venue's own timestamp, ms)"
        : `price.sourceTs: ${describeValue(sourceTs)} is not a timestamp (a non-negative integer number of milliseconds)`,
    );
  const skew = state.maxClockSkewMs;
  if (sourceTs > ts + skew)
    return domainError(
      "invalid",
      `price.sourceTs: ${sourceTs} is ${sourceTs - ts} ms ahead of ts ${ts} (more than the ${skew} ms clock skew allowed)`,
    );
  const last = state.sourceTs[source] as number;
  assert(sourceTs < last, "prices: a sourceTs refused for no reason");
  return domainError(
    "stale_price",
    `price.sourceTs: ${sourceTs} is older than ${state.id}/${state.sourceIds[source]}'s last observation at ${last}`,
  );
}

/** A source behind an index price as a decision used it. */
export interface IndexSourceEvidence {
  readonly source: string;
  readonly price: string;
  readonly ageMs: number;
}

export class MarketPrices {
  readonly indices: IndexState[];
  private readonly indexNo: IdNumbers;
  private readonly watches: IndexWatch[];
  readonly marks: MarkState[] = [];
  private readonly markNo = new Map<string, number>();
  private readonly markIndex: number[] = [];
  private readonly marksOf: number[][];
  private readonly markWatch: (DivergenceWatch | null)[] = [];
  private readonly instrumentIndex = new Map<string, number>();
  /** Manual halts by scope (symbol, index, or index/source), with the operator's note. */
  private readonly manual = new Map<string, string>();
  private readonly optionSymbols = new Set<string>();
  private options: OptionMarkSource | null = null;

  constructor(config: MarketConfig) {
    this.indexNo = new IdNumbers(config.indices.map((c) => c.id));
    this.indices = config.indices.map((c) => new IndexState(c));
    this.watches = config.indices.map((c) => this.indexWatch(c));
    this.marksOf = config.indices.map(() => []);
    for (const instrument of config.instruments) {
      const index = this.indexNo.get(instrument.index);
      this.instrumentIndex.set(instrument.symbol, index);
      if (instrument.kind === "option") {
        this.optionSymbols.add(instrument.symbol); // its mark comes from the volatility surface
        continue;
      }
      const m = this.marks.length;
      this.marks.push(new MarkState(instrument, (this.indices[index] as IndexState).decimals));
      this.markNo.set(instrument.symbol, m);
      this.markIndex.push(index);
      (this.marksOf[index] as number[]).push(m);
      this.markWatch.push(this.markDivergence(instrument));
    }
  }

  private indexWatch(c: IndexConfig): IndexWatch {
    const b = c.breakers;
    const breaker = (reason: BreakerReason) => new Breaker(c.id, reason, b.action, b.coolDownMs);
    return {
      divergence:
        b.divergence === null
          ? null
          : new DivergenceWatch(
              breaker("divergence"),
              new DivergenceMonitor(settings(b.divergence)),
              b.divergence.benchmark.kind === "index" ? this.indexNo.get(b.divergence.benchmark.index) : -1,
            ),
      move:
        b.move === null
          ? null
          : new MoveWatch(breaker("move"), new WindowRange(MOVE_SAMPLES, b.move.windowMs), num(b.move.limit)),
      degraded: b.degraded ? new DegradedWatch(breaker("degraded")) : null,
    };
  }

  private markDivergence(instrument: InstrumentConfig): DivergenceWatch | null {
    const b = instrument.breakers;
    if (b.divergence === null) return null;
    return new DivergenceWatch(
      new Breaker(instrument.symbol, "divergence", b.action, b.coolDownMs),
      new DivergenceMonitor(settings(b.divergence)),
      -1,
    );
  }

  // ---- validation (changes nothing) ----

  /**
   * Counts changes to anything a read depends on (prices, ticks, halts, book prices): a reader may cache what it
   * read at (revision, now). Not state: a replay reaches the same reads whatever the count.
   */
  revision = 0;

  /** Validates a `price` command's fields; on success the parsed values are in `checked`. */
  readonly checked = { index: 0, source: 0, price: 0, sourceTs: 0, text: "" };

  checkPrice(c: Record<string, unknown>, ts: number): DomainError | null {
    const indexId = c["index"];
    const index = typeof indexId === "string" ? this.indexNo.get(indexId) : -1;
    if (index < 0)
      return typeof indexId === "string"
        ? domainError("unknown_index", `price.index: "${indexId}" is not an index of this market`)
        : domainError("invalid", `price.index: ${describeValue(indexId)} is not an index id`);
    const state = this.indices[index] as IndexState;
    const sourceId = c["source"];
    const source = typeof sourceId === "string" ? state.source(sourceId) : -1;
    if (source < 0)
      return domainError(
        typeof sourceId === "string" ? "unknown_source" : "invalid",
        `price.source: ${describeValue(sourceId)} is not a source of index ${state.id}`,
      );
    const text = c["price"];
    const price = typeof text === "string" ? readPrice(text) : Number.NaN;
    if (price > MAX_PRICE)
      return domainError(
        "invalid",
        `price.price: ${describeValue(text)} is more than the largest price accepted, 10^15`,
      );
    if (Number.isNaN(price)) {
      // the slow path only builds the error message
      const raw = parseDecimal(text, 18, "price.price", "positive");
      return typeof raw === "bigint"
        ? domainError("invalid", `price.price: ${describeValue(text)} is not a price`)
        : raw;
    }
    const sourceTs = c["sourceTs"];
    if (
      typeof sourceTs !== "number" ||
      !Number.isSafeInteger(sourceTs) ||
      sourceTs < 0 ||
      sourceTs > ts + state.maxClockSkewMs ||
      sourceTs < (state.sourceTs[source] as number)
    )
      return sourceTsRefusal(c, ts, state, source);
    this.checked.index = index;
    this.checked.source = source;
    this.checked.price = price;
    this.checked.text = lastRead.canonical ? (text as string) : canonicalPrice(text as string);
    this.checked.sourceTs = sourceTs;
    return null;
  }

  // ---- commands ----

  /** Applies the price last validated by `checkPrice`. */
  applyPrice(now: number, cause: number, sink: PriceEventSink): void {
    this.revision++;
    const index = this.checked.index;
    (this.indices[index] as IndexState).observe(this.checked, now);
    this.refresh(index, now, cause, sink);
  }

  /** Time passes: staleness, marks and breakers are evaluated at `now` for every index. */
  tick(now: number, cause: number, sink: PriceEventSink): void {
    this.revision++;
    for (let i = 0; i < this.indices.length; i++) this.refresh(i, now, cause, sink);
  }

  /** The scope a `halt`/`resume` names: a symbol, an index, or `index/source`; null when unknown. */
  scopeKind(scope: string): "symbol" | "index" | "source" | null {
    if (this.instrumentIndex.has(scope)) return "symbol";
    if (this.indexNo.get(scope) >= 0) return "index";
    const slash = scope.indexOf("/");
    if (slash > 0) {
      const index = this.indexNo.get(scope.slice(0, slash));
      if (index >= 0 && (this.indices[index] as IndexState).source(scope.slice(slash + 1)) >= 0)
        return "source";
    }
    return null;
  }

  isHalted(scope: string): boolean {
    return this.manual.has(scope);
  }

  /** An operator's halt (already validated): the scope stops until resumed. */
  halt(scope: string, note: string, now: number, cause: number, sink: PriceEventSink): void {
    this.revision++;
    this.manual.set(scope, note);
    this.manualEvent(scope, "tripped", note, now, cause, sink);
    this.afterManual(scope, now, cause, sink);
  }

  resume(scope: string, note: string, now: number, cause: number, sink: PriceEventSink): void {
    this.revision++;
    this.manual.delete(scope);
    this.manualEvent(scope, "cleared", note, now, cause, sink);
    this.afterManual(scope, now, cause, sink);
  }

  private afterManual(scope: string, now: number, cause: number, sink: PriceEventSink): void {
    const slash = scope.indexOf("/");
    if (slash < 0) return;
    // A halted venue leaves its index at once; the index is recomputed without (or again with) it.
    const index = this.indexNo.get(scope.slice(0, slash));
    const state = this.indices[index] as IndexState;
    state.setHalted(state.source(scope.slice(slash + 1)), this.manual.has(scope));
    this.refresh(index, now, cause, sink);
  }

  private manualEvent(
    scope: string,
    state: "tripped" | "cleared",
    note: string,
    now: number,
    cause: number,
    sink: PriceEventSink,
  ): void {
    sink.push({
      seq: sink.nextSeq(),
      ts: now,
      type: "breaker",
      cause,
      scope,
      state,
      reason: "manual",
      value: "0",
      threshold: "0",
      action: "halted",
      note,
    });
  }

  // ---- reads ----

  /** The index as it stands at `now` (sources gone stale since the last command count as stale). */
  indexPrice(id: string, now: number): PricedValue | null {
    const index = this.indexNo.get(id);
    if (index < 0) return null;
    return (this.indices[index] as IndexState).peek(now);
  }

  /** Plugs in the option marks (once, at construction of the engine). */
  setOptionMarks(source: OptionMarkSource): void {
    assert(this.options === null, "prices: option marks plugged in twice");
    this.options = source;
  }

  /** The forward of an option's expiry (NaN for other symbols or without a price). */
  optionForward(symbol: string, now: number): number {
    return this.options !== null && this.optionSymbols.has(symbol)
      ? this.options.optionForward(symbol, now)
      : Number.NaN;
  }

  /** A surface changed: option marks read at the same time may differ. */
  surfaceChanged(): void {
    this.revision++;
  }

  /**
   * The mark at `now`: the index as it stands now plus the mark's smoothed basis, with the index's status; for an
   * option, Black-76 on the volatility surface (OptionMarkSource).
   */
  markPrice(symbol: string, now: number): PricedValue | null {
    const m = this.markNo.get(symbol);
    if (m === undefined)
      return this.options !== null && this.optionSymbols.has(symbol)
        ? this.options.optionMark(symbol, now)
        : null;
    const state = this.indices[this.markIndex[m] as number] as IndexState;
    const index = state.peek(now);
    const basis = (this.marks[m] as MarkState).value - state.value;
    return { value: index.value + basis, ageMs: index.ageMs, status: index.status };
  }

  /**
   * The sources an index's price stands on at `now`, with the price each counted at and its age (now − sourceTs):
   * the evidence a margin decision records so that it can be recomputed. Not for hot paths.
   */
  indexSources(id: string, now: number): IndexSourceEvidence[] {
    const index = this.indexNo.get(id);
    if (index < 0) return [];
    const state = this.indices[index] as IndexState;
    return state.usedList().map((used) => ({
      source: used.source,
      price: used.price,
      ageMs: now - (state.sourceTs[state.sourceIds.indexOf(used.source)] as number),
    }));
  }

  /** The book's mid for an instrument's mark (NaN unless two-sided), sampled into its basis at the next computation. */
  observeBook(symbol: string, mid: number): void {
    const m = this.markNo.get(symbol);
    if (m === undefined) return; // an option: its mark is the surface's
    this.revision++;
    (this.marks[m] as MarkState).bookPrice = mid;
  }

  /**
   * A perpetual's funding as estimated so far in the current interval and when it is paid: the first of the
   * median-of-three mark's prices, index × (1 + rate × time to funding / interval).
   */
  setFunding(symbol: string, rate: number, nextFundingTs: number): void {
    const m = this.markNo.get(symbol);
    if (m === undefined) return;
    this.revision++;
    const mark = this.marks[m] as MarkState;
    mark.fundingRate = rate;
    mark.nextFundingTs = nextFundingTs;
  }

  /** A trade on an instrument: without a two-sided book, its price stands for the basis while fresh. */
  observeTrade(symbol: string, price: number, ts: number): void {
    const m = this.markNo.get(symbol);
    if (m === undefined) return; // an option: its mark is the surface's
    this.revision++;
    const mark = this.marks[m] as MarkState;
    mark.lastTrade = price;
    mark.lastTradeTs = ts;
  }

  /** What an instrument may do now: the strictest of manual halts and the breakers over it and its index. */
  tradingMode(symbol: string): TradingMode {
    const index = this.instrumentIndex.get(symbol);
    if (index === undefined) return "halted";
    const indexId = (this.indices[index] as IndexState).id;
    if (this.manual.has(symbol) || this.manual.has(indexId)) return "halted";
    let mode: TradingMode = "normal";
    const consider = (w: Watch | null) => {
      if (w === null || !w.breaker.tripped) return;
      if (w.breaker.action === "halted") mode = "halted";
      else if (mode === "normal") mode = "reduce_only";
    };
    const watch = this.watches[index] as IndexWatch;
    consider(watch.divergence);
    consider(watch.move);
    consider(watch.degraded);
    const m = this.markNo.get(symbol);
    if (m !== undefined) consider(this.markWatch[m] ?? null);
    else if (mode === "normal" && this.options?.surfaceTripped(symbol)) mode = "reduce_only";
    return mode;
  }

  // ---- evaluation ----

  private refresh(index: number, now: number, cause: number, sink: PriceEventSink): void {
    const state = this.indices[index] as IndexState;
    state.compute(now);
    // An index that has never had a price publishes nothing and trips nothing: orders on it are refused as
    // stale_price by the pre-trade check; there is no dislocation to report.
    if (Number.isNaN(state.value)) return;
    if (state.republish()) {
      const seq = sink.nextSeq();
      const raw = sink.raw?.();
      if (raw?.index !== undefined) raw.index(seq, now, cause, index);
      else sink.push(this.indexEvent(index, seq, now, cause));
    }
    this.watchIndex(index, now, cause, sink);
    const marks = this.marksOf[index] as number[];
    for (let k = 0; k < marks.length; k++) this.refreshMark(marks[k] as number, state, now, cause, sink);
  }

  private watchIndex(index: number, now: number, cause: number, sink: PriceEventSink): void {
    const state = this.indices[index] as IndexState;
    const w = this.watches[index] as IndexWatch;
    if (w.degraded !== null) {
      // An index that has never been ok is warming up, not failing: its mark is not ok either, so orders that
      // add risk are refused on it (stale_price) without a breaker that would then hold for a cool-down.
      const d = w.degraded;
      if (state.status === "ok") d.warmed = true;
      const transition = d.warmed ? d.breaker.observe(now, state.status !== "ok") : null;
      if (transition !== null) {
        d.measured = state.usedCount;
        d.limit = state.minSources;
        this.report(d, transition, now, cause, sink);
      }
    }
    if (state.status === "unavailable") return; // nothing fresh to measure moves or divergence on
    if (w.move !== null) {
      const extremes = w.move.extremes;
      extremes.pushValueOf(now, state);
      // Just pushed at now: the window as of now. Its cheap bounds settle a move far from the limit (division
      // and subtraction are monotonic: the bounds' move is at least the exact one); the exact extremes are found
      // only near or past it, or while the breaker is tripped (a clearing reports the exact move).
      let move = extremes.upperMax / extremes.lowerMin - 1;
      if (move > w.move.threshold || w.move.breaker.tripped) {
        extremes.measure();
        move = extremes.measuredMax / extremes.measuredMin - 1;
      }
      const transition = w.move.breaker.observe(now, move > w.move.threshold);
      // measured and limit are read only by a report: a double stored on every update would be boxed. A
      // report only on a transition also keeps it out of this hot method (calls never made are not inlined).
      if (transition !== null) {
        w.move.measured = move;
        w.move.limit = w.move.threshold;
        this.report(w.move, transition, now, cause, sink);
      }
    }
    if (w.divergence !== null) {
      let benchmark = state.rawMedian;
      if (w.divergence.benchmark >= 0) {
        const other = this.indices[w.divergence.benchmark] as IndexState;
        if (other.status === "unavailable" || Number.isNaN(other.value)) return;
        benchmark = other.value;
      }
      const d = w.divergence;
      d.monitor.price = state.value;
      d.monitor.benchmark = benchmark;
      const transition = d.breaker.observe(now, d.monitor.observe(now, d.breaker.tripped));
      if (transition !== null) {
        d.measured = d.monitor.measured;
        d.limit = d.monitor.limit;
        this.report(d, transition, now, cause, sink);
      }
    }
  }

  private refreshMark(m: number, index: IndexState, now: number, cause: number, sink: PriceEventSink): void {
    const mark = this.marks[m] as MarkState;
    mark.compute(now, index);
    // With no basis (no book yet, or the index method) the mark is the index: it shares the index's key.
    const published = mark.published;
    if (
      (published.differs(mark, index.published) || index.status !== mark.publishedStatus) &&
      !Number.isNaN(mark.value)
    ) {
      published.record();
      mark.publishedStatus = index.status;
      const seq = sink.nextSeq();
      const raw = sink.raw?.();
      if (raw?.mark !== undefined) raw.mark(seq, now, cause, m);
      else sink.push(this.markEvent(m, seq, now, cause));
    }
    const w = this.markWatch[m];
    if (w === null || w === undefined || index.status === "unavailable" || Number.isNaN(mark.value)) return;
    w.monitor.price = mark.value;
    w.monitor.benchmark = index.value;
    const transition = w.breaker.observe(now, w.monitor.observe(now, w.breaker.tripped));
    if (transition !== null) {
      w.measured = w.monitor.measured;
      w.limit = w.monitor.limit;
      this.report(w, transition, now, cause, sink);
    }
  }

  /**
   * The `index` event of index number `index` as last published, at `ts`: what the object channel emits, and what
   * a consumer of the raw channel builds during its `index` call (it reads the state as just published).
   */
  indexEvent(index: number, seq: number, ts: number, cause: number): IndexEvent {
    const state = this.indices[index] as IndexState;
    return {
      seq,
      ts,
      type: "index",
      cause,
      index: state.id,
      price: state.publishedText,
      status: state.status,
      ageMs: state.ageMs(ts),
      sources: state.usedList(),
      excluded: state.excludedList(),
    };
  }

  /** The `mark` event of mark number `m` as last published, at `ts` (as `indexEvent`). */
  markEvent(m: number, seq: number, ts: number, cause: number): MarkEvent {
    const mark = this.marks[m] as MarkState;
    const index = this.indices[this.markIndex[m] as number] as IndexState;
    // A mark equal to its index reuses the index's text: one formatting for both.
    const same = mark.published.value === index.published.value;
    return {
      seq,
      ts,
      type: "mark",
      cause,
      symbol: mark.symbol,
      price: same ? index.publishedText : mark.publishedText,
      index: index.id,
      status: index.status,
      ageMs: index.ageMs(ts),
    };
  }

  private report(
    w: Watch,
    transition: BreakerTransition,
    now: number,
    cause: number,
    sink: PriceEventSink,
  ): void {
    if (transition === null) return;
    const b = w.breaker;
    sink.push({
      seq: sink.nextSeq(),
      ts: now,
      type: "breaker",
      cause,
      scope: b.scope,
      state: transition,
      reason: b.reason,
      value: priceText(w.measured, 8),
      threshold: priceText(w.limit, 8),
      action: b.action,
    });
  }

  // ---- snapshots ----

  /**
   * The layer's state, JSON-compatible. Not `revision` (a count for readers' caches, bumped by restore), not
   * `checked` (checkPrice's result, read by the applyPrice right after it), not the option source (plugged in at
   * construction).
   */
  snapshot(): PricesSnapshot {
    return {
      format: PRICES_SNAPSHOT_FORMAT,
      indices: this.indices.map((s) => s.snapshot()),
      indexWatches: this.watches.map((w) => ({
        divergence: w.divergence?.snapshot() ?? null,
        move: w.move?.snapshot() ?? null,
        degraded: w.degraded?.snapshot() ?? null,
      })),
      marks: this.marks.map((m) => m.snapshot()),
      markWatches: this.markWatch.map((w) => w?.snapshot() ?? null),
      halts: [...this.manual.entries()],
    };
  }

  /**
   * Restores `s` onto this layer, freshly built from the configuration `s` was taken with. The snapshot's shape
   * is checked against the configuration first; a snapshot refused part way (a malformed field) leaves this
   * object unusable: build a fresh one.
   */
  restore(s: PricesSnapshot): void {
    if (s.format !== PRICES_SNAPSHOT_FORMAT)
      throw new RangeError(
        `snapshot: prices format ${JSON.stringify(s.format)}, not ${PRICES_SNAPSHOT_FORMAT}`,
      );
    const same = (what: string, a: readonly unknown[], b: readonly unknown[]) => {
      if (!Array.isArray(a) || a.length !== b.length)
        throw new RangeError(`snapshot: prices ${what}: ${b.length} expected`);
    };
    same("indices", s.indices, this.indices);
    same("indexWatches", s.indexWatches, this.watches);
    same("marks", s.marks, this.marks);
    same("markWatches", s.markWatches, this.markWatch);
    const configured = (what: string, snapshot: unknown, watch: unknown) => {
      if ((snapshot === null) !== (watch === null))
        throw new RangeError(
          `snapshot: ${what}: the configuration ${watch === null ? "has no" : "has a"} breaker`,
        );
    };
    this.watches.forEach((w, i) => {
      const id = (this.indices[i] as IndexState).id;
      const sw = s.indexWatches[i] as PricesSnapshot["indexWatches"][number];
      configured(`${id} divergence`, sw.divergence, w.divergence);
      configured(`${id} move`, sw.move, w.move);
      configured(`${id} degraded`, sw.degraded, w.degraded);
    });
    this.markWatch.forEach((w, m) => {
      configured(`${(this.marks[m] as MarkState).symbol} divergence`, s.markWatches[m], w);
    });
    if (!Array.isArray(s.halts)) throw new RangeError("snapshot: prices halts: not an array");
    for (const halt of s.halts)
      if (
        !Array.isArray(halt) ||
        typeof halt[0] !== "string" ||
        typeof halt[1] !== "string" ||
        this.scopeKind(halt[0]) === null
      )
        throw new RangeError(`snapshot: prices halt ${JSON.stringify(halt)} is not a scope of this market`);

    this.indices.forEach((state, i) => {
      state.restore(s.indices[i] as IndexStateSnapshot);
    });
    this.watches.forEach((w, i) => {
      const sw = s.indexWatches[i] as PricesSnapshot["indexWatches"][number];
      if (sw.divergence !== null) w.divergence?.restore(sw.divergence);
      if (sw.move !== null) w.move?.restore(sw.move);
      if (sw.degraded !== null) w.degraded?.restore(sw.degraded);
    });
    this.marks.forEach((mark, m) => {
      mark.restore(s.marks[m] as MarkStateSnapshot);
    });
    this.markWatch.forEach((w, m) => {
      const sw = s.markWatches[m];
      if (w !== null && sw !== null && sw !== undefined) w.restore(sw);
    });
    this.manual.clear();
    for (const [scope, note] of s.halts) this.manual.set(scope, note);
    // Everything a reader may have cached is stale.
    this.revision++;
  }

  *canonicalLines(): Generator<string> {
    for (const s of this.indices) yield* s.canonicalLines();
    for (const w of this.watches) {
      if (w.divergence !== null)
        yield `${w.divergence.breaker.canonical()} ${w.divergence.monitor.canonical()}`;
      if (w.move !== null) yield `${w.move.breaker.canonical()} ${w.move.extremes.canonical()}`;
      if (w.degraded !== null) yield `${w.degraded.breaker.canonical()} ${w.degraded.warmed ? 1 : 0}`;
    }
    for (const m of this.marks) yield m.canonical();
    for (const w of this.markWatch)
      if (w !== null && w !== undefined) yield `${w.breaker.canonical()} ${w.monitor.canonical()}`;
    for (const [scope, note] of [...this.manual.entries()].sort())
      yield `halt ${scope} ${JSON.stringify(note)}`;
  }
}

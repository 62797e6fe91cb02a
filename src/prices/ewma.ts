// Time EWMA: α = 1 − 2^(−Δt/h), value += α·(x − value) (Eckner, "Algorithms for Unevenly Spaced Time Series").
// That is Eckner's EMA with time constant τ = h/ln 2, weighting the newest observation.
//
// Determinism: only + − × ÷ and 2 ** y (written so by the linter; the same operation as Math.pow(2, y)). V8
// computes both with its own code (`base::ieee754::pow`, a port of fdlibm), not the platform's libm, so a given
// V8 returns the same bits on every OS and CPU. Another V8 (Node major) could in principle differ in the last
// bit, so a replay that must match bit for bit runs on the Node major that recorded it.

import { decodeCount, decodeNumber, encodeNumber, type SnapNumber } from "../kernel/snapshot-numbers.js";

/** Longest half-life accepted: one year in ms. Bounds the parameter; longer smoothing is a configuration bug. */
export const MAX_HALF_LIFE_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * Weight of a new observation after `dtMs` ms: 1 − 2^(−dt/h). dt ≤ 0 → 0. Tends to 1 as dt grows.
 * For dt ≪ h the subtraction loses relative (not absolute) precision; α is then tiny and so is its effect.
 */
export function ewmaAlpha(dtMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0 && halfLifeMs <= MAX_HALF_LIFE_MS))
    throw new RangeError(`ewmaAlpha: halfLifeMs ${halfLifeMs} is not in (0, ${MAX_HALF_LIFE_MS}]`);
  if (Number.isNaN(dtMs)) throw new RangeError("ewmaAlpha: dtMs is NaN");
  if (dtMs <= 0) return 0;
  return 1 - 2 ** (-dtMs / halfLifeMs);
}

/** Whole-ms gaps below this have their α memoised per half-life: the power is most of an update's cost. */
export const ALPHA_MEMO_MS = 4096;
// Shared by every average with the same half-life; a memo of a pure function, so replay is unaffected.
const memos = new Map<number, Float64Array>();

/** The α memo of one half-life (NaN: not computed yet). */
function alphaMemo(halfLifeMs: number): Float64Array {
  let memo = memos.get(halfLifeMs);
  if (memo === undefined) {
    memo = new Float64Array(ALPHA_MEMO_MS + 1).fill(Number.NaN); // + the slot of a gap not memoised
    memos.set(halfLifeMs, memo);
  }
  return memo;
}

/** The observation `update` hands to its fold (see update). */
const PENDING = new Float64Array(1);

/** Numbers per average in a slab of TimeEwma state (value, count, last ts). */
export const EWMA_ROW = 3;

/** An average's three numbers (its half-life is configuration; its α memo a cache of a pure function). */
export interface TimeEwmaSnapshot {
  readonly value: SnapNumber;
  readonly count: number;
  readonly lastTs: SnapNumber;
}

/**
 * EWMA of irregularly spaced observations with a half-life in ms.
 *
 * - The first observation sets the value.
 * - A later one at `ts` moves the value by α(ts − lastTs)·(x − value). After a step to a constant input the
 *   remaining gap halves every half-life, however the observations in between are spaced (α composes).
 * - An observation at the same `ts` as the previous one has Δt = 0, so α = 0 and the value is unchanged: the
 *   first observation at a timestamp wins. A caller that wants several same-instant observations to count
 *   combines them first (median, mean) and updates once.
 * - Timestamps must not go backwards, and x must be finite: both are the caller's bugs (a feed is checked at the
 *   domain edge, with `ts_regression` / `invalid`), so they throw RangeError and change nothing.
 *
 * Allocation-free after construction: three numbers of state, in a slab row shared with others or its own.
 */
export class TimeEwma {
  readonly halfLifeMs: number;
  readonly #alphas: Float64Array;
  // The value, the count and the last ts, at #at, #at + 1 and #at + 2 of #state: an array of its own, or a row of
  // a slab shared with averages updated alongside (an index's sources side by side). Fields would each box their
  // double in a heap number of its own; an average updated once every hundred commands then found three cold
  // cache lines where a slab row finds one warm line.
  readonly #state: Float64Array;
  readonly #at: number;
  /** Where `update` leaves x for its fold (shared: nothing runs in between). */
  private readonly pending = PENDING;

  constructor(halfLifeMs: number, slab?: Float64Array, row = 0) {
    if (!(halfLifeMs > 0 && halfLifeMs <= MAX_HALF_LIFE_MS))
      throw new RangeError(`TimeEwma: halfLifeMs ${halfLifeMs} is not in (0, ${MAX_HALF_LIFE_MS}]`);
    this.halfLifeMs = halfLifeMs;
    this.#alphas = alphaMemo(halfLifeMs);
    this.#state = slab ?? new Float64Array(EWMA_ROW);
    this.#at = row * EWMA_ROW;
    if (!(Number.isInteger(row) && row >= 0 && this.#at + EWMA_ROW <= this.#state.length))
      throw new RangeError(`TimeEwma: row ${row} is not a row of a slab of ${this.#state.length} numbers`);
    this.reset();
  }

  /** ewmaAlpha(dt, halfLifeMs), from the memo for a whole number of ms below ALPHA_MEMO_MS. */
  #alpha(dt: number): number {
    const alphas = this.#alphas;
    const memo = dt < ALPHA_MEMO_MS && Number.isInteger(dt);
    const at = memo ? dt : ALPHA_MEMO_MS; // the memo's last slot holds the α of a gap it does not keep
    // Computed into the memo and always read from it: where a memoised α (a double) met the call's result (a
    // tagged number), V8 merged the two as tagged and boxed the memoised one on every update, 16 bytes each.
    if (!memo || Number.isNaN(alphas[at]!)) alphas[at] = ewmaAlpha(dt, this.halfLifeMs);
    return alphas[at]!;
  }

  /**
   * Folds in observation `x` at time `ts` (ms). Small enough that V8 always inlines it (under 27 bytes of
   * bytecode, whatever its caller's inlining budget): x is stored where the fold reads it, and the fold is called
   * with ts alone, a caller's parameter passed as it came. A double passed to a call V8 does not inline is boxed,
   * a heap number per call; whether a larger update was inlined changed with unrelated code (16–48 bytes per
   * price command came and went).
   */
  update(ts: number, x: number): void {
    this.pending[0] = x;
    this.fold(ts);
  }

  /** update's body: x is in `pending`. */
  private fold(ts: number): void {
    const x = this.pending[0]!;
    const s = this.#state;
    const at = this.#at;
    const lastTs = s[at + 2]!; // NaN before the first observation: no order to keep yet
    // One refusal site: a double used by calls on two branches was boxed where both meet, on every update.
    if (!(Number.isFinite(ts) && Number.isFinite(x) && !(ts < lastTs))) refuseUpdate(ts, x, lastTs);
    if (s[at + 1] === 0) {
      s[at] = x;
    } else {
      const dt = ts - lastTs;
      const v = s[at]!;
      const next = v + this.#alpha(dt) * (x - v);
      // Rounding could carry `next` an ulp past x; the value never leaves the range of what was observed.
      s[at] = (x >= v ? next > x : next < x) ? x : next;
    }
    s[at + 2] = ts;
    s[at + 1]!++;
  }

  /** The smoothed value; NaN before the first observation. */
  get value(): number {
    return this.#state[this.#at]!;
  }

  /** Observations folded in since construction or the last reset (same-ts ones included). */
  get count(): number {
    return this.#state[this.#at + 1]!;
  }

  /** Timestamp of the latest observation; NaN before the first. */
  get lastTs(): number {
    return this.#state[this.#at + 2]!;
  }

  snapshot(): TimeEwmaSnapshot {
    return { value: encodeNumber(this.value), count: this.count, lastTs: encodeNumber(this.lastTs) };
  }

  /** Writes its row only: the averages sharing its slab restore their own. */
  restore(s: TimeEwmaSnapshot): void {
    const state = this.#state;
    state[this.#at] = decodeNumber(s.value, "ewma value");
    state[this.#at + 1] = decodeCount(s.count, Number.MAX_SAFE_INTEGER, "ewma count");
    state[this.#at + 2] = decodeNumber(s.lastTs, "ewma lastTs");
  }

  reset(): void {
    this.#state[this.#at] = Number.NaN;
    this.#state[this.#at + 1] = 0;
    this.#state[this.#at + 2] = Number.NaN;
  }
}

/**
 * The RangeError of an update that breaks the contract. Messages are built here, out of the hot method: inlined
 * into its caller, a number in a template literal there was formatted by V8 (Node 20) on every call, on a branch
 * never taken (measured: update 200 → 20 ns).
 */
function refuseUpdate(ts: number, x: number, lastTs: number): never {
  if (!Number.isFinite(ts)) throw new RangeError(`TimeEwma.update: ts ${ts} is not finite`);
  if (!Number.isFinite(x)) throw new RangeError(`TimeEwma.update: x ${x} is not finite`);
  throw new RangeError(`TimeEwma.update: ts ${ts} is before the last ts ${lastTs}`);
}

// Sliding-window min and max for a test that is rarely close: the move breaker asks on every index value whether
// max / min − 1 over the window passes its limit, and in a calm market the answer is far from it. The same window
// as WindowExtremes (same expiry, same capacity rule, same canonical text), kept as a ring split into blocks
// (van Herk / Gil-Werman):
//
// - the values pushed since the current block began have their running max and min (two branch-free operations a
//   push, where the deques of WindowExtremes popped on data-dependent branches);
// - when a block completes, each of its slots gets the extremes from it to the block's end, and each complete
//   block the extremes from it to the newest complete block: the older part of the window (everything before the
//   current block) then has its exact extremes in two reads, from the oldest slot and from the block after it;
// - `upperMax` / `lowerMin` are cheaper still: the older part's extremes when the current block began (a bound as
//   values leave) with the current block's. Enough to answer "far from the limit" (IEEE division and subtraction
//   are monotonic, so a bound's ratio below the limit proves the exact one is); `measure` gives the exact ones.
//
// The deques of WindowExtremes are a function of the live values: `canonical` derives them (window-canonical.ts),
// so the state is the ring, and its text the one WindowExtremes writes after the same pushes and queries. Between
// 0 and −0 (equal under `<`) either may be reported as the extreme. Size the capacity as a multiple of 256: blocks
// are the largest power of two dividing it, up to 256.

import {
  decodeCount,
  decodeInto,
  decodeNumber,
  encodeNumber,
  encodeTrimmed,
  type SnapNumber,
} from "../kernel/snapshot-numbers.js";
import { windowCanonical } from "./window-canonical.js";
import { MAX_CAPACITY, MIN_CAPACITY } from "./window-extremes.js";

/**
 * Largest block: a power of two dividing the capacity, at most this. A block completing costs a pass over its
 * slots and one over the blocks: per push 1 + capacity / block² steps (8,192 values: 1.125 with 256, 3 with 64).
 */
const MAX_BLOCK = 256;

// Doubles of the state, side by side in one array (fields would each box theirs in a heap number of its own).
const LATEST = 0; // latest time seen (push ts or query now)
const OLDEST_BOUND = 1; // a lower bound of the oldest live value's ts (see #advance)
const CUR_MAX = 2; // extremes of the values pushed since the current block began
const CUR_MIN = 3;
const OLD_MAX = 4; // bounds of the live values older than the current block (exact when last measured)
const OLD_MIN = 5;
const MEASURED_MAX = 6; // the window's exact extremes at the last `measure`
const MEASURED_MIN = 7;
const UPPER_MAX = 8; // the bounds as of the last push (see upperMax)
const LOWER_MIN = 9;
const SCALARS = 10;

/** The whole structure: scalars, ring position, and every array (see WindowRange.snapshot). */
export interface WindowRangeSnapshot {
  /** The doubles of the state, in the order of their slots (LATEST … LOWER_MIN). */
  readonly scalars: readonly SnapNumber[];
  readonly head: number;
  readonly size: number;
  readonly curLen: number;
  readonly ts: readonly SnapNumber[];
  readonly xs: readonly SnapNumber[];
  readonly slotMax: readonly SnapNumber[];
  readonly slotMin: readonly SnapNumber[];
  readonly blocksMax: readonly SnapNumber[];
  readonly blocksMin: readonly SnapNumber[];
}

/** Min and max of the values pushed within the last `windowMs` ms, over at most `capacity` values. */
export class WindowRange {
  readonly capacity: number;
  readonly windowMs: number;
  /** Values per block: a power of two dividing the capacity. */
  readonly block: number;
  readonly #f = new Float64Array(SCALARS);
  // Ring of the live values, oldest at slot (head − size), newest at (head − 1), modulo capacity.
  readonly #ts: Float64Array;
  readonly #xs: Float64Array;
  /** Extremes of each slot's value and those after it in its block, as the block last completed. */
  readonly #slotMax: Float64Array;
  readonly #slotMin: Float64Array;
  /** Extremes of each block and the blocks after it up to the newest complete one, as of the current block's start. */
  readonly #blocksMax: Float64Array;
  readonly #blocksMin: Float64Array;
  #head = 0; // slot the next value is written to
  #size = 0;
  /** Values pushed since the current block began (0: no block begun). */
  #curLen = 0;

  constructor(capacity: number, windowMs: number) {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
      throw new RangeError(
        `WindowRange: capacity ${capacity} is not an integer in [${MIN_CAPACITY}, ${MAX_CAPACITY}]`,
      );
    if (!(windowMs > 0 && Number.isFinite(windowMs)))
      throw new RangeError(`WindowRange: windowMs ${windowMs} is not a positive finite number`);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.block = Math.min(MAX_BLOCK, capacity & -capacity);
    this.#ts = new Float64Array(capacity);
    this.#xs = new Float64Array(capacity);
    this.#slotMax = new Float64Array(capacity);
    this.#slotMin = new Float64Array(capacity);
    this.#blocksMax = new Float64Array(capacity / this.block);
    this.#blocksMin = new Float64Array(capacity / this.block);
    this.clear();
  }

  /** Adds value x observed at ts (allocates a holder: hot callers use pushValueOf). */
  push(ts: number, x: number): void {
    this.pushValueOf(ts, { value: x });
  }

  /**
   * Adds holder.value observed at ts. The value is read here: a double passed to a call V8 does not inline is
   * boxed (a heap number per call), an object holding it is not.
   */
  pushValueOf(ts: number, holder: { readonly value: number }): void {
    const x = holder.value;
    const f = this.#f;
    if (!(Number.isFinite(x) && Number.isFinite(ts) && ts >= f[LATEST]!)) refuse("push", ts, x, f[LATEST]!);
    this.#advance(ts);
    const cap = this.capacity;
    const slot = this.#head;
    // Full: the slot about to be overwritten holds the oldest live value; it leaves as if it had expired.
    if (this.#size === cap) this.#size--;
    else if (this.#size === 0) f[OLDEST_BOUND] = ts;
    this.#ts[slot] = ts;
    this.#xs[slot] = x;
    this.#head = slot + 1 === cap ? 0 : slot + 1;
    this.#size++;
    if ((slot & (this.block - 1)) === 0) this.#beginBlock(slot, x);
    else {
      f[CUR_MAX] = Math.max(f[CUR_MAX]!, x);
      f[CUR_MIN] = Math.min(f[CUR_MIN]!, x);
      this.#curLen++;
    }
    f[UPPER_MAX] = Math.max(f[OLD_MAX]!, f[CUR_MAX]!);
    f[LOWER_MIN] = Math.min(f[OLD_MIN]!, f[CUR_MIN]!);
  }

  /**
   * At least the largest value in the window as of the latest time seen (−∞ when nothing was pushed since the
   * last clear). Computed by the push, read here: a getter this small is always inlined, so its double is not
   * boxed (one computing the bound was not, 16 bytes a price command).
   */
  get upperMax(): number {
    return this.#f[UPPER_MAX]!;
  }

  /** At most the smallest value in the window as of the latest time seen (+∞ when nothing was pushed). */
  get lowerMin(): number {
    return this.#f[LOWER_MIN]!;
  }

  /** Finds the window's exact extremes as of the latest time seen: `measuredMax`, `measuredMin` (NaN: empty). */
  measure(): void {
    const f = this.#f;
    const size = this.#size;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    if (this.#curLen >= size) {
      // Every live value is in the current block: its extremes, or (some of its values expired) a scan.
      if (this.#curLen === size) {
        max = f[CUR_MAX]!;
        min = f[CUR_MIN]!;
      } else
        for (let k = 1; k <= size; k++) {
          const x = this.#xs[this.#slot(k)]!;
          if (x > max) max = x;
          if (x < min) min = x;
        }
    } else {
      this.#measureOld();
      max = Math.max(f[OLD_MAX]!, f[CUR_MAX]!);
      min = Math.min(f[OLD_MIN]!, f[CUR_MIN]!);
    }
    f[MEASURED_MAX] = size === 0 ? Number.NaN : max;
    f[MEASURED_MIN] = size === 0 ? Number.NaN : min;
  }

  get measuredMax(): number {
    return this.#f[MEASURED_MAX]!;
  }

  get measuredMin(): number {
    return this.#f[MEASURED_MIN]!;
  }

  /** Smallest value with ts > now − windowMs; NaN when there is none. */
  min(now: number): number {
    this.#moveTo(now, "min");
    this.measure();
    return this.measuredMin;
  }

  /** Largest value with ts > now − windowMs; NaN when there is none. */
  max(now: number): number {
    this.#moveTo(now, "max");
    this.measure();
    return this.measuredMax;
  }

  /** Values inside the window as of the latest time seen (push ts or query now), at most `capacity`. */
  get size(): number {
    return this.#size;
  }

  clear(): void {
    const f = this.#f;
    f[LATEST] = Number.NEGATIVE_INFINITY;
    f[OLDEST_BOUND] = Number.NEGATIVE_INFINITY;
    f[CUR_MAX] = f[OLD_MAX] = f[UPPER_MAX] = Number.NEGATIVE_INFINITY;
    f[CUR_MIN] = f[OLD_MIN] = f[LOWER_MIN] = Number.POSITIVE_INFINITY;
    f[MEASURED_MAX] = f[MEASURED_MIN] = Number.NaN;
    this.#head = this.#size = this.#curLen = 0;
  }

  /**
   * Every array whole (trailing zeros of a ring not yet filled left out), not just the live values: a block that
   * completes reads all its slots, expired ones included, and the bounds (upperMax, the older part's extremes)
   * may still count values that have left the window. Which other slots can never be read again is a proof this
   * structure does not need elsewhere; keeping them all makes a restore exact without one.
   */
  snapshot(): WindowRangeSnapshot {
    return {
      scalars: Array.from(this.#f, encodeNumber),
      head: this.#head,
      size: this.#size,
      curLen: this.#curLen,
      ts: encodeTrimmed(this.#ts),
      xs: encodeTrimmed(this.#xs),
      slotMax: encodeTrimmed(this.#slotMax),
      slotMin: encodeTrimmed(this.#slotMin),
      blocksMax: encodeTrimmed(this.#blocksMax),
      blocksMin: encodeTrimmed(this.#blocksMin),
    };
  }

  restore(s: WindowRangeSnapshot): void {
    if (!Array.isArray(s.scalars) || s.scalars.length !== SCALARS)
      throw new RangeError("snapshot: window range: scalars");
    s.scalars.forEach((x, i) => {
      this.#f[i] = decodeNumber(x, `window range scalars[${i}]`);
    });
    this.#head = decodeCount(s.head, this.capacity, "window range head");
    this.#size = decodeCount(s.size, this.capacity + 1, "window range size");
    this.#curLen = decodeCount(s.curLen, this.block + 1, "window range curLen");
    decodeInto(this.#ts, s.ts, "window range ts");
    decodeInto(this.#xs, s.xs, "window range xs");
    decodeInto(this.#slotMax, s.slotMax, "window range slotMax");
    decodeInto(this.#slotMin, s.slotMin, "window range slotMin");
    decodeInto(this.#blocksMax, s.blocksMax, "window range blocksMax");
    decodeInto(this.#blocksMin, s.blocksMin, "window range blocksMin");
  }

  /** WindowExtremes's canonical text after the same calls (window-canonical.ts derives its deques). */
  canonical(): string {
    return windowCanonical(
      this.#f[LATEST]!,
      this.#size,
      this.#head,
      this.capacity,
      (slot) => this.#ts[slot]!,
      (slot) => this.#xs[slot]!,
    );
  }

  /**
   * A value pushed at `slot` began a block: the block before is complete (its slots' extremes to its end, and the
   * blocks' extremes to it, computed), and the older part's extremes are measured for the bounds.
   */
  #beginBlock(slot: number, x: number): void {
    const f = this.#f;
    const b = this.block;
    if (this.#curLen > 0) {
      const xs = this.#xs;
      const slotMax = this.#slotMax;
      const slotMin = this.#slotMin;
      const end = slot === 0 ? this.capacity : slot;
      let max = Number.NEGATIVE_INFINITY;
      let min = Number.POSITIVE_INFINITY;
      for (let s = end - 1; s >= end - b; s--) {
        const v = xs[s]!;
        if (v > max) max = v;
        if (v < min) min = v;
        slotMax[s] = max;
        slotMin[s] = min;
      }
      // Each block back from the one just completed, through the ring: its extremes to the newest complete block.
      const blocks = this.#blocksMax.length;
      const blocksMax = this.#blocksMax;
      const blocksMin = this.#blocksMin;
      let k = end / b - 1;
      for (let n = 1; n < blocks; n++) {
        const first = k * b;
        if (slotMax[first]! > max) max = slotMax[first]!;
        if (slotMin[first]! < min) min = slotMin[first]!;
        blocksMax[k] = max;
        blocksMin[k] = min;
        k = k === 0 ? blocks - 1 : k - 1;
      }
    }
    f[CUR_MAX] = x;
    f[CUR_MIN] = x;
    this.#curLen = 1;
    this.#measureOld();
  }

  /**
   * OLD_MAX / OLD_MIN := the exact extremes of the live values older than the current block (±∞: none): from the
   * oldest slot to its block's end, then the blocks after it up to the current one (wholly live, complete).
   */
  #measureOld(): void {
    const f = this.#f;
    if (this.#size <= this.#curLen) {
      f[OLD_MAX] = Number.NEGATIVE_INFINITY;
      f[OLD_MIN] = Number.POSITIVE_INFINITY;
      return;
    }
    const b = this.block;
    const oldest = this.#slot(this.#size);
    let max = this.#slotMax[oldest]!;
    let min = this.#slotMin[oldest]!;
    const blocks = this.#blocksMax.length;
    const next = Math.floor(oldest / b) + 1 === blocks ? 0 : Math.floor(oldest / b) + 1;
    const current = Math.floor(this.#slot(this.#curLen) / b);
    if (next !== current) {
      max = Math.max(max, this.#blocksMax[next]!);
      min = Math.min(min, this.#blocksMin[next]!);
    }
    f[OLD_MAX] = max;
    f[OLD_MIN] = min;
  }

  /** The ring slot of the k-th newest live value (k = 1: the newest; k = size: the oldest). */
  #slot(k: number): number {
    const slot = this.#head - k;
    return slot < 0 ? slot + this.capacity : slot;
  }

  #moveTo(now: number, what: string): void {
    if (!(Number.isFinite(now) && now >= this.#f[LATEST]!)) refuse(what, now, 0, this.#f[LATEST]!);
    this.#advance(now);
  }

  /** Moves time to `now` (checked by the caller) and expires the values with ts <= now − windowMs. */
  #advance(now: number): void {
    const f = this.#f;
    f[LATEST] = now;
    const cutoff = now - this.windowMs;
    // Times grow along the ring, so the bound stays one when the oldest leaves. The oldest slot of a large ring
    // is far from everything else a push touches: it is read only once the bound has left the window.
    while (this.#size > 0 && f[OLDEST_BOUND]! <= cutoff) {
      const oldest = this.#ts[this.#slot(this.#size)]!;
      if (oldest > cutoff) {
        f[OLDEST_BOUND] = oldest;
        break;
      }
      this.#size--;
    }
  }
}

/** The RangeError of a push or read that breaks the contract, built out of the hot method (see WindowExtremes). */
function refuse(what: string, ts: number, x: number, latest: number): never {
  if (!Number.isFinite(x)) throw new RangeError(`WindowRange.${what}: x ${x} is not finite`);
  if (!Number.isFinite(ts)) throw new RangeError(`WindowRange.${what}: ${ts} is not finite`);
  throw new RangeError(`WindowRange.${what}: ${ts} is before the latest time seen ${latest}`);
}

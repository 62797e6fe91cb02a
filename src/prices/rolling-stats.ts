// Rolling mean and sample variance of the last N values: s² = (Σd² − (Σd)²/n)/(n − 1), d = x − K for a shift K
// (shifted-data variance, Chan, Golub & LeVeque 1983), sums kept with Neumaier's compensated summation.
//
// Why this shape, and not plain running Σx and Σx²:
// - Σx² − (Σx)²/n cancels catastrophically for prices: at 20 000 ± 1 it loses about 9 of 16 digits. Summing
//   d = x − K with K a value of the window keeps Σd² ≤ n·Σ(x − mean)² (Samuelson's inequality), so at most
//   log10(capacity) ≤ 5 digits can cancel. K is always in the window: it is the value pushed at the last rebuild,
//   and rebuilds come at least every `capacity` pushes, the push that would evict K.
// - Sliding sums add and later subtract every value. Each step rounds, so the error grows without bound over an
//   endless stream, and a large value that has left the window leaves its rounding behind, large next to the
//   small spread that remains. Compensated sums make each step's error second order, and the sums are rebuilt
//   exactly from the buffer (K re-chosen as the newest value) every `capacity` pushes: that bounds the error to
//   one window's worth of steps and costs O(1) amortised (one O(capacity) pass every capacity pushes: about
//   0.7 ms at the 100 000 limit, so size the capacity to what the caller's latency budget allows).
// - A rebuild also runs early when Σd² falls below 2^-32 of its peak since the last rebuild (a huge outlier
//   left): the second-order error, proportional to that peak, could otherwise reach 1e-9 of what remains.
// Rebuilds depend on the pushed values only, so every replica rebuilds at the same push: bit-for-bit replay.
// Accuracy: mean within 1e-9 × max|x| of the exact mean, variance within 1e-9 relative of the exact variance
// (property-tested), for |x| ≤ MAX_ABS_VALUE and spreads above ~1e-150 (below that d² underflows).

import {
  decodeCount,
  decodeInto,
  decodeNumber,
  encodeNumber,
  encodeNumbers,
  type SnapNumber,
} from "../kernel/snapshot-numbers.js";

export const MIN_CAPACITY = 2;
export const MAX_CAPACITY = 100_000;
/** Largest |x| accepted: keeps Σd² of a full window finite (d² ≤ 4e300, times 1e5 values). */
export const MAX_ABS_VALUE = 1e150;

/** Rebuild when Σd² falls below its peak since the last rebuild divided by this. */
const COLLAPSE_LIMIT = 2 ** 32;

/** Every field as it stands, and the values held in their slots (see RollingStats.snapshot). */
export interface RollingStatsSnapshot {
  readonly head: number;
  readonly count: number;
  readonly sinceRebuild: number;
  /** shift, s1, c1, s2, c2, peak2. */
  readonly sums: readonly SnapNumber[];
  readonly values: readonly SnapNumber[];
}

/** Mean, sample variance and standard deviation of the last `capacity` pushed values. */
export class RollingStats {
  readonly capacity: number;
  readonly #values: Float64Array;
  #head = 0; // slot the next value is written to
  #count = 0;
  #sinceRebuild = 0;
  #shift = 0; // K
  // Σd and Σd² as Neumaier pairs (sum, compensation): the value is sum + compensation.
  #s1 = 0;
  #c1 = 0;
  #s2 = 0;
  #c2 = 0;
  #peak2 = 0; // largest Σd² since the last rebuild

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
      throw new RangeError(
        `RollingStats: capacity ${capacity} is not an integer in [${MIN_CAPACITY}, ${MAX_CAPACITY}]`,
      );
    this.capacity = capacity;
    this.#values = new Float64Array(capacity);
  }

  /** Appends x, dropping the oldest value once `capacity` are held. */
  push(x: number): void {
    if (!(Math.abs(x) <= MAX_ABS_VALUE))
      throw new RangeError(`RollingStats.push: ${x} is not a finite number within ±${MAX_ABS_VALUE}`);
    const values = this.#values;
    if (this.#count === 0) {
      this.#shift = x;
      this.#s1 = this.#c1 = this.#s2 = this.#c2 = this.#peak2 = 0;
      this.#sinceRebuild = 0;
    }
    const k = this.#shift;
    if (this.#count === this.capacity) {
      const old = values[this.#head]! - k;
      this.#add1(-old);
      this.#add2(-(old * old));
    } else {
      this.#count++;
    }
    values[this.#head] = x;
    this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    const d = x - k;
    this.#add1(d);
    this.#add2(d * d);

    const s2 = this.#s2 + this.#c2;
    if (s2 > this.#peak2) this.#peak2 = s2;
    if (++this.#sinceRebuild >= this.capacity || s2 * COLLAPSE_LIMIT < this.#peak2) this.#rebuild(x);
  }

  /** Values currently held (at most `capacity`). */
  get count(): number {
    return this.#count;
  }

  /** Arithmetic mean of the values held; NaN when empty. */
  mean(): number {
    if (this.#count === 0) return Number.NaN;
    return this.#shift + (this.#s1 + this.#c1) / this.#count;
  }

  /** Sample variance (divisor n − 1) of the values held; 0 when fewer than two. */
  variance(): number {
    const n = this.#count;
    if (n < 2) return 0;
    const s1 = this.#s1 + this.#c1;
    const m2 = this.#s2 + this.#c2 - (s1 * s1) / n;
    return m2 > 0 ? m2 / (n - 1) : 0;
  }

  /** Sample standard deviation: √variance. */
  std(): number {
    return Math.sqrt(this.variance());
  }

  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#sinceRebuild = 0;
    this.#shift = 0;
    this.#s1 = this.#c1 = this.#s2 = this.#c2 = this.#peak2 = 0;
  }

  // Neumaier: t = s + v rounds; the lost low part, (s − t) + v or (v − t) + s, is exact and kept in c.
  #add1(v: number): void {
    const s = this.#s1;
    const t = s + v;
    this.#c1 += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.#s1 = t;
  }

  #add2(v: number): void {
    const s = this.#s2;
    const t = s + v;
    this.#c2 += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.#s2 = t;
  }

  /** Recomputes both sums from the buffer around a new shift `k` (a value of the window), oldest first. */
  #rebuild(k: number): void {
    this.#shift = k;
    this.#s1 = this.#c1 = this.#s2 = this.#c2 = 0;
    const values = this.#values;
    const n = this.#count;
    // Oldest first: when full the oldest sits at head; before that the values fill slots 0..n−1 in order.
    let i = n === this.capacity ? this.#head : 0;
    for (let j = 0; j < n; j++) {
      const d = values[i]! - k;
      this.#add1(d);
      this.#add2(d * d);
      i = i + 1 === this.capacity ? 0 : i + 1;
    }
    this.#peak2 = this.#s2 + this.#c2;
    this.#sinceRebuild = 0;
  }

  /** Every field and the window's values in order, for the engine's state hash (the future depends on all). */
  canonical(): string {
    const parts = [
      this.#count,
      this.#head,
      this.#sinceRebuild,
      this.#shift,
      this.#s1,
      this.#c1,
      this.#s2,
      this.#c2,
      this.#peak2,
    ];
    const start = this.#count === this.capacity ? this.#head : 0;
    for (let k = 0; k < this.#count; k++) parts.push(this.#values[(start + k) % this.capacity] as number);
    return parts.join(" ");
  }

  /**
   * The sums as they are, not recomputed from the values (a rebuild rounds differently: the next statistics
   * would differ in the last bits). The values held are slots 0..count: until the window is full they fill
   * slots in order from 0; once full, every slot is held.
   */
  snapshot(): RollingStatsSnapshot {
    return {
      head: this.#head,
      count: this.#count,
      sinceRebuild: this.#sinceRebuild,
      sums: [this.#shift, this.#s1, this.#c1, this.#s2, this.#c2, this.#peak2].map(encodeNumber),
      values: encodeNumbers(this.#values, this.#count),
    };
  }

  restore(s: RollingStatsSnapshot): void {
    const count = decodeCount(s.count, this.capacity + 1, "rolling stats count");
    const head = decodeCount(s.head, this.capacity, "rolling stats head");
    if (count < this.capacity && head !== count)
      throw new RangeError(`snapshot: rolling stats: head ${head} of a window of ${count} not full`);
    if (!Array.isArray(s.values) || s.values.length !== count)
      throw new RangeError(`snapshot: rolling stats: ${count} values expected`);
    if (!Array.isArray(s.sums) || s.sums.length !== 6) throw new RangeError("snapshot: rolling stats: sums");
    const [shift, s1, c1, s2, c2, peak2] = s.sums.map((x, i) => decodeNumber(x, `rolling stats sums[${i}]`));
    this.#head = head;
    this.#count = count;
    this.#sinceRebuild = decodeCount(s.sinceRebuild, this.capacity, "rolling stats sinceRebuild");
    this.#shift = shift as number;
    this.#s1 = s1 as number;
    this.#c1 = c1 as number;
    this.#s2 = s2 as number;
    this.#c2 = c2 as number;
    this.#peak2 = peak2 as number;
    decodeInto(this.#values, s.values, "rolling stats values");
  }
}

// The fresh prices of an index kept sorted between computations: an observation changes one source, so the
// set changes by one value and is updated by one removal and one insertion (O(n) moves, no full sort). The
// sorted multiset is the same whatever order it was built in, so its median is bit for bit the one a full sort
// gives (`median`): only the work changes.
import { sortedMedian } from "./median.js";

export class SortedPrices {
  /** values[0..count) in ascending order. */
  readonly values: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  /** Adds x (not NaN: an unordered value would corrupt the order). */
  insert(x: number): void {
    if (Number.isNaN(x)) throw new RangeError("SortedPrices.insert: x is NaN");
    if (this.count === this.values.length) throw new RangeError("SortedPrices.insert: full");
    const v = this.values;
    let j = this.count++;
    while (j > 0 && v[j - 1]! > x) {
      v[j] = v[j - 1]!;
      j--;
    }
    v[j] = x;
  }

  /** Removes one value equal to x, which must be held. */
  remove(x: number): void {
    const v = this.values;
    const n = this.count;
    let i = 0;
    while (i < n && v[i] !== x) i++;
    if (i === n) throw new RangeError("SortedPrices.remove: value not held");
    for (; i < n - 1; i++) v[i] = v[i + 1]!;
    this.count = n - 1;
  }

  /**
   * Replaces one value equal to `old` (held) by x (not NaN): the values between the two positions move by one,
   * in one pass, where a removal and an insertion would each move everything above them.
   */
  replace(old: number, x: number): void {
    if (Number.isNaN(x)) throw new RangeError("SortedPrices.replace: x is NaN");
    const v = this.values;
    const n = this.count;
    let i = 0;
    while (i < n && v[i] !== old) i++;
    if (i === n) throw new RangeError("SortedPrices.replace: value not held");
    if (x > old)
      while (i + 1 < n && v[i + 1]! < x) {
        v[i] = v[i + 1]!;
        i++;
      }
    else
      while (i > 0 && v[i - 1]! > x) {
        v[i] = v[i - 1]!;
        i--;
      }
    v[i] = x;
  }

  median(): number {
    return sortedMedian(this.values, this.count);
  }

  /** How many values lie strictly below lo, plus how many strictly above hi (lo ≤ hi). */
  outside(lo: number, hi: number): number {
    const v = this.values;
    const n = this.count;
    let below = 0;
    while (below < n && v[below]! < lo) below++;
    let above = 0;
    while (above < n - below && v[n - 1 - above]! > hi) above++;
    return below + above;
  }
}

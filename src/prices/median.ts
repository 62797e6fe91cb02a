// Median of n values: the middle of the sorted values, or the mean of the two middle ones for even n.
// Insertion sort into caller-owned scratch: no allocation, and the fastest sort at index sizes (a handful of
// sources). The limit keeps its O(n²) worst case bounded: 64 values take at most 2016 comparisons.

export const MAX_MEDIAN_N = 64;

/**
 * Median of values[0..n); NaN for n = 0. Copies into `scratch` (length ≥ n) and sorts the copy, so `values` is
 * left untouched. n outside 0..64 (or beyond either array) and NaN values are the caller's bugs: RangeError.
 */
export function median(values: Float64Array, n: number, scratch: Float64Array): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_MEDIAN_N)
    throw new RangeError(`median: n ${n} is not an integer in [0, ${MAX_MEDIAN_N}]`);
  if (n > values.length) throw new RangeError(`median: n ${n} exceeds values.length ${values.length}`);
  if (n > scratch.length) throw new RangeError(`median: n ${n} exceeds scratch.length ${scratch.length}`);
  if (values === scratch) throw new RangeError("median: scratch must not be the values array");
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) throw new RangeError(`median: values[${i}] is NaN`);
    // Insert x into the sorted prefix scratch[0..i).
    let j = i;
    while (j > 0 && scratch[j - 1]! > x) {
      scratch[j] = scratch[j - 1]!;
      j--;
    }
    scratch[j] = x;
  }
  return sortedMedian(scratch, n);
}

/** Median of sorted[0..n), already in ascending order; NaN for n = 0. Shared by every median of the layer. */
export function sortedMedian(sorted: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  if (n & 1) return sorted[mid]!;
  const a = sorted[mid - 1]!;
  const b = sorted[mid]!;
  const sum = a + b;
  // (a + b)/2 is the correctly rounded midpoint unless the sum overflows; then halve first.
  return Number.isFinite(sum) ? sum / 2 : a / 2 + b / 2;
}

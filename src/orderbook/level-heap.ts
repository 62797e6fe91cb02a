// The price levels of one side of one book, ordered for matching: a binary heap of level ids keyed by price
// (highest bid, lowest ask on top). Best price O(1); a new level O(log n); a level that empties stays in the
// heap until it surfaces (lazy deletion, O(log n) then) or until the heap is compacted, so cancelling an order
// never searches the heap. The caller owns level prices and counts; the heap only orders ids.

export class LevelHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  private n = 0;
  /** +1: highest price on top (bids); −1: lowest on top (asks). */
  private readonly sign: number;

  constructor(sign: 1 | -1, capacity = 64) {
    this.sign = sign;
    this.ids = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** The level on top, or -1. */
  top(): number {
    return this.n === 0 ? -1 : (this.ids[0] as number);
  }

  push(level: number, price: number): void {
    if (this.n === this.ids.length) this.grow();
    let i = this.n++;
    const key = price * this.sign;
    const ids = this.ids;
    const keys = this.keys;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] as number) >= key) break;
      ids[i] = ids[parent] as number;
      keys[i] = keys[parent] as number;
      i = parent;
    }
    ids[i] = level;
    keys[i] = key;
  }

  /** Removes the top level. */
  pop(): void {
    const last = --this.n;
    if (last === 0) return;
    this.siftDown(0, this.ids[last] as number, this.keys[last] as number);
  }

  /** Keeps only the levels `keep` accepts, in O(n): used when empty levels pile up. */
  compact(keep: (level: number) => boolean): void {
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      const id = this.ids[i] as number;
      if (!keep(id)) continue;
      this.ids[m] = id;
      this.keys[m] = this.keys[i] as number;
      m++;
    }
    this.n = m;
    for (let i = (m >> 1) - 1; i >= 0; i--) this.siftDown(i, this.ids[i] as number, this.keys[i] as number);
  }

  /** The heap as it is (ids and keys in heap order), for a snapshot. */
  snapshot(): { ids: number[]; keys: number[] } {
    return { ids: Array.from(this.ids.subarray(0, this.n)), keys: Array.from(this.keys.subarray(0, this.n)) };
  }

  /** Puts back a snapshot's heap exactly (same array order: the same ties, the same future sifts). */
  restoreSnapshot(s: { ids: readonly number[]; keys: readonly number[] }): void {
    while (this.ids.length < s.ids.length) this.grow();
    this.ids.set(s.ids);
    this.keys.set(s.keys);
    this.n = s.ids.length;
  }

  /** Level ids in heap order (not sorted): for snapshots and state hashing, which sort them themselves. */
  levels(): Int32Array {
    return this.ids.subarray(0, this.n);
  }

  private siftDown(start: number, id: number, key: number): void {
    const ids = this.ids;
    const keys = this.keys;
    const n = this.n;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (keys[child + 1] as number) > (keys[child] as number)) child++;
      if ((keys[child] as number) <= key) break;
      ids[i] = ids[child] as number;
      keys[i] = keys[child] as number;
      i = child;
    }
    ids[i] = id;
    keys[i] = key;
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.ids = ids;
    this.keys = keys;
  }
}

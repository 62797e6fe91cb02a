// Which accounts a mark move can change the margin state of, without recomputing anyone. At each exact evaluation
// an account's distance to the nearest edge of its state (in equity) is shared out over its positions as a range
// of marks per position: while every one of its marks stays inside its range, no edge can be reached (see
// sweep-feed.ts for the bound). A mark tick then reads one float per holder of the instrument — the lower edge on
// a fall, the upper on a rise — and names the holders whose range it left; only those are recomputed exactly,
// which gives them new ranges around the new mark. Nothing is written per holder on a tick and nothing is
// allocated; the data read per tick is 4 bytes per holder.
//
// The ranges hold in float32, rounded inward. Every range contains the instrument's last swept mark (a range that
// would not is made empty, and an empty range is named by every move), so a fall can only leave a range by its
// lower edge and a rise by its upper one.

const INWARD = 2 ** -22; // more than one float32 rounding (2^-24 relative)

class HolderList {
  count = 0;
  dead = 0;
  account = new Int32Array(16);
  slot = new Int32Array(16);
  low = new Float32Array(16);
  high = new Float32Array(16);

  grow(): void {
    const n = this.account.length * 2;
    const account = new Int32Array(n);
    account.set(this.account);
    this.account = account;
    const slot = new Int32Array(n);
    slot.set(this.slot);
    this.slot = slot;
    const low = new Float32Array(n);
    low.set(this.low);
    this.low = low;
    const high = new Float32Array(n);
    high.set(this.high);
    this.high = high;
  }
}

export class LiquidationSweep {
  private readonly holders: HolderList[];
  /** The mark each instrument was last swept at (NaN before the first). */
  private readonly markOf: Float64Array;
  /** Holder entry of each position slot (its instrument is the slot's), or -1. */
  private entryOf = new Int32Array(1024).fill(-1);

  constructor(instruments: number) {
    this.holders = Array.from({ length: instruments }, () => new HolderList());
    this.markOf = new Float64Array(instruments).fill(Number.NaN);
  }

  /** Holders of all instruments (a price command with none to sweep skips the instruments' loop). */
  totalHolders = 0;

  /** Holders of an instrument. */
  holderCount(instrument: number): number {
    const list = this.holders[instrument] as HolderList;
    return list.count - list.dead;
  }

  /** The mark the instrument was last swept at (NaN before the first sweep). */
  /** The mark each instrument was last swept at (a snapshot keeps them: the next sweep's edge depends on them). */
  marks(): Float64Array {
    return this.markOf.slice();
  }

  restoreMarks(marks: ArrayLike<number>): void {
    this.markOf.set(marks);
  }

  mark(instrument: number): number {
    return this.markOf[instrument] as number;
  }

  /**
   * A position's range of marks [low, high] within which its account's state cannot change (the others staying
   * in theirs). An empty range (low > high) is named by every move of the mark. A range that does not contain
   * the instrument's last swept mark is made empty.
   */
  setHolder(slot: number, account: number, instrument: number, low: number, high: number): void {
    if (slot >= this.entryOf.length) this.growSlots(slot + 1);
    const list = this.holders[instrument] as HolderList;
    let k = this.entryOf[slot] as number;
    if (k < 0) {
      if (list.count === list.account.length) list.grow();
      k = list.count++;
      this.totalHolders++;
      list.account[k] = account;
      list.slot[k] = slot;
      this.entryOf[slot] = k;
    }
    const swept = this.markOf[instrument] as number;
    let lo = Math.fround(low > 0 ? low * (1 + INWARD) : low);
    let hi = Math.fround(high * (1 - INWARD));
    if (!(lo <= hi) || (!Number.isNaN(swept) && !(lo <= swept && swept <= hi))) {
      lo = Number.POSITIVE_INFINITY;
      hi = Number.NEGATIVE_INFINITY;
    }
    list.low[k] = lo;
    list.high[k] = hi;
  }

  /** A position gone flat: its entry names nobody any more. */
  removeHolder(slot: number, instrument: number): void {
    if (slot >= this.entryOf.length) return;
    const k = this.entryOf[slot] as number;
    if (k < 0) return;
    const list = this.holders[instrument] as HolderList;
    list.slot[k] = -1;
    list.low[k] = Number.NEGATIVE_INFINITY;
    list.high[k] = Number.POSITIVE_INFINITY;
    list.dead++;
    this.totalHolders--;
    this.entryOf[slot] = -1;
    if (list.dead > 64 && list.dead * 4 > list.count) this.compact(instrument);
  }

  /**
   * The instrument's mark moved to `mark`: writes the accounts whose range it left to `out` from index 0 and
   * returns how many (which may exceed out.length: grow the buffer and call again with the same mark).
   */
  markMoved(instrument: number, mark: number, out: Int32Array): number {
    const list = this.holders[instrument] as HolderList;
    const previous = this.markOf[instrument] as number;
    this.markOf[instrument] = mark;
    const n = list.count;
    const account = list.account;
    const capacity = out.length;
    let found = 0;
    if (Number.isNaN(previous) || mark === previous) {
      // First sweep, or a repeat: both edges.
      const { low, high } = list;
      for (let k = 0; k < n; k++)
        if (mark < (low[k] as number) || mark > (high[k] as number)) {
          if (found < capacity) out[found] = account[k] as number;
          found++;
        }
    } else if (mark < previous) {
      const low = list.low;
      for (let k = 0; k < n; k++)
        if (mark < (low[k] as number)) {
          if (found < capacity) out[found] = account[k] as number;
          found++;
        }
    } else {
      const high = list.high;
      for (let k = 0; k < n; k++)
        if (mark > (high[k] as number)) {
          if (found < capacity) out[found] = account[k] as number;
          found++;
        }
    }
    return found;
  }

  /** Drops removed entries and puts the rest in account order. */
  private compact(instrument: number): void {
    const list = this.holders[instrument] as HolderList;
    const live: number[] = [];
    for (let k = 0; k < list.count; k++) if ((list.slot[k] as number) >= 0) live.push(k);
    live.sort((x, y) => (list.account[x] as number) - (list.account[y] as number) || x - y);
    const account = Int32Array.from(live, (k) => list.account[k] as number);
    const slot = Int32Array.from(live, (k) => list.slot[k] as number);
    const low = Float32Array.from(live, (k) => list.low[k] as number);
    const high = Float32Array.from(live, (k) => list.high[k] as number);
    list.account.set(account);
    list.slot.set(slot);
    list.low.set(low);
    list.high.set(high);
    for (let i = 0; i < live.length; i++) this.entryOf[slot[i] as number] = i;
    list.count = live.length;
    list.dead = 0;
  }

  private growSlots(needed: number): void {
    const size = Math.max(needed, this.entryOf.length * 2);
    const entry = new Int32Array(size).fill(-1);
    entry.set(this.entryOf);
    this.entryOf = entry;
  }
}

// Which accounts a mark move can change the margin state of, without recomputing anyone: per instrument, the
// list of its holders with each position's exposure and maintenance slope; per account, its cross equity and
// maintenance in float as of its last exact evaluation, moved along with every mark since, and the band of
// equity / maintenance in which its state cannot change. A mark tick walks the instrument's holders once over
// typed arrays (no allocation, one pass, holders kept in account order so that account data is read in order)
// and names the accounts that left their band, or came within the error bound of its edge; only those are
// recomputed exactly. Everything here only selects: every decision is taken on the exact figures.
//
// Error bound. Equity and maintenance start as the exact figures rounded to float (relative error 2^-53) and each
// move adds two rounded operations; the exact path also reads the mark at its published decimals (half a unit in
// the last place times the exposure). The tolerance is 1e-6 of the account's scale (|equity| + maintenance +
// gross notional at its last exact evaluation) plus that price slack: float error reaches it only after ~10^9
// moves without an exact evaluation, and a holder's band is cut to [m/2, 2m] of the mark it was evaluated at,
// so magnitudes stay within a factor of the scale.

/** Per-account fields, interleaved (one cache line per account). */
const EQUITY = 0;
const MAINTENANCE = 1;
const TOLERANCE = 2;
const LOW = 3; // the state holds while equity > LOW · maintenance …
const HIGH = 4; // … and equity < HIGH · maintenance (each within the tolerance)
const STRIDE = 8;

/** Relative tolerance on an account's scale. */
export const SWEEP_TOLERANCE = 1e-6;

class HolderList {
  count = 0;
  account = new Int32Array(16);
  slot = new Int32Array(16);
  exposure = new Float64Array(16);
  slope = new Float64Array(16);
  low = new Float64Array(16);
  high = new Float64Array(16);
  /** Entries removed but not yet compacted (their slot is -1). */
  dead = 0;

  grow(): void {
    const n = this.account.length * 2;
    const account = new Int32Array(n);
    account.set(this.account);
    this.account = account;
    const slot = new Int32Array(n);
    slot.set(this.slot);
    this.slot = slot;
    for (const key of ["exposure", "slope", "low", "high"] as const) {
      const next = new Float64Array(n);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

export class LiquidationSweep {
  private accounts = new Float64Array(1024 * STRIDE);
  private readonly holders: HolderList[];
  /** The mark each instrument's holders were last moved to. */
  private readonly markOf: Float64Array;
  /** Holder entry of each position slot (its instrument is the slot's), or -1. */
  private entryOf = new Int32Array(1024).fill(-1);
  /** Accounts named by the current sweep, deduplicated by stamp. */
  private stampOf = new Uint32Array(1024);
  private round = 1;

  constructor(instruments: number) {
    this.holders = Array.from({ length: instruments }, () => new HolderList());
    this.markOf = new Float64Array(instruments).fill(Number.NaN);
  }

  /** Holders of an instrument (live entries). */
  holderCount(instrument: number): number {
    const list = this.holders[instrument] as HolderList;
    return list.count - list.dead;
  }

  /** The mark the instrument's holders were last moved to (NaN before the first). */
  mark(instrument: number): number {
    return this.markOf[instrument] as number;
  }

  /** Sets the reference mark of an instrument that has never been swept (its first holder's). */
  setMark(instrument: number, mark: number): void {
    this.markOf[instrument] = mark;
  }

  /**
   * An account as its exact evaluation left it: cross equity and maintenance (quote asset), the tolerance, and
   * the band [low, high] of equity / maintenance inside which its state cannot change.
   */
  setAccount(
    account: number,
    equity: number,
    maintenance: number,
    tolerance: number,
    low: number,
    high: number,
  ): void {
    if ((account + 1) * STRIDE > this.accounts.length) this.growAccounts(account + 1);
    const base = account * STRIDE;
    const a = this.accounts;
    a[base + EQUITY] = equity;
    a[base + MAINTENANCE] = maintenance;
    a[base + TOLERANCE] = tolerance;
    a[base + LOW] = low;
    a[base + HIGH] = high;
  }

  /**
   * A position to move with its instrument's mark: exposure (signed base units, so that equity moves by exposure ×
   * Δmark), maintenance slope (maintenance moves by slope × Δmark), and the marks [low, high] within which the
   * slope holds (its margin bracket). A position the sweep cannot move linearly (inverse, isolated) is given an
   * empty range: every move of its mark names its account.
   */
  setHolder(
    slot: number,
    account: number,
    instrument: number,
    exposure: number,
    slope: number,
    low: number,
    high: number,
  ): void {
    if (slot >= this.entryOf.length) this.growSlots(slot + 1);
    if ((account + 1) * STRIDE > this.accounts.length) this.growAccounts(account + 1);
    const list = this.holders[instrument] as HolderList;
    let k = this.entryOf[slot] as number;
    if (k < 0) {
      if (list.count === list.account.length) list.grow();
      k = list.count++;
      // Appended in arrival order; compaction restores account order (see compact).
      list.account[k] = account;
      list.slot[k] = slot;
      this.entryOf[slot] = k;
    }
    list.exposure[k] = exposure;
    list.slope[k] = slope;
    list.low[k] = low;
    list.high[k] = high;
  }

  /** A position gone flat: its entry stops moving its account. */
  removeHolder(slot: number, instrument: number): void {
    if (slot >= this.entryOf.length) return;
    const k = this.entryOf[slot] as number;
    if (k < 0) return;
    const list = this.holders[instrument] as HolderList;
    list.slot[k] = -1;
    list.exposure[k] = 0;
    list.slope[k] = 0;
    list.low[k] = Number.NEGATIVE_INFINITY;
    list.high[k] = Number.POSITIVE_INFINITY;
    list.dead++;
    this.entryOf[slot] = -1;
    if (list.dead > 64 && list.dead * 4 > list.count) this.compact(instrument);
  }

  /**
   * The instrument's mark moved to `mark`: every holder's equity and maintenance move with it, and the accounts
   * whose state may have changed are written to `out` from index 0. Returns how many.
   */
  markMoved(instrument: number, mark: number, out: Int32Array): number {
    const list = this.holders[instrument] as HolderList;
    const previous = this.markOf[instrument] as number;
    this.markOf[instrument] = mark;
    if (list.count === list.dead) return 0;
    const d = Number.isNaN(previous) ? 0 : mark - previous;
    const round = this.nextRound();
    const stamp = this.stampOf;
    const a = this.accounts;
    const { account, exposure, slope, low, high } = list;
    const n = list.count;
    let found = 0;
    for (let k = 0; k < n; k++) {
      const id = account[k] as number;
      const base = id * STRIDE;
      const equity = (a[base + EQUITY] as number) + (exposure[k] as number) * d;
      const maintenance = (a[base + MAINTENANCE] as number) + (slope[k] as number) * d;
      a[base + EQUITY] = equity;
      a[base + MAINTENANCE] = maintenance;
      const tolerance = a[base + TOLERANCE] as number;
      if (
        (mark < (low[k] as number) ||
          mark > (high[k] as number) ||
          equity - (a[base + LOW] as number) * maintenance <= tolerance ||
          (a[base + HIGH] as number) * maintenance - equity <= tolerance) &&
        stamp[id] !== round
      ) {
        stamp[id] = round;
        if (found < out.length) out[found] = id;
        found++;
      }
    }
    return found; // may exceed out.length: the caller grows its buffer and sweeps again with no move
  }

  /** Float equity of an account as moved (for tests and rankings). */
  equity(account: number): number {
    return this.accounts[account * STRIDE + EQUITY] as number;
  }

  maintenance(account: number): number {
    return this.accounts[account * STRIDE + MAINTENANCE] as number;
  }

  private nextRound(): number {
    this.round = (this.round + 1) >>> 0;
    if (this.round === 0) {
      this.stampOf.fill(0);
      this.round = 1;
    }
    return this.round;
  }

  /** Drops removed entries and puts the rest back in account order (reads of account data then go in order). */
  private compact(instrument: number): void {
    const list = this.holders[instrument] as HolderList;
    const live: number[] = [];
    for (let k = 0; k < list.count; k++) if ((list.slot[k] as number) >= 0) live.push(k);
    live.sort((x, y) => (list.account[x] as number) - (list.account[y] as number) || x - y);
    const copy = (arr: Int32Array | Float64Array) => Float64Array.from(live, (k) => arr[k] as number);
    const account = copy(list.account);
    const slot = copy(list.slot);
    const exposure = copy(list.exposure);
    const slope = copy(list.slope);
    const low = copy(list.low);
    const high = copy(list.high);
    for (let i = 0; i < live.length; i++) {
      list.account[i] = account[i] as number;
      list.slot[i] = slot[i] as number;
      list.exposure[i] = exposure[i] as number;
      list.slope[i] = slope[i] as number;
      list.low[i] = low[i] as number;
      list.high[i] = high[i] as number;
      this.entryOf[slot[i] as number] = i;
    }
    list.count = live.length;
    list.dead = 0;
  }

  private growAccounts(needed: number): void {
    const size = Math.max(needed, (this.accounts.length / STRIDE) * 2);
    const accounts = new Float64Array(size * STRIDE);
    accounts.set(this.accounts);
    this.accounts = accounts;
    const stamp = new Uint32Array(size);
    stamp.set(this.stampOf);
    this.stampOf = stamp;
  }

  private growSlots(needed: number): void {
    const size = Math.max(needed, this.entryOf.length * 2);
    const entry = new Int32Array(size).fill(-1);
    entry.set(this.entryOf);
    this.entryOf = entry;
  }
}

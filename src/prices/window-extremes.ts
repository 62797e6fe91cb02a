// Sliding-window min and max over time: monotonic deques (the "ascending minima" algorithm, Lemire 2006,
// "Streaming maximum-minimum filter using no more than three comparisons per element"), amortised O(1).
//
// Window: a value pushed at ts is inside at time `now` while ts > now − windowMs.
// Limits: at most `capacity` values are kept. When more than `capacity` values fall inside the window, the
// oldest are dropped as if they had expired, so min/max then cover only the newest `capacity` values. Size the
// capacity for the densest feed expected (ticks per window); a feed denser than that is itself a signal.
// Time never goes backwards: push ts and query `now` must not be earlier than the latest time seen (a regression
// is the caller's bug; the feed layer refuses it with `ts_regression` first), because expired values are
// forgotten for good.
//
// The price layer keeps its windows in WindowRange (the move breaker's) and WindowMax (latency): the same windows
// with the same canonical text, cheaper where they are used. This structure is their reference in tests.

export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 100_000;

/** Min and max of the values pushed within the last `windowMs` ms, over at most `capacity` values. */
export class WindowExtremes {
  readonly capacity: number;
  readonly windowMs: number;
  // Ring of the live values, oldest at slot (head − size), newest at (head − 1), modulo capacity.
  readonly #ts: Float64Array;
  readonly #xs: Float64Array;
  #head = 0; // slot the next value is written to
  #size = 0;
  // Deques of ring slots, each itself a ring of `capacity` entries, oldest value at the front: values strictly
  // decreasing (max) / increasing (min) from front to back, so the front is the max / min. Both hold live slots
  // only, so the oldest live slot, when present, is at the front.
  readonly #maxQ: Int32Array;
  readonly #minQ: Int32Array;
  #maxFront = 0;
  #maxLen = 0;
  #minFront = 0;
  #minLen = 0;
  #latest = Number.NEGATIVE_INFINITY; // latest time seen (push ts or query now)
  // A lower bound of the oldest live value's ts (times only grow along the ring, so dropping the oldest keeps it
  // one). Expiry reads the oldest ts only once the bound has left the window: the oldest slot of a large ring is
  // far from everything else a push touches, and reading it on every push was a cache miss every few pushes.
  #oldestBound = Number.NEGATIVE_INFINITY;

  constructor(capacity: number, windowMs: number) {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
      throw new RangeError(
        `WindowExtremes: capacity ${capacity} is not an integer in [${MIN_CAPACITY}, ${MAX_CAPACITY}]`,
      );
    if (!(windowMs > 0 && Number.isFinite(windowMs)))
      throw new RangeError(`WindowExtremes: windowMs ${windowMs} is not a positive finite number`);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.#ts = new Float64Array(capacity);
    this.#xs = new Float64Array(capacity);
    this.#maxQ = new Int32Array(capacity);
    this.#minQ = new Int32Array(capacity);
  }

  /** Adds value x observed at ts. */
  push(ts: number, x: number): void {
    if (!Number.isFinite(x)) refuse("push: x", x, Number.NaN);
    this.#advance(ts, "push: ts");
    const cap = this.capacity;
    const slot = this.#head;
    // Full: the slot about to be overwritten holds the oldest live value. It leaves as if it had expired.
    if (this.#size === cap) this.#dropOldest();
    else if (this.#size === 0) this.#oldestBound = ts;
    this.#ts[slot] = ts;
    this.#xs[slot] = x;
    const xs = this.#xs;
    // A value no larger than x, pushed before x, can never again be the max (x outlives it): pop it. Same for min.
    const maxQ = this.#maxQ;
    while (this.#maxLen > 0 && xs[maxQ[wrap(this.#maxFront + this.#maxLen - 1, cap)]!]! <= x) this.#maxLen--;
    maxQ[wrap(this.#maxFront + this.#maxLen, cap)] = slot;
    this.#maxLen++;
    const minQ = this.#minQ;
    while (this.#minLen > 0 && xs[minQ[wrap(this.#minFront + this.#minLen - 1, cap)]!]! >= x) this.#minLen--;
    minQ[wrap(this.#minFront + this.#minLen, cap)] = slot;
    this.#minLen++;
    this.#head = wrap(slot + 1, cap);
    this.#size++;
  }

  /** Smallest value with ts > now − windowMs; NaN when there is none. */
  min(now: number): number {
    this.#advance(now, "min: now");
    return this.latestMin;
  }

  /** Largest value with ts > now − windowMs; NaN when there is none. */
  max(now: number): number {
    this.#advance(now, "max: now");
    return this.latestMax;
  }

  /**
   * min and max as of the latest time seen (push ts or query now), without moving time: right after a push,
   * the window's as of the push. Small enough to be inlined, so the hot path gets the double unboxed.
   */
  get latestMin(): number {
    return this.#minLen === 0 ? Number.NaN : this.#xs[this.#minQ[this.#minFront]!]!;
  }

  get latestMax(): number {
    return this.#maxLen === 0 ? Number.NaN : this.#xs[this.#maxQ[this.#maxFront]!]!;
  }

  /** Values inside the window as of the latest time seen (push ts or query now), at most `capacity`. */
  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#head = this.#size = 0;
    this.#maxFront = this.#maxLen = this.#minFront = this.#minLen = 0;
    this.#latest = Number.NEGATIVE_INFINITY;
  }

  /** Moves time to `now` (never back) and expires the values with ts <= now − windowMs. */
  #advance(now: number, what: string): void {
    if (!(Number.isFinite(now) && now >= this.#latest)) refuse(what, now, this.#latest);
    this.#latest = now;
    const cutoff = now - this.windowMs;
    while (this.#size > 0 && this.#oldestBound <= cutoff) {
      const oldest = this.#ts[wrap(this.#head - this.#size + this.capacity, this.capacity)]!;
      if (oldest > cutoff) {
        this.#oldestBound = oldest;
        break;
      }
      this.#dropOldest();
    }
  }

  /** Removes the oldest live value from the ring and from the deque fronts. */
  #dropOldest(): void {
    const cap = this.capacity;
    const oldest = wrap(this.#head - this.#size + cap, cap);
    if (this.#maxLen > 0 && this.#maxQ[this.#maxFront] === oldest) {
      this.#maxFront = wrap(this.#maxFront + 1, cap);
      this.#maxLen--;
    }
    if (this.#minLen > 0 && this.#minQ[this.#minFront] === oldest) {
      this.#minFront = wrap(this.#minFront + 1, cap);
      this.#minLen--;
    }
    this.#size--;
  }

  /** The live values with their times and both deques, for the engine's state hash. */
  canonical(): string {
    const cap = this.capacity;
    const parts: number[] = [this.#latest, this.#size, this.#head];
    for (let k = this.#size; k > 0; k--) {
      const slot = wrap(this.#head - k + cap, cap);
      parts.push(this.#ts[slot] as number, this.#xs[slot] as number);
    }
    for (let k = 0; k < this.#maxLen; k++) parts.push(this.#maxQ[wrap(this.#maxFront + k, cap)] as number);
    parts.push(-1);
    for (let k = 0; k < this.#minLen; k++) parts.push(this.#minQ[wrap(this.#minFront + k, cap)] as number);
    return parts.join(" ");
  }
}

/**
 * The RangeError of a value or time that breaks the contract (`latest`: the latest time seen). Built here, out of
 * the hot methods: a number in a template literal there may be formatted on every call, the branch never taken
 * (V8 in Node 20, measured on TimeEwma.update: 200 → 20 ns).
 */
function refuse(what: string, value: number, latest: number): never {
  if (!Number.isFinite(value)) throw new RangeError(`WindowExtremes.${what} ${value} is not finite`);
  throw new RangeError(`WindowExtremes.${what} ${value} is before the latest time seen ${latest}`);
}

/** i mod cap for 0 <= i < 2·cap. */
function wrap(i: number, cap: number): number {
  return i >= cap ? i - cap : i;
}

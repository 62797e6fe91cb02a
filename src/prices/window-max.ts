// The values of a sliding time window, for a maximum read rarely: a source's latency, pushed on every price and
// read by no hot path. The same window as WindowExtremes (same expiry, same capacity rule, same canonical text),
// without its deques: a push is a ring write and an expiry check, small enough to be inlined into its caller
// (so the pushed doubles are not boxed), and the maximum is found when read, by a scan of the live values.
//
// The deques of WindowExtremes are a function of the live values, so `canonical` derives them
// (window-canonical.ts): the state is the ring, and its canonical text the one WindowExtremes writes after the
// same pushes and queries.
//
// Layout: one Float64Array, the scalars first (one cache line with the newest slots' neighbourhood rarely, but
// always with each other), then the ring as (ts, x) pairs: a push writes one pair, 16 contiguous bytes.

import { decodeCount, decodeNumber, encodeNumber, type SnapNumber } from "../kernel/snapshot-numbers.js";
import { windowCanonical } from "./window-canonical.js";
import { MAX_CAPACITY, MIN_CAPACITY } from "./window-extremes.js";

const LATEST = 0; // latest time seen (push ts or query now)
const OLDEST_BOUND = 1; // a lower bound of the oldest live value's ts (see #advance)
const HEAD = 2; // slot the next value is written to
const SIZE = 3;
const RING = 4; // slot k's ts at RING + 2k, its value at RING + 2k + 1
/** The value `push` hands to its body (see push). */
const PENDING = new Float64Array(1);

/** Time as last seen, the ring's position, and the live values with their times, oldest first (ts, x, ts, x, …). */
export interface WindowMaxSnapshot {
  readonly latest: SnapNumber;
  readonly oldestBound: SnapNumber;
  readonly head: number;
  readonly live: readonly SnapNumber[];
}

/** The values pushed within the last `windowMs` ms, at most `capacity`; their max when read. */
export class WindowMax {
  readonly capacity: number;
  readonly windowMs: number;
  readonly #s: Float64Array;
  /** Where `push` leaves x for its body (shared: nothing runs in between). */
  private readonly pending = PENDING;

  constructor(capacity: number, windowMs: number) {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
      throw new RangeError(
        `WindowMax: capacity ${capacity} is not an integer in [${MIN_CAPACITY}, ${MAX_CAPACITY}]`,
      );
    if (!(windowMs > 0 && Number.isFinite(windowMs)))
      throw new RangeError(`WindowMax: windowMs ${windowMs} is not a positive finite number`);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.#s = new Float64Array(RING + 2 * capacity);
    this.clear();
  }

  /**
   * Adds value x observed at ts (finite, not before the latest time seen). Small enough that V8 always inlines it:
   * x is stored where the push reads it, and the push is called with ts alone (see TimeEwma.update: a double passed
   * to a call V8 does not inline is boxed).
   */
  push(ts: number, x: number): void {
    this.pending[0] = x;
    this.pushed(ts);
  }

  /** push's body: x is in `pending`. */
  private pushed(ts: number): void {
    const x = this.pending[0]!;
    const s = this.#s;
    if (!(Number.isFinite(x) && Number.isFinite(ts) && ts >= s[LATEST]!)) refuse("push", ts, x, s[LATEST]!);
    this.#advance(ts);
    const cap = this.capacity;
    const head = s[HEAD]!;
    // Full: the slot about to be overwritten holds the oldest live value; it leaves as if it had expired.
    if (s[SIZE] === cap) s[SIZE]!--;
    else if (s[SIZE] === 0) s[OLDEST_BOUND] = ts;
    s[RING + 2 * head] = ts;
    s[RING + 2 * head + 1] = x;
    s[HEAD] = head + 1 === cap ? 0 : head + 1;
    s[SIZE]!++;
  }

  /** Largest value with ts > now − windowMs; NaN when there is none. Moves time to `now` (a scan: not hot). */
  max(now: number): number {
    const s = this.#s;
    if (!(Number.isFinite(now) && now >= s[LATEST]!)) refuse("max", now, 0, s[LATEST]!);
    this.#advance(now);
    let max = Number.NaN;
    for (let k = s[SIZE]!; k > 0; k--) {
      const x = s[RING + 2 * this.#slot(k) + 1]!;
      if (!(x <= max)) max = x;
    }
    return max;
  }

  /** Values inside the window as of the latest time seen (push ts or query now), at most `capacity`. */
  get size(): number {
    return this.#s[SIZE]!;
  }

  clear(): void {
    const s = this.#s;
    s[LATEST] = Number.NEGATIVE_INFINITY;
    s[OLDEST_BOUND] = Number.NEGATIVE_INFINITY;
    s[HEAD] = 0;
    s[SIZE] = 0;
  }

  /** The ring slot of the k-th newest live value (k = 1: the newest). */
  #slot(k: number): number {
    const slot = this.#s[HEAD]! - k;
    return slot < 0 ? slot + this.capacity : slot;
  }

  /** Moves time to `now` (checked by the caller) and expires the values with ts <= now − windowMs. */
  #advance(now: number): void {
    const s = this.#s;
    s[LATEST] = now;
    const cutoff = now - this.windowMs;
    // Times grow along the ring, so the bound stays one when the oldest leaves. The oldest slot of a large ring
    // is far from everything else a push touches: it is read only once the bound has left the window.
    while (s[SIZE]! > 0 && s[OLDEST_BOUND]! <= cutoff) {
      const oldest = s[RING + 2 * this.#slot(s[SIZE]!)]!;
      if (oldest > cutoff) {
        s[OLDEST_BOUND] = oldest;
        break;
      }
      s[SIZE]!--;
    }
  }

  /**
   * Only the live values: a slot outside the window is never read again (max and expiry read live slots, a push
   * overwrites the slot it writes), so the ring is written as far as it holds anything.
   */
  snapshot(): WindowMaxSnapshot {
    const s = this.#s;
    const live: SnapNumber[] = [];
    for (let k = s[SIZE]!; k > 0; k--) {
      const slot = this.#slot(k);
      live.push(encodeNumber(s[RING + 2 * slot]!), encodeNumber(s[RING + 2 * slot + 1]!));
    }
    return {
      latest: encodeNumber(s[LATEST]!),
      oldestBound: encodeNumber(s[OLDEST_BOUND]!),
      head: s[HEAD]!,
      live,
    };
  }

  restore(snapshot: WindowMaxSnapshot): void {
    const s = this.#s;
    const live = snapshot.live;
    if (!Array.isArray(live) || live.length % 2 !== 0 || live.length > 2 * this.capacity)
      throw new RangeError("snapshot: window max: live values");
    s.fill(0);
    s[LATEST] = decodeNumber(snapshot.latest, "window max latest");
    s[OLDEST_BOUND] = decodeNumber(snapshot.oldestBound, "window max oldestBound");
    s[HEAD] = decodeCount(snapshot.head, this.capacity, "window max head");
    s[SIZE] = live.length / 2;
    for (let k = s[SIZE]!; k > 0; k--) {
      const at = 2 * (s[SIZE]! - k); // the k-th newest is written (size − k)-th in the snapshot
      const slot = this.#slot(k);
      s[RING + 2 * slot] = decodeNumber(live[at], "window max ts");
      s[RING + 2 * slot + 1] = decodeNumber(live[at + 1], "window max value");
    }
  }

  /** WindowExtremes's canonical text after the same calls (window-canonical.ts derives its deques). */
  canonical(): string {
    const s = this.#s;
    return windowCanonical(
      s[LATEST]!,
      s[SIZE]!,
      s[HEAD]!,
      this.capacity,
      (slot) => s[RING + 2 * slot]!,
      (slot) => s[RING + 2 * slot + 1]!,
    );
  }
}

/** The RangeError of a push or read that breaks the contract, built out of the hot method (see WindowExtremes). */
function refuse(what: string, ts: number, x: number, latest: number): never {
  if (!Number.isFinite(x)) throw new RangeError(`WindowMax.${what}: x ${x} is not finite`);
  if (!Number.isFinite(ts)) throw new RangeError(`WindowMax.${what}: ${ts} is not finite`);
  throw new RangeError(`WindowMax.${what}: ${ts} is before the latest time seen ${latest}`);
}

// Work done in steps: a generator that yields after each small piece (well under a millisecond), so that a caller
// on the event loop can pause it between pieces (src/service/snapshot-writer.ts) and a caller that needs the result
// now can run it straight through (`complete`).

/** Resumable work returning T; each yield is a point where it may be paused. */
export type Steps<T> = Generator<undefined, T, undefined>;

/** Text computed in steps, yielded in pieces; undefined: a pause with no text. */
export type TextSteps = Generator<string | undefined, void, undefined>;

/** Characters of text yielded at a time by TextSteps (one hash update each). */
export const TEXT_PIECE = 1 << 16;

/** Runs `steps` to the end at once. */
export function complete<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Comparisons between pauses of `sortSteps`: well under a millisecond. */
const SORT_STEP = 20_000;
/** Runs sorted at once (Array.prototype.sort's TimSort, quick on the ascending runs ids come in) before merging. */
const RUN = 4096;

/**
 * The indices [0, n) of `keys` sorted by key (code-unit order), in steps: runs sorted at once, then merged
 * bottom-up. Stable, as Array.prototype.sort: equal keys keep their index order.
 */
export function* sortSteps(keys: readonly string[], n: number): Steps<Int32Array> {
  // Filled a piece at a time: the first touch of fresh memory is slow where page faults are (16 µs a page on a
  // microVM: 4 MB at once is a 15 ms block).
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if ((i & 0xffff) === 0xffff) yield;
  }
  const byKey = (x: number, y: number) => {
    const a = keys[x] as string;
    const b = keys[y] as string;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  for (let lo = 0; lo < n; lo += RUN) {
    order.subarray(lo, Math.min(lo + RUN, n)).sort(byKey);
    yield;
  }
  let from: Int32Array = order;
  let to: Int32Array = new Int32Array(n);
  let work = 0;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        const x = from[a] as number;
        const y = from[b] as number;
        if ((keys[y] as string) < (keys[x] as string)) {
          to[k++] = y;
          b++;
        } else {
          to[k++] = x;
          a++;
        }
        if (++work >= SORT_STEP) {
          work = 0;
          yield;
        }
      }
      to.set(from.subarray(a, mid), k);
      to.set(from.subarray(b, hi), k + mid - a);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}

// The canonical text of a sliding window's state, as WindowExtremes writes it: the latest time seen, the size,
// the ring's head, the live values with their times (oldest first), then the ring slots of the max deque and of
// the min deque (front to back). Structures that keep the same window without those deques derive them here:
// a deque holds the live slots whose value is strictly beyond every later one's (a later value at least as large,
// resp. small, popped it), so they are a function of the live values.

/** The canonical text of a window whose live values are `size` slots ending before `head` in a ring of `capacity`. */
export function windowCanonical(
  latest: number,
  size: number,
  head: number,
  capacity: number,
  tsAt: (slot: number) => number,
  xAt: (slot: number) => number,
): string {
  const slot = (k: number) => (head - k + capacity) % capacity; // the k-th newest (k = 1: the newest)
  const parts: number[] = [latest, size, head];
  for (let k = size; k > 0; k--) parts.push(tsAt(slot(k)), xAt(slot(k)));
  const maxQ: number[] = [];
  const minQ: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= size; k++) {
    const x = xAt(slot(k));
    if (x > max) {
      maxQ.push(slot(k));
      max = x;
    }
    if (x < min) {
      minQ.push(slot(k));
      min = x;
    }
  }
  parts.push(...maxQ.reverse(), -1, ...minQ.reverse());
  return parts.join(" ");
}

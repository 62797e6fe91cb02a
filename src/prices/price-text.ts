// Reading a venue's price: one pass over the text validates the plain decimal form, computes the double, and
// tells whether the text is already canonical — no regex, no bigint, no second parse on the hot path.

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
];

/** Result of the last `readPrice`: whether the text was canonical (no leading or trailing fraction zeros). */
export const lastRead = { canonical: true };

/**
 * The value of a positive plain decimal string (digits, optional '.' and 1–18 digits, at most 48 characters),
 * or NaN when it is not one. With at most 15 significant digits the value is digits ÷ 10^places, one correctly
 * rounded IEEE division of two exact doubles: the same double as Number(text). Longer texts use Number(text).
 */
export function readPrice(text: string): number {
  const length = text.length;
  if (length === 0 || length > 48) return Number.NaN;
  let value = 0;
  let point = -1; // where the '.' is; -1 before one is seen
  let first = -1; // where the first non-zero digit is
  // The loop only reads: where the point and the first significant digit are is enough to count the rest.
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (point >= 0 || i === 0) return Number.NaN;
      point = i;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return Number.NaN;
    if (first < 0 && d !== 0) first = i;
    value = value * 10 + d;
  }
  const places = point < 0 ? 0 : length - 1 - point; // digits after the point
  if (first < 0 || point === length - 1 || places > 18) return Number.NaN;
  lastRead.canonical =
    !(text.charCodeAt(0) === 48 && length > 1 && text.charCodeAt(1) !== 46) &&
    !(places > 0 && text.charCodeAt(length - 1) === 48);
  const significant = length - first - (point > first ? 1 : 0);
  if (significant > 15) return Number(text);
  return places > 0 ? value / (POW10[places] as number) : value;
}

/** The canonical form of a text `readPrice` accepted. */
export function canonicalPrice(text: string): string {
  let start = 0;
  while (start < text.length - 1 && text.charCodeAt(start) === 48 && text.charCodeAt(start + 1) !== 46)
    start++;
  let end = text.length;
  if (text.indexOf(".") >= 0) {
    while (text.charCodeAt(end - 1) === 48) end--;
    if (text.charCodeAt(end - 1) === 46) end--;
  }
  return text.slice(start, end);
}

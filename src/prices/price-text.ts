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
  let digits = 0;
  let places = -1; // digits after the point; -1 before a point is seen
  let significant = 0;
  let value = 0;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (places >= 0 || digits === 0) return Number.NaN;
      places = 0;
      continue;
    }
    if (c < 48 || c > 57) return Number.NaN;
    digits++;
    if (places >= 0) places++;
    if (c !== 48) nonZero = true;
    if (nonZero) significant++;
    value = value * 10 + (c - 48);
  }
  if (!nonZero || places === 0 || places > 18) return Number.NaN;
  const first = text.charCodeAt(0);
  lastRead.canonical =
    !(first === 48 && length > 1 && text.charCodeAt(1) !== 46) &&
    !(places > 0 && text.charCodeAt(length - 1) === 48);
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

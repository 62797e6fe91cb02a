// A price is never a bare number below the engine: it travels with its age and quality, so a margin decision
// can refuse a price it should not trust (DEVELOPERS.md, "price integrity").

export type PriceStatus = "ok" | "degraded" | "unavailable";
/** Every status, for checking one read back from a snapshot. */
export const STATUSES: readonly string[] = ["ok", "degraded", "unavailable"];

export interface PricedValue {
  /** The price; NaN when there has never been one. */
  readonly value: number;
  /** Milliseconds since the price was last computed from at least one fresh source. */
  readonly ageMs: number;
  readonly status: PriceStatus;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
const ZEROS = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000", "000000000"];

/**
 * A float price as published: rounded to `decimals` (half away from zero, on value × 10^decimals), trailing zeros
 * trimmed, never an exponent or "-0". Integer arithmetic on the scaled value keeps this several times faster than
 * toFixed on the hot path of every index event (measured); toFixed covers what does not fit in 2^53.
 */
export function priceText(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return "0";
  const p = POW10[decimals] as number;
  const negative = value < 0;
  const scaled = Math.round((negative ? -value : value) * p);
  if (scaled === 0) return "0";
  if (decimals > 9 || scaled > Number.MAX_SAFE_INTEGER) return trimmed(value.toFixed(decimals));
  let frac = scaled % p;
  const int = (scaled - frac) / p;
  let text = `${int}`;
  if (frac !== 0) {
    let places = decimals;
    while (frac % 10 === 0) {
      frac /= 10;
      places--;
    }
    const digits = `${frac}`;
    text += `.${ZEROS[places - digits.length]}${digits}`;
  }
  return negative ? `-${text}` : text;
}

/**
 * What `priceText(value, decimals)` is made from, as one number: the rounded scaled value with its sign, so two
 * values publish the same text exactly when their keys are equal — a change is detected without formatting.
 * NaN where the text comes from toFixed (more than 9 decimals, or beyond 2^53): there only the texts can tell.
 */
export function priceKey(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return 0;
  const negative = value < 0;
  const scaled = Math.round((negative ? -value : value) * (POW10[decimals] as number));
  if (scaled === 0) return 0;
  if (decimals > 9 || scaled > Number.MAX_SAFE_INTEGER) return Number.NaN;
  return negative ? -scaled : scaled;
}

function trimmed(text: string): string {
  if (text.indexOf(".") >= 0) {
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48) end--;
    if (text.charCodeAt(end - 1) === 46) end--;
    text = text.slice(0, end);
  }
  return text === "-0" ? "0" : text;
}

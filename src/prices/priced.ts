// A price is never a bare number below the engine: it travels with its age and quality, so a margin decision
// can refuse a price it should not trust (DEVELOPERS.md, "price integrity").

export type PriceStatus = "ok" | "degraded" | "unavailable";

export interface PricedValue {
  /** The price; NaN when there has never been one. */
  readonly value: number;
  /** Milliseconds since the price was last computed from at least one fresh source. */
  readonly ageMs: number;
  readonly status: PriceStatus;
}

/** Prices in events: fixed decimals, trailing zeros trimmed, never an exponent. */
export function priceText(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return "0";
  let text = value.toFixed(decimals);
  if (text.indexOf(".") >= 0) {
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48) end--;
    if (text.charCodeAt(end - 1) === 46) end--;
    text = text.slice(0, end);
  }
  return text === "-0" ? "0" : text;
}

// A `smile` command's content, checked in full before anything uses it: one expiry's option-implied volatilities
// (CONTRACT.md: `index`, `expiry`, `forward`, `quotes`: [{`strike`, `iv`, `weight`?}]). Decimals are strings like
// every number of the contract; strikes strictly increasing; bounded in count. The fit takes log-moneyness
// k = ln(K/F) and total variance w = iv²·T from these.
import { fixedToNumber, parseFixed } from "../kernel/decimal.js";
import { type DomainError, describeValue, domainError } from "../kernel/errors.js";

/** Quotes per smile at most: a venue lists well under this many strikes per expiry. */
export const MAX_SMILE_QUOTES = 256;
/** Implied volatilities above this (as a fraction: 10 = 1,000 %) are refused as a feed error. */
export const MAX_IV = 10;

export interface SmileQuotes {
  readonly expiry: number;
  readonly forward: number;
  readonly strikes: Float64Array;
  /** Implied volatility as a fraction (0.75 = 75 %). */
  readonly ivs: Float64Array;
  readonly weights: Float64Array;
}

/** The `expiry`, `forward` and `quotes` of a smile command at `now`, or an error naming the field. */
export function parseSmileQuotes(c: Record<string, unknown>, now: number): SmileQuotes | DomainError {
  const expiry = c["expiry"];
  if (typeof expiry !== "number" || !Number.isSafeInteger(expiry) || expiry <= now)
    return domainError(
      "invalid",
      `smile.expiry: ${describeValue(expiry)} is not a time (ms) after the command's ts ${now}`,
    );
  const forward = parseFixed(c["forward"], "smile.forward", "positive");
  if ("code" in forward) return forward;
  const quotes = c["quotes"];
  if (!Array.isArray(quotes) || quotes.length === 0 || quotes.length > MAX_SMILE_QUOTES)
    return domainError(
      "invalid",
      `smile.quotes: expected a list of 1 to ${MAX_SMILE_QUOTES} quotes, got ${Array.isArray(quotes) ? `${quotes.length}` : describeValue(quotes)}`,
    );
  const n = quotes.length;
  const strikes = new Float64Array(n);
  const ivs = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = quotes[i] as unknown;
    const at = `smile.quotes[${i}]`;
    if (typeof q !== "object" || q === null || Array.isArray(q))
      return domainError("invalid", `${at}: expected an object with strike, iv and an optional weight`);
    const quote = q as Record<string, unknown>;
    for (const key of Object.keys(quote))
      if (key !== "strike" && key !== "iv" && key !== "weight")
        return domainError("invalid", `${at}.${key}: unknown field for a smile quote`);
    const strike = parseFixed(quote["strike"], `${at}.strike`, "positive");
    if ("code" in strike) return strike;
    const iv = parseFixed(quote["iv"], `${at}.iv`, "positive");
    if ("code" in iv) return iv;
    const weight =
      quote["weight"] === undefined ? null : parseFixed(quote["weight"], `${at}.weight`, "positive");
    if (weight !== null && "code" in weight) return weight;
    strikes[i] = fixedToNumber(strike);
    ivs[i] = fixedToNumber(iv);
    weights[i] = weight === null ? 1 : fixedToNumber(weight);
    if ((ivs[i] as number) > MAX_IV)
      return domainError(
        "invalid",
        `${at}.iv: ${quote["iv"]} is above ${MAX_IV} (1,000 % a year): a feed error`,
      );
    if (i > 0 && (strikes[i] as number) <= (strikes[i - 1] as number))
      return domainError(
        "invalid",
        `${at}.strike: ${quote["strike"]} is not above the previous quote's strike (strikes strictly increasing)`,
      );
  }
  return { expiry, forward: fixedToNumber(forward), strikes, ivs, weights };
}

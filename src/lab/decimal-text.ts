// Decimal numbers as text, exactly: market data files write prices as decimal strings (sometimes with an exponent,
// "5.4e-05"), and a float would change them. These helpers rewrite and compare them digit by digit.
import { MAX_DECIMAL_LENGTH, MAX_SCALE } from "../kernel/decimal.js";

/** Largest exponent accepted in "1e-5" notation: far beyond any price or volume, small enough to bound the work. */
const MAX_EXPONENT = 40;

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/;
/** Already canonical, with at most MAX_SCALE decimals: the common case, returned as it is. */
const CANONICAL = new RegExp(`^-?(?:0|[1-9]\\d*)(?:\\.\\d{0,${MAX_SCALE - 1}}[1-9])?$`);

/**
 * The canonical plain decimal of `text` ("17204.0" → "17204", "5.4e-05" → "0.000054", "007.50" → "7.5"), or a
 * reason it cannot be one. Canonical: no exponent, no leading zeros, no trailing fractional zeros, no "-0".
 */
export function canonicalDecimal(text: string): string | { readonly problem: string } {
  if (text.length <= MAX_DECIMAL_LENGTH && CANONICAL.test(text) && text !== "-0") return text;
  const m = NUMBER_TEXT.exec(text);
  if (m === null) return { problem: `${JSON.stringify(text)} is not a decimal number` };
  const negative = m[1] === "-";
  let intPart = m[2] as string;
  let fracPart = m[3] ?? "";
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (Math.abs(exponent) > MAX_EXPONENT)
    return { problem: `${JSON.stringify(text)} has an exponent beyond ±${MAX_EXPONENT}` };
  // Move the point `exponent` places to the right (left when negative), on the digits themselves.
  if (exponent > 0) {
    const padded = fracPart.padEnd(exponent, "0");
    intPart += padded.slice(0, exponent);
    fracPart = padded.slice(exponent);
  } else if (exponent < 0) {
    const padded = intPart.padStart(-exponent + 1, "0");
    fracPart = padded.slice(padded.length + exponent) + fracPart;
    intPart = padded.slice(0, padded.length + exponent);
  }
  intPart = intPart.replace(/^0+(?=\d)/, "");
  fracPart = fracPart.replace(/0+$/, "");
  if (fracPart.length > MAX_SCALE)
    return { problem: `${JSON.stringify(text)} has more than ${MAX_SCALE} decimal places` };
  const zero = intPart === "0" && fracPart === "";
  const out = `${negative && !zero ? "-" : ""}${intPart}${fracPart === "" ? "" : `.${fracPart}`}`;
  if (out.length > MAX_DECIMAL_LENGTH)
    return {
      problem: `${JSON.stringify(text)} is longer than ${MAX_DECIMAL_LENGTH} characters as a plain decimal`,
    };
  return out;
}

/** Compares two canonical non-negative decimals exactly: -1, 0 or 1. */
export function compareDecimalText(a: string, b: string): number {
  const da = a.indexOf(".");
  const db = b.indexOf(".");
  const ia = da < 0 ? a : a.slice(0, da);
  const ib = db < 0 ? b : b.slice(0, db);
  if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1;
  if (ia !== ib) return ia < ib ? -1 : 1;
  const fa = da < 0 ? "" : a.slice(da + 1);
  const fb = db < 0 ? "" : b.slice(db + 1);
  const width = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(width, "0");
  const pb = fb.padEnd(width, "0");
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}

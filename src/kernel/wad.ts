// The margin layer's working number: an exact bigint at 18 decimals ("wad"). Prices, sizes, rates and amounts
// enter as wads without loss (every input has at most 18 decimals); every product or quotient that drops digits
// names its rounding, and results leave at an asset's or instrument's scale with the rounding the caller states
// (requirements up, equity down: DEVELOPERS.md).
import { divRound, type Fixed, pow10, type Rounding, rescale } from "./decimal.js";

export const WAD_SCALE = 18;
export const WAD = 10n ** 18n;

/** A Fixed (rate, weight, size in config) as a wad; exact. */
export function wadOf(value: Fixed): bigint {
  return rescale(value.raw, value.scale, WAD_SCALE, "down");
}

/** A raw integer at `scale` (a balance, a price at its decimals) as a wad; exact for scale <= 18. */
export function wadFromRaw(raw: bigint, scale: number): bigint {
  return rescale(raw, scale, WAD_SCALE, "down");
}

/** A wad at `scale` decimals, rounded by `mode`. */
export function wadToRaw(wad: bigint, scale: number, mode: Rounding): bigint {
  return rescale(wad, WAD_SCALE, scale, mode);
}

/** a × b, rounded by `mode` at 18 decimals. */
export function wadMul(a: bigint, b: bigint, mode: Rounding): bigint {
  return divRound(a * b, WAD, mode);
}

/** a ÷ b, rounded by `mode` at 18 decimals; b must not be zero. */
export function wadDiv(a: bigint, b: bigint, mode: Rounding): bigint {
  return divRound(a * WAD, b, mode);
}

/** A float (a published price) as a wad at `decimals` places, half away from zero; exact for what priceText prints. */
export function wadOfPrice(value: number, decimals: number): bigint {
  const scaled = Math.round(Math.abs(value) * 10 ** decimals);
  const raw = Number.isSafeInteger(scaled)
    ? BigInt(scaled)
    : BigInt(Math.abs(value).toFixed(decimals).replace(".", ""));
  return (value < 0 ? -raw : raw) * pow10(WAD_SCALE - decimals);
}

export function wadAbs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

// How much of a collateral asset's value counts: its weight (flat, or progressive by value) times a factor for
// the quality of its price. A stale or degraded price never counts at full weight; an unavailable one counts 0.
import { assert } from "../kernel/errors.js";
import { WAD, wadMul } from "../kernel/wad.js";
import type { PriceStatus } from "../prices/priced.js";

export interface CollateralBand {
  /** Upper bound of the band in the quote asset (wad). */
  readonly upToValue: bigint;
  readonly weight: bigint;
}

export interface DecayStep {
  readonly ageMs: number;
  readonly factor: bigint;
}

// value × weight, rounded down
export function flatCollateralValue(value: bigint, weight: bigint): bigint {
  return wadMul(value, weight, "floor");
}

// Σ over bands of (value within the band) × band weight, past the last band at the last weight, each rounded down (Binance "tiered collateral ratio")
export function tieredCollateralValue(value: bigint, bands: readonly CollateralBand[]): bigint {
  assert(bands.length > 0 && value >= 0n, "margin: tiered collateral needs bands and a value >= 0");
  let counted = 0n;
  let from = 0n;
  for (const band of bands) {
    if (value <= from) return counted;
    const part = (value < band.upToValue ? value : band.upToValue) - from;
    counted += wadMul(part, band.weight, "floor");
    from = band.upToValue;
  }
  if (value > from)
    counted += wadMul(value - from, (bands[bands.length - 1] as CollateralBand).weight, "floor");
  return counted;
}

// factor(age) linear between decay points, flat outside; capped at degradedFactor when degraded; 0 when unavailable
export function priceQualityFactor(
  status: PriceStatus,
  ageMs: number,
  degradedFactor: bigint,
  decay: readonly DecayStep[],
): bigint {
  if (status === "unavailable") return 0n;
  const factor = ageFactor(ageMs, decay);
  if (status === "degraded" && factor > degradedFactor) return degradedFactor;
  return factor;
}

function ageFactor(ageMs: number, decay: readonly DecayStep[]): bigint {
  const first = decay[0];
  if (first === undefined) return WAD;
  if (ageMs <= first.ageMs) return first.factor;
  for (let i = 1; i < decay.length; i++) {
    const a = decay[i - 1] as DecayStep;
    const b = decay[i] as DecayStep;
    if (ageMs < b.ageMs) {
      // a.factor + (b.factor − a.factor) × (age − a.age) / (b.age − a.age), rounded down
      const span = BigInt(b.ageMs - a.ageMs);
      const step = (b.factor - a.factor) * BigInt(ageMs - a.ageMs);
      const q = step / span;
      return a.factor + (q * span > step ? q - 1n : q);
    }
  }
  return (decay[decay.length - 1] as DecayStep).factor;
}

/** priceQualityFactor in float, for the risk screen (within one unit at 18 decimals of the exact factor). */
export function priceQualityFactorFloat(
  status: PriceStatus,
  ageMs: number,
  degradedFactor: number,
  decay: readonly { readonly ageMs: number; readonly factor: number }[],
): number {
  if (status === "unavailable") return 0;
  let factor = 1;
  const first = decay[0];
  if (first !== undefined) {
    factor = (decay[decay.length - 1] as { factor: number }).factor;
    if (ageMs <= first.ageMs) factor = first.factor;
    else
      for (let i = 1; i < decay.length; i++) {
        const a = decay[i - 1] as { ageMs: number; factor: number };
        const b = decay[i] as { ageMs: number; factor: number };
        if (ageMs < b.ageMs) {
          factor = a.factor + ((b.factor - a.factor) * (ageMs - a.ageMs)) / (b.ageMs - a.ageMs);
          break;
        }
      }
  }
  return status === "degraded" && factor > degradedFactor ? degradedFactor : factor;
}

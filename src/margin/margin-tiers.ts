// Notional brackets (Binance USDⓈ-M / BitMEX risk limits): each bracket has an initial and a maintenance rate and
// a maintenance amount; the bracket is the one the position's whole notional falls in.
import type { MarginTier } from "../config/types.js";
import { assert } from "../kernel/errors.js";
import { WAD, wadDiv, wadMul, wadOf } from "../kernel/wad.js";

/** The bracket of a notional (wad): the first whose upToNotional it does not exceed; past the last, the last. */
export function bracketIndex(tiers: readonly MarginTier[], notional: bigint): number {
  assert(tiers.length > 0, "margin: no tiers");
  for (let i = 0; i < tiers.length - 1; i++)
    if (notional <= wadOf((tiers[i] as MarginTier).upToNotional)) return i;
  return tiers.length - 1;
}

/** The notional is beyond the last bracket: a new position may not grow there (the trading issue refuses it). */
export function exceedsTiers(tiers: readonly MarginTier[], notional: bigint): boolean {
  return notional > wadOf((tiers[tiers.length - 1] as MarginTier).upToNotional);
}

// MM = notional × MMR(bracket) − maintenanceAmount(bracket), rounded up, never below 0 (Binance USDⓈ-M "Leverage and Margin")
export function tieredMaintenanceMargin(tiers: readonly MarginTier[], notional: bigint): bigint {
  const tier = tiers[bracketIndex(tiers, notional)] as MarginTier;
  const mm = wadMul(notional, wadOf(tier.maintenance), "ceil") - wadOf(tier.maintenanceAmount);
  return mm > 0n ? mm : 0n;
}

// IM = notional × max(IMR(bracket), 1 / leverage), rounded up (Binance: notional ÷ leverage, leverage capped by the bracket)
export function tieredInitialMargin(
  tiers: readonly MarginTier[],
  notional: bigint,
  leverage: bigint | null,
): bigint {
  const tier = tiers[bracketIndex(tiers, notional)] as MarginTier;
  const byRate = wadMul(notional, wadOf(tier.initial), "ceil");
  if (leverage === null) return byRate;
  assert(leverage > 0n, "margin: leverage must be positive");
  const byLeverage = wadDiv(notional, leverage, "ceil");
  return byLeverage > byRate ? byLeverage : byRate;
}

// Max leverage of a bracket = 1 / IMR, rounded down
export function maxLeverage(tier: MarginTier): bigint {
  return wadDiv(WAD, wadOf(tier.initial), "floor");
}

// Liquidation prices: the mark of one instrument at which the margin that protects a position (the account's
// cross equity, or an isolated position's own margin) equals its maintenance margin, all else held. Wads in,
// a wad price out (null when no move of this mark alone reaches it); the display rounds toward the mark.
import type { MarginTier } from "../config/types.js";
import { divRound, pow10, type Rounding } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import { WAD, WAD_SCALE, wadAbs, wadDiv, wadMul, wadOf } from "../kernel/wad.js";
import { type ScalingModel, scaledRate } from "./margin-scaling.js";

export type LiquidationModel =
  | { readonly kind: "tiers"; readonly tiers: readonly MarginTier[] }
  | ({ readonly kind: "scaling" } & ScalingModel);

// Linear cross: E + X·L − V = B + n·L·r − c  ⇒  L = (B − c − E + V) / (X − n·r)  (Binance USDⓈ-M "liquidation price", one-way mode)
export function crossLiquidationPriceLinear(input: {
  otherEquity: bigint;
  otherMaintenance: bigint;
  exposure: bigint;
  entryValue: bigint;
  model: LiquidationModel;
}): bigint | null {
  const { otherEquity: e, otherMaintenance: b, exposure: x, entryValue: v, model } = input;
  assert(x !== 0n, "margin: liquidation price of a flat position");
  const n = wadAbs(x);
  const solve = (rate: bigint, amount: bigint): bigint | null => {
    const denominator = x - wadMul(n, rate, "half-even");
    if (denominator === 0n) return null;
    const price = wadDiv(b - amount - e + v, denominator, "half-even");
    return price > 0n ? price : null;
  };
  if (model.kind === "scaling") return solve(scaledRate(model.maintenance, model.perUnit, n), 0n);
  // The bracket depends on the notional at the answer: keep the solution that falls in its own bracket.
  let low = 0n;
  for (let i = 0; i < model.tiers.length; i++) {
    const tier = model.tiers[i] as MarginTier;
    const high = i === model.tiers.length - 1 ? null : wadOf(tier.upToNotional);
    const price = solve(wadOf(tier.maintenance), wadOf(tier.maintenanceAmount));
    if (price !== null) {
      const notional = wadMul(n, price, "half-even");
      if (notional > low && (high === null || notional <= high)) return price;
    }
    low = high ?? low;
  }
  return null;
}

// Inverse cross, in base units: E + V − X/L = B + (n/L)·r(n/L) − c, solved for L by bisection on y = 1/L (BitMEX/Deribit inverse)
export function crossLiquidationPriceInverse(input: {
  otherEquityBase: bigint;
  otherMaintenanceBase: bigint;
  exposure: bigint;
  entryValue: bigint;
  model: LiquidationModel;
}): bigint | null {
  const { otherEquityBase: e, otherMaintenanceBase: b, exposure: x, entryValue: v, model } = input;
  assert(x !== 0n, "margin: liquidation price of a flat position");
  const n = wadAbs(x);
  // f(y) = equity − maintenance at y = 1/L (wad): decreasing in y for a long, increasing for a short.
  const f = (y: bigint): bigint => {
    const notional = wadMul(n, y, "ceil");
    return e + v - wadMul(x, y, "ceil") - b - inverseMaintenance(model, notional);
  };
  return solveInY(f, x > 0n);
}

// Isolated: M + PnL(L) = MM(L), MM on the mark's notional (Binance) or the entry value (Bybit); closed forms
// linear mark:  L = (V − M − c) / (X − n·r)       linear entry:  L = (V + |V|·r − c − M) / X
// inverse mark: L = (X + n·r) / (M + V + c)       inverse entry: L = X / (M + V − |V|·r + c)
export function isolatedLiquidationPrice(input: {
  isolatedMargin: bigint;
  exposure: bigint;
  entryValue: bigint;
  rate: bigint;
  amount: bigint;
  basis: "mark" | "entry";
  inverse: boolean;
}): bigint | null {
  const { isolatedMargin: m, exposure: x, entryValue: v, rate: r, amount: c, basis, inverse } = input;
  assert(x !== 0n, "margin: liquidation price of a flat position");
  const n = wadAbs(x);
  let numerator: bigint;
  let denominator: bigint;
  if (!inverse && basis === "mark") {
    numerator = v - m - c;
    denominator = x - wadMul(n, r, "half-even");
  } else if (!inverse) {
    numerator = v + wadMul(wadAbs(v), r, "half-even") - c - m;
    denominator = x;
  } else if (basis === "mark") {
    numerator = x + wadMul(n, r, "half-even");
    denominator = m + v + c;
  } else {
    numerator = x;
    denominator = m + v - wadMul(wadAbs(v), r, "half-even") + c;
  }
  if (denominator === 0n) return null;
  const price = wadDiv(numerator, denominator, "half-even");
  return price > 0n ? price : null;
}

// Shown on the instrument's price grid, toward the mark: a long's rounded up, a short's down (never later than the true one)
export function roundLiquidationPrice(price: bigint, scale: number, isLong: boolean): bigint {
  const step = pow10(WAD_SCALE - scale);
  const mode: Rounding = isLong ? "ceil" : "floor";
  return divRound(price, step, mode) * step;
}

function inverseMaintenance(model: LiquidationModel, notional: bigint): bigint {
  if (model.kind === "scaling")
    return wadMul(notional, scaledRate(model.maintenance, model.perUnit, notional), "ceil");
  let i = 0;
  while (i < model.tiers.length - 1 && notional > wadOf((model.tiers[i] as MarginTier).upToNotional)) i++;
  const tier = model.tiers[i] as MarginTier;
  const mm = wadMul(notional, wadOf(tier.maintenance), "ceil") - wadOf(tier.maintenanceAmount);
  return mm > 0n ? mm : 0n;
}

/** Largest y-range searched: prices down to 10^-12 of the quote unit. */
const Y_LIMIT = WAD * 10n ** 12n;

/**
 * The root of a monotone f in y = 1/L > 0, by bisection to one unit at 18 decimals, as a price L = 1/y.
 * Long: f decreases in y; liquidated once f < 0, so the root is where f crosses 0 going up in y.
 * Short: f increases in y; liquidated once f < 0 as y falls.
 */
function solveInY(f: (y: bigint) => bigint, isLong: boolean): bigint | null {
  const atInfinity = f(0n); // the price gone to infinity (y → 0)
  if (isLong) {
    if (atInfinity < 0n) return null; // under water at any price
    let high = WAD; // y = 1 (price 1): double until f < 0
    while (f(high) >= 0n) {
      if (high > Y_LIMIT) return null; // survives any positive price
      high *= 2n;
    }
    let low = 0n;
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if (f(mid) >= 0n) low = mid;
      else high = mid;
    }
    return wadDiv(WAD, high, "ceil");
  }
  if (atInfinity >= 0n) return null; // a short whose loss is bounded below its margin
  let high = WAD;
  while (f(high) < 0n) {
    if (high > Y_LIMIT) return null;
    high *= 2n;
  }
  let low = 0n;
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (f(mid) < 0n) low = mid;
    else high = mid;
  }
  return wadDiv(WAD, high, "floor");
}

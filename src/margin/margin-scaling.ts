// Size-scaled margin rates (Deribit linear perpetuals): the rate grows with the position's size in base units.
import { wadAbs, wadMul } from "../kernel/wad.js";

/** Base rates and the growth per unit of base size, as wads. */
export interface ScalingModel {
  readonly initial: bigint;
  readonly maintenance: bigint;
  readonly perUnit: bigint;
}

// rate = base + |size| × perUnit, rounded up (Deribit "Margin: linear perpetuals", IM 2 % + size × 0.005 %)
export function scaledRate(base: bigint, perUnit: bigint, baseSize: bigint): bigint {
  return base + wadMul(wadAbs(baseSize), perUnit, "ceil");
}

// IM = notional × (initial + |size| × perUnit), rounded up (Deribit)
export function scaledInitialMargin(model: ScalingModel, notional: bigint, baseSize: bigint): bigint {
  return wadMul(notional, scaledRate(model.initial, model.perUnit, baseSize), "ceil");
}

// MM = notional × (maintenance + |size| × perUnit), rounded up (Deribit)
export function scaledMaintenanceMargin(model: ScalingModel, notional: bigint, baseSize: bigint): bigint {
  return wadMul(notional, scaledRate(model.maintenance, model.perUnit, baseSize), "ceil");
}

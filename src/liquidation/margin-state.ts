// The margin state of an account: healthy → margin_call → liquidating → bankrupt, with hysteresis on the way
// back (an account leaves margin_call or liquidating only once its equity is back to MM × (1 + buffer)), so noise
// around a threshold does not flap. A pure function of the figures and the previous state.
import { WAD, wadMul } from "../kernel/wad.js";

export const HEALTHY = 0;
export const MARGIN_CALL = 1;
export const LIQUIDATING = 2;
export const BANKRUPT = 3;
export type MarginState = typeof HEALTHY | typeof MARGIN_CALL | typeof LIQUIDATING | typeof BANKRUPT;
export const STATE_NAMES = ["healthy", "margin_call", "liquidating", "bankrupt"] as const;

export interface StateInputs {
  /** Equity the cross positions' maintenance is measured against (wad, quote asset). */
  readonly equity: bigint;
  readonly maintenance: bigint;
  /** marginCallRatio and bufferRatio as wads. */
  readonly marginCallRatio: bigint;
  readonly bufferRatio: bigint;
}

// bankrupt: equity < 0; liquidating: equity < MM; margin_call: MM ≥ ratio × equity; healthy otherwise — each
// threshold crossed back only with the buffer to spare: out of liquidating at equity ≥ MM × (1 + buffer) (what a
// partial liquidation restores), out of margin_call at ratio × equity ≥ MM × (1 + buffer)
export function nextMarginState(previous: MarginState, f: StateInputs): MarginState {
  if (f.equity < 0n) return BANKRUPT;
  if (f.equity < f.maintenance) return LIQUIDATING;
  const buffered = wadMul(f.maintenance, WAD + f.bufferRatio, "ceil");
  if (previous >= LIQUIDATING && f.equity < buffered) return LIQUIDATING;
  const weighted = wadMul(f.equity, f.marginCallRatio, "floor");
  if (f.maintenance > 0n && weighted <= f.maintenance) return MARGIN_CALL;
  if (previous !== HEALTHY && f.maintenance > 0n && weighted < buffered) return MARGIN_CALL;
  return HEALTHY;
}

// Unrealised PnL and entry price from a position's exposure and entry value (src/margin/positions.ts).
// linear: exposure in base units, entry value Σ exposureᵢ × priceᵢ in quote; inverse (BitMEX/Deribit): exposure
// in quote units (contracts × contract size), entry value Σ exposureᵢ ÷ priceᵢ in base.
import { assert } from "../kernel/errors.js";
import { wadDiv, wadMul } from "../kernel/wad.js";

// linear PnL = exposure × mark − entry value = size × contractSize × (mark − entry), rounded down
export function linearUnrealizedPnl(exposure: bigint, entryValue: bigint, mark: bigint): bigint {
  return wadMul(exposure, mark, "floor") - entryValue;
}

// inverse PnL = entry value − exposure ÷ mark = contracts × contractSize × (1/entry − 1/mark), in base, rounded down (BitMEX)
export function inverseUnrealizedPnl(exposure: bigint, entryValue: bigint, mark: bigint): bigint {
  assert(mark > 0n, "margin: inverse PnL needs a positive mark");
  return entryValue - wadDiv(exposure, mark, "ceil");
}

// linear entry = entry value ÷ exposure (the size-weighted mean of fills)
export function linearEntryPrice(exposure: bigint, entryValue: bigint): bigint {
  assert(exposure !== 0n, "margin: entry price of a flat position");
  return wadDiv(entryValue, exposure, "half-even");
}

// inverse entry = exposure ÷ entry value (the harmonic mean of fills, BitMEX/Deribit)
export function inverseEntryPrice(exposure: bigint, entryValue: bigint): bigint {
  assert(exposure !== 0n && entryValue !== 0n, "margin: entry price of a flat position");
  return wadDiv(exposure, entryValue, "half-even");
}

// Parsing of an instrument's prices and quantities in commands: exact decimals on the instrument's tick and lot
// grids, refused with a message naming the field and the grid rather than rounded.
import type { InstrumentConfig } from "../config/types.js";
import { formatDecimal, parseDecimal } from "../kernel/decimal.js";
import { type DomainError, describeValue, domainError } from "../kernel/errors.js";
import { wadFromRaw } from "../kernel/wad.js";
import { MAX_LOTS } from "../margin/positions.js";

/** A price on the instrument's tick grid, as a wad; > 0. */
export function parseTickPrice(
  value: unknown,
  instrument: InstrumentConfig,
  field: string,
): bigint | DomainError {
  const raw = parseDecimal(value, instrument.priceScale, field, "positive");
  if (typeof raw !== "bigint") return offGrid(raw, value, field, instrument.tickSize, "tick size");
  const tick = instrument.tickSize.raw; // tickSize's scale is priceScale
  if (raw % tick !== 0n)
    return domainError(
      "invalid",
      `${field}: ${describeValue(value)} is not a multiple of the tick size ${formatDecimal(tick, instrument.priceScale)}`,
    );
  return wadFromRaw(raw, instrument.priceScale);
}

/** A quantity on the instrument's lot grid, as a whole number of lots; > 0 and at most MAX_LOTS. */
export function parseLots(value: unknown, instrument: InstrumentConfig, field: string): number | DomainError {
  const raw = parseDecimal(value, instrument.qtyScale, field, "positive");
  if (typeof raw !== "bigint") return offGrid(raw, value, field, instrument.lotSize, "lot size");
  const lot = instrument.lotSize.raw;
  if (raw % lot !== 0n)
    return domainError(
      "invalid",
      `${field}: ${describeValue(value)} is not a multiple of the lot size ${formatDecimal(lot, instrument.qtyScale)}`,
    );
  const lots = raw / lot;
  if (lots > BigInt(MAX_LOTS))
    return domainError(
      "limit_exceeded",
      `${field}: ${describeValue(value)} is more than the largest position size`,
    );
  return Number(lots);
}

/** A decimal with more places than the grid is off the grid: say so rather than "too many decimals". */
function offGrid(
  error: DomainError,
  value: unknown,
  field: string,
  step: { raw: bigint; scale: number },
  what: string,
): DomainError {
  if (typeof value === "string" && /^\d+(\.\d+)?$/.test(value) && error.message.includes("decimal"))
    return domainError(
      "invalid",
      `${field}: ${describeValue(value)} is not a multiple of the ${what} ${formatDecimal(step.raw, step.scale)}`,
    );
  return error;
}

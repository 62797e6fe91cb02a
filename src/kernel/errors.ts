// Domain errors are values: a stable machine-readable code and a message naming the field and value.
// Exceptions (`AssertionError` below) are reserved for bugs: a broken invariant, never a user's bad input.

export type ErrorCode =
  | "invalid"
  | "unsupported"
  | "ts_regression"
  | "unknown_account"
  | "unknown_asset"
  | "reserved_account"
  | "insufficient_balance"
  | "insufficient_margin"
  | "limit_exceeded"
  | "overflow"
  | "unknown_index"
  | "unknown_source"
  | "unknown_symbol"
  | "stale_price"
  | "price_band"
  | "halted"
  | "reduce_only"
  | "unknown_order"
  | "would_cross"
  | "unfillable"
  | "no_implied_volatility";

export interface DomainError {
  readonly code: ErrorCode;
  readonly message: string;
}

export function domainError(code: ErrorCode, message: string): DomainError {
  return { code, message };
}

export function isDomainError(value: unknown): value is DomainError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** A broken invariant: a bug in Plimsoll, never a consequence of input. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Renders a value for an error message: strings quoted, everything else as JSON, bounded in length. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === "bigint") text = `${value}n`;
  else if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

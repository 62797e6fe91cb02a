// Time is an input: integer milliseconds since the Unix epoch (UTC), carried by each command's `ts`.
import { type DomainError, describeValue, domainError } from "./errors.js";

/** The value if it is a whole, non-negative, exactly representable millisecond count. */
export function parseTimestamp(value: unknown, field: string): number | DomainError {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (value === undefined)
    return domainError("invalid", `${field}: missing (integer milliseconds since the epoch)`);
  return domainError(
    "invalid",
    `${field}: ${describeValue(value)} is not a timestamp (a non-negative integer number of milliseconds)`,
  );
}

/** A duration in whole milliseconds, >= 0. */
export function parseDuration(value: unknown, field: string): number | DomainError {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (value === undefined) return domainError("invalid", `${field}: missing (integer milliseconds)`);
  return domainError(
    "invalid",
    `${field}: ${describeValue(value)} is not a duration (non-negative integer ms)`,
  );
}

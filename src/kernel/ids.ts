// Identifiers (accounts, assets, indices, symbols, sources, order ids): CONTRACT.md conventions.
import { type DomainError, describeValue, domainError } from "./errors.js";

export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export function isId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}

/** The value if it is a valid identifier, else an `invalid` error naming `field`. */
export function parseId(value: unknown, field: string): string | DomainError {
  if (isId(value)) return value;
  if (value === undefined) return domainError("invalid", `${field}: missing (an identifier is required)`);
  return domainError(
    "invalid",
    `${field}: ${describeValue(value)} is not an identifier (1-64 characters of A-Z a-z 0-9 . _ : -)`,
  );
}

// Command types of the contract and the fields each may carry. Unknown fields are refused: a misspelt
// field in a money command must not be silently ignored.

export const COMMAND_FIELDS = {
  price: ["index", "source", "price", "sourceTs"],
  deposit: ["account", "asset", "amount"],
  withdraw: ["account", "asset", "amount"],
  transfer: ["from", "to", "asset", "amount"],
  order: ["account", "id", "symbol", "side", "qty", "price", "tif", "reduceOnly"],
  cancel: ["account", "id"],
  smile: ["index", "expiry", "forward", "quotes"],
  tick: [],
  halt: ["scope", "reason"],
  resume: ["scope", "reason"],
  "position.mode": ["account", "symbol", "isolated", "leverage"],
  "margin.mode": ["account", "mode"],
  "query.account": ["account"],
} as const;

export type CommandType = keyof typeof COMMAND_FIELDS;

/** Command types this engine version applies; the rest of the contract's are refused as `unsupported`. */
export const SUPPORTED_COMMANDS: ReadonlySet<CommandType> = new Set<CommandType>([
  "deposit",
  "withdraw",
  "transfer",
  "tick",
  "query.account",
]);

const ALLOWED: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(COMMAND_FIELDS).map(([type, fields]) => [type, new Set<string>(["type", "ts", ...fields])]),
);

export function isCommandType(value: unknown): value is CommandType {
  return typeof value === "string" && ALLOWED.has(value);
}

/** The first field of `command` that its type does not allow, or null. */
export function unknownField(type: CommandType, command: object): string | null {
  const allowed = ALLOWED.get(type) as ReadonlySet<string>;
  for (const key in command) if (!allowed.has(key)) return key;
  return null;
}

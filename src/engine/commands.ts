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
  // Plimsoll's: a trade matched by an external engine (when Plimsoll runs beside a venue's own matcher).
  fill: ["symbol", "price", "qty", "buyer", "seller", "takerSide"],
} as const;

export type CommandType = keyof typeof COMMAND_FIELDS;

/** Everything the envelope check needs about one command type, found with a single lookup. */
export interface CommandSpec {
  readonly type: CommandType;
  /**
   * The fields it may carry, `type` and `ts` included. A list, not a Set: a few comparisons of interned property
   * names (mostly by identity) cost less than as many Set lookups, on every command.
   */
  readonly names: readonly string[];
}

const SPECS: ReadonlyMap<string, CommandSpec> = new Map(
  (Object.keys(COMMAND_FIELDS) as CommandType[]).map((type) => [
    type,
    {
      type,
      names: ["type", "ts", ...COMMAND_FIELDS[type]],
    },
  ]),
);

// The spec found last: commands of one type come in runs, and a parser's or a literal's type string is the same
// interned object each time, so `===` settles it by identity before any Map lookup (a memo: nothing else changes).
let lastSpec: CommandSpec | undefined;

/** The spec of a command type, or undefined when `value` is not one. */
export function commandSpec(value: unknown): CommandSpec | undefined {
  if (lastSpec !== undefined && value === lastSpec.type) return lastSpec;
  const spec = typeof value === "string" ? SPECS.get(value) : undefined;
  if (spec !== undefined) lastSpec = spec;
  return spec;
}

export function isCommandType(value: unknown): value is CommandType {
  return commandSpec(value) !== undefined;
}

/** The first field of `command` that its type does not allow, or null. */
export function unknownField(spec: CommandSpec, command: object): string | null {
  const names = spec.names;
  const n = names.length;
  // Each search starts after the previous field's place: fields written in the spec's order (the usual case)
  // are found at the first comparison.
  let at = 0;
  for (const key in command) {
    let misses = 0;
    while (names[at] !== key) {
      if (++misses === n) return key;
      at = at + 1 === n ? 0 : at + 1;
    }
    at = at + 1 === n ? 0 : at + 1;
  }
  return null;
}

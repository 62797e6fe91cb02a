// The JSON Schema of the raw configuration, generated from the zod schema so that docs/schema/config.schema.json
// (checked against this output by json-schema.test.ts) cannot drift from what the loader accepts. The loader is
// stricter than the schema: references, orderings and decimal ranges are documented in docs/config.md.
import { z } from "zod";
import { ConfigSchema } from "./schema.js";

export function configJsonSchema(): object {
  return z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-2020-12" });
}

/** biome.json formatter.lineWidth: the checked-in file is linted, so it is written as Biome would format it. */
const LINE_WIDTH = 110;

/** The file's text: 2-space JSON laid out as Biome does (arrays of scalars on one line when they fit). */
export function configJsonSchemaText(): string {
  return `${layout(configJsonSchema(), "", 0, 0)}\n`;
}

function isFlat(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isFlat);
  if (typeof value === "object" && value !== null) return Object.keys(value).length === 0;
  return true;
}

function flat(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(flat).join(", ")}]` : JSON.stringify(value);
}

/**
 * `column` is where the value starts on its line and `after` the width of what follows it there (a comma):
 * an array is kept on one line only if all of it fits. Non-empty objects always break, as Biome keeps an object
 * expanded when its source (JSON.stringify's) puts a newline after `{`.
 */
function layout(value: unknown, indent: string, column: number, after: number): string {
  if (isFlat(value)) {
    const text = flat(value);
    if (!Array.isArray(value) || column + text.length + after <= LINE_WIDTH) return text;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => layout(item, inner, inner.length, i < value.length - 1 ? 1 : 0));
    return `[\n${items.map((item) => inner + item).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const lines = entries.map(([key, item], i) => {
    const prefix = `${inner}${JSON.stringify(key)}: `;
    return prefix + layout(item, inner, prefix.length, i < entries.length - 1 ? 1 : 0);
  });
  return `{\n${lines.join(",\n")}\n${indent}}`;
}

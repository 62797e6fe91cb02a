// Reading the market configuration from disk: the I/O half of configuration; validation is src/config.
import { readFileSync } from "node:fs";
import { formatConfigIssues, loadConfig } from "../config/load.js";
import type { MarketConfig } from "../config/types.js";
import { UsageError } from "./usage-error.js";

export function readConfigFile(path: string): MarketConfig {
  return configFromText(readConfigText(path), path);
}

/** The text of a configuration file, or a usage error naming it. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`config ${path}: cannot be read (${(error as Error).message})`);
  }
}

/** A configuration from its text (`path` names it in errors). */
export function configFromText(text: string, path: string): MarketConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config ${path}: not valid JSON (${(error as Error).message})`);
  }
  const result = loadConfig(json);
  if (!result.ok) {
    const count = result.issues.length;
    throw new UsageError(
      `config ${path}: ${count} problem${count === 1 ? "" : "s"}\n${formatConfigIssues(result.issues)
        .split("\n")
        .map((line) => `  ${line}`)
        .join("\n")}`,
    );
  }
  return result.config;
}

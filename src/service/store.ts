// Where a service keeps its state: `file:DIR` (the default, `file:./plimsoll-data`) is the embedded store — the
// journal and the configuration it was written under, in one directory, no server needed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const DEFAULT_STORE = "file:./plimsoll-data";
const CONFIG_FILE = "config.json";

export type StoreUrl =
  | { readonly kind: "file"; readonly dir: string }
  | { readonly kind: "postgres"; readonly url: string };

/** A `--store` URL: `file:DIR` (embedded) or `postgres://…` / `postgresql://…`. */
export function parseStore(url: string): StoreUrl | { readonly error: string } {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return { kind: "postgres", url };
  const dir = storeDir(url);
  return typeof dir === "string" ? { kind: "file", dir } : dir;
}

/** The directory of a `file:` store URL; an error message for anything else. */
export function storeDir(url: string): string | { readonly error: string } {
  if (!url.startsWith("file:"))
    return { error: `--store ${url}: expected file:DIR or postgres://USER@HOST:PORT/DATABASE` };
  const dir = url.slice("file:".length);
  if (dir.length === 0) return { error: "--store file: needs a directory (file:DIR)" };
  return resolve(dir);
}

/**
 * The configuration text a store was created with. A new store records `text`; an existing one must have been
 * created with the same configuration (its journal means nothing under another).
 */
export function storeConfig(dir: string, text: string | null): string | { readonly error: string } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    if (text === null)
      return { error: `store ${dir}: no ${CONFIG_FILE} (not a Plimsoll store, or never started)` };
    writeFileSync(path, text);
    return text;
  }
  const stored = readFileSync(path, "utf8");
  if (text !== null && JSON.stringify(JSON.parse(stored)) !== JSON.stringify(JSON.parse(text)))
    return { error: `store ${dir} was created with another configuration (${path}); use a new --store` };
  return stored;
}

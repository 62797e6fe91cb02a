// The read model: what risk teams query with SQL — accounts and their margin state, balances, positions, margin
// transitions, liquidations, the insurance fund and index history — kept from the events, in the embedded store
// (SQLite, DIR/read-model.db) or PostgreSQL. Idempotent on replay: each table is keyed by what it describes (an
// account, an account and asset, an event's seq), rows are upserted or inserted once, and the last event applied is
// recorded in the same transaction, so events at or below it are skipped when a restart replays them again.
import type { EngineEvent } from "../engine/events.js";

/** The schema, in the SQL both SQLite and PostgreSQL accept. Decimals are kept as the events' exact strings. */
export const READ_MODEL_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS plimsoll_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, state TEXT NOT NULL, equity TEXT, initial TEXT,
     maintenance TEXT, seq BIGINT NOT NULL, ts BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS balances (account TEXT NOT NULL, asset TEXT NOT NULL, balance TEXT NOT NULL,
     seq BIGINT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (account, asset))`,
  `CREATE TABLE IF NOT EXISTS positions (account TEXT NOT NULL, symbol TEXT NOT NULL, qty TEXT NOT NULL,
     entry_price TEXT, seq BIGINT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (account, symbol))`,
  `CREATE TABLE IF NOT EXISTS margin_transitions (seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, account TEXT NOT NULL,
     state TEXT NOT NULL, equity TEXT NOT NULL, initial TEXT NOT NULL, maintenance TEXT NOT NULL, prices TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS liquidations (seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, account TEXT NOT NULL,
     symbol TEXT NOT NULL, qty TEXT NOT NULL, price TEXT NOT NULL, fee TEXT NOT NULL, via TEXT NOT NULL,
     decision BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS insurance_fund (seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, asset TEXT NOT NULL,
     delta TEXT NOT NULL, balance TEXT NOT NULL, reason TEXT NOT NULL, account TEXT)`,
  `CREATE TABLE IF NOT EXISTS index_history (seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, index_id TEXT NOT NULL,
     price TEXT NOT NULL, status TEXT NOT NULL)`,
];

/**
 * A table the events write: its columns with their PostgreSQL types, the first `key` of them its key, and whether a
 * row is the latest state of its key (upserted) or history (inserted once). `sql` writes one row, placeholders $1,
 * $2, … in column order (SQLite's `?` replace them); PostgreSQL writes a chunk's rows of a table at once.
 */
export interface Table {
  readonly name: string;
  readonly columns: readonly (readonly [string, "text" | "bigint"])[];
  readonly key: number;
  readonly latest: boolean;
  /** What a row meeting an existing key does: ON CONFLICT (key) DO UPDATE SET … (latest) or DO NOTHING (history). */
  readonly onConflict: string;
  readonly sql: string;
}

function table(name: string, columns: string, key: number, latest: boolean): Table {
  const typed = columns.split(" ").map((c) => {
    const [column, type] = c.split(":") as [string, "bigint" | undefined];
    return [column, type ?? "text"] as const;
  });
  const names = typed.map(([n]) => n);
  const action = latest
    ? `DO UPDATE SET ${names
        .slice(key)
        .map((n) => `${n} = excluded.${n}`)
        .join(", ")}`
    : "DO NOTHING";
  const onConflict = `ON CONFLICT (${names.slice(0, key).join(", ")}) ${action}`;
  const values = names.map((_, i) => `$${i + 1}`).join(", ");
  const sql = `INSERT INTO ${name} (${names.join(", ")}) VALUES (${values}) ${onConflict}`;
  return { name, columns: typed, key, latest, onConflict, sql };
}

/** The tables' columns in the order `rowsOf` gives them, keys first, TEXT unless typed (as READ_MODEL_SCHEMA). */
export const TABLES = {
  balance: table("balances", "account asset balance seq:bigint ts:bigint", 2, true),
  position: table("positions", "account symbol qty entry_price seq:bigint ts:bigint", 2, true),
  account: table("accounts", "account state equity initial maintenance seq:bigint ts:bigint", 1, true),
  transition: table(
    "margin_transitions",
    "seq:bigint ts:bigint account state equity initial maintenance prices",
    1,
    false,
  ),
  liquidation: table(
    "liquidations",
    "seq:bigint ts:bigint account symbol qty price fee via decision:bigint",
    1,
    false,
  ),
  insurance: table("insurance_fund", "seq:bigint ts:bigint asset delta balance reason account", 1, false),
  index: table("index_history", "seq:bigint ts:bigint index_id price status", 1, false),
  meta: table("plimsoll_meta", "key value", 1, true),
};

/** One row to write into `table`, its values in the table's column order. */
export interface Row {
  readonly table: Table;
  readonly params: readonly (string | number | null)[];
}

/** The rows an event changes (none for the events the read model does not keep). */
export function rowsOf(e: EngineEvent): Row[] {
  switch (e.type) {
    case "balance":
      return [{ table: TABLES.balance, params: [e.account, e.asset, e.balance, e.seq, e.ts] }];
    case "position":
      return [{ table: TABLES.position, params: [e.account, e.symbol, e.qty, e.entryPrice, e.seq, e.ts] }];
    case "margin":
      return [
        {
          table: TABLES.account,
          params: [e.account, e.state, e.equity, e.initial, e.maintenance, e.seq, e.ts],
        },
        {
          table: TABLES.transition,
          params: [
            e.seq,
            e.ts,
            e.account,
            e.state,
            e.equity,
            e.initial,
            e.maintenance,
            JSON.stringify(e.prices),
          ],
        },
      ];
    case "liquidation":
      return [
        {
          table: TABLES.liquidation,
          params: [e.seq, e.ts, e.account, e.symbol, e.qty, e.price, e.fee, e.via, e.decision],
        },
      ];
    case "insurance":
      return [
        { table: TABLES.insurance, params: [e.seq, e.ts, e.asset, e.delta, e.balance, e.reason, e.account] },
      ];
    case "index":
      return [{ table: TABLES.index, params: [e.seq, e.ts, e.index, e.price, e.status] }];
    default:
      return [];
  }
}

export interface ReadModel {
  /** The last event seq the model holds (0 when empty): replayed events at or below it are skipped. */
  readonly lastSeq: number;
  /** Applies events in seq order, in one transaction with the new last seq. */
  apply(events: readonly EngineEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** The events after `lastSeq` and their rows, with the last seq to record; null when nothing is new. */
export function pendingRows(
  events: readonly EngineEvent[],
  lastSeq: number,
): { rows: Row[]; last: number } | null {
  const rows: Row[] = [];
  let last = lastSeq;
  for (const e of events) {
    if (e.seq <= lastSeq) continue;
    for (const row of rowsOf(e)) rows.push(row);
    if (e.seq > last) last = e.seq;
  }
  if (last === lastSeq) return null;
  rows.push({ table: TABLES.meta, params: ["last_seq", String(last)] });
  return { rows, last };
}

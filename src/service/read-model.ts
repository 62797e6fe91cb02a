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

/** One statement with its parameters, placeholders written $1, $2, … in order (SQLite's `?` replace them). */
export interface Row {
  readonly sql: string;
  readonly params: readonly (string | number | null)[];
}

const UPSERT = {
  balance: `INSERT INTO balances (account, asset, balance, seq, ts) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (account, asset) DO UPDATE SET balance = excluded.balance, seq = excluded.seq, ts = excluded.ts`,
  position: `INSERT INTO positions (account, symbol, qty, entry_price, seq, ts) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (account, symbol) DO UPDATE SET qty = excluded.qty, entry_price = excluded.entry_price,
    seq = excluded.seq, ts = excluded.ts`,
  account: `INSERT INTO accounts (account, state, equity, initial, maintenance, seq, ts) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (account) DO UPDATE SET state = excluded.state, equity = excluded.equity, initial = excluded.initial,
    maintenance = excluded.maintenance, seq = excluded.seq, ts = excluded.ts`,
  transition: `INSERT INTO margin_transitions (seq, ts, account, state, equity, initial, maintenance, prices)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING`,
  liquidation: `INSERT INTO liquidations (seq, ts, account, symbol, qty, price, fee, via, decision)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (seq) DO NOTHING`,
  insurance: `INSERT INTO insurance_fund (seq, ts, asset, delta, balance, reason, account)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (seq) DO NOTHING`,
  index: `INSERT INTO index_history (seq, ts, index_id, price, status) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (seq) DO NOTHING`,
  last: `INSERT INTO plimsoll_meta (key, value) VALUES ('last_seq', $1)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
};

/** The rows an event changes (none for the events the read model does not keep). */
export function rowsOf(e: EngineEvent): Row[] {
  switch (e.type) {
    case "balance":
      return [{ sql: UPSERT.balance, params: [e.account, e.asset, e.balance, e.seq, e.ts] }];
    case "position":
      return [{ sql: UPSERT.position, params: [e.account, e.symbol, e.qty, e.entryPrice, e.seq, e.ts] }];
    case "margin":
      return [
        {
          sql: UPSERT.account,
          params: [e.account, e.state, e.equity, e.initial, e.maintenance, e.seq, e.ts],
        },
        {
          sql: UPSERT.transition,
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
          sql: UPSERT.liquidation,
          params: [e.seq, e.ts, e.account, e.symbol, e.qty, e.price, e.fee, e.via, e.decision],
        },
      ];
    case "insurance":
      return [
        { sql: UPSERT.insurance, params: [e.seq, e.ts, e.asset, e.delta, e.balance, e.reason, e.account] },
      ];
    case "index":
      return [{ sql: UPSERT.index, params: [e.seq, e.ts, e.index, e.price, e.status] }];
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
  rows.push({ sql: UPSERT.last, params: [String(last)] });
  return { rows, last };
}

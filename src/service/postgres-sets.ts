// The read model's rows of a chunk of events as one set-based statement for PostgreSQL: each table's rows go in as
// one array per column, inserted by INSERT … SELECT FROM unnest($1::text[], …), every table in one statement (a
// data-modifying WITH runs once whether read or not) — a chunk costs one round trip, not one per row.
import { type Row, TABLES, type Table } from "./read-model.js";

const ORDER: readonly Table[] = Object.values(TABLES);

/** Every table's upsert or insert, its arrays numbered on from the tables before it in ORDER. */
const TEXT = (() => {
  let n = 0;
  const inserts = ORDER.map((t) => {
    const names = t.columns.map(([name]) => name).join(", ");
    const arrays = t.columns.map(([, type]) => `$${++n}::${type}[]`).join(", ");
    return `INSERT INTO ${t.name} (${names}) SELECT * FROM unnest(${arrays}) ${t.onConflict}`;
  });
  const last = inserts.pop() as string;
  return `WITH ${inserts.map((sql, i) => `w${i} AS (${sql})`).join(",\n")}\n${last}`;
})();

export interface SetStatement {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/**
 * The statement writing `rows` (given in seq order), prepared once per connection. A table that keeps the latest
 * state gets only the last row of each key: one INSERT … ON CONFLICT DO UPDATE may not touch a row twice, and the
 * last row is what writing row by row would leave. History rows are all kept (keyed by their event's seq).
 */
export function setStatement(rows: readonly Row[]): SetStatement {
  const byTable = new Map<Table, Map<string, Row["params"]> | Row["params"][]>();
  for (const t of ORDER) byTable.set(t, t.latest ? new Map() : []);
  for (const row of rows) {
    const group = byTable.get(row.table);
    if (Array.isArray(group)) group.push(row.params);
    else if (group !== undefined) {
      const t = row.table;
      // Ids never hold a NUL (ID_PATTERN): it separates the key's parts.
      const key = t.key === 1 ? String(row.params[0]) : row.params.slice(0, t.key).join("\u0000");
      group.set(key, row.params);
    } else throw new Error(`read model: no table ${row.table.name}`);
  }
  const values: unknown[][] = [];
  for (const [t, group] of byTable) {
    const columns: unknown[][] = t.columns.map(() => []);
    for (const params of group.values())
      for (let i = 0; i < columns.length; i++) (columns[i] as unknown[]).push(params[i]);
    values.push(...columns);
  }
  return { name: "plimsoll_read_model_set", text: TEXT, values };
}

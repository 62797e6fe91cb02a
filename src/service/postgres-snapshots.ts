// Engine snapshots in PostgreSQL, beside a journal on NATS. A body (27 MB of JSON at a million accounts) goes in as it
// is built: each chunk the writer hands over (snapshot-writer.ts's writeBody: a quarter MB, encoded a slice at a time)
// is one row of `plimsoll_snapshot_chunks`, its bytes a BYTEA parameter (the driver sends a Buffer as it is, in
// binary: nothing to encode); then the header row of `plimsoll_snapshots` — seq, stream sequence, state hash, and the
// body's length, CRC-32C and number of chunks — last, all in one transaction. Nothing ever holds the whole body as
// one string or one parameter: joining it and the driver's encoding of it blocked the event loop ~0.1 s each.
//
// Chunk rows rather than COPY … FROM STDIN: the driver streams COPY only through another package, and a row per
// chunk is one parameterised INSERT (about 110 round trips for 27 MB, each a yield to the event loop). One
// transaction rather than chunks committed one by one: a save that does not commit (a crash, a lost connection, a
// failed statement) leaves no row at all — no header to list, no orphan chunks to collect — and a start lists
// headers only, so it never sees a snapshot whose chunks are not all there. A body is read back only when a start
// tries it, its chunks checked against the header: their number, the length and the checksum.
//
// Snapshots of the layout before (the body as TEXT in the header row, no checksum) are still read: the columns this
// layout adds are nullable, and `body` lost its NOT NULL (catalog-only changes, made at open).
import type pg from "pg";
import { crc32c } from "../journal/crc32c.js";
import type { SnapshotBody, StoredSnapshot } from "./serve.js";

/** Explicit limit: most bytes in one chunk row (a larger write is split; a writer's chunk is a quarter of this). */
const ROW_BYTES = 1 << 20;
/** How many snapshots are kept. */
const KEEP = 2;

export const SNAPSHOT_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS plimsoll_snapshots (seq BIGINT PRIMARY KEY, stream_seq BIGINT NOT NULL,
     state_hash TEXT NOT NULL, body TEXT, length BIGINT, crc BIGINT, chunks INTEGER)`,
  `ALTER TABLE plimsoll_snapshots ALTER COLUMN body DROP NOT NULL, ADD COLUMN IF NOT EXISTS length BIGINT,
     ADD COLUMN IF NOT EXISTS crc BIGINT, ADD COLUMN IF NOT EXISTS chunks INTEGER`,
  `CREATE TABLE IF NOT EXISTS plimsoll_snapshot_chunks (seq BIGINT NOT NULL, n INTEGER NOT NULL,
     bytes BYTEA NOT NULL, PRIMARY KEY (seq, n))`,
];

/**
 * Saves the snapshot at `seq` whose body `body` writes, in one transaction: chunk rows as they come, the header
 * last, then all but the newest KEEP dropped. A snapshot already stored at `seq` is kept and `body` not called.
 */
export async function saveSnapshot(
  pool: pg.Pool,
  seq: number,
  streamSeq: number,
  body: SnapshotBody,
): Promise<void> {
  const client = await pool.connect();
  // The connection may die while the body is being built (no statement running): the pool listens only to idle
  // clients, and an unheard 'error' would end the process. The next statement fails instead, and the save with it.
  const lost = () => undefined;
  client.on("error", lost);
  let broken = false;
  try {
    await client.query("BEGIN");
    const existing = await client.query("SELECT 1 FROM plimsoll_snapshots WHERE seq = $1", [seq]);
    if (existing.rows.length > 0) {
      await client.query("ROLLBACK");
      return;
    }
    let chunks = 0;
    let length = 0;
    let crc = 0;
    const { stateHash } = await body(async (bytes) => {
      for (let at = 0; at < bytes.length; at += ROW_BYTES) {
        const end = Math.min(at + ROW_BYTES, bytes.length);
        crc = crc32c(bytes, at, end, crc);
        const row = Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at); // a view, not a copy
        // Awaited: the bytes are in the driver's message (the writer reuses its buffer) when this resolves.
        await client.query("INSERT INTO plimsoll_snapshot_chunks (seq, n, bytes) VALUES ($1, $2, $3)", [
          seq,
          chunks++,
          row,
        ]);
      }
      length += bytes.length;
    });
    await client.query(
      `INSERT INTO plimsoll_snapshots (seq, stream_seq, state_hash, length, crc, chunks)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [seq, streamSeq, stateHash, length, crc, chunks],
    );
    await client.query(
      `DELETE FROM plimsoll_snapshots WHERE seq NOT IN
       (SELECT seq FROM plimsoll_snapshots ORDER BY seq DESC LIMIT ${KEEP})`,
    );
    await client.query(
      "DELETE FROM plimsoll_snapshot_chunks WHERE seq NOT IN (SELECT seq FROM plimsoll_snapshots)",
    );
    await client.query("COMMIT"); // synchronous: the snapshot, and every read-model commit before it, are durable
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      broken = true; // the connection is gone: not returned to the pool
    });
    throw error;
  } finally {
    if (!broken) client.off("error", lost);
    client.release(broken);
  }
}

/** Stored snapshots, newest first, without their bodies: a start reads the newest, an older one only if it fails. */
export async function storedSnapshots(pool: pg.Pool): Promise<StoredSnapshot[]> {
  const r = await pool.query(
    "SELECT seq, stream_seq, state_hash, length, crc, chunks FROM plimsoll_snapshots ORDER BY seq DESC",
  );
  return r.rows.map((row) => {
    const seq = Number(row.seq);
    const header: Header = {
      seq,
      chunks: row.chunks === null ? null : Number(row.chunks),
      length: Number(row.length),
      crc: Number(row.crc),
    };
    return {
      seq,
      streamSeq: Number(row.stream_seq),
      stateHash: row.state_hash as string,
      body: () => readBody(pool, header),
    };
  });
}

interface Header {
  readonly seq: number;
  /** Null: the layout before chunks, the body in the header row. */
  readonly chunks: number | null;
  readonly length: number;
  readonly crc: number;
}

/** A snapshot's body as the header listed it: its chunks, all there, of its length and checksum. */
async function readBody(pool: pg.Pool, header: Header): Promise<string> {
  if (header.chunks === null) {
    const b = await pool.query("SELECT body FROM plimsoll_snapshots WHERE seq = $1", [header.seq]);
    if (b.rows.length === 0) throw new Error("deleted since it was listed");
    return b.rows[0].body as string;
  }
  const r = await pool.query("SELECT n, bytes FROM plimsoll_snapshot_chunks WHERE seq = $1 ORDER BY n", [
    header.seq,
  ]);
  if (r.rows.length === 0 && header.chunks > 0) throw new Error("deleted since it was listed");
  if (r.rows.length !== header.chunks || r.rows.some((row, i) => row.n !== i))
    throw new Error(`${r.rows.length} of its ${header.chunks} chunks are there`);
  const bytes = Buffer.concat(r.rows.map((row) => row.bytes as Buffer));
  if (bytes.length !== header.length || crc32c(bytes) !== header.crc)
    throw new Error("its checksum does not match");
  return bytes.toString("utf8");
}

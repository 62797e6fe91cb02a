// The journal stream read by a service that must be able to wait between batches — for the read model's bound
// (model-feed.ts) — as it replays at start, follows the leader as a standby, and catches up at promotion. The
// journal's own readers (src/journal/nats-journal.ts: readStream, followStream) hand each batch to a synchronous
// callback, which cannot wait; these await it before reading on. Same order, same check of each message (batchOf).
import { type ConsumerMessages, connect, type JetStreamClient } from "nats";
import type { JournalRecords } from "../journal/journal-records.js";
import { batchOf, type NatsTarget } from "../journal/nats-journal.js";

/** Applies one batch (stream sequence `seq`); the next is read once it resolves. */
export type OnBatch = (records: JournalRecords, seq: number) => Promise<void> | void;

/** JetStream's error code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10_059;

/**
 * A start's replay: the batches after stream sequence `after` up to the stream's last at the call, on a connection
 * of its own; none when the stream does not exist yet. Resolves with the commands read and the last sequence.
 */
export async function replayBatches(
  target: NatsTarget,
  after: number,
  onBatch: OnBatch,
): Promise<{ count: number; last: number }> {
  const nc = await connect({ servers: target.servers, name: `plimsoll-replay-${target.stream}` });
  try {
    const js = nc.jetstream();
    try {
      await (await js.jetstreamManager()).streams.info(target.stream);
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === STREAM_NOT_FOUND)
        return { count: 0, last: after };
      throw error;
    }
    return await readBatches(js, target.stream, after, onBatch);
  } finally {
    await nc.close();
  }
}

/** The batches after stream sequence `after` up to the stream's last at the call, each awaited. */
export async function readBatches(
  js: JetStreamClient,
  stream: string,
  after: number,
  onBatch: OnBatch,
): Promise<{ count: number; last: number }> {
  const info = await (await js.jetstreamManager()).streams.info(stream);
  const last = info.state.last_seq;
  let count = 0;
  if (last <= after || info.state.messages === 0) return { count, last: Math.max(last, after) };
  const consumer = await js.consumers.get(stream, { opt_start_seq: after + 1 });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const batch = batchOf(m.data, stream, m.seq);
      count += batch.length;
      await onBatch(batch, m.seq);
      if (m.seq >= last) break;
    }
  } finally {
    await messages.close();
  }
  return { count, last };
}

/** A hot standby's live subscription from after stream sequence `after`, each batch awaited before the next. */
export async function followBatches(
  target: NatsTarget,
  after: number,
  onBatch: OnBatch,
): Promise<{ stop(): Promise<void> }> {
  const nc = await connect({ servers: target.servers, name: `plimsoll-follow-${target.stream}` });
  let messages: ConsumerMessages;
  try {
    const consumer = await nc.jetstream().consumers.get(target.stream, { opt_start_seq: after + 1 });
    messages = await consumer.consume();
  } catch (error) {
    await nc.close();
    throw error;
  }
  const done = (async () => {
    for await (const m of messages) await onBatch(batchOf(m.data, target.stream, m.seq), m.seq);
  })();
  return {
    stop: async () => {
      await messages.close();
      await done.catch(() => undefined);
      await nc.close();
    },
  };
}

// The journal on NATS JetStream (`--journal nats://HOST:PORT/STREAM`): one message per batch, holding the batch in
// the embedded journal's format (records and commit marker, CRC-32C checked), so both stores decode alike. A batch
// is acknowledged when JetStream acknowledges its publish (stored, and replicated as the stream is configured).
//
// One writer at a time: each publish expects the stream's last sequence to be the one this writer last saw, so a
// second writer (a stale leader after a standby was promoted) is refused by the server and stops — fencing, not
// trust. A retried publish carries the same message id, which the stream's duplicate window drops.
import {
  type ConsumerMessages,
  connect,
  type JetStreamClient,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from "nats";
import { JournalCorruption, recoverJournal } from "./file-journal.js";
import type { JournalRecords } from "./journal-records.js";

export interface NatsTarget {
  readonly servers: string;
  readonly stream: string;
}

/** `nats://HOST:PORT/STREAM`, or an error naming what is wrong. */
export function parseNatsUrl(url: string): NatsTarget | { readonly error: string } {
  const m = /^nats:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(url);
  if (m === null)
    return { error: `${url}: expected nats://HOST:PORT/STREAM (STREAM: letters, digits, _ and -)` };
  return { servers: m[1] as string, stream: m[2] as string };
}

const subjectOf = (stream: string) => `plimsoll.${stream}.journal`;

/** Decodes one stream message: exactly one committed batch, else the stream's acknowledged data is damaged. */
export function batchOf(data: Uint8Array, stream: string, seq: number): JournalRecords {
  let recovery: ReturnType<typeof recoverJournal>;
  try {
    recovery = recoverJournal(data, `${stream}#${seq}`);
  } catch (error) {
    throw new JournalCorruption((error as Error).message);
  }
  if (recovery.dropped !== null || recovery.records.length === 0)
    throw new JournalCorruption(
      `journal stream ${stream}: message ${seq} is not a whole batch (${recovery.dropped?.reason ?? "no records"}); refusing to start`,
    );
  return recovery.records;
}

export class NatsJournal {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    readonly target: NatsTarget,
    /** The stream's last sequence as this writer knows it. */
    private last: number,
    /** Commands in the stream so far (the seq of the next batch's first command is this + 1). */
    private commands: number,
  ) {}

  /**
   * Connects, creates the stream if absent, and reads its batches after stream sequence `after` (a snapshot's; 0:
   * all), `commands` being how many commands those before it held: each batch to `onBatch` as it arrives (its
   * records are the message's: nothing is accumulated). Resolves with the writer and the commands read.
   */
  static async open(
    target: NatsTarget,
    after = 0,
    commands = 0,
    onBatch: OnBatch = () => undefined,
  ): Promise<{ journal: NatsJournal; count: number; replicas: number }> {
    const nc = await connect({ servers: target.servers, name: `plimsoll-${target.stream}` });
    try {
      const jsm = await nc.jetstreamManager();
      const subject = subjectOf(target.stream);
      let replicas: number;
      try {
        replicas = (await jsm.streams.info(target.stream)).config.num_replicas;
      } catch {
        replicas = 1;
        await jsm.streams.add({
          name: target.stream,
          subjects: [subject],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          max_msg_size: 8 << 20,
          duplicate_window: 120_000_000_000, // 2 minutes, in ns
        });
      }
      const js = nc.jetstream();
      const { count, last } = await readStream(js, target.stream, after, onBatch);
      return { journal: new NatsJournal(nc, js, target, last, commands + count), count, replicas };
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** Publishes one encoded batch (encodeBatch) of `count` commands; resolves when JetStream has stored it. */
  async append(batch: Uint8Array, count: number): Promise<void> {
    const ack = await this.js.publish(subjectOf(this.target.stream), batch, {
      msgID: `${this.target.stream}:${this.commands + 1}`,
      expect: { lastSequence: this.last },
    });
    if (ack.duplicate)
      throw new Error(
        `journal stream ${this.target.stream}: batch at ${this.commands + 1} was already stored`,
      );
    this.last = ack.seq;
    this.commands += count;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }

  /** The stream's last sequence as this writer knows it. */
  get lastSequence(): number {
    return this.last;
  }

  get jetstream(): JetStreamClient {
    return this.js;
  }

  /** Moves this writer's position after batches it read itself (a standby catching up before it writes). */
  adopt(last: number, commands: number): void {
    this.last = last;
    this.commands = commands;
  }

  /** Adopts a follower's position: it has applied everything up to stream sequence `last`. */
  static async resume(target: NatsTarget, last: number, commands: number): Promise<NatsJournal> {
    const nc = await connect({ servers: target.servers, name: `plimsoll-${target.stream}` });
    return new NatsJournal(nc, nc.jetstream(), target, last, commands);
  }
}

/** Applies one batch (stream sequence `seq`); a promise it returns is awaited before the next batch is read. */
export type OnBatch = (records: JournalRecords, seq: number) => Promise<void> | void;

/** JetStream's error code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10_059;

/**
 * Reads the stream's batches after sequence `after`, up to its last message at the time of the call, handing each
 * batch to `onBatch` (awaited: a reader may wait, for a read model's bound); returns how many commands were read and
 * the last sequence.
 */
export async function readStream(
  js: JetStreamClient,
  stream: string,
  after: number,
  onBatch: OnBatch,
): Promise<{ count: number; last: number }> {
  const jsm = await js.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const last = info.state.last_seq;
  let count = 0;
  if (last <= after || info.state.messages === 0) return { count, last: Math.max(last, after) };
  const consumer = await js.consumers.get(stream, { opt_start_seq: after + 1 });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const batch = batchOf(m.data, stream, m.seq);
      count += batch.length;
      const applied = onBatch(batch, m.seq);
      if (applied !== undefined) await applied;
      if (m.seq >= last) break;
    }
  } finally {
    await messages.close();
  }
  return { count, last };
}

/**
 * A start's replay on a connection of its own: readStream over the batches after `after`, none when the stream does
 * not exist yet.
 */
export async function replayStream(
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
    return await readStream(js, target.stream, after, onBatch);
  } finally {
    await nc.close();
  }
}

/** A live subscription to the stream from after sequence `after`, for a hot standby; each batch awaited. */
export async function followStream(
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
    for await (const m of messages) {
      const applied = onBatch(batchOf(m.data, target.stream, m.seq), m.seq);
      if (applied !== undefined) await applied;
    }
  })();
  return {
    stop: async () => {
      await messages.close();
      await done.catch(() => undefined);
      await nc.close();
    },
  };
}

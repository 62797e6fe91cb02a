// The WebSocket stream (`/v1/stream`): every event as it is applied, one JSON array per applied command batch. A
// client that does not keep up is disconnected with a reason once its socket has more than MAX_BUFFERED bytes
// waiting: the engine never waits for a client, and no client's backlog grows without bound.
import type { WebSocket } from "ws";
import type { EngineEvent } from "../engine/events.js";
import type { Metrics } from "./metrics.js";

/** Bytes a client may have waiting in its socket before it is dropped. */
export const MAX_BUFFERED = 8 << 20;
/** Explicit limit: clients at once (beyond it a new one is refused). */
export const MAX_CLIENTS = 1_000;
/** WebSocket close code 1008 (policy violation): the reason says which. */
const POLICY = 1008;

export class EventStream {
  private readonly clients = new Set<WebSocket>();

  constructor(
    private readonly metrics: Metrics,
    private readonly maxBuffered = MAX_BUFFERED,
  ) {}

  get count(): number {
    return this.clients.size;
  }

  /** Adds a client; `backlog` (events it asked to catch up on) is sent first. False when full. */
  add(socket: WebSocket, backlog: readonly EngineEvent[]): boolean {
    if (this.clients.size >= MAX_CLIENTS) {
      socket.close(POLICY, `too many stream clients (${MAX_CLIENTS})`);
      return false;
    }
    this.clients.add(socket);
    socket.on("close", () => this.clients.delete(socket));
    socket.on("error", () => this.clients.delete(socket));
    if (backlog.length > 0) this.send(socket, JSON.stringify(backlog));
    return true;
  }

  publish(events: readonly EngineEvent[]): void {
    if (this.clients.size === 0 || events.length === 0) return;
    const text = JSON.stringify(events);
    for (const socket of this.clients) this.send(socket, text);
  }

  closeAll(): void {
    for (const socket of this.clients) socket.terminate();
    this.clients.clear();
  }

  private send(socket: WebSocket, text: string): void {
    if (socket.bufferedAmount + text.length > this.maxBuffered) {
      this.clients.delete(socket);
      this.metrics.slowClients++;
      socket.close(POLICY, `too slow: ${socket.bufferedAmount} bytes waiting (limit ${this.maxBuffered})`);
      // A client that does not read will not read the close frame either.
      setTimeout(() => socket.terminate(), 1_000).unref();
      return;
    }
    socket.send(text);
  }
}

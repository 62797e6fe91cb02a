// The HTTP API (CONTRACT.md "HTTP"): commands in (one JSON object, or JSON Lines), answered once they are durable
// and applied, with their events; reads of accounts, events and the state hash; health.
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.js";
import type { EventStream } from "./event-stream.js";
import type { Metrics } from "./metrics.js";
import { MAX_KEY_LENGTH, Overloaded, type Sequencer } from "./sequencer.js";
import { StateHashReader } from "./state-hash-reader.js";

/** Explicit limits: a request's body and its commands. */
export const BODY_LIMIT = 4 << 20;
export const BATCH_LIMIT = 10_000;
const EVENTS_PAGE = 10_000;

/** WebSocket close code (application range) for a catch-up whose events are no longer kept: HTTP's 410. */
export const GONE = 4410;

/** Why a catch-up from `after` cannot be served: its first events are gone (kept: the last ~100,000 since the start). */
const gone = (after: number, oldest: number) =>
  `after: events ${after + 1} to ${oldest - 1} are no longer kept; the oldest kept is ${oldest}`;

export async function httpApi(
  engine: Engine,
  sequencer: Sequencer,
  metrics: Metrics,
  stream: EventStream,
  promote: () => Promise<{ seq: number }> = () => Promise.reject(new Error("not a standby")),
): Promise<FastifyInstance> {
  // On shutdown, open connections (keep-alive, streams) are cut: what was answered is already durable.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true });
  await app.register(websocket, { options: { maxPayload: 1 << 16 } });
  // Bodies arrive as text: each command is journaled as the client's JSON, re-serialised on one line.
  app.addContentTypeParser(
    ["application/json", "application/x-ndjson"],
    { parseAs: "string" },
    (_request, body, done) => done(null, body),
  );

  app.post("/v1/commands", async (request, reply) => {
    metrics.requests++;
    const keyHeader = request.headers["idempotency-key"];
    const key = typeof keyHeader === "string" ? keyHeader : null;
    if (key !== null && (key.length === 0 || key.length > MAX_KEY_LENGTH))
      return reply.code(400).send({ error: `Idempotency-Key: 1 to ${MAX_KEY_LENGTH} characters` });
    const text = typeof request.body === "string" ? request.body : "";
    const ndjson = (request.headers["content-type"] ?? "").startsWith("application/x-ndjson");
    const raw = ndjson ? text.split("\n").filter((l) => l.trim().length > 0) : [text];
    if (raw.length === 0) return reply.code(400).send({ error: "body: no command" });
    if (raw.length > BATCH_LIMIT)
      return reply
        .code(400)
        .send({ error: `body: ${raw.length} commands, more than the ${BATCH_LIMIT} allowed` });
    const commands: object[] = [];
    for (let i = 0; i < raw.length; i++) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw[i] as string);
      } catch (error) {
        return reply.code(400).send({ error: `line ${i + 1}: not JSON (${(error as Error).message})` });
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return reply.code(400).send({ error: `line ${i + 1}: a command is a JSON object` });
      // The journal keeps a request's idempotency key on its first command under these names.
      if ("_key" in parsed || "_n" in parsed)
        return reply.code(400).send({
          error: `line ${i + 1}: _key and _n are reserved (the Idempotency-Key header sets a request's key)`,
        });
      commands.push(parsed);
    }
    try {
      const r = await sequencer.submit(commands, key);
      // A retry of a request already applied: its outcome, not a second application.
      if (r.duplicate)
        return { duplicate: true, first: r.first, events: r.events === null ? null : r.events.flat() };
      return { events: (r.events as unknown[][]).flat() };
    } catch (error) {
      if (error instanceof Overloaded) return reply.code(503).send({ error: error.message });
      return reply.code(500).send({ error: (error as Error).message });
    }
  });

  app.get<{ Params: { id: string } }>("/v1/accounts/:id", async (request, reply) => {
    const view = engine.readAccount(request.params.id);
    if (view === null) return reply.code(404).send({ error: `account: "${request.params.id}" is not known` });
    return view;
  });

  app.get<{ Querystring: { after?: string } }>("/v1/events", async (request, reply) => {
    const after = request.query.after === undefined ? 0 : Number(request.query.after);
    if (!Number.isSafeInteger(after) || after < 0)
      return reply
        .code(400)
        .send({ error: `after: ${JSON.stringify(request.query.after)} is not a seq (an integer ≥ 0)` });
    const events = sequencer.eventsAfter(after, EVENTS_PAGE);
    if (events === null)
      return reply.code(410).send({ error: gone(after, sequencer.oldestKept), oldest: sequencer.oldestKept });
    return { events };
  });

  app.get<{ Querystring: { after?: string } }>("/v1/stream", { websocket: true }, (socket, request) => {
    const after = request.query.after === undefined ? null : Number(request.query.after);
    if (after !== null && !(Number.isSafeInteger(after) && after >= 0)) {
      socket.close(1008, "after: not a seq (an integer ≥ 0)");
      return;
    }
    const backlog = after === null ? [] : sequencer.eventsAfter(after, EVENTS_PAGE);
    if (backlog === null) {
      socket.close(GONE, gone(after as number, sequencer.oldestKept)); // well under a close reason's 123 bytes
      return;
    }
    stream.add(socket, backlog);
  });

  // Promotion of a hot standby (`serve --follow`): once the leader is stopped, the standby applies what is left
  // of the stream and becomes the writer; a leader still writing is fenced off by the stream's sequence check.
  app.post("/v1/promote", async (_request, reply) => {
    if (!sequencer.standby) return reply.code(409).send({ error: "already the leader" });
    try {
      return { promoted: true, ...(await promote()) };
    } catch (error) {
      return reply.code(500).send({ error: (error as Error).message });
    }
  });

  app.get("/metrics", async (_request, reply) => {
    reply.type("text/plain; version=0.0.4; charset=utf-8");
    return metrics.render(engine.observe(), stream.count);
  });

  const hashes = new StateHashReader(engine, () => sequencer.applied);
  app.get("/v1/state/hash", () => hashes.read());
  app.get("/healthz", async () => ({ status: "ok", seq: sequencer.applied }));
  return app;
}

// The service bench's clients, run in their own process (forked by bench/service.bench.mjs) as a service's
// clients are: sharing the server's thread, fetch's own work took a third of it and the bench measured the client.
// Posts REQUESTS batches of BATCH deposits from each of CLIENTS keep-alive connections (node:http, the lightest
// client Node ships), then sends the parent { rate, p50, p99 } (commands/s, request latency in ms).
//   argv: URL CLIENTS REQUESTS BATCH T0
import http from "node:http";

const [url, clients, requests, batch, t0] = process.argv.slice(2);
const CLIENTS = Number(clients);
const REQUESTS = Number(requests);
const BATCH = Number(batch);
let ts = Number(t0);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

function body() {
  const lines = [];
  for (let i = 0; i < BATCH; i++)
    lines.push(`{"type":"deposit","ts":${ts++},"account":"u${i % 1000}","asset":"USDC","amount":"1.5"}`);
  return lines.join("\n");
}

function post(text) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/x-ndjson", "content-length": Buffer.byteLength(text) },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`status ${response.statusCode}: ${Buffer.concat(chunks).toString()}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

const latencies = [];
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    for (let r = 0; r < REQUESTS; r++) {
      const t = performance.now();
      await post(body());
      latencies.push(performance.now() - t);
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
agent.destroy();
latencies.sort((a, b) => a - b);
process.send({
  rate: (CLIENTS * REQUESTS * BATCH) / seconds,
  p50: latencies[Math.floor(latencies.length * 0.5)],
  p99: latencies[Math.floor(latencies.length * 0.99)],
});

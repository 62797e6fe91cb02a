// A snapshot is taken only after its commands are durable in the journal, so a journal that ends before the newest
// snapshot has lost acknowledged commands: the start must stop and say so, not fall back to an older state.
import { mkdtempSync, readdirSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "../src/journal/file-journal.js";
import { serve } from "../src/service/serve.js";
import { exampleConfig } from "./plimsoll-run.js";

const config = exampleConfig("trading", "trading.config.json");

describe("a journal behind its snapshot", () => {
  it("stops the start, naming the missing commands", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-behind-"));
    const log = () => undefined;
    const service = await serve({ config, dir, port: 0, host: "127.0.0.1", log, snapshotEvery: 1_000 });
    const body = Array.from({ length: 20 }, (_, n) =>
      JSON.stringify({
        type: "deposit",
        ts: 1_700_000_000_000 + n,
        account: `u${n % 3}`,
        asset: "USDC",
        amount: "1",
      }),
    ).join("\n");
    const r = await fetch(`http://127.0.0.1:${service.port}/v1/commands`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    expect(r.status).toBe(200);
    await service.close(); // a snapshot at 20, at shutdown
    expect(readdirSync(dir)).toContain("snapshot-000000000020.json");
    truncateSync(join(dir, JOURNAL_FILE), 0);
    await expect(serve({ config, dir, port: 0, host: "127.0.0.1", log, snapshotEvery: 0 })).rejects.toThrow(
      /0 commands, but a snapshot stands at 20: acknowledged commands are missing/,
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventJson, intText } from "./event-json.js";
import type { EngineEvent } from "./events.js";

describe("eventJson", () => {
  it("writes integers exactly, including timestamps past 2^31 and negatives", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(intText(n)).toBe(String(n));
      }),
      { numRuns: 5000 },
    );
    for (const n of [0, 999_999_999, 1_000_000_000, 1_000_000_005, 1_670_889_600_000, -1_000_000_001])
      expect(intText(n)).toBe(String(n));
  });

  it("is exactly JSON.stringify of the event, field order included", () => {
    const events: EngineEvent[] = [
      {
        seq: 1,
        ts: 1_670_889_600_000,
        type: "balance",
        cause: 1,
        account: "a",
        asset: "USDC",
        delta: "-1.5",
        balance: "0",
        reason: "transfer",
        counterparty: "b",
      },
      {
        seq: 2,
        ts: 5,
        type: "balance",
        cause: 2,
        account: "a:b.c-d_e",
        asset: "BTC",
        delta: "1",
        balance: "1",
        reason: "deposit",
      },
      {
        seq: 3,
        ts: 5,
        type: "rejected",
        cause: 3,
        code: "invalid",
        message: 'deposit.amount: "1e5\\n\u2028" is not "plain"',
        command: "deposit",
      },
      {
        seq: 4,
        ts: 5,
        type: "rejected",
        cause: 4,
        code: "invalid",
        message: "command: expected a JSON object",
        command: null,
      },
      { seq: 5, ts: 5, type: "end", cause: 4, stateHash: "ab".repeat(32), commands: 4, rejected: 2 },
    ];
    for (const e of events) expect(eventJson(e)).toBe(JSON.stringify(e));
  });
});

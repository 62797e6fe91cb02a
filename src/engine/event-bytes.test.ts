import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeEventLine } from "./event-bytes.js";
import { eventJson } from "./event-json.js";
import type { EngineEvent } from "./events.js";

const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const decimal = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => n.toString());
const balanceEvent = fc.record({
  seq: fc.oneof(
    fc.integer({ min: 1, max: 2 ** 31 }),
    fc.maxSafeNat().map((n) => Math.max(1, n)),
  ),
  ts: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 99_999_999, 100_000_000, 1_670_889_600_000)),
  type: fc.constant("balance" as const),
  cause: fc.nat(),
  account: id,
  asset: id,
  delta: decimal,
  balance: decimal,
  reason: fc.constantFrom("deposit" as const, "withdraw" as const, "transfer" as const),
});

function line(e: EngineEvent): string {
  const buf = new Uint8Array(4096);
  const end = writeEventLine(buf, 0, e);
  return Buffer.from(buf.subarray(0, end)).toString("utf8");
}

describe("writeEventLine", () => {
  it("property: writes exactly eventJson's bytes and a newline", () => {
    fc.assert(
      fc.property(balanceEvent, fc.option(id, { nil: undefined }), (e, counterparty) => {
        const event: EngineEvent = counterparty === undefined ? e : { ...e, counterparty };
        expect(line(event)).toBe(`${eventJson(event)}\n`);
      }),
      { numRuns: 3000 },
    );
  });

  it("encodes other events through eventJson, UTF-8 included", () => {
    const e: EngineEvent = {
      seq: 1,
      ts: 2,
      type: "rejected",
      cause: 1,
      code: "invalid",
      message: "Σ «é» \u2028",
      command: null,
    };
    expect(line(e)).toBe(`${eventJson(e)}\n`);
  });

  it("refuses to write past the end of the buffer", () => {
    const e: EngineEvent = {
      seq: 1,
      ts: 2,
      type: "end",
      cause: 1,
      stateHash: "0".repeat(64),
      commands: 1,
      rejected: 0,
    };
    expect(writeEventLine(new Uint8Array(10), 0, e)).toBe(-1);
  });
});

// Events to JSON Lines text, byte-for-byte deterministic. The hot event types are written by hand: their
// fields are identifiers (pattern-checked, nothing to escape), canonical decimals and integers, so a template
// is exact and several times faster than JSON.stringify. Free text (messages) always goes through
// JSON.stringify for escaping.
import type { EngineEvent } from "./events.js";

/** An integer as text without the slow double-to-string path: ms timestamps exceed 2^31. */
export function intText(n: number): string {
  if (n < 1_000_000_000 && n > -1_000_000_000) return `${n}`;
  const low = n % 1_000_000;
  const high = (n - low) / 1_000_000;
  if (n < 0) return `${high}${`${-low}`.padStart(6, "0")}`;
  return `${high}${`${low}`.padStart(6, "0")}`;
}

export function eventJson(e: EngineEvent): string {
  const head = `{"seq":${intText(e.seq)},"ts":${intText(e.ts)},"type":"${e.type}","cause":${intText(e.cause)}`;
  switch (e.type) {
    case "balance": {
      const base = `${head},"account":"${e.account}","asset":"${e.asset}","delta":"${e.delta}","balance":"${e.balance}","reason":"${e.reason}"`;
      return e.counterparty === undefined ? `${base}}` : `${base},"counterparty":"${e.counterparty}"}`;
    }
    case "rejected":
      return `${head},"code":"${e.code}","message":${JSON.stringify(e.message)},"command":${e.command === null ? "null" : `"${e.command}"`}}`;
    case "end":
      return `${head},"stateHash":"${e.stateHash}","commands":${e.commands},"rejected":${e.rejected}}`;
    default:
      return JSON.stringify(e);
  }
}

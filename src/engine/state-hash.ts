// The state hash: SHA-256 over a canonical, line-oriented serialisation of the whole engine state.
// Two engines that applied the same commands hash equal; any difference in state changes the hash.
import { createHash } from "node:crypto";
import type { Steps, TextSteps } from "../kernel/steps.js";

export const STATE_FORMAT = "plimsoll-state/3";

/** Lines hashed between pauses. */
const LINES_STEP = 2_000;

/**
 * The hash, in steps, of the state at `now`: its parts in order — the ledger, prices, positions, books, then the
 * jobs (funding, expiry, margin states, surfaces) — each either text computed in steps or lines read already, all
 * standing at the same command boundary.
 */
export function* stateHashSteps(
  now: number,
  parts: readonly (TextSteps | readonly string[])[],
): Steps<string> {
  const hash = createHash("sha256");
  hash.update(`${STATE_FORMAT}\nnow ${now}\n`);
  for (const part of parts)
    if (Array.isArray(part))
      for (let i = 0; i < part.length; i += LINES_STEP) {
        hash.update(`${part.slice(i, i + LINES_STEP).join("\n")}\n`);
        yield;
      }
    else
      for (const text of part as TextSteps) {
        if (text !== undefined && text !== "") hash.update(text);
        yield;
      }
  return hash.digest("hex");
}

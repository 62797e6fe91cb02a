import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { IndexConfig } from "../config/types.js";
import { IndexState } from "./index-state.js";
import { priceText } from "./priced.js";

const T0 = 1_700_000_000_000;
const SOURCES = ["a", "b", "c", "d", "e"];

function indexConfig(outlierMode: "exclude" | "cap"): IndexConfig {
  const result = loadConfig({
    quoteAsset: "USDC",
    assets: [{ id: "USDC", decimals: 6 }],
    indices: [
      {
        id: "X",
        sources: SOURCES.map((id, i) => ({ id, weight: ["0.3", "0.1", "0.25", "0.2", "0.15"][i] })),
        staleAfterMs: 1_000,
        outlierBand: "0.02",
        outlierMode,
        minSources: 3,
      },
    ],
    instruments: [],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.indices[0] as IndexConfig;
}

/** What a computation decides, from the outside: its value, status, sources used and their parts. */
function outcome(state: IndexState) {
  return {
    value: state.value,
    status: state.status,
    rawMedian: state.rawMedian,
    usedCount: state.usedCount,
    used: state.usedList(),
    excluded: state.excludedList(),
  };
}

type Step =
  | { kind: "price"; source: number; dt: number; price: number; lag: number }
  | { kind: "tick"; dt: number }
  | { kind: "halt"; source: number }
  | { kind: "peek"; at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("price" as const),
      source: fc.nat(SOURCES.length - 1),
      dt: fc.nat(400),
      // around 100, with now and then a venue far off (outliers) or at the same price
      price: fc.oneof(fc.integer({ min: 9_900, max: 10_100 }), fc.integer({ min: 8_000, max: 12_000 })),
      lag: fc.oneof(fc.nat(50), fc.nat(3_000)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), dt: fc.nat(1_500) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("halt" as const), source: fc.nat(SOURCES.length - 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("peek" as const), at: fc.integer({ min: -2_000, max: 2_000 }) }),
  },
);

describe("IndexState", () => {
  it("computes incrementally what a computation from scratch gives, bit for bit, and republishes on a change", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("exclude" as const, "cap" as const),
        fc.array(step, { maxLength: 80 }),
        (mode, steps) => {
          const config = indexConfig(mode);
          const state = new IndexState(config);
          // the latest observation of each source, and the halts, to rebuild a state from scratch at any time
          const last: ({ ts: number; price: number; sourceTs: number } | null)[] = SOURCES.map(() => null);
          const halted = SOURCES.map(() => false);
          let now = T0;
          let published = { text: "", status: "", roles: "" };
          for (const s of steps) {
            if (s.kind === "peek") {
              state.peek(now + s.at); // reads at any time must not disturb later computations
              continue;
            }
            if (s.kind === "price") {
              now += s.dt;
              const sourceTs = Math.max(now - s.lag, last[s.source]?.sourceTs ?? 0);
              const price = s.price / 100;
              state.observe({ source: s.source, price, sourceTs, text: String(price) }, now);
              last[s.source] = { ts: now, price, sourceTs };
            } else if (s.kind === "tick") now += s.dt;
            else {
              halted[s.source] = !halted[s.source];
              state.setHalted(s.source, halted[s.source] as boolean);
            }
            state.compute(now);
            if (!Number.isNaN(state.value)) {
              // published again exactly when its text, status or any source's part changed
              const text = priceText(state.value, state.decimals);
              const roles = JSON.stringify([
                state.usedList().map((u) => [u.source, "raw" in u]),
                state.excludedList(),
              ]);
              const expected =
                text !== published.text || state.status !== published.status || roles !== published.roles;
              expect(state.republish()).toBe(expected);
              published = { text, status: state.status, roles };
            }
            const scratch = new IndexState(config);
            last.forEach((o, i) => {
              if (o !== null)
                scratch.observe(
                  { source: i, price: o.price, sourceTs: o.sourceTs, text: String(o.price) },
                  o.ts,
                );
              if (halted[i]) scratch.setHalted(i, true);
            });
            scratch.compute(now);
            if (state.status === "unavailable") expect(scratch.status).toBe("unavailable");
            else expect(outcome(state)).toEqual(outcome(scratch));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

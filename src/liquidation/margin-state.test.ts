import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import {
  BANKRUPT,
  HEALTHY,
  LIQUIDATING,
  MARGIN_CALL,
  type MarginState,
  nextMarginState,
} from "./margin-state.js";

const rules = { marginCallRatio: (8n * WAD) / 10n, bufferRatio: (2n * WAD) / 100n };
const at = (previous: MarginState, equity: number, maintenance: number) =>
  nextMarginState(previous, {
    equity: BigInt(equity) * WAD,
    maintenance: BigInt(maintenance) * WAD,
    ...rules,
  });

describe("nextMarginState", () => {
  it("goes down by thresholds: margin call at MM/equity ≥ 0.8, liquidating below MM, bankrupt below 0", () => {
    expect(at(HEALTHY, 200, 100)).toBe(HEALTHY);
    expect(at(HEALTHY, 125, 100)).toBe(MARGIN_CALL);
    expect(at(HEALTHY, 99, 100)).toBe(LIQUIDATING);
    expect(at(HEALTHY, -1, 100)).toBe(BANKRUPT);
    expect(at(HEALTHY, 10, 0)).toBe(HEALTHY);
  });

  it("comes back only past MM × (1 + buffer): noise around a threshold does not flap", () => {
    expect(at(LIQUIDATING, 101, 100)).toBe(LIQUIDATING);
    expect(at(LIQUIDATING, 102, 100)).toBe(MARGIN_CALL);
    expect(at(LIQUIDATING, 200, 100)).toBe(HEALTHY);
    expect(at(MARGIN_CALL, 126, 100)).toBe(MARGIN_CALL); // 0.8 × 126 = 100.8 < 102: not yet
    expect(at(MARGIN_CALL, 128, 100)).toBe(HEALTHY); // 0.8 × 128 = 102.4 ≥ MM × 1.02
    // a sequence oscillating by ±0.5 around MM changes state once
    const states: MarginState[] = [];
    let s: MarginState = HEALTHY;
    for (const equity of [130, 99, 100, 99, 101, 100, 101]) {
      s = at(s, equity, 100);
      states.push(s);
    }
    expect(states).toEqual([
      HEALTHY,
      LIQUIDATING,
      LIQUIDATING,
      LIQUIDATING,
      LIQUIDATING,
      LIQUIDATING,
      LIQUIDATING,
    ]);
  });

  it("never calls an account healthy below MM, nor liquidating at or above MM × (1 + buffer)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(HEALTHY, MARGIN_CALL, LIQUIDATING, BANKRUPT),
        fc.integer({ min: -1000, max: 5000 }),
        fc.integer({ min: 0, max: 2000 }),
        (p, e, m) => {
          const s = at(p as MarginState, e, m);
          if (e < m) expect(s === LIQUIDATING || s === BANKRUPT).toBe(true);
          if (e >= 0 && e * 100 >= m * 102) expect(s === HEALTHY || s === MARGIN_CALL).toBe(true);
          if (e * 80 >= m * 102) expect(s).toBe(HEALTHY);
        },
      ),
    );
  });
});

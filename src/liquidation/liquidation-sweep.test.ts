import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LiquidationSweep } from "./liquidation-sweep.js";

describe("LiquidationSweep holder counts", () => {
  it("totalHolders is the sum of the instruments' holder counts after any adds and removals (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(199)), { maxLength: 600 }), (steps) => {
        const instruments = 3;
        const sweep = new LiquidationSweep(instruments);
        const held = new Map<number, number>(); // slot → instrument
        for (const [add, slot] of steps) {
          const instrument = slot % instruments; // a slot's instrument is fixed
          if (add) {
            sweep.setHolder(slot, slot * 7, instrument, 90, 110);
            held.set(slot, instrument);
          } else {
            sweep.removeHolder(slot, instrument);
            held.delete(slot);
          }
          let sum = 0;
          for (let i = 0; i < instruments; i++) sum += sweep.holderCount(i);
          expect(sweep.totalHolders).toBe(sum);
          expect(sum).toBe(held.size);
        }
      }),
      { numRuns: 200 },
    );
  });
});

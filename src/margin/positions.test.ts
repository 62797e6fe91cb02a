import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import { MAX_POSITIONS_PER_ACCOUNT, Positions } from "./positions.js";

const w = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n; // exact for the test's prices
const UNIT = WAD / 1000n; // lot 0.001 × contract 1

describe("Positions", () => {
  it("averages entry by value, realises PnL on reduce, opens the rest at the fill price on a flip", () => {
    const p = new Positions();
    const s = p.open(7, 3);
    expect(p.applyFill(s, 2000, w(100), UNIT, false).realized).toBe(0n); // long 2 at 100
    p.applyFill(s, 2000, w(110), UNIT, false); // long 4, entry value 420
    expect(p.entryValue(s)).toBe(w(420));
    const flip = p.applyFill(s, -5000, w(120), UNIT, false); // close 4 at 120 (+60), short 1 at 120
    expect(flip).toEqual({ realized: w(60), lotsBefore: 4000, lotsAfter: -1000 });
    expect(p.entryValue(s)).toBe(-w(120));
    expect(p.applyFill(s, 1000, w(90), UNIT, false).realized).toBe(w(30));
    expect(p.lots(s)).toBe(0);
    expect(p.entryValue(s)).toBe(0n);
  });

  it("inverse: the entry value is Σ contracts / price, PnL in the base asset (BitMEX)", () => {
    const p = new Positions();
    const s = p.open(0, 0);
    const contract = WAD; // lot 1 × 1 USD
    p.applyFill(s, 1000, w(1000), contract, true);
    expect(p.entryValue(s)).toBe(WAD); // 1,000 USD / 1,000 = 1 BTC
    const close = p.applyFill(s, -1000, w(1250), contract, true);
    expect(close.realized).toBe(WAD / 5n); // 1 − 1000/1250 = 0.2 BTC
  });

  it("conserves value: Σ realised over a round trip equals the PnL of the fills, whatever the split", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lots: fc.integer({ min: -50, max: 50 }).filter((x) => x !== 0),
            price: fc.integer({ min: 1, max: 1_000_000 }),
          }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        fc.integer({ min: 1, max: 1_000_000 }),
        (fills, exit) => {
          const p = new Positions();
          const s = p.open(1, 1);
          let realized = 0n;
          let cash = 0n; // − Σ lots × price: what a cash ledger of the fills would say
          for (const f of fills) {
            realized += p.applyFill(s, f.lots, BigInt(f.price) * WAD, WAD, false).realized;
            cash -= BigInt(f.lots * f.price) * WAD;
          }
          const lots = p.lots(s);
          if (lots !== 0) {
            realized += p.applyFill(s, -lots, BigInt(exit) * WAD, WAD, false).realized;
            cash += BigInt(lots * exit) * WAD;
          }
          expect(p.entryValue(s)).toBe(0n);
          expect(realized).toBe(cash);
        },
      ),
    );
  });

  it("bounds slots per account and lists them in opening order", () => {
    const p = new Positions();
    for (let i = 0; i < MAX_POSITIONS_PER_ACCOUNT; i++) p.open(5, i);
    expect(p.canOpen(5, MAX_POSITIONS_PER_ACCOUNT)).toBe(false);
    expect(p.canOpen(5, 3)).toBe(true);
    expect(p.canOpen(6, 0)).toBe(true);
    const order: number[] = [];
    for (let s = p.first(5); s >= 0; s = p.next(s)) order.push(p.instrument(s));
    expect(order).toEqual([...Array(MAX_POSITIONS_PER_ACCOUNT).keys()]);
  });
});

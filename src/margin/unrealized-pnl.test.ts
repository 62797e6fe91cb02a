import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import {
  inverseEntryPrice,
  inverseUnrealizedPnl,
  linearEntryPrice,
  linearUnrealizedPnl,
} from "./unrealized-pnl.js";

describe("unrealised PnL", () => {
  it("BitMEX inverse: long 1,000 USD at 1,000, mark 1,250 → +0.2 XBT; the short mirrors it", () => {
    expect(inverseUnrealizedPnl(1000n * WAD, WAD, 1250n * WAD)).toBe(WAD / 5n);
    expect(inverseUnrealizedPnl(-1000n * WAD, -WAD, 1250n * WAD)).toBe(-WAD / 5n);
  });

  it("inverse entry is the harmonic mean of fills", () => {
    // 1,000 USD at 1,000 (1 BTC) and 1,000 USD at 1,250 (0.8 BTC): 2,000 / 1.8 = 1,111.11…
    const entry = inverseEntryPrice(2000n * WAD, (18n * WAD) / 10n);
    expect(entry).toBe(1_111_111_111_111_111_111_111n);
  });

  it("linear: size × (mark − entry), entry the size-weighted mean", () => {
    expect(linearUnrealizedPnl(-5n * 10n ** 15n, -47_257_650n * 10n ** 12n, 9_000n * WAD)).toBe(
      2_257_650n * 10n ** 12n,
    );
    expect(linearEntryPrice(4n * WAD, 420n * WAD)).toBe(105n * WAD);
  });

  it("rounds PnL down: a loss of a fraction of a unit counts as a whole unit", () => {
    // exposure 1e-18 × mark 0.5 = 0.5e-18, rounded down to 0, minus entry value 1e-18
    expect(linearUnrealizedPnl(1n, 1n, WAD / 2n)).toBe(-1n);
    expect(inverseUnrealizedPnl(1n, 0n, 3n * WAD)).toBe(-1n);
  });
});

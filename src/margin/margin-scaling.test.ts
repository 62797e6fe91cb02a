import { describe, expect, it } from "vitest";
import { WAD } from "../kernel/wad.js";
import { scaledInitialMargin, scaledMaintenanceMargin, scaledRate } from "./margin-scaling.js";

const model = { initial: (2n * WAD) / 100n, maintenance: WAD / 100n, perUnit: (5n * WAD) / 100_000n };

describe("size-scaled margin (Deribit linear perpetuals)", () => {
  it("BTC_USDC at 100,000: size 25 → IM 53,125, MM 28,125", () => {
    const size = 25n * WAD;
    const notional = 2_500_000n * WAD;
    expect(scaledRate(model.initial, model.perUnit, size)).toBe((2125n * WAD) / 100_000n);
    expect(scaledInitialMargin(model, notional, size)).toBe(53_125n * WAD);
    expect(scaledMaintenanceMargin(model, notional, size)).toBe(28_125n * WAD);
  });

  it("uses the size's magnitude: a short grows the rate as a long does", () => {
    expect(scaledRate(model.initial, model.perUnit, -25n * WAD)).toBe(
      scaledRate(model.initial, model.perUnit, 25n * WAD),
    );
  });
});

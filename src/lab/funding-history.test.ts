// The funding rate logic against BitMEX's real XBTUSD history (read from ../shared/data; under CI its absence is a
// failure): every published 8-hourly rate is reproduced by the formula from a premium consistent with it, the six
// intervals of 2020-03-13/14 sit at the −0.375 % cap, and most intervals sit at the interest rate, as the damper
// predicts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FUNDING_DAMPER, fundingRate } from "../prices/funding-rate.js";
import { sharedDataDir } from "./data-dirs.js";

const INTEREST = 0.0001; // BitMEX XBTUSD: 0.03 % a day, 0.01 % per 8 h
const CAP = 0.00375; // 75 % of (IMR 1 % − MMR 0.5 %)
const FILE = join(sharedDataDir(), "funding", "bitmex_XBTUSD_funding_2016-05-14_2020-11-05.csv");

describe("BitMEX XBTUSD funding history", () => {
  it.runIf(!existsSync(FILE))("SKIPPED: ../shared/data is absent (the BitMEX funding history)", () => {
    if (process.env["CI"] === "true")
      throw new Error("../shared/data is absent under CI=true: the funding history must be checked");
    console.warn(
      "funding-history.test: ../shared/data is absent; the BitMEX funding history check was skipped",
    );
  });

  it.runIf(existsSync(FILE))(
    "reproduces BitMEX XBTUSD's 8-hourly rates, the Black Thursday cap included",
    () => {
      const rows = readFileSync(FILE, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(","))
        .filter((c) => c[2] === "2000-01-01T08:00:00Z")
        .map((c) => ({ ts: c[0] as string, rate: Number(c[3]) }));
      expect(rows.length).toBeGreaterThan(4000);
      for (const { ts, rate } of rows) {
        // BitMEX capped 8-hour funding at 1.125 % in 2016, at 0.375 % since (75 % of IMR − MMR).
        const cap = ts < "2017" ? 0.01125 : CAP;
        expect(Math.abs(rate), ts).toBeLessThanOrEqual(cap + 1e-12);
        // A premium that yields this rate: inside the damper the interest rate, beyond it rate ± damper.
        const premium =
          Math.abs(rate) >= cap
            ? rate * 2
            : rate === INTEREST
              ? INTEREST
              : rate + Math.sign(rate - INTEREST) * FUNDING_DAMPER;
        expect(fundingRate(premium, INTEREST, cap), ts).toBeCloseTo(rate, 10);
      }
      // In 2020 the cap was reached only on Black Thursday, six intervals in a row.
      const capped = rows.filter((r) => r.ts.startsWith("2020") && Math.abs(r.rate) === CAP).map((r) => r.ts);
      expect(capped).toEqual([
        "2020-03-13T04:00:00Z",
        "2020-03-13T12:00:00Z",
        "2020-03-13T20:00:00Z",
        "2020-03-14T04:00:00Z",
        "2020-03-14T12:00:00Z",
        "2020-03-14T20:00:00Z",
      ]);
      const atInterest = rows.filter((r) => r.rate === INTEREST).length;
      expect(atInterest / rows.length).toBeGreaterThan(0.3);
    },
  );
});

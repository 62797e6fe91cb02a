import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  divFixed,
  divRound,
  formatDecimal,
  mulFixed,
  parseDecimal,
  parseFixed,
  type Rounding,
  rescale,
} from "./decimal.js";
import { isDomainError } from "./errors.js";

const MODES: Rounding[] = ["down", "floor", "ceil", "half-even"];
const INT64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const scaleArb = fc.integer({ min: 0, max: 18 });

/** A canonical decimal string: no leading zeros, no trailing fraction zeros, no "-0". */
const canonicalArb = fc
  .tuple(
    fc.boolean(),
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.integer({ min: 0, max: 12 }),
    fc.bigInt({ min: 1n, max: 10n ** 12n - 1n }),
  )
  .map(([neg, int, places, frac]) => {
    let text = int.toString();
    if (places > 0) {
      const f = (frac % 10n ** BigInt(places)).toString().padStart(places, "0").replace(/0+$/, "");
      if (f !== "") text += `.${f}`;
    }
    return neg && text !== "0" ? `-${text}` : text;
  });

function errorMessage(value: unknown, scale: number, sign: "any" | "nonneg" | "positive" = "any"): string {
  const result = parseDecimal(value, scale, "deposit.amount", sign);
  if (!isDomainError(result)) throw new Error(`expected an error for ${String(value)}`);
  expect(result.code).toBe("invalid");
  return result.message;
}

describe("parseDecimal / formatDecimal", () => {
  it("parses plain decimals at a scale", () => {
    expect(parseDecimal("100.5", 6, "f")).toBe(100_500_000n);
    expect(parseDecimal("0.004", 3, "f")).toBe(4n);
    expect(parseDecimal("-0.25", 2, "f")).toBe(-25n);
    expect(parseDecimal("67000", 0, "f")).toBe(67000n);
    expect(parseDecimal("123456789012345678.123456789", 9, "f")).toBe(123456789012345678123456789n);
  });

  it("accepts zeros beyond the scale (no precision is lost) and leading zeros", () => {
    expect(parseDecimal("1.50000000", 2, "f")).toBe(150n);
    expect(parseDecimal("007.5", 1, "f")).toBe(75n);
  });

  it("formats canonically", () => {
    expect(formatDecimal(150n, 2)).toBe("1.5");
    expect(formatDecimal(100_000_000n, 6)).toBe("100");
    expect(formatDecimal(4n, 3)).toBe("0.004");
    expect(formatDecimal(-25n, 2)).toBe("-0.25");
    expect(formatDecimal(0n, 8)).toBe("0");
    expect(formatDecimal(-1n, 0)).toBe("-1");
  });

  it("rejects floats, exponents, signs and malformed text, naming the field and the value", () => {
    expect(errorMessage(1.5, 2)).toBe(
      "deposit.amount: expected a decimal string, got the number 1.5 (write it as a JSON string to keep it exact)",
    );
    expect(errorMessage("1e5", 2)).toContain('deposit.amount: "1e5" is not a plain decimal');
    for (const bad of [
      "+1",
      " 1",
      "1 ",
      "1.",
      ".5",
      "1.2.3",
      "",
      "-",
      "--1",
      "1,5",
      "0x10",
      "Infinity",
      "NaN",
      "١",
    ])
      expect(errorMessage(bad, 2)).toContain(`deposit.amount: ${JSON.stringify(bad)}`);
    expect(errorMessage(null, 2)).toBe("deposit.amount: expected a decimal string, got null");
    expect(errorMessage(undefined, 2)).toBe("deposit.amount: missing (a decimal string is required)");
    expect(errorMessage("1".repeat(49), 2)).toContain("longer than 48 characters");
  });

  it("rejects more decimals than the scale allows", () => {
    expect(errorMessage("0.1234567", 6)).toBe('deposit.amount: "0.1234567" has more than 6 decimal places');
    expect(errorMessage("1.5", 0)).toBe('deposit.amount: "1.5" has more than 0 decimal places');
  });

  it("enforces the sign a field allows", () => {
    expect(errorMessage("0", 2, "positive")).toBe('deposit.amount: "0" must be greater than zero');
    expect(errorMessage("-1", 2, "nonneg")).toBe('deposit.amount: "-1" must be zero or more');
    expect(parseDecimal("0", 2, "f", "nonneg")).toBe(0n);
    expect(errorMessage("-0", 2)).toContain('"-0"');
  });

  it("property: parse ∘ format is the identity on raw values", () => {
    fc.assert(
      fc.property(INT64, scaleArb, (raw, scale) => {
        expect(parseDecimal(formatDecimal(raw, scale), scale, "f")).toBe(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: format ∘ parse is the identity on canonical strings", () => {
    fc.assert(
      fc.property(canonicalArb, (text) => {
        const fixed = parseFixed(text, "f");
        if (isDomainError(fixed)) throw new Error(fixed.message);
        expect(formatDecimal(fixed.raw, fixed.scale)).toBe(text);
        // and at any larger scale: no precision is lost
        const wide = parseDecimal(text, 18, "f");
        expect(formatDecimal(wide as bigint, 18)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Exact comparison helpers: n/d against q, with d > 0. */
function floorOf(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n ? q - 1n : q;
}

describe("rounding", () => {
  it("rounds each way on the published examples", () => {
    expect(MODES.map((m) => divRound(5n, 2n, m))).toEqual([2n, 2n, 3n, 2n]);
    expect(MODES.map((m) => divRound(-5n, 2n, m))).toEqual([-2n, -3n, -2n, -2n]);
    expect(MODES.map((m) => divRound(7n, 2n, m))).toEqual([3n, 3n, 4n, 4n]);
    expect(MODES.map((m) => divRound(-7n, 2n, m))).toEqual([-3n, -4n, -3n, -4n]);
    expect(MODES.map((m) => divRound(-8n, 3n, m))).toEqual([-2n, -3n, -2n, -3n]);
    expect(MODES.map((m) => divRound(8n, -3n, m))).toEqual([-2n, -3n, -2n, -3n]);
    expect(() => divRound(1n, 0n, "floor")).toThrow(RangeError);
  });

  it("property: the rounding direction always holds", () => {
    const nonZero = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).filter((d) => d !== 0n);
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), nonZero, (n0, d0) => {
        // normalise to d > 0 so the exact quotient is n/d
        const n = d0 < 0n ? -n0 : n0;
        const d = d0 < 0n ? -d0 : d0;
        const fl = floorOf(n, d);
        const exact = n % d === 0n;
        expect(divRound(n0, d0, "floor")).toBe(fl);
        expect(divRound(n0, d0, "ceil")).toBe(exact ? fl : fl + 1n);
        expect(divRound(n0, d0, "down")).toBe(n >= 0n ? fl : exact ? fl : fl + 1n);
        const he = divRound(n0, d0, "half-even");
        const twiceDistance = 2n * (n - he * d);
        expect(twiceDistance <= d && twiceDistance >= -d).toBe(true); // nearest
        if (twiceDistance === d || twiceDistance === -d) expect(he % 2n).toBe(0n); // ties to even
      }),
      { numRuns: 3000 },
    );
  });

  it("property: mulFixed and divFixed round in the stated direction and lose nothing when exact", () => {
    const amount = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
    const small = fc.integer({ min: 0, max: 12 });
    fc.assert(
      fc.property(amount, small, amount, small, small, (a, sa, b, sb, out) => {
        // a·b at scale sa+sb is exact
        expect(mulFixed(a, sa, b, sb, sa + sb, "floor")).toBe(a * b);
        const lo = mulFixed(a, sa, b, sb, out, "floor");
        const hi = mulFixed(a, sa, b, sb, out, "ceil");
        // exact value in output units: a·b / 10^(sa+sb-out); compare by cross-multiplying
        const shift = sa + sb - out;
        const num = shift >= 0 ? a * b : a * b * 10n ** BigInt(-shift);
        const den = shift >= 0 ? 10n ** BigInt(shift) : 1n;
        expect(lo * den <= num && num < (lo + 1n) * den).toBe(true);
        expect(hi * den >= num && num > (hi - 1n) * den).toBe(true);
        if (b !== 0n) {
          const q = divFixed(a, sa, b, sb, out, "floor");
          const qc = divFixed(a, sa, b, sb, out, "ceil");
          // exact quotient in output units: a·10^(out−sa+sb) / b
          const e = out - sa + sb;
          const qn = e >= 0 ? a * 10n ** BigInt(e) : a;
          const qd = e >= 0 ? b : b * 10n ** BigInt(-e);
          const [nn, dd] = qd < 0n ? [-qn, -qd] : [qn, qd];
          expect(q * dd <= nn && nn < (q + 1n) * dd).toBe(true);
          expect(qc * dd >= nn && nn > (qc - 1n) * dd).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("property: rescale up then down is the identity", () => {
    fc.assert(
      fc.property(INT64, small(), small(), (raw, from, extra) => {
        const up = rescale(raw, from, from + extra, "floor");
        for (const m of MODES) expect(rescale(up, from + extra, from, m)).toBe(raw);
      }),
      { numRuns: 1000 },
    );
  });
});

function small() {
  return fc.integer({ min: 0, max: 9 });
}

// Smiles through the engine: an expiry's SVI slice fitted and admitted to the index's surface, a slice that would
// put calendar arbitrage into the surface refused (the previous surface staying), bad smiles rejected naming the
// field with nothing changed.
import { describe, expect, it } from "vitest";
import { Engine } from "./engine.js";
import type { EngineEvent } from "./events.js";
import { onePerpetual } from "./one-perpetual.fixture.js";

const T0 = 1_589_435_000_000;
const DAY = 86_400_000;
const SLICE = { a: 0.01, b: 0.1, rho: -0.4, m: 0.05, sigma: 0.2 };

/** Quotes read off a raw SVI slice at expiry T (years): iv = √(w(k)/T), k = ln(K/F). */
function quotesFrom(p: typeof SLICE, years: number, forward: number, scale = 1) {
  return [6_000, 7_000, 8_000, 8_500, 9_000, 9_500, 10_000, 11_000, 12_000, 14_000].map((strike) => {
    const x = Math.log(strike / forward) - p.m;
    const w = scale * (p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma)));
    return { strike: String(strike), iv: Math.sqrt(w / years).toFixed(6) };
  });
}

const surfaces = (events: EngineEvent[]) => events.filter((e) => e.type === "surface");

describe("smile", () => {
  const e = new Engine(onePerpetual());
  const expiry1 = T0 + 30 * DAY;
  const expiry2 = T0 + 90 * DAY;

  it("fits the expiry's slice and admits it to the index's surface", () => {
    const events = e.apply({
      type: "smile",
      ts: T0,
      index: "I",
      expiry: expiry1,
      forward: "9000",
      quotes: quotesFrom(SLICE, 30 / 365, 9_000),
    });
    const [surface] = surfaces(events);
    expect(surface).toMatchObject({ index: "I", expiry: expiry1, accepted: true, code: null });
    const params = (surface as { params: typeof SLICE }).params;
    for (const key of Object.keys(SLICE) as (keyof typeof SLICE)[])
      expect(params[key]).toBeCloseTo(SLICE[key], 4);
    expect(e.surfaces.surfaceAt("I", T0).slices).toHaveLength(1);
  });

  it("refuses a later expiry with less total variance (calendar arbitrage); the surface keeps what it had", () => {
    const hash = e.stateHash();
    const events = e.apply({
      type: "smile",
      ts: T0 + 1,
      index: "I",
      expiry: expiry2,
      forward: "9000",
      // The same shape at half the total variance, three times further out.
      quotes: quotesFrom(SLICE, 90 / 365, 9_000, 0.5),
    });
    expect(surfaces(events)).toMatchObject([{ accepted: false, code: "calendar", params: null }]);
    expect(e.surfaces.surfaceAt("I", T0 + 1).slices).toHaveLength(1);
    expect([...e.surfaces.canonicalLines()].filter((l) => l.startsWith("surface "))).toHaveLength(1);
    expect(e.surfaces.refusals("I")).toBe(1);
    expect(e.stateHash()).not.toBe(hash); // the clock moved: the command was accepted, its slice refused
    // A consistent later expiry is admitted.
    const ok = e.apply({
      type: "smile",
      ts: T0 + 2,
      index: "I",
      expiry: expiry2,
      forward: "9000",
      quotes: quotesFrom(SLICE, 90 / 365, 9_000, 2),
    });
    expect(surfaces(ok)).toMatchObject([{ accepted: true }]);
    expect(e.surfaces.surfaceAt("I", T0 + 2).slices).toHaveLength(2);
  });

  it("too few quotes is an outcome, not an error; bad smiles are rejected naming the field, changing nothing", () => {
    const few = e.apply({
      type: "smile",
      ts: T0 + 3,
      index: "I",
      expiry: expiry1,
      forward: "9000",
      quotes: quotesFrom(SLICE, 30 / 365, 9_000).slice(0, 3),
    });
    expect(surfaces(few)).toMatchObject([{ accepted: false, code: "too_few_quotes" }]);
    const hash = e.stateHash();
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ index: "NOPE" }, "unknown_index", /^smile\.index: "NOPE" is not an index/],
      [{ forward: "-5" }, "invalid", /^smile\.forward:/],
      [{ expiry: T0 }, "invalid", /^smile\.expiry:/],
      [{ quotes: [{ strike: "9000" }] }, "invalid", /^smile\.quotes\[0\]\.iv:/],
    ];
    for (const [over, code, message] of bad) {
      const [r] = e.apply({
        type: "smile",
        ts: T0 + 4,
        index: "I",
        expiry: expiry1,
        forward: "9000",
        quotes: quotesFrom(SLICE, 30 / 365, 9_000),
        ...over,
      });
      expect(r).toMatchObject({ type: "rejected", code, command: "smile" });
      expect((r as { message: string }).message).toMatch(message);
    }
    expect(e.stateHash()).toBe(hash);
  });
});

// One circuit breaker: trips at once on a bad observation, clears only after the condition has been clean for
// a whole cool-down (hysteresis: noise around a threshold does not flap the market open and shut).
import type { BreakerAction } from "../config/types.js";
import { decodeNumber, encodeNumber, type SnapNumber } from "../kernel/snapshot-numbers.js";
import type { BreakerReason } from "./price-events.js";

export type BreakerTransition = "tripped" | "cleared" | null;

export interface BreakerSnapshot {
  readonly tripped: boolean;
  readonly since: SnapNumber;
  readonly cleanSince: SnapNumber;
}

export class Breaker {
  tripped = false;
  /** When it last tripped, and since when the condition has been clean (NaN: not clean). */
  since = Number.NaN;
  cleanSince = Number.NaN;

  constructor(
    readonly scope: string,
    readonly reason: BreakerReason,
    readonly action: BreakerAction,
    readonly coolDownMs: number,
  ) {}

  observe(now: number, bad: boolean): BreakerTransition {
    if (bad) {
      this.cleanSince = Number.NaN;
      if (this.tripped) return null;
      this.tripped = true;
      this.since = now;
      return "tripped";
    }
    if (!this.tripped) return null;
    if (Number.isNaN(this.cleanSince)) this.cleanSince = now;
    if (now - this.cleanSince < this.coolDownMs) return null;
    this.tripped = false;
    this.cleanSince = Number.NaN;
    return "cleared";
  }

  canonical(): string {
    return `${this.scope}/${this.reason} ${this.tripped ? 1 : 0} ${this.since} ${this.cleanSince}`;
  }

  /** What it is (scope, reason, action, cool-down) is configuration; only where it stands is state. */
  snapshot(): BreakerSnapshot {
    return {
      tripped: this.tripped,
      since: encodeNumber(this.since),
      cleanSince: encodeNumber(this.cleanSince),
    };
  }

  restore(s: BreakerSnapshot): void {
    if (typeof s.tripped !== "boolean") throw new RangeError(`snapshot: breaker ${this.scope}: tripped`);
    this.tripped = s.tripped;
    this.since = decodeNumber(s.since, `breaker ${this.scope}.since`);
    this.cleanSince = decodeNumber(s.cleanSince, `breaker ${this.scope}.cleanSince`);
  }
}

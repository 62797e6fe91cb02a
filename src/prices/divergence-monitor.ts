// Statistical divergence of a price from its benchmark: d = price / benchmark − 1, sampled at a fixed interval
// into a rolling window. Bad when |d| passes a hard cap, or when d is more than k standard deviations from the
// window's mean (σ floored at minStd so a flat history does not make every tick an alarm).

import { decodeNumber, encodeNumber, type SnapNumber } from "../kernel/snapshot-numbers.js";
import { RollingStats, type RollingStatsSnapshot } from "./rolling-stats.js";

export interface DivergenceSettings {
  readonly k: number;
  readonly sampleMs: number;
  readonly window: number;
  readonly minSamples: number;
  readonly hardCap: number;
  readonly minStd: number;
}

export interface DivergenceMonitorSnapshot {
  readonly lastSampleTs: SnapNumber;
  readonly mean: SnapNumber;
  readonly bound: SnapNumber;
  readonly stats: RollingStatsSnapshot;
}

export class DivergenceMonitor {
  private readonly stats: RollingStats;
  private lastSampleTs = Number.NEGATIVE_INFINITY;
  private mean = 0;
  private bound = 0;
  /** The last observation's measure and the bound it was held to (same units: a fraction of the benchmark). */
  measured = 0;
  limit = 0;

  constructor(readonly settings: DivergenceSettings) {
    this.stats = new RollingStats(settings.window);
  }

  /**
   * The price and its benchmark the next `observe` reads, set by the caller. Not arguments: a double passed to a
   * call V8 does not inline is boxed, a heap number per call (measured: 32 bytes per price command); a store
   * into a double field is not.
   */
  price = Number.NaN;
  benchmark = Number.NaN;

  /**
   * Observes `price` against `benchmark` at `now`; returns whether the divergence is out of bounds. While `frozen`
   * (its breaker is tripped) samples are not added: the baseline must not learn the dislocation it flags.
   */
  observe(now: number, frozen: boolean): boolean {
    const s = this.settings;
    const d = this.price / this.benchmark - 1;
    const abs = Math.abs(d);
    // Report the statistical measure while it is in force, the hard cap otherwise or when it is crossed.
    this.measured = abs;
    this.limit = s.hardCap;
    let bad = abs > s.hardCap;
    if (!bad && this.stats.count >= s.minSamples) {
      const off = Math.abs(d - this.mean);
      bad = off > this.bound;
      this.measured = off;
      this.limit = this.bound;
    }
    if (!frozen && now - this.lastSampleTs >= s.sampleMs) {
      this.stats.push(d);
      this.lastSampleTs = now;
      // The window changes only here: mean and bound are computed once per sample, not per observation.
      this.mean = this.stats.mean();
      this.bound = s.k * Math.max(this.stats.std(), s.minStd);
    }
    return bad;
  }

  canonical(): string {
    return `div ${this.lastSampleTs} ${this.stats.canonical()}`;
  }

  /**
   * The baseline: the window and the mean and bound computed at its last sample (kept, not recomputed: they are
   * what the next observations are held to). Not `measured`/`limit` nor `price`/`benchmark`: each `observe`
   * writes the first pair before anyone reads it, and its caller the second before calling it.
   */
  snapshot(): DivergenceMonitorSnapshot {
    return {
      lastSampleTs: encodeNumber(this.lastSampleTs),
      mean: encodeNumber(this.mean),
      bound: encodeNumber(this.bound),
      stats: this.stats.snapshot(),
    };
  }

  restore(s: DivergenceMonitorSnapshot): void {
    this.lastSampleTs = decodeNumber(s.lastSampleTs, "divergence lastSampleTs");
    this.mean = decodeNumber(s.mean, "divergence mean");
    this.bound = decodeNumber(s.bound, "divergence bound");
    this.stats.restore(s.stats);
  }
}

// The breakers of the price layer with what each watches. Classes, not spread-built literals: each kind keeps
// one map, so the hot watch reads and writes its fields inline instead of through generic store handlers.
import type { Breaker, BreakerSnapshot } from "./breaker.js";
import type { DivergenceMonitor, DivergenceMonitorSnapshot } from "./divergence-monitor.js";
import type { WindowRange, WindowRangeSnapshot } from "./window-range.js";

// A watch's snapshot is its breaker's and its measure's; not `measured`/`limit`, set on a transition just before
// the report that reads them.
export interface DivergenceWatchSnapshot {
  readonly breaker: BreakerSnapshot;
  readonly monitor: DivergenceMonitorSnapshot;
}

export interface MoveWatchSnapshot {
  readonly breaker: BreakerSnapshot;
  readonly extremes: WindowRangeSnapshot;
}

export interface DegradedWatchSnapshot {
  readonly breaker: BreakerSnapshot;
  readonly warmed: boolean;
}

/** A breaker with the measure and limit its next report shows: set only on a transition, read only by it. */
export class Watch {
  measured = 0;
  limit = 0;
  constructor(readonly breaker: Breaker) {}
}

/** A price against its benchmark (another index, the raw median, or for a mark its index). */
export class DivergenceWatch extends Watch {
  constructor(
    breaker: Breaker,
    readonly monitor: DivergenceMonitor,
    /** The benchmark index's number; -1 for the raw median. */
    readonly benchmark: number,
  ) {
    super(breaker);
  }

  snapshot(): DivergenceWatchSnapshot {
    return { breaker: this.breaker.snapshot(), monitor: this.monitor.snapshot() };
  }

  restore(s: DivergenceWatchSnapshot): void {
    this.breaker.restore(s.breaker);
    this.monitor.restore(s.monitor);
  }
}

/** The index's largest move within a window. */
export class MoveWatch extends Watch {
  constructor(
    breaker: Breaker,
    readonly extremes: WindowRange,
    readonly threshold: number,
  ) {
    super(breaker);
  }

  snapshot(): MoveWatchSnapshot {
    return { breaker: this.breaker.snapshot(), extremes: this.extremes.snapshot() };
  }

  restore(s: MoveWatchSnapshot): void {
    this.breaker.restore(s.breaker);
    this.extremes.restore(s.extremes);
  }
}

/** Too few sources used; armed once the index has been ok (warming up is not failing). */
export class DegradedWatch extends Watch {
  warmed = false;

  snapshot(): DegradedWatchSnapshot {
    return { breaker: this.breaker.snapshot(), warmed: this.warmed };
  }

  restore(s: DegradedWatchSnapshot): void {
    if (typeof s.warmed !== "boolean") throw new RangeError(`snapshot: ${this.breaker.scope}: warmed`);
    this.breaker.restore(s.breaker);
    this.warmed = s.warmed;
  }
}

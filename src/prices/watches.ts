// The breakers of the price layer with what each watches. Classes, not spread-built literals: each kind keeps
// one map, so the hot watch reads and writes its fields inline instead of through generic store handlers.
import type { Breaker } from "./breaker.js";
import type { DivergenceMonitor } from "./divergence-monitor.js";
import type { WindowRange } from "./window-range.js";

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
}

/** Too few sources used; armed once the index has been ok (warming up is not failing). */
export class DegradedWatch extends Watch {
  warmed = false;
}

// One price index over several venues: per-source last price, times and latency; the index is the weighted
// average of the fresh sources after outliers beyond a band around their median are capped or excluded.
import type { IndexConfig } from "../config/types.js";
import { formatFixed } from "../kernel/decimal.js";
import { assert } from "../kernel/errors.js";
import { IdNumbers } from "../kernel/id-numbers.js";
import {
  array,
  decodeBytes,
  decodeCount,
  decodeInto,
  decodeNumber,
  encodeNumber,
  encodeNumbers,
  expectSame,
  type SnapNumber,
} from "../kernel/snapshot-numbers.js";
import { EWMA_ROW, TimeEwma, type TimeEwmaSnapshot } from "./ewma.js";
import type { ExclusionReason, IndexSourceExcluded, IndexSourceUsed } from "./price-events.js";
import { type PricedValue, type PriceStatus, priceText, STATUSES } from "./priced.js";
import { PublishedPrice, type PublishedPriceSnapshot } from "./published-price.js";
import { SortedPrices } from "./sorted-prices.js";
import { WindowMax, type WindowMaxSnapshot } from "./window-max.js";

/** Explicit limit: sources per index (the median's scratch space is sized by it). */
export const MAX_SOURCES = 64;
/** Latency samples kept per source for the windowed maximum. */
const LATENCY_SAMPLES = 4096;

const USED = 0;
const CAPPED = 1;
const STALE = 2;
const OUTLIER = 3;
const HALTED = 4;
/** `changed` when no source was observed since the last evaluation, and when any may have changed. */
const NONE = -1;
const ALL = -2;
const REASONS: readonly ExclusionReason[] = ["stale", "stale", "stale", "outlier", "halted"];

const toNumber = (value: { raw: bigint; scale: number }): number => Number(formatFixed(value));

/**
 * One validated observation of a source; `text` is the price as the venue wrote it, canonical. Handed over as an
 * object: doubles passed as arguments to a call V8 does not inline are boxed (a heap number each), read from an
 * object they are not.
 */
export interface Observation {
  readonly source: number;
  readonly price: number;
  readonly sourceTs: number;
  readonly text: string;
}

/** An index's state: per source (in configuration order) and the index's own, with its last publication. */
export interface IndexStateSnapshot {
  readonly id: string;
  readonly sources: readonly string[];
  readonly price: readonly SnapNumber[];
  /** Each source's price as the venue wrote it (canonical); "" before its first. */
  readonly text: readonly string[];
  readonly sourceTs: readonly SnapNumber[];
  readonly arrivalTs: readonly SnapNumber[];
  readonly changedTs: readonly SnapNumber[];
  readonly halted: readonly number[];
  readonly latency: readonly TimeEwmaSnapshot[];
  readonly latencyMax: readonly WindowMaxSnapshot[];
  /** The part each source played in the last computation, and the price a capped one counted at. */
  readonly role: readonly number[];
  readonly used: readonly SnapNumber[];
  readonly value: SnapNumber;
  readonly status: PriceStatus;
  readonly computedTs: SnapNumber;
  readonly rawMedian: SnapNumber;
  readonly usedCount: number;
  readonly published: PublishedPriceSnapshot;
  readonly publishedStatus: PriceStatus | "";
  readonly publishedRoles: readonly number[];
}

export class IndexState {
  readonly id: string;
  readonly sourceIds: readonly string[];
  readonly staleAfterMs: number;
  readonly band: number;
  // The band's edges relative to the median, 1 ∓ band: the same products outlier-band.ts computes per call.
  private readonly bandLow: number;
  private readonly bandHigh: number;
  readonly cap: boolean;
  readonly minSources: number;
  readonly decimals: number;
  readonly maxClockSkewMs: number;
  private readonly sourceIndex: IdNumbers;
  private readonly weights: Float64Array;
  // per source
  readonly price: Float64Array;
  readonly sourceTs: Float64Array;
  readonly arrivalTs: Float64Array;
  readonly changedTs: Float64Array;
  private readonly halted: Uint8Array;
  readonly latency: TimeEwma[];
  readonly latencyMax: WindowMax[];
  /** How each source entered the last computation (USED, CAPPED, STALE, OUTLIER, HALTED). */
  private readonly role: Uint8Array;
  private readonly peekRole: Uint8Array;
  private readonly peekUsed: Float64Array;
  private readonly used: Float64Array;
  /** The fresh prices, sorted, as of the last evaluation; which sources are in it, at which price. */
  private readonly sorted: SortedPrices;
  private readonly inSorted: Uint8Array;
  private readonly sortedPrice: Float64Array;
  /** Freshness of each source at the last evaluation (USED for fresh, STALE, HALTED). */
  private readonly fresh: Uint8Array;
  /** The source observed since the last evaluation: NONE, or ALL when several were or a halt changed. */
  private changed = ALL;
  /** `now` at the last evaluation, and a lower bound of the fresh sources' sourceTs then (+∞: none fresh). */
  private evalNow = Number.NEGATIVE_INFINITY;
  private freshFloor = Number.POSITIVE_INFINITY;
  /**
   * The weighted fold's sums before each source (weighted, weights, count) as of the last evaluation, kept when
   * it had no outlier, for the role array it filled (`sumsRole`, else null).
   */
  private readonly sumW: Float64Array;
  private readonly sumS: Float64Array;
  private readonly sumN: Int32Array;
  private sumsRole: Uint8Array | null = null;
  // the index
  value = Number.NaN;
  status: PriceStatus = "unavailable";
  /** When the value was last computed from at least one fresh source. */
  computedTs = Number.NaN;
  /** Median of the raw fresh prices at the last computation: the benchmark of the divergence breaker. */
  rawMedian = Number.NaN;
  usedCount = 0;
  /** What was last published, to emit an event only on a change of price or status. */
  readonly published: PublishedPrice;
  publishedStatus: PriceStatus | "" = "";
  private readonly publishedRoles: Uint8Array;
  /** Whether a role may differ from its published one (set by a computation that changed one, cleared here). */
  private rolesMoved = true;
  /** Each source's price text, and its entry in the `sources` of the last event (immutable, so reusable). */
  private readonly text: string[];
  private readonly entries: (IndexSourceUsed | null)[];
  private readonly weightText: string[];
  private weightTextSum = Number.NaN;

  constructor(config: IndexConfig) {
    this.id = config.id;
    const n = config.sources.length;
    if (n > MAX_SOURCES) throw new RangeError(`index ${config.id}: more than ${MAX_SOURCES} sources`);
    this.sourceIds = config.sources.map((s) => s.id);
    this.sourceIndex = new IdNumbers(this.sourceIds);
    this.weights = Float64Array.from(config.sources, (s) => toNumber(s.weight));
    this.staleAfterMs = config.staleAfterMs;
    this.band = toNumber(config.outlierBand);
    if (!(this.band >= 0 && this.band < 1))
      throw new RangeError(`index ${config.id}: outlier band ${this.band} is not a fraction in [0, 1)`);
    this.bandLow = 1 - this.band;
    this.bandHigh = 1 + this.band;
    this.cap = config.outlierMode === "cap";
    this.minSources = config.minSources;
    this.decimals = config.priceDecimals;
    this.published = new PublishedPrice(config.priceDecimals);
    this.maxClockSkewMs = config.maxClockSkewMs;
    this.price = new Float64Array(n).fill(Number.NaN);
    this.sourceTs = new Float64Array(n).fill(Number.NaN);
    this.arrivalTs = new Float64Array(n).fill(Number.NaN);
    this.changedTs = new Float64Array(n).fill(Number.NaN);
    this.halted = new Uint8Array(n);
    // The sources' latency averages side by side in one slab: an update finds its row in a warm line.
    const latencySlab = new Float64Array(EWMA_ROW * n);
    this.latency = this.sourceIds.map((_, i) => new TimeEwma(config.latencyHalfLifeMs, latencySlab, i));
    this.latencyMax = this.sourceIds.map(() => new WindowMax(LATENCY_SAMPLES, config.latencyWindowMs));
    this.role = new Uint8Array(n).fill(STALE);
    this.peekRole = new Uint8Array(n);
    this.peekUsed = new Float64Array(n);
    this.publishedRoles = new Uint8Array(n).fill(255);
    this.text = this.sourceIds.map(() => "");
    this.entries = this.sourceIds.map(() => null);
    this.weightText = this.sourceIds.map(() => "");
    this.used = new Float64Array(n);
    this.sorted = new SortedPrices(n);
    this.inSorted = new Uint8Array(n);
    this.sortedPrice = new Float64Array(n);
    this.fresh = new Uint8Array(n);
    this.sumW = new Float64Array(n + 1);
    this.sumS = new Float64Array(n + 1);
    this.sumN = new Int32Array(n + 1);
  }

  /** Source number, or -1. */
  source(id: string): number {
    return this.sourceIndex.get(id);
  }

  /** Halts a source (it leaves the index at the next computation) or lets it back in. */
  setHalted(source: number, halted: boolean): void {
    this.halted[source] = halted ? 1 : 0;
    this.changed = ALL;
  }

  /** Records one observation (already validated) arriving at `ts`. */
  observe(o: Observation, ts: number): void {
    const { source, price, sourceTs, text } = o;
    if (this.price[source] !== price) {
      this.changedTs[source] = ts;
      this.entries[source] = null;
    }
    this.price[source] = price;
    this.text[source] = text;
    this.sourceTs[source] = sourceTs;
    this.arrivalTs[source] = ts;
    this.changed = this.changed === NONE || this.changed === source ? source : ALL;
    const latency = ts - sourceTs;
    (this.latency[source] as TimeEwma).update(ts, latency);
    (this.latencyMax[source] as WindowMax).push(ts, latency);
  }

  /** Recomputes the index at `now`: freshness, median, outliers, weighted average, status. */
  compute(now: number): void {
    this.evaluate(now, this.role, this.used);
    this.status = this.evalStatus;
    this.usedCount = this.evalUsed;
    if (this.evalStatus === "unavailable") return; // the last good value is carried; its age grows
    this.value = this.evalValue;
    this.rawMedian = this.evalMedian;
    this.computedTs = now;
  }

  /**
   * The index as it stands at `now` without changing anything: a read between ticks sees sources that have gone
   * stale since the last computation (an hour-old price must never count as ok because no tick came).
   */
  peek(now: number): PricedValue {
    this.evaluate(now, this.peekRole, this.peekUsed);
    if (this.evalStatus === "unavailable")
      return { value: this.value, ageMs: this.ageMs(now), status: "unavailable" };
    // The age counts from the last committed computation, as in the events (ticks and prices commit).
    return { value: this.evalValue, ageMs: this.ageMs(now), status: this.evalStatus };
  }

  private evalValue = Number.NaN;
  private evalStatus: PriceStatus = "unavailable";
  private evalUsed = 0;
  private evalMedian = Number.NaN;

  /**
   * The computation itself, into `role`/`used` and the eval fields. Incremental where that cannot change a bit:
   * only the source observed since the last evaluation is checked for freshness unless one may have gone stale,
   * and with no outlier the weighted fold resumes at the changed source from the sums before it (the same
   * additions in the same order as a fold from the first source).
   */
  private evaluate(now: number, role: Uint8Array, used: Float64Array): void {
    // Fields read once into locals: the loops then hold them in registers across the sorted set's calls.
    const { price, sourceTs, halted, inSorted, sortedPrice, weights, sorted, staleAfterMs, fresh } = this;
    const n = price.length;
    const changed = this.changed;
    // A source's sourceTs only grows, so while the oldest fresh one at the last evaluation is still fresh, no
    // other has gone stale: then only the source observed since needs a look.
    const rescan = changed === ALL || now < this.evalNow || now - this.freshFloor > staleAfterMs;
    const from = rescan ? 0 : changed === NONE ? n : changed;
    const to = rescan ? n : changed === NONE ? n : changed + 1;
    let floor = rescan ? Number.POSITIVE_INFINITY : this.freshFloor;
    let freshCount = 0;
    for (let i = from; i < to; i++) {
      const p = price[i]!;
      let r = USED;
      if (halted[i] === 1) r = HALTED;
      else if (Number.isNaN(p) || now - sourceTs[i]! > staleAfterMs) r = STALE;
      fresh[i] = r;
      // Keep the sorted set equal to the fresh prices: one replacement per changed source.
      if (r === USED) {
        freshCount++;
        if (sourceTs[i]! < floor) floor = sourceTs[i]!;
        if (inSorted[i] === 1) {
          if (sortedPrice[i] === p) continue;
          sorted.replace(sortedPrice[i]!, p);
        } else sorted.insert(p);
        inSorted[i] = 1;
        sortedPrice[i] = p;
      } else if (inSorted[i] === 1) {
        sorted.remove(sortedPrice[i]!);
        inSorted[i] = 0;
      }
    }
    assert(!rescan || sorted.count === freshCount, "index: the sorted prices are not the fresh ones");
    freshCount = sorted.count;
    this.changed = NONE;
    this.evalNow = now;
    this.freshFloor = floor;
    // The sums are kept for the role array this evaluation fills, and only for a fold without outliers (after a
    // rescan `from` is 0: nothing is resumed).
    const resume = this.sumsRole === role;
    this.sumsRole = null;
    let moved = false; // whether any role changed
    if (freshCount === 0) {
      for (let i = 0; i < n; i++) {
        if (role[i] !== fresh[i]) moved = true;
        role[i] = fresh[i]!;
      }
      if (moved && role === this.role) this.rolesMoved = true;
      this.evalStatus = "unavailable";
      this.evalUsed = 0;
      return;
    }
    const mid = sorted.median();
    assert(mid > 0 && mid < Number.POSITIVE_INFINITY, "index: the median is not a positive finite price");
    // A price is an outlier strictly beyond the band, as outlier-band.ts's isOutlier, and capped to its edges.
    const low = mid * this.bandLow;
    const high = mid * this.bandHigh;
    const outliers = sorted.outside(low, high);
    let weighted = 0;
    let weightSum = 0;
    let usedCount = 0;
    if (outliers === 0) {
      // Every fresh source is used at its price.
      const { sumW, sumS, sumN } = this;
      const start = resume ? from : 0;
      weighted = sumW[start]!;
      weightSum = sumS[start]!;
      usedCount = sumN[start]!;
      for (let i = start; i < n; i++) {
        sumW[i] = weighted;
        sumS[i] = weightSum;
        sumN[i] = usedCount;
        const r = fresh[i]!;
        if (role[i] !== r) moved = true;
        role[i] = r;
        if (r !== USED) continue;
        // (`used` matters for capped sources only: none here)
        const p = price[i]!;
        const w = weights[i]!;
        weighted += w * p;
        weightSum += w;
        usedCount++;
      }
      sumW[n] = weighted;
      sumS[n] = weightSum;
      sumN[n] = usedCount;
      this.sumsRole = role;
    } else {
      // Exclude mode drops outliers, unless that would drop every source (two clusters far apart): then cap.
      const capping = this.cap || outliers === freshCount;
      for (let i = 0; i < n; i++) {
        let r = fresh[i]!;
        let p = price[i]!;
        if (r === USED && (p > high || p < low)) {
          r = capping ? CAPPED : OUTLIER;
          p = Math.min(Math.max(p, low), high);
        }
        if (role[i] !== r) moved = true;
        role[i] = r;
        if (r !== USED && r !== CAPPED) continue;
        used[i] = p;
        const w = weights[i]!;
        weighted += w * p;
        weightSum += w;
        usedCount++;
      }
    }
    if (moved && role === this.role) this.rolesMoved = true;
    this.evalValue = weighted / weightSum;
    this.evalMedian = mid;
    this.evalUsed = usedCount;
    // Every fresh source an outlier means the venues disagree beyond the band: no side can be told right.
    this.evalStatus = usedCount >= this.minSources && outliers < freshCount ? "ok" : "degraded";
  }

  /**
   * Whether the index must be published again: its price (as published), status, or the part any source played
   * changed since the last publication; records the new publication when so.
   */
  republish(): boolean {
    let changed = this.published.differs(this, null) || this.status !== this.publishedStatus;
    if (this.rolesMoved) {
      this.rolesMoved = false;
      for (let i = 0; i < this.role.length; i++)
        if (this.role[i] !== this.publishedRoles[i]) {
          changed = true;
          this.publishedRoles[i] = this.role[i] as number;
        }
    }
    this.published.record();
    this.publishedStatus = this.status;
    return changed;
  }

  /** The published price's text. */
  get publishedText(): string {
    return this.published.text;
  }

  ageMs(now: number): number {
    return Number.isNaN(this.computedTs) ? 0 : now - this.computedTs;
  }

  /**
   * The sources used in the last computation, for the `index` event. Entries are immutable and cached per
   * source until its price, its part or the renormalised weights change: most events reuse all but one.
   */
  usedList(): IndexSourceUsed[] {
    const n = this.sourceIds.length;
    let weightSum = 0;
    for (let i = 0; i < n; i++)
      if ((this.role[i] as number) <= CAPPED) weightSum += this.weights[i] as number;
    if (weightSum !== this.weightTextSum) {
      this.weightTextSum = weightSum;
      for (let i = 0; i < n; i++) {
        this.weightText[i] = priceText((this.weights[i] as number) / weightSum, 6);
        this.entries[i] = null;
      }
    }
    const out: IndexSourceUsed[] = [];
    for (let i = 0; i < n; i++) {
      const role = this.role[i] as number;
      if (role > CAPPED) continue;
      if (role === CAPPED) {
        this.entries[i] = null; // the capped level moves with the median
        out.push({
          source: this.sourceIds[i] as string,
          price: priceText(this.used[i] as number, this.decimals),
          weight: this.weightText[i] as string,
          raw: this.text[i] as string,
        });
        continue;
      }
      let entry = this.entries[i];
      if (entry === null || entry === undefined) {
        entry = {
          source: this.sourceIds[i] as string,
          price: this.text[i] as string,
          weight: this.weightText[i] as string,
        };
        this.entries[i] = entry;
      }
      out.push(entry);
    }
    return out;
  }

  excludedList(): IndexSourceExcluded[] {
    const out: IndexSourceExcluded[] = [];
    for (let i = 0; i < this.sourceIds.length; i++) {
      const role = this.role[i] as number;
      if (role > CAPPED)
        out.push({ source: this.sourceIds[i] as string, reason: REASONS[role] as ExclusionReason });
    }
    return out;
  }

  *canonicalLines(): Generator<string> {
    yield `index ${this.id} ${this.value} ${this.status} ${this.computedTs} ${this.rawMedian} ${this.publishedText} ${this.publishedStatus} ${this.publishedRoles.join(",")}`;
    for (let i = 0; i < this.sourceIds.length; i++) {
      const ewma = this.latency[i] as TimeEwma;
      yield `source ${this.id}/${this.sourceIds[i]} ${this.price[i]} ${this.text[i]} ${this.sourceTs[i]} ${this.arrivalTs[i]} ${this.changedTs[i]} ${this.halted[i]} ${this.role[i]} ${ewma.value} ${ewma.lastTs} ${ewma.count} ${(this.latencyMax[i] as WindowMax).canonical()}`;
    }
  }

  /**
   * What the index computes from and last computed and published. Not the evaluation's caches (the sorted fresh
   * prices, the fold's partial sums, which source changed, the cached event entries): restore empties them and
   * marks everything changed, so the next evaluation rescans every source, the path that builds them from
   * nothing with the same result bit for bit (the incremental one only skips work that cannot change a bit).
   * Nor the scratch of `peek` and the eval fields, written by every evaluation before they are read.
   */
  snapshot(): IndexStateSnapshot {
    return {
      id: this.id,
      sources: [...this.sourceIds],
      price: encodeNumbers(this.price),
      text: [...this.text],
      sourceTs: encodeNumbers(this.sourceTs),
      arrivalTs: encodeNumbers(this.arrivalTs),
      changedTs: encodeNumbers(this.changedTs),
      halted: [...this.halted],
      latency: this.latency.map((e) => e.snapshot()),
      latencyMax: this.latencyMax.map((w) => w.snapshot()),
      role: [...this.role],
      used: encodeNumbers(this.used),
      value: encodeNumber(this.value),
      status: this.status,
      computedTs: encodeNumber(this.computedTs),
      rawMedian: encodeNumber(this.rawMedian),
      usedCount: this.usedCount,
      published: this.published.snapshot(),
      publishedStatus: this.publishedStatus,
      publishedRoles: [...this.publishedRoles],
    };
  }

  restore(s: IndexStateSnapshot): void {
    expectSame(s.id, this.id, "index id");
    expectSame(s.sources, this.sourceIds, `index ${this.id} sources`);
    const n = this.sourceIds.length;
    const at = (field: string) => `index ${this.id}.${field}`;
    if (!STATUSES.includes(s.status)) throw new RangeError(`snapshot: ${at("status")}: ${s.status}`);
    if (s.publishedStatus !== "" && !STATUSES.includes(s.publishedStatus))
      throw new RangeError(`snapshot: ${at("publishedStatus")}: ${s.publishedStatus}`);
    const text = array(s.text, n, at("text"));
    if (text.length !== n || !text.every((t) => typeof t === "string"))
      throw new RangeError(`snapshot: ${at("text")}: ${n} strings expected`);
    const latency = array(s.latency, n, at("latency"));
    const latencyMax = array(s.latencyMax, n, at("latencyMax"));
    if (latency.length !== n || latencyMax.length !== n)
      throw new RangeError(`snapshot: ${at("latency")}: ${n} sources expected`);
    for (const [target, v, field] of [
      [this.price, s.price, "price"],
      [this.sourceTs, s.sourceTs, "sourceTs"],
      [this.arrivalTs, s.arrivalTs, "arrivalTs"],
      [this.changedTs, s.changedTs, "changedTs"],
      [this.used, s.used, "used"],
    ] as const) {
      if (array(v, n, at(field)).length !== n) throw new RangeError(`snapshot: ${at(field)}: ${n} expected`);
      decodeInto(target, v, at(field));
    }
    for (let i = 0; i < n; i++) this.text[i] = text[i] as string;
    decodeBytes(this.halted, s.halted, at("halted"));
    decodeBytes(this.role, s.role, at("role"));
    decodeBytes(this.publishedRoles, s.publishedRoles, at("publishedRoles"));
    for (let i = 0; i < n; i++) {
      (this.latency[i] as TimeEwma).restore(latency[i] as TimeEwmaSnapshot);
      (this.latencyMax[i] as WindowMax).restore(latencyMax[i] as WindowMaxSnapshot);
    }
    this.value = decodeNumber(s.value, at("value"));
    this.status = s.status;
    this.computedTs = decodeNumber(s.computedTs, at("computedTs"));
    this.rawMedian = decodeNumber(s.rawMedian, at("rawMedian"));
    this.usedCount = decodeCount(s.usedCount, n + 1, at("usedCount"));
    this.published.restore(s.published);
    this.publishedStatus = s.publishedStatus;
    // The caches, empty and everything changed (see snapshot).
    this.changed = ALL;
    this.evalNow = Number.NEGATIVE_INFINITY;
    this.freshFloor = Number.POSITIVE_INFINITY;
    this.sorted.count = 0;
    this.inSorted.fill(0);
    this.sumsRole = null;
    // Conservative: republish compares every role with its published one (equal ones publish nothing).
    this.rolesMoved = true;
    this.entries.fill(null);
    this.weightTextSum = Number.NaN;
  }
}

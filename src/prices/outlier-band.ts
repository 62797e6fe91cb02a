// Outlier band around a median: deviation = p/m − 1; capped p = min(max(p, m·(1 − b)), m·(1 + b)).
// Sources: Binance's price index rule (a source more than 3% from the median of all sources is capped at
// 0.97 or 1.03 times the median; 1% for BTC and ETH) and Deribit's "Index Prices" methodology (each constituent
// capped to ±0.5% of the median of the constituents, then averaged). Capping, unlike dropping, keeps a
// source's direction in the index while bounding its pull to the band.
//
// Prices are positive. `band` is a fraction (0.03 = 3%) in [0, 1): a band of 1 or more would make the floor
// m·(1 − b) zero or negative. Both are configuration, so a violation is a bug: RangeError.

/** Relative deviation of `price` from `reference`: price/reference − 1 (0.07 = 7% above). */
export function deviation(price: number, reference: number): number {
  if (!(reference > 0 && reference < Number.POSITIVE_INFINITY))
    throw new RangeError(`deviation: reference ${reference} is not a positive finite price`);
  return price / reference - 1;
}

/**
 * Whether `price` lies strictly more than `band` from `median`: |p/m − 1| > b (Binance: "deviates by more than
 * 3%"). Computed as p > m·(1 + b) or p < m·(1 − b), the same edges as capToBand, so that a price is an outlier
 * exactly when capToBand moves it (p/m − 1 would round differently at the edge: 20 200/20 000 − 1 > 0.01).
 */
export function isOutlier(price: number, median: number, band: number): boolean {
  checkBand(band, "isOutlier");
  checkMedian(median, "isOutlier");
  if (Number.isNaN(price)) throw new RangeError("isOutlier: price is NaN");
  return price > median * (1 + band) || price < median * (1 - band);
}

/**
 * `price` clamped into [median·(1 − band), median·(1 + band)]. Equals Deribit's "value closest to the median
 * among the lower cap max(m·(1 − b), p) and the upper cap min(m·(1 + b), p)" (property-tested).
 */
export function capToBand(price: number, median: number, band: number): number {
  checkBand(band, "capToBand");
  checkMedian(median, "capToBand");
  if (Number.isNaN(price)) throw new RangeError("capToBand: price is NaN");
  return Math.min(Math.max(price, median * (1 - band)), median * (1 + band));
}

function checkBand(band: number, where: string): void {
  if (!(band >= 0 && band < 1)) throw new RangeError(`${where}: band ${band} is not a fraction in [0, 1)`);
}

function checkMedian(median: number, where: string): void {
  if (!(median > 0 && median < Number.POSITIVE_INFINITY))
    throw new RangeError(`${where}: median ${median} is not a positive finite price`);
}

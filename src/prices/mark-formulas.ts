// Mark price parts after Binance's perpetual mark: mark = median(price 1, price 2, last price), with
// price 1 = index·(1 + funding rate·time to funding / funding interval), price 2 = index + moving-average basis.
// Source: Binance's support FAQ "What Are Mark Price and Price Index in USDⓈ-Margined Futures?" and its COIN-M
// counterpart, which write price 1 with an 8-hour interval ("Time Until Funding / 8"); here any interval, in ms.
// Price 2's basis is a moving average of (bid1 + ask1)/2 − index (30 one-second points since 2025-09-18).

/** `basis` clamped to ±band·index: bounds how far a (manipulable) order-book basis can pull the mark. */
export function clampBasis(basis: number, index: number, band: number): number {
  if (!(index > 0 && index < Number.POSITIVE_INFINITY && band >= 0 && band < Number.POSITIVE_INFINITY))
    refuseClamp(index, band);
  if (Number.isNaN(basis)) throw new RangeError("clampBasis: basis is NaN");
  const limit = band * index;
  return Math.min(Math.max(basis, -limit), limit);
}

/** clampBasis's RangeError, built out of the hot function (numbers in its template literals cost every call). */
function refuseClamp(index: number, band: number): never {
  if (!(index > 0 && index < Number.POSITIVE_INFINITY))
    throw new RangeError(`clampBasis: index ${index} is not a positive finite price`);
  throw new RangeError(`clampBasis: band ${band} is not a non-negative fraction`);
}

/**
 * Binance's "price 1": index·(1 + fundingRate·timeToFundingMs/intervalMs), the index carried forward by the
 * share of the next funding payment still to come. 0 ≤ timeToFundingMs ≤ intervalMs.
 */
export function fundingBasisPrice(
  index: number,
  fundingRate: number,
  timeToFundingMs: number,
  intervalMs: number,
): number {
  if (!(index > 0 && index < Number.POSITIVE_INFINITY))
    throw new RangeError(`fundingBasisPrice: index ${index} is not a positive finite price`);
  if (!Number.isFinite(fundingRate))
    throw new RangeError(`fundingBasisPrice: fundingRate ${fundingRate} is not finite`);
  if (!(intervalMs > 0 && intervalMs < Number.POSITIVE_INFINITY))
    throw new RangeError(`fundingBasisPrice: intervalMs ${intervalMs} is not a positive finite duration`);
  if (!(timeToFundingMs >= 0 && timeToFundingMs <= intervalMs))
    throw new RangeError(
      `fundingBasisPrice: timeToFundingMs ${timeToFundingMs} is not in [0, ${intervalMs}]`,
    );
  return index * (1 + fundingRate * (timeToFundingMs / intervalMs));
}

/**
 * Median of three prices, ignoring NaN (a part that cannot be computed, e.g. no last trade yet): three →
 * the middle one; two → their mean; one → it; none → NaN. Binance defines the mark only with all three parts;
 * taking the mean of the two that remain keeps the mark between them rather than trusting either alone.
 */
export function medianOfThree(a: number, b: number, c: number): number {
  const aOk = !Number.isNaN(a);
  const bOk = !Number.isNaN(b);
  const cOk = !Number.isNaN(c);
  if (aOk && bOk && cOk) return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  if (aOk && bOk) return mean2(a, b);
  if (aOk && cOk) return mean2(a, c);
  if (bOk && cOk) return mean2(b, c);
  if (aOk) return a;
  if (bOk) return b;
  return c; // c, or NaN when all three are
}

function mean2(x: number, y: number): number {
  const sum = x + y;
  return Number.isFinite(sum) ? sum / 2 : x / 2 + y / 2;
}

// Perpetual funding: the premium of the book over the index, averaged over the interval, turned into a rate.
// Sources: Binance USDⓈ-M "Introduction to Binance Futures Funding Rates" (premium index from impact prices; rate =
// premium + clamp(interest − premium, ±0.05 %)); BitMEX "Perpetual Contracts Guide" (the same with a ±0.05 %
// damper; the rate capped at 75 % of (IMR − MMR), ±0.375 % for XBTUSD).

/** The damper around the interest rate: a premium within ±0.05 % of it funds at the interest rate. */
export const FUNDING_DAMPER = 0.0005;

// rate = clamp(P + clamp(I − P, −0.05 %, +0.05 %), −cap, +cap)  (Binance, BitMEX)
export function fundingRate(premium: number, interest: number, cap: number): number {
  const damped = Math.min(FUNDING_DAMPER, Math.max(-FUNDING_DAMPER, interest - premium));
  return Math.min(cap, Math.max(-cap, premium + damped));
}

// premium = (max(0, bid − index) − max(0, index − ask)) / index; a missing side contributes 0 (Binance premium index)
export function premiumSample(bid: number, ask: number, index: number): number {
  if (!(index > 0)) return 0;
  const up = Number.isNaN(bid) ? 0 : Math.max(0, bid - index);
  const down = Number.isNaN(ask) ? 0 : Math.max(0, index - ask);
  return (up - down) / index;
}

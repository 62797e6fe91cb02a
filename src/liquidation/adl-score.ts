// The auto-deleveraging ranking figure of a position: who is closed first when neither the book nor the insurance
// fund can take a bankrupt position. The most profitable and most levered go first; a losing position ranks below
// every profitable one, and among losers the least levered goes first.

// score = pnl% × leverage if pnl% ≥ 0, else pnl% / leverage; pnl% = uPnL / |entry value|, leverage = |notional| / equity
// (Binance "Auto-Deleveraging (ADL)" ranking; BitMEX ranks by the same profit × leverage product)
export function adlScore(
  unrealizedPnl: number,
  entryValue: number,
  notional: number,
  equity: number,
): number {
  const absEntry = entryValue < 0 ? -entryValue : entryValue;
  if (absEntry === 0) return 0;
  const pnlShare = unrealizedPnl / absEntry;
  if (!(equity > 0)) return pnlShare >= 0 ? Number.POSITIVE_INFINITY : pnlShare; // no equity: most levered
  const leverage = (notional < 0 ? -notional : notional) / equity;
  return pnlShare >= 0 ? pnlShare * leverage : pnlShare / leverage;
}

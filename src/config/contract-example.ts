// The example of CONTRACT.md "Market configuration", verbatim: the base of the configuration tests.

/** A fresh copy each call, so a test may change it freely. */
export function contractExample(): Record<string, unknown> {
  return {
    quoteAsset: "USDC",
    assets: [
      { id: "USDC", decimals: 6 },
      { id: "BTC", decimals: 8, index: "BTC-USD", collateralWeight: "0.95" },
    ],
    indices: [
      {
        id: "BTC-USD",
        sources: [
          { id: "coinbase", weight: "0.4" },
          { id: "kraken", weight: "0.3" },
          { id: "bitstamp", weight: "0.3" },
        ],
        staleAfterMs: 10000,
        outlierBand: "0.03",
        minSources: 2,
      },
    ],
    instruments: [
      {
        symbol: "BTC-PERP",
        kind: "perpetual",
        index: "BTC-USD",
        settlementAsset: "USDC",
        inverse: false,
        contractSize: "1",
        tickSize: "0.1",
        lotSize: "0.001",
        marginTiers: [
          { upToNotional: "50000", initial: "0.01", maintenance: "0.004" },
          { upToNotional: "250000", initial: "0.02", maintenance: "0.005" },
        ],
        funding: { intervalMs: 28800000, cap: "0.0075" },
      },
      {
        symbol: "BTC-27MAR26-100000-C",
        kind: "option",
        index: "BTC-USD",
        settlementAsset: "USDC",
        right: "call",
        strike: "100000",
        expiry: 1774598400000,
        contractSize: "1",
        tickSize: "0.5",
        lotSize: "0.01",
      },
    ],
    liquidation: { feeRate: "0.005", bufferRatio: "0.02", marginCallRatio: "0.8" },
    insuranceFund: { asset: "USDC", initialBalance: "1000000" },
  };
}

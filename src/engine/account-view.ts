// The `account` event: an account's margin figures as contract decimals, with every price behind them. Equity
// and collateral are rounded down and requirements up at the quote asset's decimals; per-position amounts are in
// the position's settlement asset at its decimals; prices at the instrument's or index's own scale.
import type { AssetConfig, InstrumentConfig, MarketConfig } from "../config/types.js";
import { formatDecimal, type Rounding } from "../kernel/decimal.js";
import { wadDiv, wadToRaw } from "../kernel/wad.js";
import type { Ledger } from "../ledger/ledger.js";
import type { AccountFigures, PositionFigures, PriceUsed } from "../margin/account-margin.js";
import type { PortfolioGroup } from "../margin/account-portfolio.js";
import { roundLiquidationPrice } from "../margin/liquidation-price.js";
import type {
  AccountEvent,
  AccountState,
  CollateralLine,
  PortfolioLine,
  PositionLine,
  PriceLine,
} from "./events.js";

/** Decimals of a margin ratio in the account view (rounded up: the account looks no safer than it is). */
export const RATIO_DECIMALS = 4;
/** Decimals of weights and price-quality factors shown (rounded down). */
export const WEIGHT_DECIMALS = 6;

export function accountEvent(
  header: { seq: number; ts: number; cause: number; state: AccountState },
  config: MarketConfig,
  ledger: Ledger,
  account: number,
  f: AccountFigures,
  available: readonly bigint[],
  adlRank: (p: PositionFigures) => number,
): AccountEvent {
  const quote = config.assets.find((a) => a.id === config.quoteAsset) as AssetConfig;
  const q = (wad: bigint, mode: Rounding) =>
    formatDecimal(wadToRaw(wad, quote.decimals, mode), quote.decimals);
  const balances: Record<string, string> = {};
  const availableToWithdraw: Record<string, string> = {};
  config.assets.forEach((asset, i) => {
    balances[asset.id] = formatDecimal(ledger.balance(account, i), asset.decimals);
    availableToWithdraw[asset.id] = formatDecimal(available[i] ?? 0n, asset.decimals);
  });
  const prices: PriceLine[] = [];
  const collateral: CollateralLine[] = f.collateral.map((c) => {
    const asset = config.assets[c.asset] as AssetConfig;
    const price = c.price === null ? null : formatDecimal(wadToRaw(c.price, 8, "floor"), 8);
    if (asset.id !== config.quoteAsset && asset.index !== null)
      prices.push({ symbol: asset.index, price, ageMs: c.ageMs, status: c.status });
    return {
      asset: asset.id,
      balance: formatDecimal(c.balance, asset.decimals),
      price,
      status: c.status,
      ageMs: c.ageMs,
      weight: formatDecimal(wadToRaw(c.weight, WEIGHT_DECIMALS, "floor"), WEIGHT_DECIMALS),
      factor: formatDecimal(wadToRaw(c.factor, WEIGHT_DECIMALS, "floor"), WEIGHT_DECIMALS),
      value: q(c.value, "floor"),
    };
  });
  const positionsOf = new Map(f.positions.map((p) => [p.slot, p.instrument]));
  const positions: PositionLine[] = f.positions.map((p) => {
    const instrument = config.instruments[p.instrument] as InstrumentConfig;
    const settle = config.assets.find((a) => a.id === instrument.settlementAsset) as AssetConfig;
    const s = (wad: bigint, mode: Rounding) =>
      formatDecimal(wadToRaw(wad, settle.decimals, mode), settle.decimals);
    const px = (wad: bigint | null, mode: Rounding) =>
      wad === null ? null : formatDecimal(wadToRaw(wad, instrument.priceScale, mode), instrument.priceScale);
    const markText = markTextOf(p.mark);
    prices.push({ symbol: instrument.symbol, price: markText, ageMs: p.mark.ageMs, status: p.mark.status });
    const qtyRaw = BigInt(p.lots) * instrument.lotSize.raw;
    return {
      symbol: instrument.symbol,
      qty: formatDecimal(qtyRaw, instrument.lotSize.scale),
      entryPrice: px(p.entryPrice, "half-even"),
      markPrice: markText,
      unrealizedPnl: s(p.unrealizedPnl, "floor"),
      liquidationPrice:
        p.liquidationPrice === null
          ? null
          : formatDecimal(
              wadToRaw(
                roundLiquidationPrice(p.liquidationPrice, instrument.priceScale, p.lots > 0),
                instrument.priceScale,
                "half-even",
              ),
              instrument.priceScale,
            ),
      settlementAsset: settle.id,
      notional: s(p.notional, "ceil"),
      initial: s(p.initial, "ceil"),
      maintenance: s(p.maintenance, "ceil"),
      isolated: p.isolated,
      leverage: p.leverage === 0n ? null : formatDecimal(wadToRaw(p.leverage, 18, "down"), 18),
      isolatedMargin: p.isolated ? s(p.isolatedMargin, "ceil") : null,
      markStatus: p.mark.status,
      markAgeMs: p.mark.ageMs,
      adlRank: adlRank(p),
      ...(p.underlying === null ? {} : { underlying: markTextOf({ ...p.mark, price: p.underlying }) }),
    };
  });
  const ratio =
    f.equity > 0n
      ? formatDecimal(
          wadToRaw(wadDiv(f.maintenance, f.equity, "ceil"), RATIO_DECIMALS, "ceil"),
          RATIO_DECIMALS,
        )
      : null;
  return {
    seq: header.seq,
    ts: header.ts,
    type: "account",
    cause: header.cause,
    account: ledger.accountId(account),
    balances,
    collateral,
    positions,
    equity: q(f.equity, "floor"),
    initial: q(f.initial, "ceil"),
    maintenance: q(f.maintenance, "ceil"),
    state: header.state,
    marginRatio: ratio,
    collateralValue: q(f.collateralValue, "floor"),
    freeCollateral: q(f.freeCollateral, "floor"),
    availableToWithdraw,
    prices,
    marginMode: f.portfolio === null ? "standard" : "portfolio",
    portfolio: f.portfolio === null ? null : f.portfolio.map((g) => portfolioLine(g, config, positionsOf, q)),
  };
}

const VOL_MOVES = { "-1": "down", "0": "none", "1": "up" } as const;

function portfolioLine(
  g: PortfolioGroup,
  config: MarketConfig,
  instrumentOfSlot: ReadonlyMap<number, number>,
  q: (wad: bigint, mode: Rounding) => string,
): PortfolioLine {
  // Float figures of the scenarios, at a millionth (up for requirements), then at the quote asset's decimals.
  const amount = (x: number, mode: Rounding) => {
    const micros = mode === "ceil" ? Math.ceil(x * 1e6) : Math.round(x * 1e6);
    return q(BigInt(Number.isFinite(micros) ? micros : 0) * 10n ** 12n, mode);
  };
  const fraction = (x: number) => formatDecimal(BigInt(Math.round(x * 1e6)), 6);
  return {
    index: g.index,
    scenario:
      g.worstScenario < 0
        ? null
        : {
            spotMove: fraction(g.spotMove),
            volMove: VOL_MOVES[String(g.volMove) as keyof typeof VOL_MOVES],
            weight: fraction(g.weight),
          },
    worstLoss: amount(g.worstLoss, "ceil"),
    contingency: amount(g.contingency, "ceil"),
    maintenance: amount(g.maintenance, "ceil"),
    initial: amount(g.initial, "ceil"),
    positions: g.slots.map((slot, k) => ({
      symbol: (config.instruments[instrumentOfSlot.get(slot) as number] as InstrumentConfig).symbol,
      loss: amount(g.losses[k] as number, "half-even"),
    })),
  };
}

function markTextOf(mark: PriceUsed): string | null {
  return mark.price === null ? null : formatDecimal(wadToRaw(mark.price, 12, "half-even"), 12);
}

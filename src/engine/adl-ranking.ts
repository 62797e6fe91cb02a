// The deleveraging queue of one side of one instrument: every position on that side, ranked by its ADL score
// (src/liquidation/adl-score.ts), first in line first; ties by account number so that the order is deterministic.
// Equity for the leverage comes from the float screen (an exact recomputation per holder would cost seconds on a
// million accounts); the exact figures decide what is closed and at what price, the ranking only who goes first.
// The insurance fund, when it holds a position, is last in line.
import type { InstrumentConfig, MarketConfig } from "../config/types.js";
import { fixedToNumber } from "../kernel/decimal.js";
import { INSURANCE } from "../ledger/ledger.js";
import { adlScore } from "../liquidation/adl-score.js";
import type { AccountMargin } from "../margin/account-margin.js";
import type { Positions } from "../margin/positions.js";

export interface AdlQueue {
  /** Position slots, first in line first. */
  readonly slots: number[];
  readonly scores: number[];
}

export interface AdlRankingHost {
  readonly config: MarketConfig;
  readonly positions: Positions;
  readonly margin: AccountMargin;
  /** Cross equity from the float screen, NaN when the screen cannot price the account. */
  screenEquity(account: number, now: number): number;
}

export class AdlRanking {
  private readonly host: AdlRankingHost;
  private readonly unit: Float64Array;

  constructor(host: AdlRankingHost) {
    this.host = host;
    this.unit = Float64Array.from(
      host.config.instruments,
      (i) => fixedToNumber(i.lotSize) * fixedToNumber(i.contractSize),
    );
  }

  /** The positions of instrument `no` on the side of `sign` (1 long, −1 short) at mark `mark`, ranked. */
  queue(no: number, sign: number, mark: number, now: number): AdlQueue {
    const { positions, margin } = this.host;
    const instrument = this.host.config.instruments[no] as InstrumentConfig;
    const unit = this.unit[no] as number;
    const found: { slot: number; account: number; score: number }[] = [];
    for (let s = 0; s < positions.total; s++) {
      if (positions.instrument(s) !== no) continue;
      const lots = positions.lots(s);
      if (lots === 0 || Math.sign(lots) !== sign) continue;
      const account = positions.account(s);
      let score = Number.NEGATIVE_INFINITY;
      if (account !== INSURANCE) {
        const exposure = lots * unit;
        const entry = positions.entryValueFloat(s);
        const pnl = instrument.inverse ? entry - exposure / mark : exposure * mark - entry;
        const notional = instrument.inverse ? exposure : exposure * mark;
        let equity = this.host.screenEquity(account, now);
        if (Number.isNaN(equity)) equity = Number(margin.check(account, now).crossEquity) / 1e18;
        // An inverse position's PnL and entry value are in its base asset; leverage is taken in the quote asset.
        score = adlScore(pnl, entry, notional, equity);
      }
      found.push({ slot: s, account, score });
    }
    found.sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : a.account - b.account));
    return { slots: found.map((f) => f.slot), scores: found.map((f) => f.score) };
  }

  /** A slot's place in its side's queue as a quantile: 1 = first in line, 1/n = last; 0 when flat. */
  quantile(slot: number, mark: number, now: number): number {
    const { positions } = this.host;
    const lots = positions.lots(slot);
    if (lots === 0) return 0;
    const queue = this.queue(positions.instrument(slot), Math.sign(lots), mark, now);
    const at = queue.slots.indexOf(slot);
    return (queue.slots.length - at) / queue.slots.length;
  }
}

// Standard margin of an option position, per unit of underlying (Deribit's standard margin for options). A short
// position holds a share of the underlying, less what it is out of the money (down to a floor), plus the option's
// mark — all in the premium's unit (USD for a USD-settled option). A long one has paid its premium and needs
// nothing more; here options are booked futures-style (the premium settles as PnL, docs/options.md), so "paid" is
// a requirement equal to the option's value: equity less it is the account's cash less the premium, as on Deribit.
import { wadMul } from "../kernel/wad.js";

export interface OptionMarginRates {
  /** IM share of the underlying before the OTM discount (default 0.15), and its floor (0.1); wads. */
  readonly initialBase: bigint;
  readonly initialFloor: bigint;
  /** MM share of the underlying (0.075); wad. */
  readonly maintenance: bigint;
}

// OTM amount: max(0, K − S) for a call, max(0, S − K) for a put
export function outOfTheMoney(call: boolean, underlying: bigint, strike: bigint): bigint {
  const d = call ? strike - underlying : underlying - strike;
  return d > 0n ? d : 0n;
}

// short IM = max(base − OTM/S, floor)·S + mark per unit (Deribit "Margins: options", standard margin); long: mark
export function optionInitialMargin(
  rates: OptionMarginRates,
  call: boolean,
  short: boolean,
  underlying: bigint,
  strike: bigint,
  mark: bigint,
): bigint {
  if (!short) return mark;
  // max(base − OTM/S, floor)·S = max(base·S − OTM, floor·S): no division, no rounding but the two products'.
  const discounted = wadMul(rates.initialBase, underlying, "ceil") - outOfTheMoney(call, underlying, strike);
  const floor = wadMul(rates.initialFloor, underlying, "ceil");
  return (discounted > floor ? discounted : floor) + mark;
}

// short MM = maintenance·S + mark per unit (Deribit "Margins: options"); long: mark
export function optionMaintenanceMargin(
  rates: OptionMarginRates,
  short: boolean,
  underlying: bigint,
  mark: bigint,
): bigint {
  if (!short) return mark;
  return wadMul(rates.maintenance, underlying, "ceil") + mark;
}

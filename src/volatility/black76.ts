// Black-76: European options on a forward F, discounted at D = e^(−rT). USD-settled (premium in the quote asset)
// and coin-settled (Deribit-style inverse: premium in the base asset, the USD value divided by F).
import { normalCdf, normalCdfGiven, normalPdf } from "./normal-distribution.js";

export const CALL = 1;
export const PUT = -1;
export type OptionSide = typeof CALL | typeof PUT;

/** Price and sensitivities of one option; reused by the caller (no allocation per price). */
export interface Greeks {
  price: number;
  /** ∂V/∂F. */
  delta: number;
  /** ∂²V/∂F². */
  gamma: number;
  /** ∂V/∂σ (per unit of volatility, not per point). */
  vega: number;
  /** ∂V/∂t = −∂V/∂T, per year (calendar time passing). */
  theta: number;
}

export function greeks(): Greeks {
  return { price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 };
}

// call = D·(F·Φ(d1) − K·Φ(d2)), put = D·(K·Φ(−d2) − F·Φ(−d1)), d1,2 = (ln(F/K) ± σ²T/2) / (σ√T)  (Black 1976; Hull, "Options, Futures, and Other Derivatives", ch. 18)
export function black76Price(
  forward: number,
  strike: number,
  years: number,
  vol: number,
  discount: number,
  side: OptionSide,
): number {
  const s = vol * Math.sqrt(years);
  if (!(s > 0)) return discount * Math.max(side * (forward - strike), 0);
  const ratio = forward / strike;
  const d1 = Math.log(ratio) / s + 0.5 * s;
  const d2 = d1 - s;
  // One exponential for both: d1² − d2² = 2·ln(F/K), so e^(−d2²/2) = e^(−d1²/2)·F/K.
  const g1 = Math.exp(-0.5 * d1 * d1);
  const g2 = g1 * ratio;
  return side === CALL
    ? discount * (forward * normalCdfGiven(d1, g1) - strike * normalCdfGiven(d2, g2))
    : discount * (strike * normalCdfGiven(-d2, g2) - forward * normalCdfGiven(-d1, g1));
}

// Δ = D·Φ(d1) (call), −D·Φ(−d1) (put); Γ = D·φ(d1)/(Fσ√T); vega = D·F·φ(d1)·√T; θ = r·V − D·F·φ(d1)·σ/(2√T)  (Hull ch. 19, Black-76 form)
export function black76Greeks(
  forward: number,
  strike: number,
  years: number,
  vol: number,
  rate: number,
  side: OptionSide,
  out: Greeks,
): Greeks {
  const discount = Math.exp(-rate * years);
  const root = Math.sqrt(years);
  const s = vol * root;
  if (!(s > 0)) {
    // At expiry, or without volatility: the discounted intrinsic value, a step in F.
    const inTheMoney = side * (forward - strike) > 0;
    out.price = inTheMoney ? discount * side * (forward - strike) : 0;
    out.delta = inTheMoney ? discount * side : 0;
    out.gamma = 0;
    out.vega = 0;
    out.theta = rate * out.price;
    return out;
  }
  const d1 = Math.log(forward / strike) / s + 0.5 * s;
  const d2 = d1 - s;
  const density = normalPdf(d1);
  out.price =
    side === CALL
      ? discount * (forward * normalCdf(d1) - strike * normalCdf(d2))
      : discount * (strike * normalCdf(-d2) - forward * normalCdf(-d1));
  out.delta = side === CALL ? discount * normalCdf(d1) : -discount * normalCdf(-d1);
  out.gamma = (discount * density) / (forward * s);
  out.vega = discount * forward * density * root;
  out.theta = rate * out.price - (discount * forward * density * vol) / (2 * root);
  return out;
}

// Coin-settled: V = C/F in the base asset; ∂V/∂F = (Δ − V)/F, ∂²V/∂F² = Γ/F − 2(Δ − V)/F², vega and θ divided by F  (Deribit inverse options)
export function coinSettled(forward: number, usd: Greeks, out: Greeks): Greeks {
  const value = usd.price / forward;
  const slope = (usd.delta - value) / forward;
  out.price = value;
  out.delta = slope;
  out.gamma = usd.gamma / forward - (2 * slope) / forward;
  out.vega = usd.vega / forward;
  out.theta = usd.theta / forward;
  return out;
}

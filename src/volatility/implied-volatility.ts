// Implied volatility from a Black-76 price: the σ at which black76Price gives the price back, for every price
// strictly between the no-arbitrage bounds; a coded error otherwise (at or outside a bound no σ exists).
//
// Method: the out-of-the-money side only (an in-the-money price becomes its OTM twin by put-call parity), solved
// in total volatility s = σ√T on ln(price): Newton steps (d ln B/ds = F·φ(d1)/B) kept inside a bracket that every
// evaluation narrows, with bisection whenever a step would leave it or stall. ln B(s) is increasing in s from
// −∞ (s → 0) to ln F or ln K (s → ∞), so the bracket always holds the root and the iteration cannot diverge.
import { type DomainError, domainError } from "../kernel/errors.js";
import { CALL, type OptionSide } from "./black76.js";
import { normalCdf, normalPdf } from "./normal-distribution.js";

const MAX_ITERATIONS = 200;
/** Total volatility searched up to: σ = 1,000 % over 100 years. */
const MAX_TOTAL_VOL = 100;

// Undiscounted OTM price B(s) = F·Φ(x/s + s/2) − K·Φ(x/s − s/2) (call, x = ln(F/K) ≤ 0), or its put mirror
function otmPrice(forward: number, strike: number, x: number, s: number, call: boolean): number {
  const d1 = x / s + 0.5 * s;
  const d2 = d1 - s;
  return call
    ? forward * normalCdf(d1) - strike * normalCdf(d2)
    : strike * normalCdf(-d2) - forward * normalCdf(-d1);
}

export function impliedVolatility(
  price: number,
  forward: number,
  strike: number,
  years: number,
  discount: number,
  side: OptionSide,
): number | DomainError {
  if (!(forward > 0 && strike > 0 && years > 0 && discount > 0 && Number.isFinite(price)))
    return domainError(
      "invalid",
      `impliedVolatility: forward ${forward}, strike ${strike}, years ${years} and discount ${discount} must be positive, price finite`,
    );
  const undiscounted = price / discount;
  const intrinsic = Math.max(side * (forward - strike), 0);
  const ceiling = side === CALL ? forward : strike;
  if (!(undiscounted > intrinsic))
    return domainError(
      "no_implied_volatility",
      `impliedVolatility: price ${price} is not above the discounted intrinsic value ${discount * intrinsic}`,
    );
  if (!(undiscounted < ceiling))
    return domainError(
      "no_implied_volatility",
      `impliedVolatility: price ${price} is not below the discounted ${side === CALL ? "forward" : "strike"} ${discount * ceiling}`,
    );
  // The OTM twin: a call with F > K is a put with the same time value, and vice versa.
  const x = Math.log(forward / strike);
  const call = x < 0 || (x === 0 && side === CALL);
  const target = undiscounted - intrinsic;
  const logTarget = Math.log(target);
  let low = 0;
  let high = MAX_TOTAL_VOL;
  // A start near the root: the inflection point √(2|x|), or Brenner–Subrahmanyam at the money.
  let s = Math.max(
    Math.sqrt(2 * Math.abs(x)),
    Math.sqrt(2 * Math.PI) * (target / Math.sqrt(forward * strike)),
  );
  if (!(s > 0 && s < high)) s = 1;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const b = otmPrice(forward, strike, x, s, call);
    const f = Math.log(b) - logTarget;
    if (f === 0 || !Number.isFinite(f) || b <= 0) {
      if (f === 0) return s / Math.sqrt(years);
      low = s; // B underflowed: the root is above
    } else if (f < 0) low = s;
    else high = s;
    const slope = (forward * normalPdf(x / s + 0.5 * s)) / b;
    let next = b > 0 && slope > 0 ? s - f / slope : Number.NaN;
    if (!(next > low && next < high) || Math.abs(next - s) > 0.5 * (high - low)) next = 0.5 * (low + high);
    if (Math.abs(next - s) <= 1e-15 * s || high - low <= 1e-15 * high) return next / Math.sqrt(years);
    s = next;
  }
  if (high - low <= 1e-10 * high) return (0.5 * (low + high)) / Math.sqrt(years);
  return domainError(
    "no_implied_volatility",
    `impliedVolatility: no convergence for price ${price} (forward ${forward}, strike ${strike}, years ${years})`,
  );
}

// Raw SVI total implied variance of one expiry and its derivatives in log-moneyness k = ln(K/F).
// Source: J. Gatheral, "A parsimonious arbitrage-free implied volatility parameterization with application to the
// valuation of volatility derivatives" (Global Derivatives, Madrid, 2004); J. Gatheral & A. Jacquier, "Arbitrage-free
// SVI volatility surfaces", Quantitative Finance 14(1), 2014, §3.1 (raw parameterisation and its validity).

/** Raw SVI parameters of one slice: level a, wing slope b, skew ρ, shift m, ATM curvature σ. */
export interface SviParams {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
}

/** What is wrong with a parameter set (a value, never an exception). */
export interface SviParamsError {
  readonly code: "invalid_params";
  readonly message: string;
}

// w(k) = a + b(ρ(k − m) + √((k − m)² + σ²))  (Gatheral 2004, raw SVI)
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

// w′(k) = b(ρ + (k − m)/√((k − m)² + σ²))  (derivative of raw SVI in k)
export function sviTotalVarianceSlope(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.b * (p.rho + x / Math.sqrt(x * x + p.sigma * p.sigma));
}

// w″(k) = bσ²/((k − m)² + σ²)^(3/2)  (second derivative of raw SVI in k)
export function sviTotalVarianceCurvature(p: SviParams, k: number): number {
  const x = k - p.m;
  const r2 = x * x + p.sigma * p.sigma;
  return (p.b * p.sigma * p.sigma) / (r2 * Math.sqrt(r2));
}

// min_k w(k) = a + bσ√(1 − ρ²)  (Gatheral & Jacquier 2014, §3.1: reached at k = m − ρσ/√(1 − ρ²))
export function sviMinimumTotalVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
}

/**
 * Validity of raw SVI (Gatheral & Jacquier 2014, §3.1): b ≥ 0, |ρ| < 1, σ > 0 and a + bσ√(1 − ρ²) ≥ 0 (so w ≥ 0
 * everywhere), every parameter finite. Returns undefined when valid, else an error naming the first failed condition.
 */
export function sviParamsError(p: SviParams): SviParamsError | undefined {
  const bad = (message: string): SviParamsError => ({ code: "invalid_params", message });
  for (const name of ["a", "b", "rho", "m", "sigma"] as const) {
    if (!Number.isFinite(p[name])) return bad(`SVI parameter ${name} is ${p[name]}, not a finite number`);
  }
  if (!(p.b >= 0)) return bad(`SVI parameter b is ${p.b}; it must be ≥ 0`);
  if (!(Math.abs(p.rho) < 1)) return bad(`SVI parameter rho is ${p.rho}; it must satisfy |rho| < 1`);
  if (!(p.sigma > 0)) return bad(`SVI parameter sigma is ${p.sigma}; it must be > 0`);
  const floor = sviMinimumTotalVariance(p);
  if (!(floor >= 0))
    return bad(`SVI minimum total variance a + b·sigma·√(1 − rho²) is ${floor}; it must be ≥ 0`);
  return undefined;
}

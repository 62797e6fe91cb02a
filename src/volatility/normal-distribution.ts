// The standard normal distribution to double precision, for Black-76 and its inverse.

const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Beyond this |x| the tail is below the smallest double. */
const TAIL_LIMIT = 37;
/** Where the rational form hands over to the continued fraction (both ~1e-15 relative there). */
const RATIONAL_LIMIT = 4;

// φ(x) = e^(−x²/2) / √(2π)
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

// Φ(x), the tail computed directly so that Φ(−x) keeps its relative accuracy far out: Hart's rational form near
// the centre (Hart 1968, algorithm 5666, as given in G. West, "Better approximations to cumulative normal
// functions", Wilmott 2005), the continued fraction Φ(−z)/φ(z) = 1/(z + 1/(z + 2/(z + 3/(z + …)))) beyond
export function normalCdf(x: number): number {
  return normalCdfGiven(x, Math.exp(-0.5 * x * x));
}

/** Φ(x) with e^(−x²/2) already known (Black-76 derives d2's from d1's: e^(−d2²/2) = e^(−d1²/2)·F/K). */
export function normalCdfGiven(x: number, gauss: number): number {
  const z = x < 0 ? -x : x;
  let tail: number;
  if (z > TAIL_LIMIT) tail = 0;
  else if (z < RATIONAL_LIMIT) {
    let p = 3.52624965998911e-2 * z + 0.700383064443688;
    p = p * z + 6.37396220353165;
    p = p * z + 33.912866078383;
    p = p * z + 112.079291497871;
    p = p * z + 221.213596169931;
    p = p * z + 220.206867912376;
    let q = 8.83883476483184e-2 * z + 1.75566716318264;
    q = q * z + 16.064177579207;
    q = q * z + 86.7807322029461;
    q = q * z + 296.564248779674;
    q = q * z + 637.333633378831;
    q = q * z + 793.826512519948;
    q = q * z + 440.413735824752;
    tail = (gauss * p) / q;
  } else {
    // Terms for ~1e-15 relative: fewer the further out (measured against a reference erfc).
    const terms = z < 4.5 ? 30 : z < 5.5 ? 24 : z < 8 ? 16 : z < 10 ? 12 : 8;
    let c = z;
    for (let k = terms; k > 0; k--) c = z + k / c;
    // Beyond 10 the exponent is large enough for its rounding to matter: split it.
    tail = (z < 10 ? gauss : halfSquareExp(z)) / c / SQRT_2PI;
  }
  return x > 0 ? 1 - tail : tail;
}

// e^(−z²/2) with z split as h + (z − h), h on a 1/16 grid, so that z² is not rounded before the exponential
// (its rounding error would be multiplied by z²/2; W. J. Cody's device in his erfc)
function halfSquareExp(z: number): number {
  const h = Math.trunc(z * 16) / 16;
  return Math.exp(-0.5 * h * h) * Math.exp(-0.5 * (z - h) * (z + h));
}

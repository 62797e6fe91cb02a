// Raw SVI fit of one expiry by weighted least squares on total variance: min Σ ωᵢ (w(kᵢ) − wᵢ)².
// Source: Zeliade Systems, "Quasi-explicit calibration of Gatheral's SVI model" (white paper ZWP-0005, 2009) and
// S. De Marco & C. Martini, "Quasi-explicit calibration of Gatheral's SVI model" (2009): with y = (k − m)/σ,
// w = a + d·y + c·√(y² + 1) (d = ρbσ, c = bσ) is linear in (a, d, c) for fixed (m, σ); the outer (m, σ) by Nelder–Mead.
import { type SviParams, sviMinimumTotalVariance } from "./svi-total-variance.js";

export type SviFitErrorCode = "too_few_quotes" | "invalid_quote" | "fit_failed";

/** Why no slice was fitted (a value, never an exception): the code and a message naming what is wrong. */
export interface SviFitError {
  readonly code: SviFitErrorCode;
  readonly message: string;
}

export interface SviFit {
  readonly params: SviParams;
  /** Which method produced the parameters: the warm refinement, the quasi-explicit fit or the fallback. */
  readonly method: "levenberg-marquardt" | "quasi-explicit" | "nelder-mead";
  /** √(Σ ωᵢ (w(kᵢ) − wᵢ)² / Σ ωᵢ): the weighted root-mean-square residual in total variance. */
  readonly rmse: number;
  /** Objective evaluations spent: inner linear solves (both methods) and Levenberg–Marquardt cost evaluations. */
  readonly evaluations: number;
}

export interface SviFitOptions {
  /**
   * A previous fit of this expiry: refined by Levenberg–Marquardt; failing that, the quasi-explicit search starts at
   * its (m, σ) with a small simplex (and the fallback from it too).
   */
  readonly warmStart?: SviParams;
  /** Upper bound on outer Nelder–Mead evaluations per run (default 400; twice that per fallback run). */
  readonly maxEvaluations?: number;
}

/** At most this many restarts of each fallback Nelder–Mead run after the first, while they still improve. */
const FALLBACK_RESTARTS = 8;

/** Fewest quotes a fit accepts: SVI has five parameters. */
export const SVI_MIN_QUOTES = 5;
/** |ρ| ≤ this in the fit (validity needs |ρ| < 1 strictly). */
export const SVI_MAX_RHO = 0.999;
/** Lee's moment bound on the wings, b(1 + |ρ|) ≤ 2 (R. Lee, "The moment formula for implied volatility", 2004). */
export const SVI_MAX_WING_SLOPE = 2;

// ω = 1/((2σT)² · max(s, 0.005)): dw = 2σT·dσ, so this weights squared vol errors by inverse bid-ask spread s (vol)
export function volSpreadWeight(impliedVol: number, t: number, spreadVol: number): number {
  const dwdv = 2 * impliedVol * t;
  return 1 / (dwdv * dwdv * Math.max(spreadVol, 0.005));
}

// ---------------------------------------------------------------------------------------------------------------
// Inner problem: for fixed (m, σ), min over x = (a, d, c) of xᵀHx − 2gᵀx + Σωv² subject to C x ≤ e, where
//   a ≤ max wᵢ (Zeliade);  a + c ∓ d ≥ 0 (so a + √(c² − d²) ≥ a + c − |d| ≥ 0: w ≥ 0, a linear sufficient condition);
//   |d| ≤ ρmax·c (|ρ| ≤ ρmax, c ≥ 0);  c ± d ≤ 2σ (Lee: b(1 + |ρ|) ≤ 2).
// Solved exactly by active sets: the unconstrained optimum if feasible, else the first feasible equality-
// constrained optimum (1, 2 then 3 active constraints) whose multipliers are all ≥ 0 (KKT: the global optimum).

const NC = 7;
const CON = new Float64Array(NC * 3); // rows of C (constant); the right-hand sides RHS change with σ and max w
const RHS = new Float64Array(NC);
const KKT = new Float64Array(36);
const SOL = new Float64Array(6);
const H = new Float64Array(9);
const G = new Float64Array(3);
/** The inner solution of the last call: (a, d, c) and whether a + c − |d| ≥ 0 was active. */
const X = new Float64Array(3);
let floorActive = false;
let innerSolves = 0;

const SUBSETS: number[][] = [];
for (let i = 0; i < NC; i++) SUBSETS.push([i]);
for (let i = 0; i < NC; i++) for (let j = i + 1; j < NC; j++) SUBSETS.push([i, j]);
for (let i = 0; i < NC; i++)
  for (let j = i + 1; j < NC; j++) for (let l = j + 1; l < NC; l++) SUBSETS.push([i, j, l]);

// Rows of C in (a, d, c): a ≤ aMax; −a + d − c ≤ 0; −a − d − c ≤ 0; d − ρmax·c ≤ 0; −d − ρmax·c ≤ 0; d + c ≤ 2σ;
// −d + c ≤ 2σ. Only the right-hand sides of the first and the last two change with the call.
CON.set([1, 0, 0, -1, 1, -1, -1, -1, -1, 0, 1, -SVI_MAX_RHO, 0, -1, -SVI_MAX_RHO, 0, 1, 1, 0, -1, 1]);

function setConstraints(sigma: number, aMax: number): void {
  RHS[0] = aMax;
  RHS[5] = SVI_MAX_WING_SLOPE * sigma;
  RHS[6] = SVI_MAX_WING_SLOPE * sigma;
}

/** Solves the n×n system in KKT (row-major, stride n) with right-hand side SOL in place; false if singular. */
function gaussSolve(n: number): boolean {
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(KKT[col * n + col] as number);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(KKT[r * n + col] as number);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > 1e-14)) return false;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = KKT[col * n + c] as number;
        KKT[col * n + c] = KKT[piv * n + c] as number;
        KKT[piv * n + c] = t;
      }
      const t = SOL[col] as number;
      SOL[col] = SOL[piv] as number;
      SOL[piv] = t;
    }
    const d = KKT[col * n + col] as number;
    for (let r = col + 1; r < n; r++) {
      const f = (KKT[r * n + col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c < n; c++)
        KKT[r * n + c] = (KKT[r * n + c] as number) - f * (KKT[col * n + c] as number);
      SOL[r] = (SOL[r] as number) - f * (SOL[col] as number);
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = SOL[r] as number;
    for (let c = r + 1; c < n; c++) s -= (KKT[r * n + c] as number) * (SOL[c] as number);
    SOL[r] = s / (KKT[r * n + r] as number);
  }
  return true;
}

/** Equality-constrained optimum for the active rows `set` (into SOL: x then multipliers); false if singular. */
function solveActive(set: readonly number[]): boolean {
  const s = set.length;
  const n = 3 + s;
  KKT.fill(0, 0, n * n);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) KKT[r * n + c] = H[r * 3 + c] as number;
    SOL[r] = G[r] as number;
  }
  for (let j = 0; j < s; j++) {
    const row = set[j] as number;
    for (let c = 0; c < 3; c++) {
      const v = CON[row * 3 + c] as number;
      KKT[(3 + j) * n + c] = v;
      KKT[c * n + 3 + j] = v;
    }
    SOL[3 + j] = RHS[row] as number;
  }
  return gaussSolve(n);
}

function feasible(tol: number): boolean {
  for (let r = 0; r < NC; r++) {
    const lhs =
      (CON[r * 3] as number) * (SOL[0] as number) +
      (CON[r * 3 + 1] as number) * (SOL[1] as number) +
      (CON[r * 3 + 2] as number) * (SOL[2] as number);
    if (lhs > (RHS[r] as number) + tol) return false;
  }
  return true;
}

let SVV = 0;

/** Σωᵢ(a + d yᵢ + c zᵢ − vᵢ)² at x = SOL[0..2], from the sums: xᵀHx − 2gᵀx + Σωv². */
function objective(): number {
  const a = SOL[0] as number;
  const d = SOL[1] as number;
  const c = SOL[2] as number;
  const hx0 = (H[0] as number) * a + (H[1] as number) * d + (H[2] as number) * c;
  const hx1 = (H[3] as number) * a + (H[4] as number) * d + (H[5] as number) * c;
  const hx2 = (H[6] as number) * a + (H[7] as number) * d + (H[8] as number) * c;
  const quad =
    a * hx0 + d * hx1 + c * hx2 - 2 * ((G[0] as number) * a + (G[1] as number) * d + (G[2] as number) * c);
  return Math.max(0, quad + SVV);
}

/** Keeps SOL[0..2] as the inner solution X and returns its objective. */
function take(tol: number): number {
  X[0] = SOL[0] as number;
  X[1] = SOL[1] as number;
  X[2] = SOL[2] as number;
  floorActive = X[0] + X[2] - Math.abs(X[1]) <= 10 * tol && X[2] > 0;
  return objective();
}

/**
 * The best weighted sum of squares for fixed (m, σ), with (a, d, c) left in X; NaN if nothing feasible was found.
 * No allocation: sums over the quotes, then at most 63 systems of size ≤ 6.
 */
function innerFit(
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  om: ArrayLike<number>,
  n: number,
  m: number,
  sigma: number,
  aMax: number,
): number {
  innerSolves++;
  let s1 = 0;
  let sy = 0;
  let sz = 0;
  let syy = 0;
  let syz = 0;
  let szz = 0;
  let sv = 0;
  let syv = 0;
  let szv = 0;
  let svv = 0;
  const inv = 1 / sigma;
  for (let i = 0; i < n; i++) {
    const o = om[i] as number;
    const y = ((k[i] as number) - m) * inv;
    const z = Math.sqrt(y * y + 1);
    const vi = v[i] as number;
    const oy = o * y;
    const oz = o * z;
    s1 += o;
    sy += oy;
    sz += oz;
    syy += oy * y;
    syz += oy * z;
    szz += oz * z;
    sv += o * vi;
    syv += oy * vi;
    szv += oz * vi;
    svv += o * vi * vi;
  }
  H[0] = s1;
  H[1] = sy;
  H[2] = sz;
  H[3] = sy;
  H[4] = syy;
  H[5] = syz;
  H[6] = sz;
  H[7] = syz;
  H[8] = szz;
  G[0] = sv;
  G[1] = syv;
  G[2] = szv;
  setConstraints(sigma, aMax);
  const tol = 1e-12 * (aMax + sigma + 1);
  SVV = svv;
  // Unconstrained optimum.
  KKT.set(H);
  SOL[0] = sv;
  SOL[1] = syv;
  SOL[2] = szv;
  if (gaussSolve(3) && feasible(tol)) return take(tol);
  let bestF = Number.NaN;
  let ba = 0;
  let bd = 0;
  let bc = 0;
  for (const set of SUBSETS) {
    if (!solveActive(set)) continue;
    if (!feasible(tol)) continue;
    let kkt = true;
    for (let j = 0; j < set.length; j++) if ((SOL[3 + j] as number) < -1e-12 * (svv + 1)) kkt = false;
    if (kkt) return take(tol);
    const f = objective();
    if (!(f >= bestF)) {
      bestF = f;
      ba = SOL[0] as number;
      bd = SOL[1] as number;
      bc = SOL[2] as number;
    }
  }
  if (Number.isNaN(bestF)) return Number.NaN;
  SOL[0] = ba;
  SOL[1] = bd;
  SOL[2] = bc;
  return take(tol);
}

// ---------------------------------------------------------------------------------------------------------------
// Nelder–Mead (J. A. Nelder & R. Mead, "A simplex method for function minimization", Comput. J. 7, 1965), with the
// standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½. Deterministic; scratch reused.

const NM_MAX_DIM = 5;
const SIMPLEX = new Float64Array((NM_MAX_DIM + 1) * NM_MAX_DIM);
const FVALS = new Float64Array(NM_MAX_DIM + 1);
const CENTROID = new Float64Array(NM_MAX_DIM);
const TRIAL = new Float64Array(NM_MAX_DIM);
const TRIAL2 = new Float64Array(NM_MAX_DIM);
let nmEvaluations = 0;

/**
 * Minimises f over R^dim from `start` with initial steps `steps`; the best point is left in `start`, its value
 * returned. Stops when the spread of values is below ftolAbs + ftolRel·|fbest| and the simplex is within xtol (in
 * units of the initial steps), or after maxEval evaluations. A NaN value ranks as +∞.
 */
function nelderMead(
  f: (x: Float64Array) => number,
  dim: number,
  start: Float64Array,
  steps: ArrayLike<number>,
  maxEval: number,
  ftolRel: number,
  ftolAbs: number,
  xtol: number,
): number {
  const val = (x: Float64Array): number => {
    nmEvaluations++;
    const r = f(x);
    return Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
  };
  const np = dim + 1;
  for (let p = 0; p < np; p++) {
    for (let j = 0; j < dim; j++)
      SIMPLEX[p * dim + j] = (start[j] as number) + (p === j + 1 ? (steps[j] as number) : 0);
    for (let j = 0; j < dim; j++) TRIAL[j] = SIMPLEX[p * dim + j] as number;
    FVALS[p] = val(TRIAL);
  }
  let evals = np;
  const point = (p: number, out: Float64Array): void => {
    for (let j = 0; j < dim; j++) out[j] = SIMPLEX[p * dim + j] as number;
  };
  const store = (p: number, src: Float64Array, fv: number): void => {
    for (let j = 0; j < dim; j++) SIMPLEX[p * dim + j] = src[j] as number;
    FVALS[p] = fv;
  };
  for (;;) {
    // Order: best (lowest) first, insertion sort on (dim + 1) ≤ 6 points.
    for (let p = 1; p < np; p++) {
      for (let q = p; q > 0 && (FVALS[q] as number) < (FVALS[q - 1] as number); q--) {
        const t = FVALS[q] as number;
        FVALS[q] = FVALS[q - 1] as number;
        FVALS[q - 1] = t;
        for (let j = 0; j < dim; j++) {
          const u = SIMPLEX[q * dim + j] as number;
          SIMPLEX[q * dim + j] = SIMPLEX[(q - 1) * dim + j] as number;
          SIMPLEX[(q - 1) * dim + j] = u;
        }
      }
    }
    const fBest = FVALS[0] as number;
    const fWorst = FVALS[dim] as number;
    let size = 0;
    for (let p = 1; p < np; p++)
      for (let j = 0; j < dim; j++)
        size = Math.max(
          size,
          Math.abs((SIMPLEX[p * dim + j] as number) - (SIMPLEX[j] as number)) / (steps[j] as number),
        );
    if ((fWorst - fBest <= ftolAbs + ftolRel * Math.abs(fBest) && size <= xtol) || evals >= maxEval) break;
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let p = 0; p < dim; p++) s += SIMPLEX[p * dim + j] as number;
      CENTROID[j] = s / dim;
    }
    const worst = dim;
    for (let j = 0; j < dim; j++)
      TRIAL[j] = 2 * (CENTROID[j] as number) - (SIMPLEX[worst * dim + j] as number);
    const fr = val(TRIAL);
    evals++;
    if (fr < fBest) {
      for (let j = 0; j < dim; j++)
        TRIAL2[j] = 3 * (CENTROID[j] as number) - 2 * (SIMPLEX[worst * dim + j] as number);
      const fe = val(TRIAL2);
      evals++;
      if (fe < fr) store(worst, TRIAL2, fe);
      else store(worst, TRIAL, fr);
      continue;
    }
    if (fr < (FVALS[dim - 1] as number)) {
      store(worst, TRIAL, fr);
      continue;
    }
    // Contraction: outside if the reflection improved on the worst, inside otherwise.
    const outside = fr < fWorst;
    for (let j = 0; j < dim; j++) {
      const w = SIMPLEX[worst * dim + j] as number;
      const c = CENTROID[j] as number;
      TRIAL2[j] = outside ? c + 0.5 * ((TRIAL[j] as number) - c) : c + 0.5 * (w - c);
    }
    const fc = val(TRIAL2);
    evals++;
    if (fc < (outside ? fr : fWorst)) {
      store(worst, TRIAL2, fc);
      continue;
    }
    // Shrink towards the best.
    for (let p = 1; p < np; p++) {
      for (let j = 0; j < dim; j++)
        SIMPLEX[p * dim + j] =
          (SIMPLEX[j] as number) + 0.5 * ((SIMPLEX[p * dim + j] as number) - (SIMPLEX[j] as number));
      point(p, TRIAL);
      FVALS[p] = val(TRIAL);
      evals++;
    }
  }
  point(0, start);
  return FVALS[0] as number;
}

// ---------------------------------------------------------------------------------------------------------------
// Warm refinement: Levenberg–Marquardt on all five parameters (K. Levenberg 1944; D. Marquardt 1963), damping
// JᵀJ + λ·diag(JᵀJ), from the previous fit. Steps that leave the exact conditions are refused (λ grows).
// ∂w/∂a = 1, ∂w/∂b = ρ(k − m) + R, ∂w/∂ρ = b(k − m), ∂w/∂m = −b(ρ + (k − m)/R), ∂w/∂σ = bσ/R, R = √((k − m)² + σ²).

const LM_P = new Float64Array(5); // (a, b, ρ, m, σ)
const LM_TRY = new Float64Array(5);
const LM_JTJ = new Float64Array(25);
const LM_JTR = new Float64Array(5);
const LM_GRAD_NORM = new Float64Array(1);
/** Most Levenberg–Marquardt iterations of a warm fit before it gives up for the quasi-explicit path. */
const LM_MAX_ITERATIONS = 30;

/** Σωᵢ(w(kᵢ; p) − vᵢ)² for p = (a, b, ρ, m, σ) in `p`; with `normal`, also fills JᵀJ and Jᵀr (r = w − v). */
function lmCost(
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  om: ArrayLike<number>,
  n: number,
  p: Float64Array,
  normal: boolean,
): number {
  const a = p[0] as number;
  const b = p[1] as number;
  const rho = p[2] as number;
  const m = p[3] as number;
  const s = p[4] as number;
  const s2 = s * s;
  let cost = 0;
  if (normal) {
    LM_JTJ.fill(0);
    LM_JTR.fill(0);
  }
  for (let i = 0; i < n; i++) {
    const o = om[i] as number;
    const x = (k[i] as number) - m;
    const r = Math.sqrt(x * x + s2);
    const res = a + b * (rho * x + r) - (v[i] as number);
    cost += o * res * res;
    if (!normal) continue;
    const j1 = rho * x + r;
    const j2 = b * x;
    const j3 = -b * (rho + x / r);
    const j4 = (b * s) / r;
    // Row of J: (1, j1, j2, j3, j4); accumulate the upper triangle of ωJᵀJ and ωJᵀr.
    const oj1 = o * j1;
    const oj2 = o * j2;
    const oj3 = o * j3;
    const oj4 = o * j4;
    LM_JTJ[0] = (LM_JTJ[0] as number) + o;
    LM_JTJ[1] = (LM_JTJ[1] as number) + oj1;
    LM_JTJ[2] = (LM_JTJ[2] as number) + oj2;
    LM_JTJ[3] = (LM_JTJ[3] as number) + oj3;
    LM_JTJ[4] = (LM_JTJ[4] as number) + oj4;
    LM_JTJ[6] = (LM_JTJ[6] as number) + oj1 * j1;
    LM_JTJ[7] = (LM_JTJ[7] as number) + oj1 * j2;
    LM_JTJ[8] = (LM_JTJ[8] as number) + oj1 * j3;
    LM_JTJ[9] = (LM_JTJ[9] as number) + oj1 * j4;
    LM_JTJ[12] = (LM_JTJ[12] as number) + oj2 * j2;
    LM_JTJ[13] = (LM_JTJ[13] as number) + oj2 * j3;
    LM_JTJ[14] = (LM_JTJ[14] as number) + oj2 * j4;
    LM_JTJ[18] = (LM_JTJ[18] as number) + oj3 * j3;
    LM_JTJ[19] = (LM_JTJ[19] as number) + oj3 * j4;
    LM_JTJ[24] = (LM_JTJ[24] as number) + oj4 * j4;
    LM_JTR[0] = (LM_JTR[0] as number) + o * res;
    LM_JTR[1] = (LM_JTR[1] as number) + oj1 * res;
    LM_JTR[2] = (LM_JTR[2] as number) + oj2 * res;
    LM_JTR[3] = (LM_JTR[3] as number) + oj3 * res;
    LM_JTR[4] = (LM_JTR[4] as number) + oj4 * res;
  }
  if (normal) {
    for (let r = 1; r < 5; r++) for (let c = 0; c < r; c++) LM_JTJ[r * 5 + c] = LM_JTJ[c * 5 + r] as number;
    let g = 0;
    for (let j = 0; j < 5; j++)
      g = Math.max(g, Math.abs(LM_JTR[j] as number) / Math.sqrt((LM_JTJ[j * 6] as number) + 1e-300));
    LM_GRAD_NORM[0] = g;
  }
  return cost;
}

/** The exact conditions the fit keeps, plus the bounds on m and σ. */
function lmValid(p: Float64Array, mLo: number, mHi: number, sLo: number, sHi: number): boolean {
  const b = p[1] as number;
  const rho = p[2] as number;
  const s = p[4] as number;
  return (
    b >= 0 &&
    Math.abs(rho) <= SVI_MAX_RHO &&
    b * (1 + Math.abs(rho)) <= SVI_MAX_WING_SLOPE &&
    s >= sLo &&
    s <= sHi &&
    (p[3] as number) >= mLo &&
    (p[3] as number) <= mHi &&
    (p[0] as number) + b * s * Math.sqrt(1 - rho * rho) >= 0
  );
}

/**
 * Levenberg–Marquardt from `start`; the result in LM_P and its cost returned, or NaN when it did not converge within
 * LM_MAX_ITERATIONS (to a point where the scaled gradient or the relative cost decrease is negligible, or the cost is
 * below `costFloor`: an exact fit up to rounding).
 */
function levenbergMarquardt(
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  om: ArrayLike<number>,
  n: number,
  start: SviParams,
  mLo: number,
  mHi: number,
  sLo: number,
  sHi: number,
  costFloor: number,
): number {
  LM_P[0] = start.a;
  LM_P[1] = start.b;
  LM_P[2] = start.rho;
  LM_P[3] = start.m;
  LM_P[4] = start.sigma;
  if (!lmValid(LM_P, mLo, mHi, sLo, sHi)) return Number.NaN;
  let cost = lmCost(k, v, om, n, LM_P, true);
  innerSolves++;
  let lambda = 1e-3;
  for (let it = 0; it < LM_MAX_ITERATIONS; it++) {
    if (cost <= costFloor || (LM_GRAD_NORM[0] as number) <= 1e-9 * Math.sqrt(cost)) return cost;
    // Solve (JᵀJ + λ diag JᵀJ) δ = −Jᵀr with the KKT scratch.
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 5; c++) KKT[r * 5 + c] = LM_JTJ[r * 5 + c] as number;
      KKT[r * 6] = (LM_JTJ[r * 6] as number) * (1 + lambda);
      SOL[r] = -(LM_JTR[r] as number);
    }
    if (!gaussSolve(5)) return Number.NaN;
    for (let j = 0; j < 5; j++) LM_TRY[j] = (LM_P[j] as number) + (SOL[j] as number);
    const trial = lmValid(LM_TRY, mLo, mHi, sLo, sHi)
      ? lmCost(k, v, om, n, LM_TRY, false)
      : Number.POSITIVE_INFINITY;
    innerSolves++;
    if (trial < cost) {
      const drop = cost - trial;
      LM_P.set(LM_TRY);
      cost = lmCost(k, v, om, n, LM_P, true);
      lambda = Math.max(1e-9, lambda / 5);
      if (drop <= 1e-12 * cost || cost <= costFloor) return cost;
    } else {
      lambda *= 10;
      // No descent step left: a minimum if the gradient is small, else stuck against a bound (give up).
      if (lambda > 1e6)
        return cost <= costFloor || (LM_GRAD_NORM[0] as number) <= 1e-6 * Math.sqrt(cost) ? cost : Number.NaN;
    }
  }
  return Number.NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// The fit.

let ONES = new Float64Array(64).fill(1);
/** Cold starts: m at these fractions of the strike range, σ at these multiples of it (the best of 5 × 4). */
const COLD_GRID_M: readonly number[] = [0.2, 0.35, 0.5, 0.65, 0.8];
const COLD_GRID_SIGMA: readonly number[] = [0.03, 0.1, 0.3, 1];
const MS = new Float64Array(2); // outer point (m, ln σ)
const MS_STEPS = new Float64Array(2);
const P3 = new Float64Array(3); // fallback point (m, ln σ, atanh ρ)
const P3_BEST = new Float64Array(3);
const P3_STEPS = new Float64Array(3);
/** (a, b) of the last abFit call. */
const AB = new Float64Array(2);

/**
 * For fixed (m, σ, ρ), w = a + b·φ(k) with φ = ρ(k − m) + √((k − m)² + σ²) is linear in (a, b), and the exact
 * conditions are linear too: 0 ≤ b ≤ 2/(1 + |ρ|) (Lee), a + b·σ√(1 − ρ²) ≥ 0 (min w ≥ 0), a ≤ max wᵢ. The optimum
 * of this 2-variable problem is the best feasible of: the unconstrained optimum, the optimum on each of the four
 * edges and the vertices. Leaves (a, b) in AB; returns Σωᵢ(a + bφᵢ − vᵢ)² (NaN if nothing is feasible).
 */
function abFit(
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  om: ArrayLike<number>,
  n: number,
  m: number,
  sigma: number,
  rho: number,
  aMax: number,
): number {
  innerSolves++;
  let s1 = 0;
  let sp = 0;
  let spp = 0;
  let sv = 0;
  let spv = 0;
  let svv = 0;
  const s2 = sigma * sigma;
  for (let i = 0; i < n; i++) {
    const o = om[i] as number;
    const y = (k[i] as number) - m;
    const phi = rho * y + Math.sqrt(y * y + s2);
    const vi = v[i] as number;
    s1 += o;
    sp += o * phi;
    spp += o * phi * phi;
    sv += o * vi;
    spv += o * phi * vi;
    svv += o * vi * vi;
  }
  const q = sigma * Math.sqrt(1 - rho * rho);
  const bMax = SVI_MAX_WING_SLOPE / (1 + Math.abs(rho));
  const tol = 1e-12 * (aMax + 1);
  let best = Number.NaN;
  const consider = (a: number, b: number): void => {
    if (!(b >= -tol && b <= bMax + tol && a + b * q >= -tol && a <= aMax + tol)) return;
    const f = Math.max(0, s1 * a * a + 2 * sp * a * b + spp * b * b - 2 * (sv * a + spv * b) + svv);
    if (!(f >= best)) {
      best = f;
      AB[0] = a;
      AB[1] = Math.max(0, b);
    }
  };
  const det = s1 * spp - sp * sp;
  if (det > 1e-14 * s1 * spp) consider((spp * sv - sp * spv) / det, (s1 * spv - sp * sv) / det);
  if (s1 > 0) {
    consider(sv / s1, 0); // b = 0
    consider((sv - sp * bMax) / s1, bMax); // b = bMax
  }
  if (spp > 0) consider(aMax, (spv - sp * aMax) / spp); // a = aMax
  // a = −q·b: w = b(φ − q)
  const sdd = spp - 2 * q * sp + q * q * s1;
  if (sdd > 0) {
    const b = (spv - q * sv) / sdd;
    consider(-q * b, b);
  }
  consider(0, 0);
  consider(aMax, 0);
  consider(-q * bMax, bMax);
  consider(aMax, bMax);
  return best;
}

function checkQuotes(
  k: ArrayLike<number>,
  w: ArrayLike<number>,
  weight: ArrayLike<number> | undefined,
): SviFitError | undefined {
  const fail = (code: SviFitErrorCode, message: string): SviFitError => ({ code, message });
  const n = k.length;
  if (w.length !== n)
    return fail("invalid_quote", `${n} log-moneyness values but ${w.length} total variances`);
  if (weight !== undefined && weight.length !== n)
    return fail("invalid_quote", `${n} log-moneyness values but ${weight.length} weights`);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const ki = k[i] as number;
    const wi = w[i] as number;
    const oi = weight === undefined ? 1 : (weight[i] as number);
    if (!Number.isFinite(ki))
      return fail("invalid_quote", `quote ${i}: log-moneyness k is ${ki}, not finite`);
    if (!(wi > 0 && Number.isFinite(wi)))
      return fail(
        "invalid_quote",
        `quote ${i} (k = ${ki}): total variance ${wi} is not a positive finite number`,
      );
    if (!(oi >= 0 && Number.isFinite(oi)))
      return fail("invalid_quote", `quote ${i} (k = ${ki}): weight ${oi} is not a finite number ≥ 0`);
    if (oi > 0) used++;
  }
  if (used < SVI_MIN_QUOTES)
    return fail(
      "too_few_quotes",
      `${used} quotes with a positive weight; an SVI fit needs at least ${SVI_MIN_QUOTES}`,
    );
  return undefined;
}

/** The quasi-explicit search from one cold start (m, ln σ): a coarse pass, then a fine one; the point left in MS. */
function coldSearch(
  outer: (x: Float64Array) => number,
  m: number,
  ls: number,
  span: number,
  maxEval: number,
  ftolAbs: number,
): number {
  MS[0] = m;
  MS[1] = ls;
  MS_STEPS[0] = 0.1 * span;
  MS_STEPS[1] = 0.5;
  nelderMead(outer, 2, MS, MS_STEPS, maxEval, 1e-9, ftolAbs, 0.01);
  MS_STEPS[0] = 0.01 * span;
  MS_STEPS[1] = 0.05;
  return nelderMead(outer, 2, MS, MS_STEPS, maxEval, 1e-9, ftolAbs, 0.05);
}

/**
 * Fits raw SVI to quotes (kᵢ = ln(Kᵢ/F), wᵢ = σᵢ²T, weights ωᵢ ≥ 0, default 1) by weighted least squares on total
 * variance.
 * - Warm (`warmStart`): Levenberg–Marquardt on the five parameters from the previous fit; kept when it converges
 *   inside the exact conditions and no (a, d, c) at its own (m, σ) does better (one inner solve checks that).
 * - Otherwise, the quasi-explicit method: Nelder–Mead over (m, ln σ) (cold: from the best of a 5 × 4 grid and
 *   restarted once; warm: from the previous (m, σ) with a small simplex), each point solving the constrained linear
 *   problem in (a, d, c) exactly.
 * - When that failed or its guard a + c − |d| ≥ 0 (a linear, stricter form of a + bσ√(1 − ρ²) ≥ 0) binds: the
 *   fallback, Nelder–Mead over (m, ln σ, atanh ρ) with (a, b) solved exactly under the exact conditions, from the
 *   quasi-explicit result, the warm start and a heuristic; the lower objective wins.
 * Deterministic: same input, same output.
 */
export function fitSvi(
  k: ArrayLike<number>,
  w: ArrayLike<number>,
  weight?: ArrayLike<number>,
  options: SviFitOptions = {},
): SviFit | SviFitError {
  const bad = checkQuotes(k, w, weight);
  if (bad !== undefined) return bad;
  const n = k.length;
  if (weight === undefined && ONES.length < n) ONES = new Float64Array(n).fill(1);
  const om = weight ?? ONES;
  let kLo = Number.POSITIVE_INFINITY;
  let kHi = Number.NEGATIVE_INFINITY;
  let aMax = 0;
  let wSum = 0;
  let kAtMin = 0;
  let vMin = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if ((om[i] as number) === 0) continue;
    const ki = k[i] as number;
    const vi = w[i] as number;
    kLo = Math.min(kLo, ki);
    kHi = Math.max(kHi, ki);
    aMax = Math.max(aMax, vi);
    wSum += om[i] as number;
    if (vi < vMin) {
      vMin = vi;
      kAtMin = ki;
    }
  }
  const span = Math.max(kHi - kLo, 1e-6);
  const mLo = kLo - span;
  const mHi = kHi + span;
  const lsLo = Math.log(Math.max(1e-4, 1e-3 * span));
  const lsHi = Math.log(20 * Math.max(span, 0.05));
  const maxEval = options.maxEvaluations ?? 400;
  innerSolves = 0;
  nmEvaluations = 0;

  // The outer objective: the inner optimum, with bounds on m and ln σ (clamped, and a penalty growing outside).
  const outer = (x: Float64Array): number => {
    const mRaw = x[0] as number;
    const lsRaw = x[1] as number;
    const m = Math.min(mHi, Math.max(mLo, mRaw));
    const ls = Math.min(lsHi, Math.max(lsLo, lsRaw));
    const out = (mRaw - m) / span + (lsRaw - ls);
    const f = innerFit(k, w, om, n, m, Math.exp(ls), aMax);
    return out === 0 ? f : f * (1 + out * out) + out * out * 1e-12;
  };
  const ftolAbs = 1e-14 * wSum * aMax * aMax;
  let fq: number;
  const warm = options.warmStart;
  if (warm !== undefined) {
    const sLo = Math.exp(lsLo);
    const f = levenbergMarquardt(k, w, om, n, warm, mLo, mHi, sLo, Math.exp(lsHi), ftolAbs);
    if (Number.isFinite(f)) {
      const params: SviParams = {
        a: LM_P[0] as number,
        b: LM_P[1] as number,
        rho: LM_P[2] as number,
        m: LM_P[3] as number,
        sigma: LM_P[4] as number,
      };
      // A stationary point of the 5-parameter problem; kept unless (a, d, c) at its own (m, σ) does better.
      const inner = innerFit(k, w, om, n, params.m, params.sigma, aMax);
      if (!(inner < f * (1 - 1e-9) - ftolAbs))
        return { params, method: "levenberg-marquardt", rmse: Math.sqrt(f / wSum), evaluations: innerSolves };
    }
  }
  if (warm !== undefined && warm.sigma > 0 && Number.isFinite(warm.m)) {
    MS[0] = warm.m;
    MS[1] = Math.log(warm.sigma);
    MS_STEPS[0] = 0.02 * span;
    MS_STEPS[1] = 0.05;
    fq = nelderMead(outer, 2, MS, MS_STEPS, maxEval, 1e-9, ftolAbs, 0.05);
  } else {
    // A near-parabolic smile (small b, σ as wide as the strikes) lies in a flat valley where the search from the best
    // grid point can settle on a σ beyond the grid that fits only approximately (found by the property test: 2 or 3
    // slices in 100,000, 2 % off at the wings). Then the second best grid point is searched from too.
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bm = kAtMin;
    let bs = Math.log(0.1 * span);
    let sm = bm;
    let ss = bs;
    for (const fm of COLD_GRID_M) {
      for (const fs of COLD_GRID_SIGMA) {
        MS[0] = kLo + fm * span;
        MS[1] = Math.log(fs * span);
        const f = outer(MS);
        if (f < best) {
          second = best;
          sm = bm;
          ss = bs;
          best = f;
          bm = MS[0] as number;
          bs = MS[1] as number;
        } else if (f < second) {
          second = f;
          sm = MS[0] as number;
          ss = MS[1] as number;
        }
      }
    }
    fq = coldSearch(outer, bm, bs, span, maxEval, ftolAbs);
    const fm = MS[0] as number;
    const fs = MS[1] as number;
    if (Number.isFinite(second) && Math.exp(fs) > span) {
      const f2 = coldSearch(outer, sm, ss, span, maxEval, ftolAbs);
      if (!(f2 < fq)) {
        MS[0] = fm;
        MS[1] = fs;
      } else fq = f2;
    }
  }
  let quasi: SviParams | undefined;
  let quasiBinding = true;
  if (Number.isFinite(fq)) {
    const m = Math.min(mHi, Math.max(mLo, MS[0] as number));
    const sigma = Math.exp(Math.min(lsHi, Math.max(lsLo, MS[1] as number)));
    fq = innerFit(k, w, om, n, m, sigma, aMax);
    if (Number.isFinite(fq)) {
      const c = X[2] as number;
      const b = c > 0 ? c / sigma : 0;
      const rho = c > 0 ? Math.min(SVI_MAX_RHO, Math.max(-SVI_MAX_RHO, (X[1] as number) / c)) : 0;
      // a + c − |d| ≥ −tolerance implies min w ≥ −tolerance: lift a by that rounding so the slice is valid exactly.
      const a = Math.max(X[0] as number, -b * sigma * Math.sqrt(1 - rho * rho));
      quasi = { a, b, rho, m, sigma };
      quasiBinding = floorActive;
    }
  }
  const quasiEvaluations = innerSolves;
  if (quasi !== undefined && !quasiBinding)
    return {
      params: quasi,
      method: "quasi-explicit",
      rmse: Math.sqrt(fq / wSum),
      evaluations: quasiEvaluations,
    };

  // Fallback: Nelder–Mead over (m, ln σ, atanh ρ), each point solving (a, b) exactly under the exact conditions.
  const reduced = (x: Float64Array): number => {
    const m = x[0] as number;
    const ls = x[1] as number;
    if (!(m >= mLo && m <= mHi && ls >= lsLo && ls <= lsHi)) return Number.NaN;
    const rho = Math.tanh(x[2] as number);
    if (!(Math.abs(rho) <= SVI_MAX_RHO)) return Number.NaN;
    return abFit(k, w, om, n, m, Math.exp(ls), rho, aMax);
  };
  const starts: SviParams[] = [];
  if (quasi !== undefined) starts.push(quasi);
  if (warm !== undefined) starts.push(warm);
  starts.push({ a: 0, b: 0, rho: 0, m: kAtMin, sigma: 0.1 * span });
  let bestF = Number.POSITIVE_INFINITY;
  for (const s of starts) {
    P3[0] = Math.min(mHi, Math.max(mLo, s.m));
    P3[1] = Math.min(lsHi, Math.max(lsLo, Math.log(s.sigma)));
    P3[2] = Math.atanh(Math.min(SVI_MAX_RHO * 0.99, Math.max(-SVI_MAX_RHO * 0.99, s.rho)));
    P3_STEPS[0] = 0.05 * span;
    P3_STEPS[1] = 0.3;
    P3_STEPS[2] = 0.3;
    // Restarted while it still improves (Nelder–Mead can stall in the narrow valleys of near-linear smiles).
    let f = nelderMead(reduced, 3, P3, P3_STEPS, 2 * maxEval, 1e-10, ftolAbs, 1e-3);
    for (let restart = 0; restart < FALLBACK_RESTARTS; restart++) {
      const again = nelderMead(reduced, 3, P3, P3_STEPS, 2 * maxEval, 1e-10, ftolAbs, 1e-3);
      const improved = f - again > 1e-9 * f + ftolAbs;
      f = Math.min(f, again);
      if (!improved) break;
    }
    if (f < bestF) {
      bestF = f;
      P3_BEST.set(P3);
    }
  }
  const evaluations = quasiEvaluations + nmEvaluations;
  if (quasi !== undefined && !(bestF < fq))
    return { params: quasi, method: "quasi-explicit", rmse: Math.sqrt(fq / wSum), evaluations };
  if (!Number.isFinite(bestF)) {
    return {
      code: "fit_failed",
      message: `no valid SVI slice fits these ${n} quotes (k from ${kLo} to ${kHi}): both methods failed`,
    };
  }
  const sigma = Math.exp(P3_BEST[1] as number);
  const rho = Math.tanh(P3_BEST[2] as number);
  abFit(k, w, om, n, P3_BEST[0] as number, sigma, rho, aMax);
  const b = AB[1] as number;
  const a = Math.max(AB[0] as number, -b * sigma * Math.sqrt(1 - rho * rho)); // rounding only, as above
  const params: SviParams = { a, b, rho, m: P3_BEST[0] as number, sigma };
  if (!(sviMinimumTotalVariance(params) >= 0))
    return { code: "fit_failed", message: "the fitted slice has negative total variance" };
  return { params, method: "nelder-mead", rmse: Math.sqrt(bestF / wSum), evaluations };
}

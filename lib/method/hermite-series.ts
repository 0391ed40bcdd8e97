/**
 * Adaptive quadrature for the infinite-width kernels of docs/math.md §5 with
 * a smooth activation φ: the Hermite (Mehler) series
 *
 *   E[φ(a z)ψ(b z′)] = Σₙ ĉₙ(a) d̂ₙ(b) ρⁿ,   ĉₙ(s) = E[φ(s z) hₙ(z)],  hₙ = Heₙ/√n!,
 *
 * for (z, z′) standard normal with correlation ρ (Pⁿ entrywise over the
 * pairs), truncated where the Cauchy–Schwarz tail bound
 * |ρ|^(N+1)·√(T(a, N)·T(b, N)), T(s, N) = E[φ(s z)²] − Σ_{n≤N} ĉₙ(s)², meets
 * the target. The coefficients come from a composite Gauss–Legendre rule on
 * |z| ≤ 13.5 whose panels shrink towards z = 0, where φ(s z) bends (its
 * complex singularities lie on the imaginary axis at distance δ/s, δ = π/2
 * for tanh): every panel's half-width is at most a third of its distance
 * to the nearest singularity, so the rule converges geometrically at a rate
 * independent of s. Each quantity is computed by the 24- and the 16-point
 * rule on the same panels; their difference is the error estimate.
 * Pairs whose series would need too many terms (|ρ| near 1 with a large
 * scale) use the conditional form E[φ(a z)·E[ψ(bρz + b√(1−ρ²)w) | z]], two
 * nested 1-D rules of the same kind, and ρ = ±1 a single 1-D rule.
 */
import { gemm } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { evaluate, type Activation } from '../model/activations.js';

/** Half the distance, in u, from the real axis to φ's nearest complex singularity (a resolution scale for entire φ). */
export function singularityDistance(activation: Activation): number {
  switch (activation) {
    case 'tanh':
      return Math.PI / 2;
    case 'sigmoid':
    case 'softplus':
      return Math.PI;
    default:
      return 1;
  }
}

/** |z| ≤ 13.5 for the coefficients: |hₙ(z)|e^(−z²/4) ≤ 1.09 (Cramér), and e^(−13.5²/4) < 2e-20. */
const COEFFICIENT_LIMIT = 13.5;
/** |z| ≤ 9.5 for plain Gaussian expectations: the density there is < 3e-20. */
const GAUSSIAN_LIMIT = 9.5;
/** The widest panel: half-width 0.3 keeps hₙ, n ≤ MAX_TERMS, resolved by the 16-point rule (ω r = √n·0.3 ≤ 7.4). */
const MAX_PANEL = 0.6;
/** The most panels of one rule: beyond, the integrand is too oscillatory or too sharp for this rule. */
const MAX_PANELS = 2000;
/** The longest series. */
export const MAX_TERMS = 600;

interface Rule {
  nodes: Float64Array;
  weights: Float64Array;
}

const legendre = new Map<number, Rule>();

/** [P_m(x), P′_m(x)] from the three-term recurrence. */
function legendreAt(m: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= m; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return [p1, (m * (x * p1 - p0)) / (x * x - 1)];
}

/** The m-point Gauss–Legendre rule on [−1, 1] (Newton on the Legendre recurrence). */
function gaussLegendre(m: number): Rule {
  const cached = legendre.get(m);
  if (cached !== undefined) return cached;
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    for (let it = 0; it < 100; it++) {
      const [p, dp] = legendreAt(m, x);
      const step = p / dp;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    const [, dp] = legendreAt(m, x);
    nodes[i] = x;
    weights[i] = 2 / ((1 - x * x) * dp * dp);
  }
  const rule = { nodes, weights };
  legendre.set(m, rule);
  return rule;
}

/**
 * Panel breakpoints on [−limit, limit], refined towards `center`, where the
 * integrand's singularities lie at imaginary distance `delta`: a panel at
 * distance t from the centre has width max(2δ/3, t/2) (≤ MAX_PANEL), so its
 * half-width is at most a third of its distance to any singularity.
 */
function breakpoints(center: number, delta: number, limit: number, oscillating: boolean): number[] | null {
  const c = Math.min(limit, Math.max(-limit, center));
  const fine = Math.min(MAX_PANEL, (2 * delta) / 3);
  if (oscillating) {
    // sin(s z) oscillates with period 2π/s everywhere: panels of width 6/s throughout (half-width × frequency = 3).
    const width = Math.min(MAX_PANEL, 6 * delta);
    const count = Math.ceil((2 * limit) / width);
    if (count > MAX_PANELS) return null;
    return Array.from({ length: count + 1 }, (_, i) => -limit + (2 * limit * i) / count);
  }
  const right: number[] = [];
  for (let t = c; t < limit; ) {
    t = Math.min(limit, t + Math.min(MAX_PANEL, Math.max(fine, 0.5 * (t - c))));
    right.push(t);
  }
  const left: number[] = [];
  for (let t = c; t > -limit; ) {
    t = Math.max(-limit, t - Math.min(MAX_PANEL, Math.max(fine, 0.5 * (c - t))));
    left.push(t);
  }
  if (left.length + right.length > MAX_PANELS) return null;
  return [...left.reverse(), c, ...right].filter((t, i, all) => i === 0 || t > all[i - 1]!);
}

/** The mesh for φ(s·) refined around `center`, or null when it would need more than MAX_PANELS panels. */
function mesh(activation: Activation, center: number, s: number, limit: number): number[] | null {
  return breakpoints(center, singularityDistance(activation) / Math.max(s, 1e-300), limit, activation === 'sin');
}

/** The composite m-point rule on the panels, weights times the standard normal density. */
function gaussianRule(edges: number[], m: number): Rule {
  const base = gaussLegendre(m);
  const panels = edges.length - 1;
  const nodes = new Float64Array(panels * m);
  const weights = new Float64Array(panels * m);
  for (let p = 0; p < panels; p++) {
    const mid = 0.5 * (edges[p + 1]! + edges[p]!);
    const half = 0.5 * (edges[p + 1]! - edges[p]!);
    for (let i = 0; i < m; i++) {
      const z = mid + half * base.nodes[i]!;
      nodes[p * m + i] = z;
      weights[p * m + i] = (half * base.weights[i]! * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
    }
  }
  return { nodes, weights };
}

const ORDERS = [24, 16] as const;

/** Per point: the normalised Hermite coefficients of φ(s·) and φ′(s·), their error estimates and the tails. */
export interface Coefficients {
  /** ĉ₀ … ĉ_N of φ(s z) and d̂ₙ of φ′(s z) (N + 1 = terms). */
  value: Float64Array;
  slope: Float64Array;
  terms: number;
  /** T(s, n) = E[φ(s z)²] − Σ_{k≤n} ĉₖ² (≥ 0), for n = 0 … N, and likewise for φ′. */
  valueTail: Float64Array;
  slopeTail: Float64Array;
  /** E[φ(s z)²], E[φ′(s z)²]. */
  valueEnergy: number;
  slopeEnergy: number;
  /** ‖ĉ(24) − ĉ(16)‖₂ over the terms kept, the same for d̂, and the energies' estimates. */
  valueError: number;
  slopeError: number;
  energyError: number;
  /** Whether the tails reached the stopping target within MAX_TERMS. */
  complete: boolean;
}

/**
 * The coefficients of φ(sᵢ·) and φ′(sᵢ·) for all the scales at once, on one
 * mesh (refined for the largest scale), n < MAX_TERMS: the matrix product
 * H·F of h̃ₙ(z_k) = hₙ(z_k)e^(−z_k²/4) (the recurrence
 * h̃ₙ₊₁ = (z h̃ₙ − √n h̃ₙ₋₁)/√(n+1), |h̃ₙ| ≤ 1.09) and the weighted values
 * w_k e^(z_k²/4) φ(sᵢ z_k), by dgemm, for the 24- and the 16-point rule.
 * `cut` then cuts each point's series where both its tails are below
 * `valueTarget` and `slopeTarget` (or at MAX_TERMS). `valueEnergy` and
 * `slopeEnergy` are E[φ(sᵢ z)²] and E[φ′(sᵢ z)²] (NaN when the mesh would
 * need more than MAX_PANELS panels).
 */
export interface HermiteTable {
  valueEnergy: Float64Array;
  slopeEnergy: Float64Array;
  cut(valueTarget: number, slopeTarget: number): Coefficients[];
}

export function coefficients(activation: Activation, scales: readonly number[]): HermiteTable {
  const count = scales.length;
  const largest = Math.max(0, ...scales);
  const edges = mesh(activation, 0, largest, COEFFICIENT_LIMIT);
  if (edges === null) {
    // No series: every pair goes to the conditional rule.
    const none = new Float64Array(0);
    const empty: Coefficients = { value: none, slope: none, terms: 0, valueTail: none, slopeTail: none, valueEnergy: NaN, slopeEnergy: NaN, valueError: Infinity, slopeError: Infinity, energyError: Infinity, complete: false };
    const nan = new Float64Array(count).fill(NaN);
    return { valueEnergy: nan, slopeEnergy: nan, cut: () => scales.map(() => empty) };
  }
  const sets = ORDERS.map((m) => {
    const { nodes, weights } = gaussianRule(edges, m);
    const k = nodes.length;
    const u = new Float64Array(k * count);
    for (let t = 0; t < k; t++) for (let i = 0; i < count; i++) u[t * count + i] = scales[i]! * nodes[t]!;
    const f = new Float64Array(k * count);
    const g = new Float64Array(k * count);
    evaluate(activation, u, f, g, null);
    const F = new Matrix(k, 2 * count);
    const ef = new Float64Array(count);
    const eg = new Float64Array(count);
    const H = new Matrix(MAX_TERMS, k);
    for (let t = 0; t < k; t++) {
      const root = Math.exp(-0.25 * nodes[t]! * nodes[t]!);
      // weight·e^(+z²/4): the other e^(−z²/4) is carried by h̃.
      const w = weights[t]! / root;
      for (let i = 0; i < count; i++) {
        const fv = f[t * count + i]!;
        const gv = g[t * count + i]!;
        F.data[t * 2 * count + i] = w * fv;
        F.data[t * 2 * count + count + i] = w * gv;
        ef[i] = ef[i]! + weights[t]! * fv * fv;
        eg[i] = eg[i]! + weights[t]! * gv * gv;
      }
      let previous = 0;
      let current = root;
      for (let n = 0; n < MAX_TERMS; n++) {
        H.data[n * k + t] = current;
        const next = (nodes[t]! * current - SQRT[n]! * previous) / SQRT[n + 1]!;
        previous = current;
        current = next;
      }
    }
    return { C: gemm(H, F), ef, eg };
  });
  const [fine, coarse] = sets as [(typeof sets)[number], (typeof sets)[number]];
  const width = 2 * count;
  const cut = (valueTarget: number, slopeTarget: number): Coefficients[] => scales.map((_, i) => {
    const ef = fine.ef[i]!;
    const eg = fine.eg[i]!;
    const value: number[] = [];
    const slope: number[] = [];
    const valueTail: number[] = [];
    const slopeTail: number[] = [];
    let valueError2 = 0;
    let slopeError2 = 0;
    let tf = ef;
    let tg = eg;
    let complete = false;
    for (let n = 0; n < MAX_TERMS; n++) {
      const c = fine.C.data[n * width + i]!;
      const d = fine.C.data[n * width + count + i]!;
      value.push(c);
      slope.push(d);
      valueError2 += (c - coarse.C.data[n * width + i]!) ** 2;
      slopeError2 += (d - coarse.C.data[n * width + count + i]!) ** 2;
      tf -= c * c;
      tg -= d * d;
      // The subtraction leaves round-off of order ε·E[φ²] per term: keep the tail at least that.
      const floor = 4e-16 * (n + 1);
      valueTail.push(Math.max(tf, floor * ef));
      slopeTail.push(Math.max(tg, floor * eg));
      if (valueTail[n]! <= valueTarget && slopeTail[n]! <= slopeTarget) {
        complete = true;
        break;
      }
    }
    return {
      value: Float64Array.from(value),
      slope: Float64Array.from(slope),
      terms: value.length,
      valueTail: Float64Array.from(valueTail),
      slopeTail: Float64Array.from(slopeTail),
      valueEnergy: ef,
      slopeEnergy: eg,
      valueError: Math.sqrt(valueError2),
      slopeError: Math.sqrt(slopeError2),
      energyError: Math.abs(ef - coarse.ef[i]!) + Math.abs(eg - coarse.eg[i]!),
      complete,
    };
  });
  return { valueEnergy: fine.ef, slopeEnergy: fine.eg, cut };
}

const SQRT = Float64Array.from({ length: MAX_TERMS + 2 }, (_, k) => Math.sqrt(k));

/**
 * [E φ(u)φ(u′), E φ′(u)φ′(u′), error estimate of each] for u = a z,
 * u′ = b(ρ z + √(1−ρ²) w) by nested adaptive rules: the inner one over w,
 * refined around the w where the argument of φ vanishes, the outer over z.
 * |ρ| = 1 reduces to one 1-D rule.
 */
export function conditional(activation: Activation, a: number, b: number, rho: number, sine: number): [number, number, number, number] {
  const tau = b * sine;
  const outerEdges = mesh(activation, 0, Math.max(a, b * Math.abs(rho)), GAUSSIAN_LIMIT);
  const innerProbe = tau === 0 ? [] : mesh(activation, 0, tau, GAUSSIAN_LIMIT);
  if (outerEdges === null || innerProbe === null) return [NaN, NaN, Infinity, Infinity];
  const results = ORDERS.map((m) => {
    const outer = gaussianRule(outerEdges, m);
    const no = outer.nodes.length;
    const ua = outer.nodes.map((z) => a * z);
    const fa = new Float64Array(no);
    const ga = new Float64Array(no);
    evaluate(activation, ua, fa, ga, null);
    let vv = 0;
    let dd = 0;
    if (tau === 0) {
      // ρ = ±1: u′ = bρ z, one 1-D rule.
      const ub = outer.nodes.map((z) => b * rho * z);
      const fb = new Float64Array(no);
      const gb = new Float64Array(no);
      evaluate(activation, ub, fb, gb, null);
      for (let k = 0; k < no; k++) {
        vv += outer.weights[k]! * fa[k]! * fb[k]!;
        dd += outer.weights[k]! * ga[k]! * gb[k]!;
      }
      return [vv, dd];
    }
    for (let k = 0; k < no; k++) {
      const mu = b * rho * outer.nodes[k]!;
      // The inner integrand bends where mu + τ w = 0: refine there.
      const rule = gaussianRule(mesh(activation, -mu / tau, tau, GAUSSIAN_LIMIT)!, m);
      const u = rule.nodes.map((w) => mu + tau * w);
      const f = new Float64Array(u.length);
      const g = new Float64Array(u.length);
      evaluate(activation, u, f, g, null);
      let gf = 0;
      let gg = 0;
      for (let t = 0; t < u.length; t++) {
        gf += rule.weights[t]! * f[t]!;
        gg += rule.weights[t]! * g[t]!;
      }
      vv += outer.weights[k]! * fa[k]! * gf;
      dd += outer.weights[k]! * ga[k]! * gg;
    }
    return [vv, dd];
  });
  const [v24, d24] = results[0]!;
  const [v16, d16] = results[1]!;
  return [v24!, d24!, Math.abs(v24! - v16!), Math.abs(d24! - d16!)];
}

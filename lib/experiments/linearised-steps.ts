/**
 * The prediction of docs/math.md §6 for a discrete flow: in the eigenbasis
 * (μᵢ, vᵢ) of its kernel 𝒦, one step of the linearised dynamics multiplies
 * the residual's coordinate cᵢ = ⟨vᵢ, r₀⟩ by ρᵢ = 1 − step·μᵢ (step = η for
 * gradient descent on 𝒦_GD, α for Newton on 𝒦_N), so after s steps
 * |r_s|² = Σᵢ cᵢ²·ρᵢ^(2s). The steps a target needs are the smallest s with
 * |r_s| ≤ target.
 */
import { project, spectrum } from '../method/spectrum.js';
import type { Matrix } from '../linalg/matrix.js';

/**
 * Beyond this many steps the prediction is reported as never reaching the
 * target. Below 2^53, so that the bisection's integers are exact doubles
 * (above, ⌊(low + high)/2⌋ can round back to low or high and never end).
 */
export const PREDICTION_HORIZON = 2 ** 52;

/**
 * The smallest integer s ≥ 0 with (Σᵢ cᵢ²·ρᵢ^(2s))^(1/2) ≤ target, ρᵢ = 1 − step·max(μᵢ, 0),
 * or Infinity when no s ≤ PREDICTION_HORIZON does (a mode that does not decay
 * holds more than the target, or |ρᵢ| > 1 makes a mode grow). Eigenvalues
 * below 0 are round-off of a positive semi-definite kernel: their modes are
 * taken as not decaying (ρ = 1).
 */
export function linearisedSteps(values: ArrayLike<number>, coordinates: ArrayLike<number>, step: number, target: number): number {
  if (values.length !== coordinates.length) throw new RangeError(`linearisedSteps: ${values.length} eigenvalues but ${coordinates.length} coordinates`);
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`linearisedSteps: step must be a finite number > 0, got ${step}`);
  if (!(target > 0) || !Number.isFinite(target)) throw new RangeError(`linearisedSteps: target must be a finite number > 0, got ${target}`);
  const logFactors = Array.from(values, (mu) => Math.log(Math.abs(1 - step * Math.max(mu, 0))));
  const squares = Array.from(coordinates, (c) => c * c);
  const target2 = target * target;
  // Σ cᵢ²·ρᵢ^(2s), with ρ = 0 (log −∞) contributing nothing once s ≥ 1.
  const residual2 = (s: number) => squares.reduce((sum, c2, i) => (c2 === 0 ? sum : sum + c2 * Math.exp(2 * s * logFactors[i]!)), 0);
  if (residual2(0) <= target2) return 0;
  // A growing mode with any content never settles below the target in the linearised dynamics.
  if (logFactors.some((l, i) => l > 0 && squares[i]! > 0)) return Infinity;
  // |r_s| is non-increasing in s: bracket by doubling, then bisect on integers.
  let high = 1;
  while (residual2(high) > target2) {
    if (high >= PREDICTION_HORIZON) return Infinity;
    high *= 2;
  }
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (residual2(mid) > target2) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * |r_s| = (Σᵢ cᵢ²·ρᵢ^(2s))^(1/2), ρᵢ = 1 − step·max(μᵢ, 0): the residual the
 * linearised dynamics reach after s steps, the whole curve whose first
 * crossing of a target `linearisedSteps` finds.
 */
export function linearisedResidual(values: ArrayLike<number>, coordinates: ArrayLike<number>, step: number, s: number): number {
  if (values.length !== coordinates.length) throw new RangeError(`linearisedResidual: ${values.length} eigenvalues but ${coordinates.length} coordinates`);
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`linearisedResidual: step must be a finite number > 0, got ${step}`);
  if (!Number.isInteger(s) || s < 0) throw new RangeError(`linearisedResidual: steps must be an integer ≥ 0, got ${s}`);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const c = coordinates[i]!;
    // ρ^(2s) through exp(2s·log|ρ|): no overflow of the power for s up to PREDICTION_HORIZON, and ρ = 0 gives 0 for s ≥ 1.
    if (c !== 0) sum += s === 0 ? c * c : c * c * Math.exp(2 * s * Math.log(Math.abs(1 - step * Math.max(values[i]!, 0))));
  }
  return Math.sqrt(sum);
}

/**
 * The steps to |r| ≤ tol·|y| from the residual r₀ under the kernel K with
 * the given step: eigen-decomposes K (dsyevd) and projects r₀ on its eigenvectors.
 */
export function predictedSteps(K: Matrix, r0: Float64Array, step: number, targetNorm: number): number {
  const { values, vectors } = spectrum(K);
  return linearisedSteps(values, project(vectors!, r0), step, targetNorm);
}

/**
 * |r_s| for s = 0 … n of the linearised Newton flow whose λ changes from step
 * to step, λₜ for step t (n = lambdas.length), from the eigen-decomposition
 * (μᵢ, vᵢ) of 𝒦_GD at θ₀ and cᵢ = ⟨vᵢ, r₀⟩. In the linearised model
 * f = f₀ + J₀·(θ − θ₀) the second derivatives of f vanish, so S = 0 and the
 * full-Hessian step is the Gauss–Newton one, whose kernel
 * 𝒦_GD(𝒦_GD + λₜI)⁻¹ has 𝒦_GD's eigenvectors and eigenvalues μᵢ/(μᵢ + λₜ)
 * (docs/math.md §4): step t multiplies cᵢ by 1 − α·μᵢ/(μᵢ + λₜ). One
 * eigen-decomposition serves every λₜ. Eigenvalues below 0 are round-off of a
 * positive semi-definite kernel and are taken as 0 (the mode does not move).
 */
export function linearisedNewtonCurve(values: ArrayLike<number>, coordinates: ArrayLike<number>, alpha: number, lambdas: readonly number[]): Float64Array {
  if (values.length !== coordinates.length) throw new RangeError(`linearisedNewtonCurve: ${values.length} eigenvalues but ${coordinates.length} coordinates`);
  if (!(alpha > 0) || !(alpha <= 2)) throw new RangeError(`linearisedNewtonCurve: alpha must be in (0, 2], got ${alpha}`);
  const bad = lambdas.findIndex((l) => !(l > 0) || !Number.isFinite(l));
  if (bad >= 0) throw new RangeError(`linearisedNewtonCurve: lambdas[${bad}] must be a finite number > 0, got ${lambdas[bad]}`);
  const c = Float64Array.from(coordinates);
  const mu = Array.from(values, (v) => Math.max(v, 0));
  const curve = new Float64Array(lambdas.length + 1);
  curve[0] = Math.hypot(...c);
  lambdas.forEach((lambda, t) => {
    // (λ + (1 − α)μ)/(μ + λ): the same number as 1 − αμ/(μ + λ) without its cancellation when λ ≪ μ and α = 1.
    for (let i = 0; i < c.length; i++) c[i]! *= (lambda + (1 - alpha) * mu[i]!) / (mu[i]! + lambda);
    curve[t + 1] = Math.hypot(...c);
  });
  return curve;
}

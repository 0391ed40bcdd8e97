/**
 * The regularization λ of docs/math.md §3: fixed, width-scaled λ₀·N^(−γ), or `auto`.
 * `auto` is the smallest λ ≥ λ_floor for which A = S + λI is positive
 * definite with a margin: λ = λ_floor + 1.1·max(0, −minᵢ λ_min(Sᵢ)), so that
 * the certificate minᵢ λ_min(Sᵢ + λI) is at least λ_floor and at least a
 * tenth of the most negative curvature (a nearly singular block would make
 * the step explode along its eigenvector). For Gauss–Newton, A = λI and
 * `auto` is λ_floor.
 *
 * `Damping` is the adaptive (Levenberg–Marquardt) control of λ that
 * training uses on top of the policy's starting value.
 */
import { checkOptionKeys } from '../options.js';
import type { Hessian, NewtonSystem } from './newton.js';

export type LambdaPolicy = number | 'auto' | { lambda0: number; gamma: number };

/** The default λ_floor: far below the smallest eigenvalues a float64 NTK resolves usefully. */
export const LAMBDA_FLOOR = 1e-12;

/** The relative margin of `auto` over the most negative curvature of S. */
const MARGIN = 0.1;

export interface LambdaChoice {
  lambda: number;
  /** minᵢ λ_min(Sᵢ + λI) (full Hessian), or λ (Gauss–Newton, where A = λI). */
  certificate: number;
}

export function checkLambdaPolicy(where: string, policy: unknown): LambdaPolicy {
  if (policy === 'auto') return policy;
  if (typeof policy === 'number') {
    if (!(policy > 0) || !Number.isFinite(policy)) throw new RangeError(`${where}: λ must be a finite number > 0 or 'auto', got ${policy}`);
    return policy;
  }
  if (typeof policy === 'object' && policy !== null && 'lambda0' in policy && 'gamma' in policy) {
    checkOptionKeys(`${where}: the width-scaled λ`, policy, ['lambda0', 'gamma']);
    const { lambda0, gamma } = policy as { lambda0: unknown; gamma: unknown };
    if (typeof lambda0 !== 'number' || !(lambda0 > 0) || !Number.isFinite(lambda0)) {
      throw new RangeError(`${where}: lambda0 must be a finite number > 0, got ${String(lambda0)}`);
    }
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
      throw new RangeError(`${where}: gamma must be a finite number ≥ 0, got ${String(gamma)}`);
    }
    return { lambda0, gamma };
  }
  throw new TypeError(`${where}: λ must be a number, 'auto' or { lambda0, gamma }`);
}

/** The `auto` λ at this θ. */
export function autoLambda(system: NewtonSystem, hessian: Hessian): number {
  if (hessian === 'gauss-newton') return LAMBDA_FLOOR;
  return LAMBDA_FLOOR + (1 + MARGIN) * Math.max(0, -system.curvature.minEigenvalue);
}

/**
 * Madsen, Nielsen and Tingleff's τ = 10⁻³: the textbook LM starts at
 * λ₀ = τ·max diag(𝒦_GD), 𝒦_GD = J·Jᵀ/M, the largest per-point NTK value.
 * Training starts at λ_floor (the linearised model's own step) and moves to
 * this scale at its first rejected Gauss–Newton attempt: climbing there from
 * λ_floor by doubling took ~7 alternating rejections on most W8 circle cases,
 * while starting there took 5–15× more steps on the smooth ones.
 */
export const STARTING_TAU = 1e-3;

/** τ·max diag(J·Jᵀ)/M (at least λ_floor): the λ of the textbook LM's start at this θ. */
export function startingLambda(system: NewtonSystem): number {
  const gram = system.gram;
  const rows = gram.rows;
  let max = 0;
  for (let j = 0; j < rows; j++) max = Math.max(max, gram.data[j * rows + j]!);
  // 𝒦_GD = J·Jᵀ/M with M the points (M·C rows for C outputs, docs/math.md §8).
  return Math.max(LAMBDA_FLOOR, (STARTING_TAU * max) / system.m);
}

export function chooseLambda(policy: LambdaPolicy, system: NewtonSystem, hessian: Hessian): LambdaChoice {
  checkLambdaPolicy('chooseLambda', policy);
  const lambda =
    policy === 'auto'
      ? autoLambda(system, hessian)
      : typeof policy === 'number'
        ? policy
        : policy.lambda0 * system.net.width ** -policy.gamma;
  return { lambda, certificate: system.certificate(lambda, hessian) };
}

/**
 * Levenberg–Marquardt control of λ by the gain ratio ρ = (actual decrease of
 * L) / (decrease the quadratic model promised). After an accepted step λ is
 * divided by 10 when ρ > 3/4 (the model is trusted: move towards the
 * Gauss–Newton step), by 3 when 1/4 < ρ ≤ 3/4, and kept otherwise; it never
 * rises on an accepted step, since a step that lowered the loss is no evidence
 * that λ was too small (raising it there made relu training crawl). After a
 * rejected step λ grows from the λ that step used by ν, and ν doubles
 * (2, 4, 8, …) until a step is accepted, so a run of rejections climbs
 * geometrically fast.
 */
/** Above this gain ratio the quadratic model is trusted: λ ÷ 10. */
const TRUSTED_GAIN = 0.75;
/** Above this (and up to TRUSTED_GAIN) the model is fair: λ ÷ 3. */
const FAIR_GAIN = 0.25;

export class Damping {
  private growth = 2;

  constructor(
    private current: number,
    private readonly floor = LAMBDA_FLOOR,
  ) {
    if (!(current > 0) || !Number.isFinite(current)) throw new RangeError(`damping: λ must be a finite number > 0, got ${current}`);
  }

  get lambda(): number {
    return this.current;
  }

  accepted(gain: number): void {
    if (gain > TRUSTED_GAIN) this.current = Math.max(this.floor, this.current / 10);
    else if (gain > FAIR_GAIN) this.current = Math.max(this.floor, this.current / 3);
    this.growth = 2;
  }

  /** Raises λ to `lambda` if it is below (a rescaling, not a rejection: ν is kept). */
  atLeast(lambda: number): void {
    this.current = Math.max(this.current, lambda);
  }

  /** `used`: the λ of the rejected step (the full Hessian's may be above this damping's λ). */
  rejected(used: number): void {
    this.current = Math.max(this.current, used) * this.growth;
    this.growth *= 2;
  }
}

/**
 * The regularization λ of SPEC §3: fixed, width-scaled λ₀·N^(−γ), or `auto`.
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
 * multiplied by max(1/3, 1 − (2ρ − 1)³) when ρ > 1/2 (Nielsen's factor:
 * down to λ/3 when the model is trusted) and kept otherwise; it never rises
 * on an accepted step, since a step that lowered the loss is no evidence that
 * λ was too small (raising it there made relu training crawl). After a
 * rejected step λ grows from the λ that step used by ν, and ν doubles
 * (2, 4, 8, …) until a step is accepted, so a run of rejections climbs
 * geometrically fast.
 */
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
    if (gain > 0.5) this.current = Math.max(this.floor, this.current * Math.max(1 / 3, 1 - (2 * gain - 1) ** 3));
    this.growth = 2;
  }

  /** `used`: the λ of the rejected step (the full Hessian's may be above this damping's λ). */
  rejected(used: number): void {
    this.current = Math.max(this.current, used) * this.growth;
    this.growth *= 2;
  }
}

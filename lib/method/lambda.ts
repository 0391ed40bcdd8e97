/**
 * The regularization λ of SPEC §3: fixed, width-scaled λ₀·N^(−γ), or `auto`.
 * `auto` is the smallest λ ≥ λ_floor for which A = S + λI is positive
 * definite with a margin: λ = λ_floor + 1.1·max(0, −minᵢ λ_min(Sᵢ)), so that
 * the certificate minᵢ λ_min(Sᵢ + λI) is at least λ_floor and at least a
 * tenth of the most negative curvature (a nearly singular block would make
 * the step explode along its eigenvector). For Gauss–Newton, A = λI and
 * `auto` is λ_floor.
 */
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
  const lambda =
    policy === 'auto'
      ? autoLambda(system, hessian)
      : typeof policy === 'number'
        ? policy
        : policy.lambda0 * system.net.width ** -policy.gamma;
  return { lambda, certificate: system.certificate(lambda, hessian) };
}

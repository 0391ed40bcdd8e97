import { checkKernelStatus } from '../linalg/call.js';
import { native } from '../linalg/native.js';

/**
 * The activations of docs/math.md §1, with σ, σ′, σ″:
 *   tanh      σ = tanh u                 σ′ = 1 − σ²          σ″ = −2σσ′
 *   sigmoid   σ = 1/(1 + e^(−u))         σ′ = σ(1 − σ)        σ″ = σ′(1 − 2σ)
 *   sin       σ = sin u                  σ′ = cos u           σ″ = −sin u
 *   softplus  σ = log(1 + eᵘ)            σ′ = 1/(1 + e^(−u))  σ″ = σ′(1 − σ′)
 *   erf       σ = erf u                  σ′ = (2/√π)e^(−u²)   σ″ = −2uσ′
 *   relu      σ = max(u, 0)              σ′ = [u > 0]         σ″ = 0   (σ′(0) = 0)
 * They are evaluated natively (native/activations.cc, vectorized through
 * glibc's libmvec, ≤ 4 ulp): M·N of them per pass over the neurons. σ′ and σ″
 * of tanh and sigmoid are formed from e^(−|u|) and expm1(−|u|), not from
 * 1 − σ², which loses every digit as σ saturates.
 */
export const ACTIVATIONS = ['tanh', 'sigmoid', 'sin', 'softplus', 'erf', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const ONE = Float64Array.of(1);

/**
 * σ, σ′ and σ″ of every entry of `u`, written to `value`, `slope` and
 * `curvature` (each optional; same length as `u`).
 */
export function evaluate(
  activation: Activation,
  u: Float64Array,
  value: Float64Array | null,
  slope: Float64Array | null,
  curvature: Float64Array | null,
): void {
  if (u.length === 0) return;
  const status = native.activations(ACTIVATIONS.indexOf(activation), 1, u.length, 1, ONE, u, value, slope, curvature);
  checkKernelStatus('activations', status, `its workspace for ${u.length} entries`);
}

/**
 * σ, σ′ and σ″ at the pre-activations U = X̃·Wᵀ of nc neurons (W nc × k, row
 * major) at the m rows of X̃ (m × k): each output m × nc row-major, or null.
 * U is formed entry by entry (fused multiply-adds in the order of the k
 * inputs) and never stored. With `scaled`, also σ′ times the weight of its
 * column (`weights`, nc) into `scaled.out` (m × nc): one rounded product per
 * entry, as a separate pass over σ′ would form it.
 */
export function evaluateAt(
  activation: Activation,
  xt: Float64Array,
  m: number,
  w: Float64Array,
  nc: number,
  k: number,
  value: Float64Array | null,
  slope: Float64Array | null,
  curvature: Float64Array | null,
  scaled: { weights: Float64Array; out: Float64Array } | null = null,
): void {
  const status = native.activations(ACTIVATIONS.indexOf(activation), k, nc, m, xt, w, value, slope, curvature, scaled?.weights ?? null, scaled?.out ?? null);
  checkKernelStatus('activations', status, `Wᵀ, ${k}×${nc}`);
}

/**
 * σ″ from σ and σ′ where the fused pass itself forms it from them (tanh
 * σ″ = (−2σ)·σ′, sin σ″ = −σ, relu σ″ = 0: the same operations in the same
 * order, natively, so the same bits), written to `curvature`; false for the
 * others, whose σ″ needs u again.
 */
export function curvatureFrom(activation: Activation, value: Float64Array, slope: Float64Array, curvature: Float64Array): boolean {
  if (curvature.length === 0) return true;
  const status = native.curvaturefromfeatures(ACTIVATIONS.indexOf(activation), curvature.length, value, slope, curvature);
  if (status === 1) return false;
  checkKernelStatus('curvaturefromfeatures', status, 'nothing (it allocates none)');
  return true;
}

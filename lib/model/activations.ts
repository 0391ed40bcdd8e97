import { erf } from './erf.js';

export const ACTIVATIONS = ['tanh', 'sigmoid', 'sin', 'softplus', 'erf', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * σ, σ′ and σ″ of every entry of `u`, written to `value`, `slope` and
 * `curvature` (each optional; same length as `u`). One loop per activation
 * so that each derivative reuses what the others computed.
 */
export function evaluate(
  activation: Activation,
  u: Float64Array,
  value: Float64Array | null,
  slope: Float64Array | null,
  curvature: Float64Array | null,
): void {
  const n = u.length;
  switch (activation) {
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const t = Math.tanh(u[i]!);
        const d = 1 - t * t;
        if (value) value[i] = t;
        if (slope) slope[i] = d;
        if (curvature) curvature[i] = -2 * t * d;
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const s = logistic(u[i]!);
        const d = s * (1 - s);
        if (value) value[i] = s;
        if (slope) slope[i] = d;
        if (curvature) curvature[i] = d * (1 - 2 * s);
      }
      return;
    case 'sin':
      for (let i = 0; i < n; i++) {
        const s = Math.sin(u[i]!);
        if (value) value[i] = s;
        if (slope) slope[i] = Math.cos(u[i]!);
        if (curvature) curvature[i] = -s;
      }
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const x = u[i]!;
        const s = logistic(x);
        // log(1 + eˣ) without overflow for large x or loss of digits for very negative x.
        if (value) value[i] = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
        if (slope) slope[i] = s;
        if (curvature) curvature[i] = s * (1 - s);
      }
      return;
    case 'erf':
      for (let i = 0; i < n; i++) {
        const x = u[i]!;
        const g = TWO_OVER_SQRT_PI * Math.exp(-x * x);
        if (value) value[i] = erf(x);
        if (slope) slope[i] = g;
        if (curvature) curvature[i] = -2 * x * g;
      }
      return;
    case 'relu':
      // σ′(0) = 0 by convention (SPEC §1); σ″ = 0 everywhere.
      for (let i = 0; i < n; i++) {
        const x = u[i]!;
        if (value) value[i] = x > 0 ? x : 0;
        if (slope) slope[i] = x > 0 ? 1 : 0;
        if (curvature) curvature[i] = 0;
      }
      return;
  }
}

/** 1/(1 + e^(−x)), evaluated on the side where the exponential cannot overflow. */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

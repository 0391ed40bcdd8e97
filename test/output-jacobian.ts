/**
 * The Jacobian of a network of C outputs, assembled by the definition of
 * docs/math.md §8 for the tests: row j·C + k = ∂f_k(xⱼ)/∂θ with the blocks
 * θᵢ = [cᵢ (C), wᵢ, bᵢ], from the network's σ, σ′ of every neuron:
 *   ∂f_k/∂c_ik′ = N^(−β) δ_kk′ σᵢ(xⱼ),   ∂f_k/∂(wᵢ, bᵢ) = N^(−β) c_ik σ′ᵢ(xⱼ) x̃ⱼ.
 */
import { Matrix, type TwoLayerNetwork } from '../lib/index.js';

/** The (M·C)×P Jacobian of every neuron at the rows of X, by the definition. */
export function outputJacobian(net: TwoLayerNetwork, X: Matrix): Matrix {
  const xt = net.augment(X);
  const n = net.width;
  const C = net.outputs;
  const k = net.innerDim;
  const q = C + k;
  const m = X.rows;
  const { value, slope } = net.features(xt, 0, n, { value: true, slope: true });
  const s = net.scale;
  const J = new Matrix(m * C, n * q);
  for (let j = 0; j < m; j++) {
    for (let out = 0; out < C; out++) {
      const row = (j * C + out) * n * q;
      for (let i = 0; i < n; i++) {
        J.data[row + i * q + out] = s * value![j * n + i]!;
        const a = s * net.c[i * C + out]! * slope![j * n + i]!;
        for (let p = 0; p < k; p++) J.data[row + i * q + C + p] = a * xt.data[j * k + p]!;
      }
    }
  }
  return J;
}


/**
 * Networks of C = 3 outputs against the independent numpy reference
 * test/reference/multi_output.py (written from docs/math.md §8 alone), for
 * every activation with and without bias, with the round-off bounds it reports:
 * f, the Jacobian (assembled from jacobianBlock), g = Jᵀr/M, the blocks Sᵢ and
 * H, Hessian-vector products, the Newton directions of both paths and both
 * curvatures, and one training step (train with a fixed λ).
 */
import { describe, expect, it } from 'vitest';
import { gemm } from '../lib/linalg/blas.js';
import { syevd } from '../lib/linalg/eigen.js';
import { Matrix } from '../lib/linalg/matrix.js';
import { NewtonSystem } from '../lib/method/newton.js';
import { train } from '../lib/method/train.js';
import { ACTIVATIONS } from '../lib/model/activations.js';
import { TwoLayerNetwork } from '../lib/model/network.js';
import { EPS, multiOutputReference, norm, relativeDifference } from './multi-output-reference.js';
import { solveBound, type NewtonReference } from './newton-reference.js';
import { randomMatrix } from './random.js';

const C = 3;
const M = 6;

const unsolved = ACTIVATIONS.flatMap((activation, i) =>
  [true, false].map((bias) => {
    const net = TwoLayerNetwork.initialize({ width: 7, dim: 2, outputs: C, activation, bias }, { seed: 20 + 2 * i + Number(bias) });
    return { net, X: randomMatrix(M, 2, 40 + i), y: randomMatrix(M, C, 60 + i).data };
  }),
);
// λ: twice the certified `auto` λ plus a margin (A = S + λI positive definite: the kernel path applies).
const cases = multiOutputReference(unsolved).map(({ auto }, i) => ({ ...unsolved[i]!, lambda: { full: 2 * auto.lambda + 0.1, 'gauss-newton': 0.05 } }));
const references = multiOutputReference(cases);

/** J, (M·C)×P, from jacobianBlock over the neuron ranges [0, 3), [3, N). */
function jacobian(net: TwoLayerNetwork, X: Matrix): Float64Array {
  const xt = net.augment(X);
  const rows = X.rows * C;
  const q = net.blockSize;
  const P = net.parameterCount;
  const J = new Float64Array(rows * P);
  for (const [from, to] of [[0, 3], [3, net.width]] as const) {
    const block = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true }));
    const w = (to - from) * q;
    for (let r = 0; r < rows; r++) J.set(block.data.subarray(r * w, (r + 1) * w), r * P + from * q);
  }
  return J;
}

/** ‖A‖₂ of a symmetric P×P array. */
function spectralNorm(a: ArrayLike<number>, p: number): number {
  const { values } = syevd(new Matrix(p, p, Float64Array.from(a)), { vectors: false });
  return Math.max(Math.abs(values[0]!), Math.abs(values.at(-1)!));
}

describe.each(cases.map((c, i) => ({ ...c, ref: references[i]!, id: `${c.net.config.activation}/${c.net.config.bias ? 'bias' : 'nobias'}` })))('$id, C = 3, against numpy', ({ net, X, y, lambda, ref }) => {
  const P = net.parameterCount;
  const N = net.width;
  const q = net.blockSize;
  const rows = M * C;

  it('f(X) (sample-major) is numpy’s within (N + 16)ε·|ρ| on each side', () => {
    expect(relativeDifference(net.predict(X), ref.f)).toBeLessThanOrEqual(2 * (N + 16) * EPS * (norm(ref.rho) / norm(ref.f)));
  });

  it('the Jacobian is numpy’s within a few roundings of each entry’s product', () => {
    // Each entry is s·σ or s·c_ik·σ′·x̃ₚ (the pre-activation a (d + 1)-term sum, σ′ a few ulps): 32ε relative.
    expect(relativeDifference(jacobian(net, X), ref.J)).toBeLessThanOrEqual(2 * 32 * EPS);
  });

  it('g = Jᵀr/M is numpy’s within (M·C + N + 16)ε·‖J‖‖ρ‖/M on each side', () => {
    const g = new NewtonSystem(net, X, y).gradient();
    expect(relativeDifference(g, ref.gradient)).toBeLessThanOrEqual((2 * (rows + N + 16) * EPS * ref.jacobianNorm * norm(ref.rho)) / (M * norm(ref.gradient)));
  });

  it('the blocks Sᵢ, H = JᵀJ/M + S and H·u are numpy’s within the perturbation bound η_A·‖H + λI‖₂ it reports', () => {
    const e = ref.full!;
    const system = new NewtonSystem(net, X, y);
    const { blocks } = system.curvature;
    const shifted = Float64Array.from(ref.hessian);
    for (let p = 0; p < P; p++) shifted[p * P + p] = shifted[p * P + p]! + lambda.full;
    const bound = 2 * e.etaA * spectralNorm(shifted, P);
    expect(norm(blocks.map((v, t) => v - ref.sBlocks[Math.floor(t / (q * q))]![t % (q * q)]!))).toBeLessThanOrEqual(bound);
    const J = new Matrix(rows, P, jacobian(net, X));
    const H = gemm(J, J, { transA: true, alpha: 1 / M }).data;
    for (let i = 0; i < N; i++) for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) H[(i * q + a) * P + i * q + b] = H[(i * q + a) * P + i * q + b]! + blocks[i * q * q + a * q + b]!;
    expect(norm(H.map((v, t) => v - ref.hessian[t]!))).toBeLessThanOrEqual(bound);
    const u = randomMatrix(1, P, 5).data;
    const expected = gemm(new Matrix(P, P, Float64Array.from(ref.hessian)), new Matrix(P, 1, u)).data;
    // H·u by products with J: the same perturbation of H, and the products' own P + M·C roundings.
    const hu = system.hessianTimes(u, 'full');
    expect(norm(hu.map((v, p) => v - expected[p]!))).toBeLessThanOrEqual((bound + 2 * (P + rows + 16) * EPS * spectralNorm(shifted, P)) * norm(u));
  });

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`${hessian}: the dense and kernel directions are numpy’s (H + λI)⁻¹g within 2κ(η_A + η_g + 4Pε)`, () => {
      const e = ref[hessian]!;
      const system = new NewtonSystem(net, X, y);
      const tolerance = 2 * solveBound(e as unknown as NewtonReference, P);
      expect(tolerance).toBeLessThan(1e-6);
      for (const path of ['dense', 'kernel'] as const) {
        const { direction } = system.direction(lambda[hessian], hessian, path);
        expect(relativeDifference(direction, e.direction), path).toBeLessThanOrEqual(tolerance + (path === 'kernel' ? e.agreementBound! : 0));
      }
    });

    it(`${hessian}: one training step with λ fixed moves θ by numpy’s direction`, () => {
      const e = ref[hessian]!;
      const theta = net.parameters();
      const tolerance = 2 * solveBound(e as unknown as NewtonReference, P) + e.agreementBound!;
      for (const path of ['dense', 'kernel'] as const) {
        const moved = train(net, X, y, { hessian, path, lambda: lambda[hessian], damping: 'none', maxSteps: 1, tol: 1e-300 }).net.parameters();
        const step = theta.map((v, p) => v - moved[p]!);
        // θ − δ rounds each entry once more (u|θ_p|), then the step is read back by one subtraction.
        expect(relativeDifference(step, e.direction), path).toBeLessThanOrEqual(tolerance + (2 * EPS * norm(theta)) / e.directionNorm);
      }
    });
  }
});

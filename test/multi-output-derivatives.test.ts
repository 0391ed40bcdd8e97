/**
 * Derivatives and Newton directions of networks of C > 1 outputs
 * (docs/math.md §8), independent of any reference implementation:
 *
 * 1. J (assembled from jacobianBlock over uneven neuron ranges, rows
 *    sample-major) against central differences of predict, for C = 3, every
 *    activation, with and without bias;
 * 2. H = JᵀJ/M + blockdiag(S) against central differences of g = Jᵀr/M (relu
 *    excluded: its second derivative is not the one of a smooth σ);
 * 3. Jᵀv, J·v, the Hessian-vector product and J·Jᵀ against products with that
 *    explicit J, within the round-off of their sums;
 * 4. the dense and kernel Newton directions, full Hessian and Gauss–Newton,
 *    against each other and against (H + λI)δ = g, within κ(H + λI) times
 *    the round-off of forming and solving the systems; `auto` λ certifies
 *    A = S + λI; the kernel path's memory guard counts (M·C)².
 */
import { describe, expect, it } from 'vitest';
import { MemoryLimitError } from '../lib/errors.js';
import { gemm } from '../lib/linalg/blas.js';
import { syevd } from '../lib/linalg/eigen.js';
import { Matrix } from '../lib/linalg/matrix.js';
import { jacobianGram, jacobianTimes, jacobianTransposeTimes } from '../lib/method/jacobian.js';
import { chooseLambda } from '../lib/method/lambda.js';
import { NewtonSystem, type Hessian } from '../lib/method/newton.js';
import { ACTIVATIONS, type Activation } from '../lib/model/activations.js';
import { TwoLayerNetwork } from '../lib/model/network.js';
import { randomMatrix } from './random.js';
import { gamma, normInf, U } from './tolerance.js';

const C = 3;

interface Case {
  id: string;
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  activation: Activation;
}

/** Points whose pre-activations all keep |u| ≥ 0.05 (relu's kink lies far beyond the steps' |Δu| < 1e-4). */
function inputs(net: TwoLayerNetwork, m: number, seed: number): Matrix {
  const X = randomMatrix(m, net.config.dim, seed);
  const xt = net.augment(X);
  const k = net.innerDim;
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < net.width; i++) {
      let u = 0;
      for (let p = 0; p < k; p++) u += net.inner[i * k + p]! * xt.data[j * k + p]!;
      if (Math.abs(u) < 0.05) return inputs(net, m, seed + 1000);
    }
  }
  return X;
}

const cases: Case[] = [];
for (const activation of ACTIVATIONS) {
  for (const bias of [true, false]) {
    const net = TwoLayerNetwork.initialize({ width: 5, dim: 2, outputs: C, activation, bias, beta: bias ? 0.5 : 1 }, { seed: cases.length + 3 });
    const X = inputs(net, 4, 50 + cases.length);
    cases.push({ id: `${activation}/${bias ? 'bias' : 'nobias'}`, net, X, y: randomMatrix(4, C, 80 + cases.length).data, activation });
  }
}

/** J, (M·C) × P, from jacobianBlock over the neuron ranges [0, 2), [2, N). */
function jacobian(net: TwoLayerNetwork, X: Matrix): Matrix {
  const xt = net.augment(X);
  const rows = X.rows * net.outputs;
  const q = net.blockSize;
  const P = net.parameterCount;
  const J = new Matrix(rows, P);
  for (const [from, to] of [[0, 2], [2, net.width]] as const) {
    const block = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true }));
    const w = (to - from) * q;
    expect([block.rows, block.cols]).toEqual([rows, w]);
    for (let r = 0; r < rows; r++) J.data.set(block.data.subarray(r * w, (r + 1) * w), r * P + from * q);
  }
  return J;
}

/** H = JᵀJ/M + blockdiag(S) (P×P; JᵀJ/M alone for Gauss–Newton) from the explicit J. */
function hessian(net: TwoLayerNetwork, X: Matrix, y: Float64Array, kind: Hessian): Float64Array {
  const system = new NewtonSystem(net, X, y);
  const J = jacobian(net, X);
  const P = net.parameterCount;
  const q = net.blockSize;
  const H = gemm(J, J, { transA: true, alpha: 1 / X.rows }).data;
  if (kind === 'full') {
    const { blocks } = system.curvature;
    for (let i = 0; i < net.width; i++) {
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) H[(i * q + a) * P + i * q + b] = H[(i * q + a) * P + i * q + b]! + blocks[i * q * q + a * q + b]!;
    }
  }
  return H;
}

/** The network at θ + h·e_p, and the θ_p it actually has. */
function nudged(net: TwoLayerNetwork, p: number, h: number): { net: TwoLayerNetwork; theta: number } {
  const e = new Float64Array(net.parameterCount);
  e[p] = 1;
  const moved = net.moved(e, -h);
  return { net: moved, theta: moved.parameters()[p]! };
}

/** The step of model.test.ts's finite differences: 1e-6·max(1, |θ_p|). */
const stepFor = (theta: number): number => 1e-6 * Math.max(1, Math.abs(theta));

function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e / normInf(b);
}

/** |A|·|v| entry by entry: the scale of the round-off of A·v. */
function absoluteProduct(A: Matrix, v: Float64Array, transpose: boolean): Float64Array {
  const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
  return gemm(new Matrix(A.rows, A.cols, abs(A.data)), new Matrix(v.length, 1, abs(v)), { transA: transpose }).data;
}

describe.each(cases)('$id, C = 3: finite differences', (c) => {
  const { net, X, y } = c;
  const P = net.parameterCount;
  const rows = X.rows * C;

  // The bounds of model.test.ts's single-output differences, whose analysis holds entry by entry for
  // each output: truncation (h²/6)|∂³f/∂θ³| ≲ 1e-12 relative, round-off ε·|f|/h ≈ 1e-9 relative.
  it('jacobianBlock (rows j·C + k) equals central differences of predict to relative 1e-7', () => {
    const J = jacobian(net, X);
    const theta = net.parameters();
    const Jfd = new Float64Array(rows * P);
    for (let p = 0; p < P; p++) {
      const plus = nudged(net, p, stepFor(theta[p]!));
      const minus = nudged(net, p, -stepFor(theta[p]!));
      const fp = plus.net.predict(X);
      const fm = minus.net.predict(X);
      for (let r = 0; r < rows; r++) Jfd[r * P + p] = (fp[r]! - fm[r]!) / (plus.theta - minus.theta);
    }
    expect(relativeMaxError(Jfd, J.data)).toBeLessThanOrEqual(1e-7);
  });

  it.skipIf(c.activation === 'relu')('JᵀJ/M + blockdiag(S) equals central differences of g = Jᵀr/M to relative 1e-6', () => {
    const H = hessian(net, X, y, 'full');
    const theta = net.parameters();
    const Hfd = new Float64Array(P * P);
    for (let p = 0; p < P; p++) {
      const plus = nudged(net, p, stepFor(theta[p]!));
      const minus = nudged(net, p, -stepFor(theta[p]!));
      const gp = new NewtonSystem(plus.net, X, y).gradient();
      const gm = new NewtonSystem(minus.net, X, y).gradient();
      for (let a = 0; a < P; a++) Hfd[a * P + p] = (gp[a]! - gm[a]!) / (plus.theta - minus.theta);
    }
    expect(relativeMaxError(Hfd, H)).toBeLessThanOrEqual(1e-6);
  });
});

describe.each(cases)('$id, C = 3: products with J', (c) => {
  const { net, X, y } = c;
  const P = net.parameterCount;
  const rows = X.rows * C;
  const xt = net.augment(X);

  // Each entry of a product with J sums at most max(P, M·C) terms of the entries of J (themselves within
  // a few ulps, 8u), so both sides are within (γ_n + 8u)·(|J||v|) of the exact product.
  it('Jᵀv and J·u equal the products with the explicit J within their sums’ round-off', () => {
    const J = jacobian(net, X);
    const v = randomMatrix(1, rows, 7).data;
    const u = randomMatrix(1, P, 8).data;
    const jtv = jacobianTransposeTimes(net, xt, v);
    const ju = jacobianTimes(net, xt, u);
    const expectedT = gemm(J, new Matrix(rows, 1, v), { transA: true }).data;
    const expected = gemm(J, new Matrix(P, 1, u)).data;
    const sizeT = absoluteProduct(J, v, true);
    const size = absoluteProduct(J, u, false);
    const unit = 2 * (gamma(Math.max(P, rows)) + 8 * U);
    for (let p = 0; p < P; p++) expect(Math.abs(jtv[p]! - expectedT[p]!)).toBeLessThanOrEqual(unit * sizeT[p]!);
    for (let r = 0; r < rows; r++) expect(Math.abs(ju[r]! - expected[r]!)).toBeLessThanOrEqual(unit * size[r]!);
  });

  it('J·Jᵀ is the (M·C)×(M·C) Gram of the explicit J, symmetric, within the round-off of P-term sums', () => {
    const J = jacobian(net, X);
    const gram = jacobianGram(net, xt);
    const expected = gemm(J, J, { transB: true }).data;
    const abs = new Matrix(rows, P, Float64Array.from(J.data, Math.abs));
    const size = gemm(abs, abs, { transB: true }).data;
    expect([gram.rows, gram.cols]).toEqual([rows, rows]);
    const unit = 2 * (gamma(P) + 16 * U);
    for (let e = 0; e < expected.length; e++) expect(Math.abs(gram.data[e]! - expected[e]!)).toBeLessThanOrEqual(unit * size[e]!);
    for (let a = 0; a < rows; a++) for (let b = 0; b < a; b++) expect(gram.data[a * rows + b]).toBe(gram.data[b * rows + a]);
  });

  it('the Hessian-vector product is (JᵀJ/M + blockdiag(S) + λI)·u with the explicit J and S', () => {
    const system = new NewtonSystem(net, X, y);
    const u = randomMatrix(1, P, 9).data;
    for (const kind of ['full', 'gauss-newton'] as const) {
      const H = new Matrix(P, P, hessian(net, X, y, kind));
      for (let p = 0; p < P; p++) H.data[p * P + p] = H.data[p * P + p]! + 0.5;
      const expected = gemm(H, new Matrix(P, 1, u)).data;
      const hu = system.hessianTimes(u, kind, 0.5);
      // Two P-term and one M·C-term sums deep; the explicit H's own entries are P-term sums of J and S.
      const size = absoluteProduct(new Matrix(P, P, Float64Array.from(H.data, Math.abs)), u, false);
      const unit = 4 * (gamma(P + rows) + 16 * U);
      for (let p = 0; p < P; p++) expect(Math.abs(hu[p]! - expected[p]!)).toBeLessThanOrEqual(unit * Math.max(size[p]!, normInf(size)));
    }
  });
});

describe.each(cases)('$id, C = 3: Newton directions', (c) => {
  const { net, X, y } = c;
  const P = net.parameterCount;
  const rows = X.rows * C;

  for (const kind of ['full', 'gauss-newton'] as const) {
    it(`${kind}: the dense and kernel paths agree within κ(H + λI)·(P + M·C)·ε and solve (H + λI)δ = g`, () => {
      const system = new NewtonSystem(net, X, y);
      const lambda = kind === 'full' ? 2 * chooseLambda('auto', system, 'full').lambda + 1e-3 : 1e-3;
      const dense = system.direction(lambda, kind, 'dense');
      const kernel = system.direction(lambda, kind, 'kernel');
      const H = new Matrix(P, P, hessian(net, X, y, kind));
      for (let p = 0; p < P; p++) H.data[p * P + p] = H.data[p * P + p]! + lambda;
      const { values } = syevd(H.clone(), { vectors: false });
      const kappa = Math.abs(values.at(-1)! / values[0]!);
      // A solve of a system formed within (P + M·C)·u relative is within κ times that (Higham, Thm 7.2).
      const tolerance = 2 * kappa * gamma(4 * (P + rows + 16));
      const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
      expect(norm(dense.direction.map((v, p) => v - kernel.direction[p]!)) / norm(dense.direction)).toBeLessThanOrEqual(tolerance);
      // Backward error: the dense δ solves a system within (P + M·C)·u of (H + λI)δ = g, in norm.
      const g = system.gradient();
      const hd = gemm(H, new Matrix(P, 1, dense.direction)).data;
      const backward = 2 * gamma(4 * (P + rows + 16)) * (values.at(-1)! * norm(dense.direction) + norm(g));
      expect(norm(hd.map((v, p) => v - g[p]!))).toBeLessThanOrEqual(backward);
      expect(Math.abs(kernel.gradientDot - dense.gradientDot)).toBeLessThanOrEqual(4 * tolerance * Math.abs(dense.gradientDot));
    });
  }

  it("'auto' λ certifies A = S + λI positive definite and the kernel path factors it", () => {
    const system = new NewtonSystem(net, X, y);
    const { lambda, certificate } = chooseLambda('auto', system, 'full');
    expect(certificate).toBeGreaterThan(0);
    expect(certificate).toBe(system.curvature.minEigenvalue + lambda);
    expect(() => system.direction(lambda, 'full', 'kernel')).not.toThrow();
  });
});

describe('the kernel path of C outputs', () => {
  it('refuses before allocating when its (M·C)×(M·C) matrices exceed the memory, naming C', () => {
    // M = 30 000 points of C = 4 outputs: three (M·C)² float64 matrices are 346 GB.
    const net = TwoLayerNetwork.initialize({ width: 2, dim: 1, outputs: 4 });
    const X = new Matrix(30_000, 1, Float64Array.from({ length: 30_000 }, (_, j) => j / 30_000));
    const system = new NewtonSystem(net, X, new Float64Array(120_000));
    expect(() => system.kernelSystem(1, 'gauss-newton')).toThrow(MemoryLimitError);
    expect(() => system.kernelSystem(1, 'full')).toThrow(/kernel path at M = 30000, C = 4/);
  });
});

/**
 * The identities of docs/math.md §3–4 on small random cases, against the independent
 * numpy implementation of test/reference/newton_reference.py (f, J, S, H, g
 * from test/reference/two_layer.py, written from docs/math.md alone; the solves
 * and eigenvalues by numpy), with tolerances from the round-off bounds it
 * reports (κ, the perturbations of H + λI and g):
 * - the dense and kernel Newton paths give numpy's δ = (H + λI)⁻¹g;
 * - the structured 𝒦_GD equals numpy's J·Jᵀ/M;
 * - 𝒦_N equals numpy's J·(H + λI)⁻¹·Jᵀ/M, and so do the cross-kernels;
 * - Gauss–Newton NNTK eigenvalues lie in (0, 1);
 * - `auto` λ is docs/math.md §3's rule applied to numpy's minᵢ λ_min(Sᵢ), and its
 *   certificate is numpy's minᵢ λ_min(Sᵢ + λI);
 * - project and stepFactors compute Vᵀv and 1 − step·μ.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  chooseLambda,
  limitKernel,
  MemoryLimitError,
  Matrix,
  NewtonSystem,
  kernel,
  project,
  spectrum,
  stepFactors,
  train,
  TwoLayerNetwork,
  type Activation,
  type Hessian,
  type NetworkConfig,
} from '../lib/index.js';
import { Workspace } from '../lib/linalg/workspace.js';
import { jacobianGram } from '../lib/method/jacobian.js';
import { EPS, newtonReference, relativeDifference, solveBound, type NewtonReference } from './newton-reference.js';
import { randomMatrix } from './random.js';

interface Case {
  name: string;
  config: NetworkConfig;
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  Xstar: Matrix;
  lambda: Record<Hessian, number>;
}

/** λ for the tests: twice the certified `auto` λ of the full Hessian (well inside the positive-definite range), 1e-3 for Gauss–Newton. */
function testLambda(net: TwoLayerNetwork, X: Matrix, y: Float64Array): Record<Hessian, number> {
  return { full: 2 * chooseLambda('auto', new NewtonSystem(net, X, y), 'full').lambda + 1e-3, 'gauss-newton': 1e-3 };
}

const cases: Case[] = [];
for (const activation of ACTIVATIONS) {
  for (const bias of [true, false]) {
    const beta = bias ? 0.5 : 1;
    const config: NetworkConfig = { width: 40, dim: 3, activation: activation as Activation, beta, bias };
    const net = TwoLayerNetwork.initialize(config, { seed: cases.length + 1 });
    const X = randomMatrix(12, 3, 100 + cases.length);
    for (let i = 0; i < X.data.length; i++) X.data[i] = 3 * X.data[i]!;
    const y = randomMatrix(1, 12, 200 + cases.length).data;
    // Test points: the first rows of X shifted.
    const Xstar = new Matrix(4, 3, X.data.slice(0, 12).map((v) => v + 0.3));
    cases.push({ name: `${activation}, ${bias ? 'bias' : 'no bias'}, β = ${beta}`, config, net, X, y, Xstar, lambda: testLambda(net, X, y) });
  }
}
// Blocks past the unrolled whitening kernels (q ≤ 10): the kernel path then whitens by the gemm with the
// panel of the Lᵢ⁻ᵀ (q = 32 with bias, q = 65 without: the digits' d = 64), inputs scaled to |x| ≈ 1.
for (const [activation, dim, bias] of [['tanh', 30, true], ['sin', 64, false]] as const) {
  const config: NetworkConfig = { width: 10, dim, activation, beta: 0.5, bias };
  const net = TwoLayerNetwork.initialize(config, { seed: cases.length + 1 });
  const X = randomMatrix(14, dim, 100 + cases.length);
  for (let i = 0; i < X.data.length; i++) X.data[i] = (3 / Math.sqrt(dim)) * X.data[i]!;
  const y = randomMatrix(1, 14, 200 + cases.length).data;
  const Xstar = new Matrix(4, dim, X.data.slice(0, 4 * dim).map((v) => v + 0.3 / Math.sqrt(dim)));
  cases.push({ name: `${activation}, d = ${dim}, ${bias ? 'bias' : 'no bias'} (q = ${net.blockSize})`, config, net, X, y, Xstar, lambda: testLambda(net, X, y) });
}
const references = newtonReference(cases);
const referenceOf = (c: Case) => references[cases.indexOf(c)]!;

describe.each(cases)('$name', (c) => {
  const P = c.net.parameterCount;
  const M = c.X.rows;
  const newton = (hessian: Hessian): NewtonReference => referenceOf(c)[hessian]!;

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`${hessian}: dense and kernel Newton directions equal numpy's (H + λI)⁻¹g within the forward-error bound`, () => {
      const ref = newton(hessian);
      const system = new NewtonSystem(c.net, c.X, c.y);
      const dense = system.direction(c.lambda[hessian], hessian, 'dense');
      const kernel = system.direction(c.lambda[hessian], hessian, 'kernel');
      // Two implementations, each within κ(η_A + η_g + 4Pε) of the exact δ.
      const tolerance = 2 * solveBound(ref, P);
      expect(tolerance).toBeLessThan(1e-6);
      expect(relativeDifference(dense.direction, ref.direction)).toBeLessThanOrEqual(tolerance);
      expect(relativeDifference(kernel.direction, ref.direction)).toBeLessThanOrEqual(tolerance);
      // gᵀδ: |Δ(gᵀδ)| ≤ ‖g‖‖Δδ‖ + ‖Δg‖‖δ‖, and gᵀδ = gᵀA⁻¹g ≥ ‖g‖‖δ‖/κ.
      const dotTolerance = ref.kappa * (tolerance + 2 * ref.etaG) * Math.abs(ref.gradientDot);
      expect(Math.abs(dense.gradientDot - ref.gradientDot)).toBeLessThanOrEqual(dotTolerance);
      expect(Math.abs(kernel.gradientDot - ref.gradientDot)).toBeLessThanOrEqual(dotTolerance);
    });
  }

  it('the structured 𝒦_GD equals numpy’s J·Jᵀ/M within the bound of a P-term sum', () => {
    // Each entry sums P products: within (P + 16)ε·(|J||J|ᵀ/M) in either implementation.
    expect(relativeDifference(kernel(c.net, c.X).kernel.data, referenceOf(c).ntk)).toBeLessThanOrEqual(2 * referenceOf(c).ntkError);
  });

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`${hessian}: 𝒦_N equals numpy's J·(H + λI)⁻¹·Jᵀ/M within the forward-error bound`, () => {
      const ref = newton(hessian);
      const { kernel: K } = kernel(c.net, c.X, { kind: 'nntk', lambda: c.lambda[hessian], hessian, y: c.y });
      // The solve's relative error, grown by ‖J‖²‖A⁻¹‖/(M‖𝒦_N‖), plus J's own (M + 16)ε on each side.
      const tolerance = 2 * ref.kernelAmplification * (solveBound(ref, P) + 2 * (M + 16) * EPS);
      expect(relativeDifference(K.data, ref.kernel)).toBeLessThanOrEqual(tolerance);
    });
  }

  it('Gauss–Newton NNTK eigenvalues lie in (0, 1) and equal μ/(μ + λ) of 𝒦_GD', () => {
    for (const lambda of [1e-6, 1e-3, 1]) {
      const { values } = spectrum(kernel(c.net, c.X, { kind: 'nntk', lambda, hessian: 'gauss-newton' }).kernel, { vectors: false });
      const gd = spectrum(kernel(c.net, c.X).kernel, { vectors: false }).values;
      for (let i = 0; i < values.length; i++) {
        expect(values[i]).toBeGreaterThan(0);
        expect(values[i]).toBeLessThan(1);
        const mu = Math.max(gd[i]!, 0);
        // Weyl: both spectra are exact to c·M·ε of their norms (≤ 1 for 𝒦_N); μ/(μ+λ) has derivative ≤ 1/λ in μ.
        expect(Math.abs(values[i]! - mu / (mu + lambda))).toBeLessThanOrEqual(16 * M * EPS * (1 + gd.at(-1)! / lambda));
      }
    }
  });

  it('`auto` λ is λ_floor + 1.1·max(0, −minᵢ λ_min(Sᵢ)) of numpy’s S, and its certificate numpy’s minᵢ λ_min(Sᵢ + λI)', () => {
    const { auto } = referenceOf(c);
    const system = new NewtonSystem(c.net, c.X, c.y);
    const { lambda, certificate } = chooseLambda('auto', system, 'full');
    // μ is within curvatureError in either implementation (Weyl); λ carries 1.1 of it, the certificate 2.1.
    expect(Math.abs(lambda - auto.lambda)).toBeLessThanOrEqual(2 * 1.1 * auto.curvatureError + EPS * auto.lambda);
    expect(Math.abs(certificate - auto.certificate)).toBeLessThanOrEqual(2 * 2.1 * auto.curvatureError + 2 * EPS * auto.lambda);
    expect(() => system.direction(lambda, 'full', 'kernel')).not.toThrow();
  });

  it('the certificate at a fixed λ is numpy’s minᵢ λ_min(Sᵢ + λI) (full) or λ (Gauss–Newton)', () => {
    const system = new NewtonSystem(c.net, c.X, c.y);
    const { auto } = referenceOf(c);
    for (const hessian of ['full', 'gauss-newton'] as const) {
      // Weyl, as for `auto`: each implementation within curvatureError of the exact value.
      const tolerance = hessian === 'full' ? 2 * auto.curvatureError + 2 * EPS * c.lambda.full : 0;
      expect(Math.abs(system.certificate(c.lambda[hessian], hessian) - newton(hessian).certificate)).toBeLessThanOrEqual(tolerance);
    }
  });

  it('cross-kernels at X* = X equal the kernels, and at other points equal numpy’s J*·Jᵀ/M and J*·(H + λI)⁻¹·Jᵀ/M', () => {
    const ref = newton('full');
    const options = { kind: 'nntk' as const, lambda: c.lambda.full, hessian: 'full' as const, y: c.y };
    // Same sums as the square kernels, taken in another order.
    expect(relativeDifference(kernel(c.net, c.X, c.X).kernel.data, kernel(c.net, c.X).kernel.data)).toBeLessThanOrEqual(2 * referenceOf(c).ntkError);
    const solve = 2 * ref.kernelAmplification * (solveBound(ref, P) + 2 * (M + 16) * EPS);
    expect(relativeDifference(kernel(c.net, c.X, c.X, options).kernel.data, kernel(c.net, c.X, options).kernel.data)).toBeLessThanOrEqual(solve);
    // At X*: the same bounds with J* in place of one J.
    expect(relativeDifference(kernel(c.net, c.Xstar, c.X).kernel.data, ref.ntkCross!)).toBeLessThanOrEqual(2 * ref.ntkCrossError!);
    const crossSolve = 2 * ref.crossAmplification! * (solveBound(ref, P) + 2 * (M + 16) * EPS);
    expect(relativeDifference(kernel(c.net, c.Xstar, c.X, options).kernel.data, ref.cross!)).toBeLessThanOrEqual(crossSolve);
  });
});

describe('auto λ on harder cases (σ_w up to 5.75, targets ×10)', () => {
  const hard = Array.from({ length: 20 }, (_, seed) => {
    const activation = ACTIVATIONS[seed % ACTIVATIONS.length]!;
    const net = TwoLayerNetwork.initialize({ width: 64, dim: 2, activation, beta: 0.5, bias: true }, { seed, sigmaW: 1 + seed / 4 });
    const X = randomMatrix(16, 2, 300 + seed);
    const y = randomMatrix(1, 16, 400 + seed).data.map((v) => 10 * v);
    return { seed, activation, net, X, y };
  });
  const hardReferences = newtonReference(hard);

  it.each(hard.map((h, i) => ({ ...h, ref: hardReferences[i]!.auto })))('seed $seed, $activation: λ and certificate equal numpy’s, and the kernel path factors every block', ({ net, X, y, ref }) => {
    const system = new NewtonSystem(net, X, y);
    const { lambda, certificate } = chooseLambda('auto', system, 'full');
    // As above: μ within curvatureError in each implementation.
    expect(Math.abs(lambda - ref.lambda)).toBeLessThanOrEqual(2 * 1.1 * ref.curvatureError + EPS * ref.lambda);
    expect(Math.abs(certificate - ref.certificate)).toBeLessThanOrEqual(2 * 2.1 * ref.curvatureError + 2 * EPS * ref.lambda);
    expect(() => system.direction(lambda, 'full', 'kernel')).not.toThrow();
  });

  it('the cases include indefinite S (where the margin matters), for every activation (the c–w cross terms make every Sᵢ with a non-zero first row indefinite)', () => {
    const indefinite = hard.filter((_, i) => hardReferences[i]!.auto.minEigenvalue < 0).map((h) => h.activation);
    expect(new Set(indefinite)).toEqual(new Set(ACTIVATIONS));
  });
});

describe('project and stepFactors', () => {
  it('project(V, v) = Vᵀv: the coordinates of v in an orthonormal basis, so Σ coordinate·row = v and |coordinates| = |v|', () => {
    // The eigenvectors of a random symmetric matrix: an orthonormal basis computed independently of project.
    const n = 7;
    const A = randomMatrix(n, n, 11);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[j * n + i] = A.data[i * n + j]!;
    const { vectors } = spectrum(A);
    const v = randomMatrix(1, n, 12).data;
    const coordinates = project(vectors!, v);
    expect(coordinates.length).toBe(n);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += vectors!.data[k * n + j]! * v[j]!;
      // Identical sums in the same order.
      expect(coordinates[k]).toBe(s);
    }
    const rebuilt = new Float64Array(n);
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) rebuilt[j] = rebuilt[j]! + coordinates[k]! * vectors!.data[k * n + j]!;
    // V is orthonormal to c·n·ε, so VᵀVv = v to that, relative to |v|.
    expect(relativeDifference(rebuilt, v)).toBeLessThanOrEqual(16 * n * EPS);
    const norm = (a: Float64Array) => Math.hypot(...a);
    expect(Math.abs(norm(coordinates) - norm(v))).toBeLessThanOrEqual(16 * n * EPS * norm(v));
  });

  it('project of a basis vector picks its row exactly; a non-square basis (k rows) gives k coordinates', () => {
    const V = Matrix.from([[0.6, 0.8, 0], [0, 0, 1]]);
    expect(Array.from(project(V, Float64Array.from([0.6, 0.8, 0])))).toEqual([0.6 * 0.6 + 0.8 * 0.8, 0]);
    expect(Array.from(project(V, Float64Array.from([0, 0, 2])))).toEqual([0, 2]);
  });

  it('project rejects a vector of the wrong length or type with RangeError, a non-matrix with TypeError', () => {
    const V = Matrix.from([[1, 0], [0, 1]]);
    expect(() => project(V, new Float64Array(3))).toThrow(RangeError);
    expect(() => project(V, [1, 0] as unknown as Float64Array)).toThrow(RangeError);
    expect(() => project({ rows: 2, cols: 2, data: [1, 0, 0, 1] } as unknown as Matrix, new Float64Array(2))).toThrow(TypeError);
  });

  it('stepFactors(μ, η) = 1 − η·μ per mode: 0 at μ = 1/η, negative (oscillating) beyond, 1 at μ = 0', () => {
    const values = Float64Array.from([0, 0.25, 0.5, 1, 1.5]);
    expect(Array.from(stepFactors(values, 2))).toEqual([1, 0.5, 0, -1, -2]);
    // The input is not modified.
    expect(Array.from(values)).toEqual([0, 0.25, 0.5, 1, 1.5]);
    // Newton with α = 1 on the Gauss–Newton 𝒦_N = μ/(μ + λ): the factor is λ/(μ + λ), in (0, 1).
    const mu = Float64Array.from([1e-8, 1e-3, 0.3]);
    const lambda = 1e-3;
    const factors = stepFactors(mu.map((m) => m / (m + lambda)), 1);
    for (let k = 0; k < mu.length; k++) expect(factors[k]).toBeCloseTo(lambda / (mu[k]! + lambda), 15);
  });

  it('stepFactors rejects a step that is not a finite number > 0 with RangeError', () => {
    for (const step of [0, -1, Number.NaN, Infinity]) expect(() => stepFactors(new Float64Array(2), step), String(step)).toThrow(RangeError);
  });
});

describe('M = 0: no points', () => {
  // An empty Matrix is valid (the LAPACK layer accepts it), but the model needs at least one point:
  // the loss divides by M, and a kernel or system of no points has nothing to say.
  const empty = (cols: number) => new Matrix(0, cols);
  const net = TwoLayerNetwork.initialize({ width: 4, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 1 });
  const X = randomMatrix(3, 2, 5);
  const y = randomMatrix(1, 3, 6).data;
  const none = new Float64Array(0);

  it.each([
    ['predict', () => net.predict(empty(2)), /network: X must have at least one row \(point\), got 0×2/],
    ['kernel ntk', () => kernel(net, empty(2)), /kernel: X1 must have at least one row/],
    ['kernel nntk', () => kernel(net, empty(2), { kind: 'nntk', lambda: 1, hessian: 'gauss-newton' }), /kernel: X1 must have at least one row/],
    ['kernel ntk, no test points', () => kernel(net, empty(2), X), /kernel: X1 must have at least one row/],
    ['kernel ntk, no training points', () => kernel(net, X, empty(2)), /kernel: X2 must have at least one row/],
    ['kernel nntk, no test points', () => kernel(net, empty(2), X, { kind: 'nntk', lambda: 1, hessian: 'full', y }), /kernel: X1 must have at least one row/],
    ['NewtonSystem', () => new NewtonSystem(net, empty(2), none), /newton: X must have at least one row/],
    ['train', () => train(net, empty(2), none, { method: 'gd' }), /train: X must have at least one row/],
  ] as const)('%s: RangeError naming the empty array', (_, call, message) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  });

  it('the limit kernels of no points are empty: 0×0, and 0×M or M×0 across (they need no network and no loss)', () => {
    const shape = (k: Matrix) => [k.rows, k.cols];
    expect(shape(limitKernel(empty(2), { activation: 'erf' }).kernel)).toEqual([0, 0]);
    expect(shape(limitKernel(X, empty(2), { activation: 'erf' }).kernel)).toEqual([3, 0]);
    expect(shape(limitKernel(empty(2), X, { activation: 'erf' }).kernel)).toEqual([0, 3]);
  });

  it('the spectrum of a 0×0 kernel is empty, and so is the projection on no eigenvectors (valid empty results)', () => {
    const s = spectrum(empty(0));
    expect([s.values.length, s.vectors?.rows, s.vectors?.cols]).toEqual([0, 0, 0]);
    expect(project(empty(2), new Float64Array(2))).toEqual(new Float64Array(0));
  });

  it('stepFactors of no eigenvalues is the empty array (a valid empty spectrum, nothing to refuse)', () => {
    expect(stepFactors(new Float64Array(0), 1)).toEqual(new Float64Array(0));
  });
});

describe('memory', () => {
  it('refuses an M×M computation the machine cannot hold before allocating, with the estimate in the message', () => {
    const m = 2 ** 20; // 3·8·M² bytes = 24 TiB
    const net = TwoLayerNetwork.initialize({ width: 8, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const X = new Matrix(m, 2);
    const before = process.memoryUsage().rss;
    expect(() => kernel(net, X)).toThrow(/the 1048576×1048576 NTK needs an estimated 24\.0 TiB, beyond the limit of/);
    expect(() => kernel(net, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1 })).toThrow(MemoryLimitError);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 2 ** 20);
  });

  it('refuses the dense path beyond its documented limit', () => {
    const net = TwoLayerNetwork.initialize({ width: 5000, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const X = randomMatrix(4, 2, 1);
    const system = new NewtonSystem(net, X, new Float64Array(4));
    expect(() => system.direction(1, 'gauss-newton', 'dense')).toThrow(/dense Newton path at P = 20000 needs an estimated 3\.0 GiB, beyond the limit of 2\.0 GiB/);
  });
});

describe('features kept between the passes of a step, or streamed', () => {
  const net = TwoLayerNetwork.initialize({ width: 40, dim: 3, activation: 'tanh', beta: 0.5, bias: true }, { seed: 11 });
  const X = randomMatrix(12, 3, 12);
  const y = randomMatrix(1, 12, 13).data;

  it.each(['full', 'gauss-newton'] as const)(
    '%s: a workspace that keeps nothing (every pass evaluates σ, σ′, σ″ again) gives bitwise the residual, Q and δ of one that keeps them',
    (hessian) => {
      const lambda = hessian === 'full' ? testLambda(net, X, y).full : 1e-3;
      const kept = new NewtonSystem(net, X, y, new Workspace());
      const streamed = new NewtonSystem(net, X, y, new Workspace(0));
      expect(streamed.residual).toEqual(kept.residual);
      const [a, b] = [kept.kernelSystem(lambda, hessian), streamed.kernelSystem(lambda, hessian)];
      expect(b.Q.data).toEqual(a.Q.data);
      expect(b.factor.data).toEqual(a.factor.data);
      expect(streamed.direction(lambda, hessian, 'kernel')).toEqual(kept.direction(lambda, hessian, 'kernel'));
      // The two really took different paths: only the first workspace holds the features of the step.
      expect(kept.workspace.recall(net, kept.xt)).toBeDefined();
      expect(streamed.workspace.recall(net, streamed.xt)).toBeUndefined();
    },
  );

  it('J·Jᵀ over all neurons kept at once and over 64 MiB chunks differ by at most the reordering of the sums, 2γ_N·√(G_jj·G_ll)', () => {
    // 3·8·M·N bytes of features exceed one 64 MiB chunk: the streamed pass takes two.
    const wide = TwoLayerNetwork.initialize({ width: 44000, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 5 });
    const m = 64;
    const xt = wide.augment(randomMatrix(m, 2, 6));
    const chunks = [...wide.featureChunks(m, new Workspace(0))];
    expect(chunks.length).toBeGreaterThan(1);
    expect([...wide.featureChunks(m, new Workspace(2 ** 30))]).toEqual([[0, wide.width]]);
    const kept = jacobianGram(wide, xt, new Workspace(2 ** 30)).data;
    const streamed = jacobianGram(wide, xt, new Workspace(0)).data;
    // Each is within γ_N·s²·(Σᵢ|σᵢⱼσᵢₗ| + Σᵢcᵢ²|σ′ᵢⱼσ′ᵢₗ|·|x̃ⱼ·x̃ₗ|) of the exact sums (Higham §3.1), and by
    // Cauchy–Schwarz that is ≤ γ_N·√(G_jj·G_ll); X̃X̃ᵀ and the final products are the same operations in both.
    // The computed G_jj are within a factor 1 + γ_N of the exact ones.
    const u = 2 ** -53;
    const gamma = (wide.width * u) / (1 - wide.width * u);
    let worst = 0;
    for (let j = 0; j < m; j++) {
      for (let l = 0; l < m; l++) {
        const bound = 2 * gamma * (1 + 2 * gamma) * Math.sqrt(kept[j * m + j]! * kept[l * m + l]!);
        worst = Math.max(worst, Math.abs(kept[j * m + l]! - streamed[j * m + l]!) / bound);
      }
    }
    expect(worst).toBeGreaterThan(0); // the sums were reordered
    expect(worst).toBeLessThanOrEqual(1);
  });

  it.each(['full', 'gauss-newton'] as const)(
    '%s: a step on a workspace that has served a step of the same shapes allocates no workspace array, kept or streamed, and gives bitwise the δ of a fresh one',
    (hessian) => {
      const lambda = hessian === 'full' ? testLambda(net, X, y).full : 1e-3;
      const moved = net.moved(randomMatrix(1, net.parameterCount, 14).data.map((v) => 1e-2 * v));
      for (const keepBytes of [undefined, 0]) {
        const workspace = new Workspace(keepBytes);
        new NewtonSystem(net, X, y, workspace).direction(lambda, hessian, 'kernel');
        const warm = workspace.allocations;
        expect(warm).toBeGreaterThan(0);
        const again = new NewtonSystem(moved, X, y, workspace).direction(lambda, hessian, 'kernel');
        expect(workspace.allocations).toBe(warm);
        expect(again).toEqual(new NewtonSystem(moved, X, y).direction(lambda, hessian, 'kernel'));
      }
    },
  );

  it('a workspace refuses a negative or NaN number of bytes to keep', () => {
    expect(() => new Workspace(-1)).toThrow(RangeError);
    expect(() => new Workspace(NaN)).toThrow(/keepBytes must be a number ≥ 0, got NaN/);
  });
});

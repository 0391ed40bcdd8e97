/**
 * The identities of SPEC §3–4 on small random cases, against the independent
 * numpy implementation of test/reference/two_layer.py (f, J, S, H, g written
 * from the SPEC alone) and against each other:
 * - the dense and kernel Newton paths give the same δ = (H + λI)⁻¹g;
 * - the structured 𝒦_GD equals J·Jᵀ/M built from the explicit Jacobian;
 * - 𝒦_N equals J·(H + λI)⁻¹·Jᵀ/M built densely;
 * - Gauss–Newton NNTK eigenvalues lie in (0, 1);
 * - `auto` λ certifies that A = S + λI is positive definite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  chooseLambda,
  MemoryLimitError,
  gemm,
  Matrix,
  NewtonSystem,
  nntk,
  nntkCross,
  ntk,
  ntkCross,
  posv,
  spectrum,
  TwoLayerNetwork,
  type Activation,
  type Hessian,
  type NetworkConfig,
} from '../lib/index.js';
import { readNpy, writeNpy } from '../lib/io/npy.js';
import { curvature } from '../lib/method/curvature.js';
import { randomMatrix } from './random.js';

interface Case {
  name: string;
  config: NetworkConfig;
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  dir: string;
}

const root = mkdtempSync(join(tmpdir(), 'nntk-method-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cases: Case[] = [];
for (const activation of ACTIVATIONS) {
  for (const bias of [true, false]) {
    const beta = bias ? 0.5 : 1;
    const config: NetworkConfig = { width: 40, dim: 3, activation: activation as Activation, beta, bias };
    const net = TwoLayerNetwork.initialize(config, { seed: cases.length + 1 });
    const X = randomMatrix(12, 3, 100 + cases.length);
    for (let i = 0; i < X.data.length; i++) X.data[i] = 3 * X.data[i]!;
    const y = randomMatrix(1, 12, 200 + cases.length).data;
    cases.push({ name: `${activation}, ${bias ? 'bias' : 'no bias'}, β = ${beta}`, config, net, X, y, dir: join(root, String(cases.length)) });
  }
}
// Blocks past the unrolled whitening kernels (q ≤ 10): the kernel path then whitens by the gemm with the
// panel of the Lᵢ⁻ᵀ (q = 32 with bias, q = 65 without: the digits' d = 64), inputs scaled to |x| ≈ 1.
for (const [activation, dim, bias] of [['tanh', 30, true], ['sin', 64, false]] as const) {
  const beta = 0.5;
  const config: NetworkConfig = { width: 10, dim, activation, beta, bias };
  const net = TwoLayerNetwork.initialize(config, { seed: cases.length + 1 });
  const X = randomMatrix(14, dim, 100 + cases.length);
  for (let i = 0; i < X.data.length; i++) X.data[i] = (3 / Math.sqrt(dim)) * X.data[i]!;
  const y = randomMatrix(1, 14, 200 + cases.length).data;
  cases.push({ name: `${activation}, d = ${dim}, ${bias ? 'bias' : 'no bias'} (q = ${net.blockSize})`, config, net, X, y, dir: join(root, String(cases.length)) });
}
await Promise.all(
  cases.map(async ({ dir, config, net, X, y }) => {
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    await writeNpy(join(dir, 'c.npy'), { shape: [config.width], data: net.c });
    await writeNpy(join(dir, 'W.npy'), { shape: [config.width, config.dim], data: net.W.data });
    if (config.bias) await writeNpy(join(dir, 'b.npy'), { shape: [config.width], data: net.b! });
    await writeNpy(join(dir, 'X.npy'), { shape: [X.rows, X.cols], data: X.data });
    await writeNpy(join(dir, 'y.npy'), { shape: [y.length], data: y });
  }),
);
execFileSync('python3', ['test/reference/two_layer.py', ...cases.map((c) => c.dir)]);

async function reference(c: Case) {
  const load = async (name: string) => (await readNpy(join(c.dir, `${name}.npy`))).data;
  const p = c.net.parameterCount;
  return { J: new Matrix(c.X.rows, p, await load('J')), H: new Matrix(p, p, await load('H')), g: await load('g') };
}

/** (H + λI)⁻¹·v for the rows of V, from the reference H (a dense Cholesky solve). */
function denseSolve(H: Matrix, lambda: number, V: Matrix): Matrix {
  const a = H.clone();
  for (let i = 0; i < a.rows; i++) a.data[i * a.rows + i] = a.data[i * a.rows + i]! + lambda;
  return posv(a, V.clone());
}

function relativeDifference(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** λ for the tests: the certified `auto` λ of the full Hessian, well inside the positive-definite range. */
function testLambda(system: NewtonSystem, hessian: Hessian): number {
  return hessian === 'full' ? 2 * chooseLambda('auto', system, 'full').lambda + 1e-3 : 1e-3;
}

describe.each(cases)('$name', (c) => {
  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`${hessian}: dense and kernel Newton directions agree with (H + λI)⁻¹g from the reference H to 1e-9`, async () => {
      const { H, g, J } = await reference(c);
      const system = new NewtonSystem(c.net, c.X, c.y);
      const lambda = testLambda(system, hessian);
      const curvatureMatrix = hessian === 'full' ? H : gemm(J, J, { transA: true, alpha: 1 / c.X.rows });
      const expected = denseSolve(curvatureMatrix, lambda, new Matrix(1, g.length, g)).data;
      const dense = system.direction(lambda, hessian, 'dense');
      const kernel = system.direction(lambda, hessian, 'kernel');
      // Both paths are exact; the difference is round-off amplified by κ(H + λI) ≤ ~1e4 here.
      expect(relativeDifference(dense.direction, expected)).toBeLessThanOrEqual(1e-9);
      expect(relativeDifference(kernel.direction, dense.direction)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(kernel.gradientDot - dense.gradientDot)).toBeLessThanOrEqual(1e-9 * Math.abs(dense.gradientDot));
    });
  }

  it('the structured 𝒦_GD equals J·Jᵀ/M from the reference Jacobian to 1e-12', async () => {
    const { J } = await reference(c);
    const explicit = gemm(J, J, { transB: true, alpha: 1 / c.X.rows });
    const structured = ntk(c.net, c.X);
    // Same sums in another order: a few ulps of the largest entry.
    expect(relativeDifference(structured.data, explicit.data)).toBeLessThanOrEqual(1e-12);
  });

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`${hessian}: 𝒦_N equals J·(H + λI)⁻¹·Jᵀ/M built densely to 1e-10`, async () => {
      const { H, J } = await reference(c);
      const system = new NewtonSystem(c.net, c.X, c.y);
      const lambda = testLambda(system, hessian);
      const curvatureMatrix = hessian === 'full' ? H : gemm(J, J, { transA: true, alpha: 1 / c.X.rows });
      const solved = denseSolve(curvatureMatrix, lambda, J); // rows: (H + λI)⁻¹ Jⱼ
      const explicit = gemm(solved, J, { transB: true, alpha: 1 / c.X.rows });
      const { kernel } = nntk(c.net, c.X, { lambda, hessian, y: c.y });
      expect(relativeDifference(kernel.data, explicit.data)).toBeLessThanOrEqual(1e-10);
    });
  }

  it('Gauss–Newton NNTK eigenvalues lie in (0, 1) and equal μ/(μ + λ) of 𝒦_GD', () => {
    for (const lambda of [1e-6, 1e-3, 1]) {
      const { kernel } = nntk(c.net, c.X, { lambda, hessian: 'gauss-newton' });
      const { values } = spectrum(kernel, { vectors: false });
      const gd = spectrum(ntk(c.net, c.X), { vectors: false }).values;
      for (let i = 0; i < values.length; i++) {
        expect(values[i]).toBeGreaterThan(0);
        expect(values[i]).toBeLessThan(1);
        const mu = Math.max(gd[i]!, 0);
        expect(Math.abs(values[i]! - mu / (mu + lambda))).toBeLessThanOrEqual(1e-10);
      }
    }
  });

  it('`auto` λ yields a positive certificate, equal to minᵢ λ_min(Sᵢ + λI) of the reference S', async () => {
    const { H, J } = await reference(c);
    const system = new NewtonSystem(c.net, c.X, c.y);
    const { lambda, certificate } = chooseLambda('auto', system, 'full');
    expect(certificate).toBeGreaterThan(0);
    // S = H − JᵀJ/M from the reference; its blocks' smallest eigenvalues by LAPACK.
    const S = gemm(J, J, { transA: true, alpha: -1 / c.X.rows, beta: 1, out: H.clone() });
    const q = c.net.blockSize;
    let smallest = Infinity;
    for (let i = 0; i < c.config.width; i++) {
      const block = new Matrix(q, q);
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) block.data[a * q + b] = S.data[(i * q + a) * S.cols + i * q + b]!;
      smallest = Math.min(smallest, spectrum(block, { vectors: false }).values[0]!);
    }
    const scale = S.data.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    expect(Math.abs(certificate - (smallest + lambda))).toBeLessThanOrEqual(1e-12 * scale + 1e-15);
    expect(() => system.direction(lambda, 'full', 'kernel')).not.toThrow();
  });

  it('cross-kernels at X* = X equal the kernels, and at other points match J*·(…)·Jᵀ/M', async () => {
    const { H, J } = await reference(c);
    expect(relativeDifference(ntkCross(c.net, c.X, c.X).data, ntk(c.net, c.X).data)).toBeLessThanOrEqual(1e-12);
    const lambda = testLambda(new NewtonSystem(c.net, c.X, c.y), 'full');
    const options = { lambda, hessian: 'full' as const, y: c.y };
    expect(relativeDifference(nntkCross(c.net, c.X, c.X, options).kernel.data, nntk(c.net, c.X, options).kernel.data)).toBeLessThanOrEqual(1e-10);
    // Test points: the first rows of X shifted; J* from the network's own Jacobian blocks.
    const Xstar = new Matrix(4, c.X.cols, c.X.data.slice(0, 4 * c.X.cols).map((v) => v + 0.3));
    const xts = c.net.augment(Xstar);
    const Jstar = c.net.jacobianBlock(xts, c.net.features(xts, 0, c.config.width, { value: true, slope: true }));
    const gd = gemm(Jstar, J, { transB: true, alpha: 1 / c.X.rows });
    expect(relativeDifference(ntkCross(c.net, Xstar, c.X).data, gd.data)).toBeLessThanOrEqual(1e-12);
    const solved = denseSolve(H, lambda, J);
    const newton = gemm(Jstar, solved, { transB: true, alpha: 1 / c.X.rows });
    expect(relativeDifference(nntkCross(c.net, Xstar, c.X, options).kernel.data, newton.data)).toBeLessThanOrEqual(1e-10);
  });
});

describe('auto λ on harder cases', () => {
  it('always certifies positive definiteness, so the kernel path factors every block', () => {
    for (let seed = 0; seed < 20; seed++) {
      const activation = ACTIVATIONS[seed % ACTIVATIONS.length]!;
      const net = TwoLayerNetwork.initialize({ width: 64, dim: 2, activation, beta: 0.5, bias: true }, { seed, sigmaW: 1 + seed / 4 });
      const X = randomMatrix(16, 2, 300 + seed);
      const y = randomMatrix(1, 16, 400 + seed).data.map((v) => 10 * v);
      const system = new NewtonSystem(net, X, y);
      const { lambda, certificate } = chooseLambda('auto', system, 'full');
      expect(certificate).toBeGreaterThan(0);
      expect(certificate).toBeCloseTo(curvature(net, system.xt, system.residual).minEigenvalue + lambda, 12);
      expect(() => system.direction(lambda, 'full', 'kernel')).not.toThrow();
    }
  });
});

describe('memory', () => {
  it('refuses an M×M computation the machine cannot hold before allocating, with the estimate in the message', () => {
    const m = 2 ** 20; // 3·8·M² bytes = 24 TiB
    const net = TwoLayerNetwork.initialize({ width: 8, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const X = new Matrix(m, 2);
    const before = process.memoryUsage().rss;
    expect(() => ntk(net, X)).toThrow(/the 1048576×1048576 NTK needs an estimated 24\.0 TiB, beyond the limit of/);
    expect(() => nntk(net, X, { hessian: 'gauss-newton', lambda: 1 })).toThrow(MemoryLimitError);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 2 ** 20);
  });

  it('refuses the dense path beyond its documented limit', () => {
    const net = TwoLayerNetwork.initialize({ width: 5000, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const X = randomMatrix(4, 2, 1);
    const system = new NewtonSystem(net, X, new Float64Array(4));
    expect(() => system.direction(1, 'gauss-newton', 'dense')).toThrow(/dense Newton path at P = 20000 needs an estimated 3\.0 GiB, beyond the limit of 2\.0 GiB/);
  });
});

/**
 * The infinite-width kernels of docs/math.md §5 (lib/method/limits.ts):
 *
 * - the closed forms (relu, erf, sin) and the quadrature (tanh) are the
 *   limits of the empirical NTK: the average over S = 8 seeds of kernel(net, X)
 *   at width N = 4096 is within 10·max|K∞/M|/√(N·S) of limitKernel(X). Why
 *   10: an entry of the empirical kernel is the mean over N neurons of
 *   ξ = σ(u)σ(u′) + c²σ′(u)σ′(u′)·x̃·x̃′, whose standard deviation is at most
 *   ≈ 2.2× the kernel's largest entry here (relu's diagonal: √1.25 for each
 *   of the two terms); the largest of ≈ 80 entries lies within ≈ 3 standard
 *   deviations, so ≈ 6.6 is what chance gives at worst; 10 leaves a margin
 *   and still catches any wrong factor or missing term (≥ 5% of the kernel,
 *   while 10/√(NS) = 5.5%);
 * - the cross-kernels follow the conventions of kernel(net, X2, X), NTK and
 *   Gauss–Newton Newton NTK (rows = test points, (K(X2, X)/M)(λI + K/M)⁻¹): their
 *   seed means at N = 4096 are within 5% of the limits (measured ≤ 1%);
 * - the relative Frobenius distance ‖K_N − K∞‖/‖K∞‖ (mean over 8 seeds)
 *   decays like N^(−1/2): the slope between N = 1024 and 16384 lies in
 *   [−0.65, −0.35];
 * - the 2-D Gauss–Hermite rule (default 512 nodes per axis) matches the
 *   closed forms of erf and sin to 1e-10 of the kernel's largest entry on
 *   inputs with |x| ≤ 3 (x = 0, parallel, antiparallel and repeated points
 *   included); relu's kink and jump make quadrature converge like n^(−1/2),
 *   so it is held to the README's 7e-3 only: a cross-check of the closed
 *   form's factors, not of its digits;
 * - the closed forms equal an independent numpy evaluation of the textbook
 *   formulas (arccos, arcsin, sinh/cosh of Σ) to 1e-12 (relu: 1e-8, because
 *   numpy's arccos of a cosine rounded near ±1 is off by up to √ε — the
 *   library's Kahan angle is not);
 * - every activation's K∞/M (square and cross, with and without bias, |x| ≤ 3)
 *   equals an independent reference by adaptive quadrature
 *   (test/reference/limit_quadrature.py: scipy's quad_vec after conditioning
 *   u′ on u) within the README's stated accuracy of the library's method plus
 *   the reference's own error bound; and the limit NNTK equals
 *   (K∞/M)(λI + K∞/M)⁻¹ computed in numpy from that reference K∞, within
 *   the perturbation bound of the solve; it is exactly symmetric, its
 *   eigenvalues lie in (0, 1);
 * - the adaptive Hermite-series rule (the default for tanh, sigmoid and
 *   softplus) at |x|σ_w ∈ {0.5, 3, 10}, with and without bias, equals nested
 *   scipy quad (test/reference/limit_nested_quad.py) to its own error
 *   estimate plus the reference's bound, the estimate is within the default
 *   tolerance 1e-10·max|K∞|, and so is the actual error; the derivative
 *   kernel E[σ′(u)σ′(u′)] is checked on its own by scaling x by 2 and σ_w
 *   by 1/2 (same Σ, x̃·x̃′ changed); an unreachable tolerance throws
 *   QuadratureError;
 * - `nntk limit` writes bitwise what the API computes (with --outputs full,
 *   K ⊗ I_C), --help exits 0, bad arguments exit 2.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatNpy,
  gaussHermite,
  limitKernel,
  limitNewtonKernel,
  Matrix,
  QuadratureError,
  NonFiniteError,
  kernel,
  readNpy,
  spectrum,
  TwoLayerNetwork,
  writeNpy,
  type Activation,
  type KernelResult,
  type LimitKernelOptions,
} from '../lib/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'nntk-limits-'));
const path = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function maxAbs(a: Float64Array): number {
  let s = 0;
  for (const v of a) s = Math.max(s, Math.abs(v));
  return s;
}

/** max |a − b| / max |b|. */
function relativeError(a: Matrix, b: Matrix): number {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  let e = 0;
  for (let i = 0; i < a.data.length; i++) e = Math.max(e, Math.abs(a.data[i]! - b.data[i]!));
  return e / maxAbs(b.data);
}

function frobenius(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - (b === undefined ? 0 : b[i]!)) ** 2;
  return Math.sqrt(s);
}

function isExactlySymmetric(a: Matrix): boolean {
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < i; j++) if (!Object.is(a.data[i * a.cols + j], a.data[j * a.cols + i])) return false;
  return true;
}

/** 12 points in the plane: the unit circle, radii up to 1.5, one pair at the same angle, and the origin. */
const XS = (() => {
  const rows: number[][] = [];
  for (let j = 0; j < 9; j++) {
    const t = (2 * Math.PI * j) / 9 + 0.2;
    const r = 1 + 0.5 * Math.sin(3 * j);
    rows.push([r * Math.cos(t), r * Math.sin(t)]);
  }
  rows.push([0.5 * rows[0]![0]!, 0.5 * rows[0]![1]!], [-rows[1]![0]!, -rows[1]![1]!], [0, 0]);
  return Matrix.from(rows);
})();

/** The first 9 points of XS: distinct, no two parallel. */
const XC = new Matrix(9, 2, XS.data.slice(0, 18));

/** Points with |x| ≤ 3 in d = 3, including |x| = 3, x = 0, x and x/3, x and −x, and a repeated point. */
const X3 = (() => {
  const rows: number[][] = [];
  for (let j = 0; j < 14; j++) {
    const v = [Math.sin(1.3 * j + 0.4), Math.cos(2.1 * j), Math.sin(0.7 * j * j + 1)];
    const n = Math.hypot(...v);
    const r = j < 4 ? 3 : 3 * Math.abs(Math.sin(5 * j + 2));
    rows.push(v.map((x) => (r * x) / n));
  }
  rows.push(rows[0]!.map((x) => x / 3), rows[0]!.map((x) => -x), rows[2]!.slice(), [0, 0, 0]);
  return Matrix.from(rows);
})();

/** The mean over seeds of the empirical NTK at width N, and the relative Frobenius distance of each seed to `limit`. */
function empirical(activation: Activation, width: number, seeds: number, X: Matrix, options: { bias: boolean; sigmaW: number; sigmaB: number }, limit: Matrix) {
  const mean = new Float64Array(X.rows * X.rows);
  let distance = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const net = TwoLayerNetwork.initialize({ width, dim: X.cols, activation, beta: 0.5, bias: options.bias }, { seed: 1000 + seed, sigmaW: options.sigmaW, sigmaB: options.sigmaB });
    const K = kernel(net, X).kernel;
    for (let i = 0; i < mean.length; i++) mean[i] = mean[i]! + K.data[i]! / seeds;
    distance += frobenius(K.data, limit.data) / frobenius(limit.data) / seeds;
  }
  return { mean: new Matrix(X.rows, X.rows, mean), distance };
}

describe('the limit is the mean of the empirical NTK at large width', () => {
  const N = 4096;
  const S = 8;
  const cases: Array<[Activation, { bias: boolean; sigmaW: number; sigmaB: number }]> = [
    ['relu', { bias: true, sigmaW: 1, sigmaB: 1 }],
    ['erf', { bias: true, sigmaW: 1, sigmaB: 1 }],
    ['sin', { bias: true, sigmaW: 1, sigmaB: 1 }],
    ['tanh', { bias: true, sigmaW: 1, sigmaB: 1 }],
    ['relu', { bias: false, sigmaW: 1.3, sigmaB: 1 }],
    ['erf', { bias: true, sigmaW: 0.8, sigmaB: 1.5 }],
    ['sin', { bias: false, sigmaW: 1.2, sigmaB: 1 }],
    ['tanh', { bias: false, sigmaW: 1.5, sigmaB: 1 }],
  ];
  for (const [activation, options] of cases) {
    it(`${activation}, ${options.bias ? 'bias' : 'no bias'}, σ_w = ${options.sigmaW}${options.bias ? `, σ_b = ${options.sigmaB}` : ''}: |mean of ${S} seeds − K∞/M| ≤ 10·max|K∞/M|/√(N·S)`, () => {
      const limit = limitKernel(XS, { activation, ...options }).kernel;
      const { mean } = empirical(activation, N, S, XS, options, limit);
      const ratio = (relativeError(mean, limit) * Math.sqrt(N * S));
      expect(ratio).toBeLessThan(10);
      // Without bias the origin's row and column vanish, in the limit and at any width.
      if (!options.bias) {
        const m = XS.rows;
        for (let j = 0; j < m; j++) expect(limit.data[(m - 1) * m + j] === 0 && mean.data[(m - 1) * m + j] === 0).toBe(true);
      }
    });
  }

  it('the conventions of the cross-kernels match kernel(net, X2, X) for ntk and the Gauss–Newton nntk (tanh, λ = 0.1, N = 4096, mean of 8 seeds, within 5%)', () => {
    const X2 = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9]]);
    const lambda = 0.1;
    const limitNtk = limitKernel(X2, XS, { activation: 'tanh' }).kernel;
    const limitNntk = limitKernel(X2, XS, { activation: 'tanh', kind: 'nntk', lambda }).kernel;
    const meanNtk = new Matrix(3, XS.rows);
    const meanNntk = new Matrix(3, XS.rows);
    for (let seed = 0; seed < 8; seed++) {
      const net = TwoLayerNetwork.initialize({ width: 4096, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 2000 + seed });
      const a = kernel(net, X2, XS).kernel.data;
      const b = kernel(net, X2, XS, { kind: 'nntk', lambda, hessian: 'gauss-newton' }).kernel.data;
      for (let i = 0; i < a.length; i++) {
        meanNtk.data[i] = meanNtk.data[i]! + a[i]! / 8;
        meanNntk.data[i] = meanNntk.data[i]! + b[i]! / 8;
      }
    }
    expect(relativeError(meanNtk, limitNtk)).toBeLessThan(0.05);
    expect(relativeError(meanNntk, limitNntk)).toBeLessThan(0.05);
  });

  for (const activation of ['tanh', 'relu'] as const) {
    it(`${activation}: the relative Frobenius distance decays like N^(−1/2) (slope in [−0.65, −0.35] between N = 1024 and 16384)`, () => {
      const options = { bias: true, sigmaW: 1, sigmaB: 1 };
      const limit = limitKernel(XS, { activation, ...options }).kernel;
      const small = empirical(activation, 1024, 8, XS, options, limit).distance;
      const large = empirical(activation, 16384, 8, XS, options, limit).distance;
      const slope = Math.log(large / small) / Math.log(16);
      expect(slope).toBeGreaterThan(-0.65);
      expect(slope).toBeLessThan(-0.35);
    });
  }
});

describe('Gauss–Hermite quadrature against the closed forms', () => {
  it('the rule integrates polynomials of degree ≤ 2n − 1 exactly: E z^(2k) = (2k − 1)!!', () => {
    for (const n of [1, 2, 7, 20]) {
      const { nodes, weights } = gaussHermite(n);
      for (let k = 0; 2 * k <= 2 * n - 1; k++) {
        let moment = 0;
        for (let i = 0; i < n; i++) moment += weights[i]! * nodes[i]! ** (2 * k);
        let exact = 1;
        for (let j = 2 * k - 1; j > 1; j -= 2) exact *= j;
        expect(Math.abs(moment - exact) / exact, `n = ${n}, k = ${k}`).toBeLessThan(1e-13);
      }
    }
  });

  const X2 = Matrix.from([[0.3, -2.0, 1.1], [0, 0, 0], [2.9, 0.1, -0.5]]);
  const settings: Array<[string, Partial<LimitKernelOptions>]> = [
    ['bias, σ = 1', {}],
    ['no bias', { bias: false }],
    ['bias, σ_w = 0.7, σ_b = 1.4', { sigmaW: 0.7, sigmaB: 1.4 }],
  ];
  for (const activation of ['erf', 'sin'] as const) {
    for (const [name, extra] of settings) {
      it(`${activation}, ${name}: the adaptive quadrature = closed form to 1e-10, |x| ≤ 3, square and cross`, () => {
        const closed = limitKernel(X3, { activation, ...extra }).kernel;
        const quad = limitKernel(X3, { activation, ...extra, method: 'quadrature' }).kernel;
        expect(relativeError(quad, closed)).toBeLessThan(1e-10);
        expect(isExactlySymmetric(quad) && isExactlySymmetric(closed)).toBe(true);
        const cross = limitKernel(X2, X3, { activation, ...extra }).kernel;
        expect(relativeError(limitKernel(X2, X3, { activation, ...extra, method: 'quadrature' }).kernel, cross)).toBeLessThan(1e-10);
      });
    }
  }

  it('relu: quadrature converges only like n^(−1/2) (kink and jump); within the README’s 7e-3 at 512 nodes', () => {
    const closed = limitKernel(X3, { activation: 'relu' }).kernel;
    const quad = limitKernel(X3, { activation: 'relu', method: 'quadrature' }).kernel;
    expect(relativeError(quad, closed)).toBeLessThan(7e-3);
  });

  it('a cross-kernel with X2 = X equals the square kernel (to the quadrature error for tanh: x and x′ swap roles)', () => {
    expect(relativeError(limitKernel(XS, XS, { activation: 'relu' }).kernel, limitKernel(XS, { activation: 'relu' }).kernel)).toBeLessThan(1e-15);
    expect(relativeError(limitKernel(XS, XS, { activation: 'tanh' }).kernel, limitKernel(XS, { activation: 'tanh' }).kernel)).toBeLessThan(1e-12);
  });
});

describe('against numpy', () => {
  it('the closed forms equal numpy’s textbook formulas (square and cross); the limit NNTK is exactly symmetric, eigenvalues in (0, 1)', async () => {
    const lambda = 0.01;
    const X2 = Matrix.from([[0.2, -1.0, 0.4], [1.5, 1.5, 0.0]]);
    await writeNpy(path('X.npy'), { shape: [X3.rows, 3], data: X3.data });
    await writeNpy(path('X2.npy'), { shape: [2, 3], data: X2.data });
    const configs: Array<{ activation: Activation; bias: boolean; sigmaW: number; sigmaB: number }> = [];
    for (const activation of ['relu', 'erf', 'sin', 'tanh'] as const) {
      for (const bias of [true, false]) configs.push({ activation, bias, sigmaW: bias ? 0.9 : 1.1, sigmaB: 1.2 });
    }
    for (const [i, c] of configs.entries()) {
      await writeNpy(path(`K${i}.npy`), { shape: [X3.rows, X3.rows], data: limitKernel(X3, c).kernel.data });
      const n = limitKernel(X3, { ...c, kind: 'nntk', lambda }).kernel;
      expect(isExactlySymmetric(n)).toBe(true);
      // X3 has repeated and parallel points (K∞ singular); the spectrum is checked on 9 distinct, pairwise independent points.
      const { values } = spectrum(limitKernel(XC, { ...c, kind: 'nntk', lambda }).kernel, { vectors: false });
      expect(Array.from(values).every((v) => v > 0 && v < 1), `${c.activation}, bias ${c.bias}: ${values[0]} … ${values[values.length - 1]}`).toBe(true);
      await writeNpy(path(`C${i}.npy`), { shape: [2, X3.rows], data: limitKernel(X2, X3, c).kernel.data });
    }
    writeFileSync(path('configs.json'), JSON.stringify(configs));
    const script = `
import json, numpy as np
from scipy.special import erf
X = np.load('X.npy'); X2 = np.load('X2.npy'); M = X.shape[0]; lam = ${lambda}
out = []
for i, c in enumerate(json.load(open('configs.json'))):
    sw, sb, bias = c['sigmaW'], c['sigmaB'], c['bias']
    Xt = np.hstack([X, np.ones((M, 1))]) if bias else X
    S = sw**2 * X @ X.T + (sb**2 if bias else 0.0)
    d = np.diag(S); s11 = d[:, None]; s22 = d[None, :]
    act = c['activation']
    with np.errstate(divide='ignore', invalid='ignore'):
        if act == 'relu':
            rho = np.clip(S / np.sqrt(s11 * s22), -1, 1)
            th = np.arccos(rho)
            vv = np.sqrt(s11 * s22) / (2 * np.pi) * (np.sin(th) + (np.pi - th) * np.cos(th))
            dd = (np.pi - th) / (2 * np.pi)
            zero = (s11 * s22 == 0); vv[zero] = 0; dd[zero] = 0
        elif act == 'erf':
            vv = 2 / np.pi * np.arcsin(2 * S / np.sqrt((1 + 2 * s11) * (1 + 2 * s22)))
            dd = 4 / np.pi / np.sqrt((1 + 2 * s11) * (1 + 2 * s22) - 4 * S**2)
        elif act == 'sin':
            vv = np.exp(-(s11 + s22) / 2) * np.sinh(S)
            dd = np.exp(-(s11 + s22) / 2) * np.cosh(S)
    K = np.load(f'K{i}.npy')
    err = None
    if act != 'tanh':
        Kref = (vv + dd * (Xt @ Xt.T)) / M
        err = float(np.abs(K - Kref).max() / np.abs(Kref).max())
    # The cross-kernel K∞(X2, X)/M of the closed forms (not tanh).
    cross = None
    if act != 'tanh':
      with np.errstate(divide='ignore', invalid='ignore'):
        Sx = sw**2 * X2 @ X.T + (sb**2 if bias else 0.0)
        e11 = (sw**2 * (X2**2).sum(1) + (sb**2 if bias else 0.0))[:, None]
        X2t = np.hstack([X2, np.ones((X2.shape[0], 1))]) if bias else X2
        if act == 'relu':
            th = np.arccos(np.clip(Sx / np.sqrt(e11 * s22), -1, 1))
            vx = np.sqrt(e11 * s22) / (2 * np.pi) * (np.sin(th) + (np.pi - th) * np.cos(th))
            dx = (np.pi - th) / (2 * np.pi)
            zero = (e11 * s22 == 0); vx[zero] = 0; dx[zero] = 0
        elif act == 'erf':
            vx = 2 / np.pi * np.arcsin(2 * Sx / np.sqrt((1 + 2 * e11) * (1 + 2 * s22)))
            dx = 4 / np.pi / np.sqrt((1 + 2 * e11) * (1 + 2 * s22) - 4 * Sx**2)
        else:
            vx = np.exp(-(e11 + s22) / 2) * np.sinh(Sx)
            dx = np.exp(-(e11 + s22) / 2) * np.cosh(Sx)
        Kx = (vx + dx * (X2t @ Xt.T)) / M
        cross = float(np.abs(np.load(f'C{i}.npy') - Kx).max() / np.abs(Kx).max())
    out.append({'closed': err, 'cross': cross})
print(json.dumps(out))
`;
    const results = JSON.parse(execFileSync('python3', ['-c', script], { cwd: dir, encoding: 'utf8' })) as Array<{ closed: number | null; cross: number | null }>;
    for (const [i, c] of configs.entries()) {
      const r = results[i]!;
      const label = `${c.activation}, bias ${c.bias}`;
      if (r.closed !== null) expect(r.closed, label).toBeLessThan(c.activation === 'relu' ? 1e-8 : 1e-12);
      if (r.cross !== null) expect(r.cross, label).toBeLessThan(c.activation === 'relu' ? 1e-8 : 1e-12);
    }
  });
});

/**
 * The accuracy the README states at |x| ≤ 3 (σ = 1), relative to the kernel's largest entry: its table's
 * row for the default 512 nodes (relu: 7e-3), and for the closed forms (`auto` for relu, erf, sin) their
 * rounding (≲ 30 operations, each correctly rounded or within 1 ulp, conditioning ≤ 2: 64ε).
 */
const STATED_ACCURACY: Record<Activation, { auto: number; quadrature: number }> = {
  relu: { auto: 64 * 2.2e-16, quadrature: 7e-3 },
  erf: { auto: 64 * 2.2e-16, quadrature: 2e-11 },
  sin: { auto: 64 * 2.2e-16, quadrature: 8e-15 },
  tanh: { auto: 7e-7, quadrature: 7e-7 },
  sigmoid: { auto: 1e-14, quadrature: 1e-14 },
  softplus: { auto: 2e-14, quadrature: 2e-14 },
};

/** X3's points with |x| = 3, x = 0, x and x/3, x and −x, a repeated point: the hardest cases for the rules, in 10 rows. */
const XQ = new Matrix(10, 3, Float64Array.from([0, 1, 2, 3, 5, 9, 14, 15, 16, 17].flatMap((i) => Array.from(X3.row(i)))));
const XQ2 = Matrix.from([[0.3, -2.0, 1.1], [0, 0, 0], [2.9, 0.1, -0.5]]);
const QUADRATURE_LAMBDA = 0.1;
const QUADRATURE_CONFIGS: Array<{ activation: Activation; bias: boolean; sigmaW: number; sigmaB: number }> = [
  ...(['tanh', 'sigmoid', 'softplus', 'erf', 'sin', 'relu'] as const).map((activation) => ({ activation, bias: true, sigmaW: 1, sigmaB: 1 })),
  ...(['tanh', 'sigmoid', 'softplus'] as const).map((activation) => ({ activation, bias: false, sigmaW: 1, sigmaB: 1 })),
  { activation: 'tanh', bias: true, sigmaW: 0.7, sigmaB: 1.4 },
];

interface QuadratureReference {
  K: number[];
  Kerror: number;
  cross: number[];
  crossError: number;
  N: number[];
  Ncross: number[];
  minA: number;
  normN: number;
  kappaA: number;
}

/** Started at load, so that scipy integrates while the Monte Carlo tests run on the other core. */
const quadratureReference: Promise<QuadratureReference[]> = (async () => {
  const work = join(dir, 'quadrature');
  mkdirSync(work);
  writeFileSync(join(work, 'X.npy'), formatNpy({ shape: [XQ.rows, 3], data: XQ.data }));
  writeFileSync(join(work, 'X2.npy'), formatNpy({ shape: [XQ2.rows, 3], data: XQ2.data }));
  writeFileSync(join(work, 'request.json'), JSON.stringify({ configs: QUADRATURE_CONFIGS, lambda: QUADRATURE_LAMBDA }));
  await promisify(execFile)('python3', [join(ROOT, 'test/reference/limit_quadrature.py'), work]);
  return JSON.parse(readFileSync(join(work, 'limits.json'), 'utf8')) as QuadratureReference[];
})();

/** A test may wait for the reference: ≈ 25 s of CPU, several times that in wall-clock time on a loaded machine. */
const REFERENCE_WAIT_MS = 600_000;

/** max |a − b|. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

describe('against adaptive quadrature (scipy, test/reference/limit_quadrature.py)', () => {
  for (const [i, c] of QUADRATURE_CONFIGS.entries()) {
    const label = `${c.activation}, ${c.bias ? 'bias' : 'no bias'}, σ_w = ${c.sigmaW}${c.bias ? `, σ_b = ${c.sigmaB}` : ''}`;
    const methods = ['auto', ...(c.activation === 'erf' || c.activation === 'sin' || c.activation === 'relu' ? ['quadrature' as const] : [])] as const;
    for (const method of methods) {
      it(`${label}, ${method}: K∞/M (square and cross, |x| ≤ 3) within the stated accuracy plus the reference's error bound`, async () => {
        const ref = (await quadratureReference)[i]!;
        const accuracy = STATED_ACCURACY[c.activation][method];
        const K = limitKernel(XQ, { ...c, method }).kernel;
        // The library's stated error relative to the largest entry, plus the reference's own bound per entry.
        expect(maxDifference(K.data, ref.K)).toBeLessThanOrEqual(accuracy * maxAbs(K.data) + ref.Kerror);
        const cross = limitKernel(XQ2, XQ, { ...c, method }).kernel;
        expect(maxDifference(cross.data, ref.cross)).toBeLessThanOrEqual(accuracy * maxAbs(K.data) + ref.crossError);
      }, REFERENCE_WAIT_MS);
    }

    it(`${label}: the limit NNTK (K∞/M)(λI + K∞/M)⁻¹ at λ = ${QUADRATURE_LAMBDA} equals numpy's solve from the reference K∞, square and cross`, async () => {
      const ref = (await quadratureReference)[i]!;
      const M = XQ.rows;
      // ΔK (both implementations) in the 2-norm is ≤ M·max|ΔK|; N = K(λI + K)⁻¹ moves by ≤ ‖ΔK‖(1 + ‖N‖)/λ_min(λI + K),
      // and each solve adds its backward error 4Mε grown by κ(λI + K).
      const deltaK = M * (STATED_ACCURACY[c.activation].auto * maxAbs(Float64Array.from(ref.K)) + Math.max(ref.Kerror, ref.crossError));
      const tolerance = (deltaK * (1 + ref.normN)) / ref.minA + 2 * 4 * M * 2.2e-16 * ref.kappaA * ref.normN;
      expect(tolerance).toBeLessThan(1e-2);
      expect(maxDifference(limitKernel(XQ, { ...c, kind: 'nntk', lambda: QUADRATURE_LAMBDA }).kernel.data, ref.N)).toBeLessThanOrEqual(tolerance);
      const cross = limitKernel(XQ2, XQ, { ...c, kind: 'nntk', lambda: QUADRATURE_LAMBDA }).kernel;
      expect(maxDifference(cross.data, ref.Ncross)).toBeLessThanOrEqual(tolerance);
    }, REFERENCE_WAIT_MS);
  }
});

describe('limitKernel(X1, X2?, options) and limitNewtonKernel: the KernelResult convention of kernel()', () => {
  const Xt = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9]]);
  const bits = (m: Matrix) => Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const lambda = 0.05;
  for (const activation of ['erf', 'tanh'] as const) {
    it(`${activation}: limitNewtonKernel(limitKernel(X), λ) is bitwise limitKernel(X, { kind: 'nntk', λ }), and with the cross NTK bitwise limitKernel(X1, X, { kind: 'nntk', λ })`, () => {
      const ntk = limitKernel(XS, { activation });
      const square = limitKernel(XS, { activation, kind: 'nntk', lambda });
      const fromNtk = limitNewtonKernel(ntk, lambda);
      expect(bits(fromNtk.kernel).equals(bits(square.kernel))).toBe(true);
      expect([fromNtk.kind, fromNtk.lambda, square.kind, square.lambda]).toEqual(['nntk', lambda, 'nntk', lambda]);
      const crossNtk = limitKernel(Xt, XS, { activation });
      const cross = limitKernel(Xt, XS, { activation, kind: 'nntk', lambda });
      const crossFromNtk = limitNewtonKernel(ntk, lambda, crossNtk);
      expect([cross.kernel.rows, cross.kernel.cols]).toEqual([Xt.rows, XS.rows]);
      expect(bits(crossFromNtk.kernel).equals(bits(cross.kernel))).toBe(true);
      expect(crossFromNtk.errorEstimate).toBe(Math.max(ntk.errorEstimate!, crossNtk.errorEstimate!));
    });
  }

  it('limitNewtonKernel leaves its inputs unchanged (the solves work on copies)', () => {
    const ntk = limitKernel(XS, { activation: 'erf' });
    const cross = limitKernel(Xt, XS, { activation: 'erf' });
    const before = [ntk.kernel.clone(), cross.kernel.clone()];
    limitNewtonKernel(ntk, lambda);
    limitNewtonKernel(ntk, lambda, cross);
    expect(bits(ntk.kernel).equals(bits(before[0]!)) && bits(cross.kernel).equals(bits(before[1]!))).toBe(true);
  });

  it('the rows are X1 and the columns (and the 1/M) the training set X2: limitKernel(X1, X2) is the transpose of limitKernel(X2, X1) scaled by M1/M2 (closed form, to round-off)', () => {
    const a = limitKernel(Xt, XS, { activation: 'relu' }).kernel;
    const b = limitKernel(XS, Xt, { activation: 'relu' }).kernel;
    expect([a.rows, a.cols, b.rows, b.cols]).toEqual([Xt.rows, XS.rows, XS.rows, Xt.rows]);
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < a.cols; j++) {
        worst = Math.max(worst, Math.abs(a.get(i, j) * XS.rows - b.get(j, i) * Xt.rows));
        largest = Math.max(largest, Math.abs(a.get(i, j) * XS.rows));
      }
    }
    // x and x′ swap roles in the formulas: a few rounding errors of the largest entry.
    expect(worst).toBeLessThanOrEqual(64 * Number.EPSILON * largest);
  });

  it('errorEstimate: (k + 32)ε for the closed forms (k = d + 1 with bias, d without), NaN for the fixed rule, ≤ tolerance for the adaptive rule', () => {
    const d = XS.cols;
    expect(limitKernel(XS, { activation: 'erf' }).errorEstimate).toBe((d + 1 + 32) * Number.EPSILON);
    expect(limitKernel(XS, { activation: 'sin', bias: false }).errorEstimate).toBe((d + 32) * Number.EPSILON);
    expect(limitKernel(XS, { activation: 'tanh', quadratureNodes: 64 }).errorEstimate).toBeNaN();
    const adaptive = limitKernel(XS, { activation: 'tanh', tolerance: 1e-8 }).errorEstimate!;
    expect(adaptive > 0 && adaptive <= 1e-8).toBe(true);
  });

  it('limitNewtonKernel rejects a Newton kernel as input, a non-square ntk, a cross-kernel over other points and λ ≤ 0, naming the argument', () => {
    const ntk = limitKernel(XS, { activation: 'erf' });
    const cross = limitKernel(Xt, XS, { activation: 'erf' });
    const nntk = limitNewtonKernel(ntk, lambda);
    expect(() => limitNewtonKernel(nntk, lambda)).toThrow(/ntk must be a limit NTK/);
    expect(() => limitNewtonKernel(cross, lambda)).toThrow(/ntk must be the square kernel/);
    expect(() => limitNewtonKernel(ntk, lambda, limitKernel(XS, Xt, { activation: 'erf' }))).toThrow(/cross must have the/);
    expect(() => limitNewtonKernel(ntk, lambda, nntk)).toThrow(/cross must be a limit NTK/);
    expect(() => limitNewtonKernel(ntk, 0)).toThrow(RangeError);
    expect(() => limitNewtonKernel(ntk, Number.NaN)).toThrow(RangeError);
    expect(() => limitNewtonKernel(ntk, '1' as unknown as number)).toThrow(TypeError);
    expect(() => limitNewtonKernel(Matrix.from([[1]]) as unknown as KernelResult, lambda)).toThrow(TypeError);
  });
});

describe('validation', () => {
  it('rejects bad inputs with TypeError, RangeError or NonFiniteError', () => {
    const X = Matrix.from([[1, 0], [0, 1]]);
    const bad: Array<[string, () => unknown, new (...args: never[]) => Error]> = [
      ['no options', () => limitKernel(X, undefined as unknown as LimitKernelOptions), TypeError],
      ['an unknown activation', () => limitKernel(X, { activation: 'gelu' as Activation }), RangeError],
      ['σ_w < 0', () => limitKernel(X, { activation: 'erf', sigmaW: -1 }), RangeError],
      ['σ_b = NaN', () => limitKernel(X, { activation: 'erf', sigmaB: NaN }), RangeError],
      ['σ_w as a string', () => limitKernel(X, { activation: 'erf', sigmaW: '1' as unknown as number }), TypeError],
      ['bias as a number', () => limitKernel(X, { activation: 'erf', bias: 1 as unknown as boolean }), TypeError],
      ['an unknown kind', () => limitKernel(X, { activation: 'erf', kind: 'gd' as 'ntk' }), RangeError],
      ['nntk without λ', () => limitKernel(X, { activation: 'erf', kind: 'nntk' }), TypeError],
      ['nntk with λ = 0', () => limitKernel(X, { activation: 'erf', kind: 'nntk', lambda: 0 }), RangeError],
      ['nntk with λ = ∞', () => limitKernel(X, { activation: 'erf', kind: 'nntk', lambda: Infinity }), RangeError],
      ['ntk with λ', () => limitKernel(X, { activation: 'erf', lambda: 1 }), RangeError],
      ['X2 with another d', () => limitKernel(X, Matrix.from([[1, 2, 3]]), { activation: 'erf' }), RangeError],
      ['X2 not a matrix after X1', () => limitKernel(X, 'X2' as unknown as Matrix, { activation: 'erf' }), TypeError],
      ['a misspelt option', () => limitKernel(X, { activation: 'erf', sigma_w: 1 } as unknown as LimitKernelOptions), TypeError],
      ['the removed X2 option', () => limitKernel(X, { activation: 'erf', X2: X } as unknown as LimitKernelOptions), TypeError],
      ['X not a matrix', () => limitKernel({ rows: 2, cols: 2, data: [1, 0, 0, 1] } as unknown as Matrix, { activation: 'erf' }), TypeError],
      ['0 nodes', () => limitKernel(X, { activation: 'tanh', quadratureNodes: 0 }), RangeError],
      ['1.5 nodes', () => limitKernel(X, { activation: 'tanh', quadratureNodes: 1.5 }), RangeError],
      ['2048 nodes', () => limitKernel(X, { activation: 'tanh', quadratureNodes: 2048 }), RangeError],
      ['no closed form for tanh', () => limitKernel(X, { activation: 'tanh', method: 'closed-form' }), RangeError],
      ['NaN in X', () => limitKernel(Matrix.from([[1, NaN]]), { activation: 'erf' }), NonFiniteError],
      ['∞ in X2', () => limitKernel(X, Matrix.from([[1, -Infinity]]), { activation: 'erf' }), NonFiniteError],
    ];
    for (const [name, call, type] of bad) expect(call, name).toThrow(type);
  });

  it('degenerate Σ: σ_w = σ_b = 0 gives u = 0, so relu’s and sin’s kernels vanish and erf’s is (4/π)·x̃·x̃′/M', () => {
    const X = Matrix.from([[1, 2], [-0.5, 0.25]]);
    const zero = { sigmaW: 0, sigmaB: 0 };
    for (const activation of ['relu', 'sin'] as const) {
      const K = limitKernel(X, { activation, ...zero }).kernel;
      // sin: E[cos 0 cos 0] = 1 for the slope term.
      if (activation === 'relu') expect(Array.from(K.data)).toEqual([0, 0, 0, 0]);
      else expect(relativeError(K, Matrix.from([[6 / 2, 1 / 2], [1 / 2, 1.3125 / 2]]))).toBeLessThan(1e-15);
    }
    const erfK = limitKernel(X, { activation: 'erf', ...zero }).kernel;
    const c = 4 / Math.PI / 2;
    expect(relativeError(erfK, Matrix.from([[6 * c, c], [c, 1.3125 * c]]))).toBeLessThan(1e-15);
    // The quadrature handles the rank-0 and rank-1 cases too.
    expect(relativeError(limitKernel(X, { activation: 'erf', ...zero, method: 'quadrature' }).kernel, erfK)).toBeLessThan(1e-13);
  });
});

describe('nntk limit (the command)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'limit', ...args], { cwd: dir, encoding: 'utf8' });
  const X2 = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9]]);

  beforeAll(async () => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    await writeNpy(path('XS.npy'), { shape: [XS.rows, 2], data: XS.data });
    await writeNpy(path('XS2.npy'), { shape: [3, 2], data: X2.data });
    await writeNpy(path('vector.npy'), { shape: [4], data: new Float64Array(4) });
    await writeNpy(path('nan.npy'), { shape: [1, 2], data: Float64Array.from([1, NaN]) });
    await writeNpy(path('d3.npy'), { shape: [1, 3], data: Float64Array.from([1, 2, 3]) });
  }, 120_000);

  it('writes bitwise the matrix of limitKernel(X2, X) (ntk, nntk, cross rows for --x2, no bias, σ, quadrature nodes, tolerance)', async () => {
    const cases: Array<[string[], LimitKernelOptions, Matrix?]> = [
      [['--activation', 'tanh'], { activation: 'tanh' }],
      [['--activation', 'relu', '--kind', 'nntk', '--lambda', '0.05', '--x2', 'XS2.npy'], { activation: 'relu', kind: 'nntk', lambda: 0.05 }, X2],
      [['--activation', 'erf', '--no-bias', '--sigma-w', '1.5', '--kind', 'nntk', '--lambda', '1e-3'], { activation: 'erf', bias: false, sigmaW: 1.5, kind: 'nntk', lambda: 1e-3 }],
      [['--activation', 'softplus', '--sigma-b', '0.5', '--quadrature-nodes', '64', '--x2', 'XS2.npy'], { activation: 'softplus', sigmaB: 0.5, quadratureNodes: 64 }, X2],
      [['--activation', 'tanh', '--tolerance', '1e-6', '--x2', 'XS2.npy', '--kind', 'nntk', '--lambda', '0.1'], { activation: 'tanh', tolerance: 1e-6, kind: 'nntk', lambda: 0.1 }, X2],
      [['--activation', 'erf', '--outputs', 'full', '--output-count', '3', '--x2', 'XS2.npy'], { activation: 'erf', outputs: 'full', outputCount: 3 }, X2],
      [['--activation', 'relu', '--outputs', 'full', '--output-count', '2', '--kind', 'nntk', '--lambda', '0.05'], { activation: 'relu', outputs: 'full', outputCount: 2, kind: 'nntk', lambda: 0.05 }],
      [['--activation', 'sin', '--outputs', 'trace'], { activation: 'sin' }],
    ];
    for (const [i, [args, options, rows]] of cases.entries()) {
      const r = run('--x', 'XS.npy', ...args, '--out', `L${i}.npy`);
      expect([r.status, r.stderr, r.stdout], args.join(' ')).toEqual([0, '', '']);
      const file = await readNpy(path(`L${i}.npy`));
      // --x is the training set; the rows are the --x2 points, as in `nntk kernel`.
      const K = (rows === undefined ? limitKernel(XS, options) : limitKernel(rows, XS, options)).kernel;
      expect(file.shape).toEqual([K.rows, K.cols]);
      expect(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength).equals(Buffer.from(K.data.buffer, K.data.byteOffset, K.data.byteLength)), args.join(' ')).toBe(true);
    }
  });

  it('--help exits 0 with the usage on stdout', () => {
    for (const args of [['--help'], ['-h']]) {
      const r = run(...args);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/^Usage: nntk limit /);
      expect(r.stdout).toMatch(/lambda I \+ K_inf\/M/);
    }
  });

  it('usage errors exit 2 with one line on stderr; unusable files exit 1', () => {
    const usage: string[][] = [
      ['--x', 'XS.npy', '--activation', 'tanh', '--kind', 'nntk', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--lambda', '0.1', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'gelu', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--sigma-w', '-1', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--kind', 'nntk', '--lambda', '0', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--quadrature-nodes', '0', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--tolerance', '1', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--tolerance', '1e-15', '--out', 'u.npy'],
      ['--activation', 'tanh', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--out', 'u.npy', 'extra'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--outputs', 'full', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--output-count', '2', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--outputs', 'full', '--output-count', '0', '--out', 'u.npy'],
      ['--x', 'XS.npy', '--activation', 'tanh', '--outputs', 'diagonal', '--out', 'u.npy'],
    ];
    for (const args of usage) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^nntk: limit: [^\n]*\n$/);
    }
    for (const args of [['--x', 'vector.npy'], ['--x', 'nan.npy'], ['--x', 'XS.npy', '--x2', 'd3.npy'], ['--x', 'missing.npy']]) {
      const r = run(...args, '--activation', 'erf', '--out', 'u.npy');
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^nntk: limit: [^\n]*\n$/);
    }
  });
});

interface NestedReference {
  A: number[][];
  B: number[][];
  inputs: number[][];
  error: number[][];
  errorA: number[][];
  errorB: number[][];
}

describe('the limit kernels — adaptive rule and closed forms — against nested scipy quad up to |x|σ_w = 10 (test/reference/limit_nested_quad.py)', () => {
  const cases: Array<{ activation: Activation; scale: number; bias: boolean }> = [];
  for (const activation of ['tanh', 'sigmoid', 'softplus', 'erf', 'sin', 'relu'] as const) {
    for (const scale of [0.5, 3, 10]) for (const bias of [true, false]) cases.push({ activation, scale, bias });
  }
  // Three points of norm `scale` (σ_w = 1): two at angle 0.05 (ρ ≈ 0.999: the series is long there), one at 2.5.
  const points = (r: number): number[][] => [[r, 0], [r * Math.cos(0.05), r * Math.sin(0.05)], [r * Math.cos(2.5), r * Math.sin(2.5)]];
  const references = new Map<string, Promise<NestedReference>>();
  const key = (c: (typeof cases)[number]): string => `${c.activation} ${c.scale} ${c.bias}`;
  beforeAll(() => {
    for (const c of cases) {
      const request = JSON.stringify({ activation: c.activation, X: points(c.scale), sigmaW: 1, sigmaB: 1, bias: c.bias });
      references.set(
        key(c),
        new Promise((resolve, reject) => {
          // The reference's numpy has its own OpenBLAS: a core type forced for nntk's (e.g. SkylakeX on a CPU without AVX-512) must not reach it.
          const { OPENBLAS_CORETYPE: _coretype, ...env } = process.env;
          const child = execFile('python3', [join(ROOT, 'test/reference/limit_nested_quad.py')], { maxBuffer: 1 << 24, env }, (error, stdout) => {
            if (error) reject(error);
            else resolve(JSON.parse(stdout) as NestedReference);
          });
          child.stdin!.end(request);
        }),
      );
    }
  });
  const tolerance = 1e-10;
  for (const c of cases) {
    it(`${c.activation}, |x|σ_w = ${c.scale}, ${c.bias ? 'bias' : 'no bias'}: K∞ and E[σ′σ′] within the estimate plus the reference's bound; estimate and actual error ≤ 1e-10·max|K∞|`, async () => {
      const ref = await references.get(key(c))!;
      const m = 3;
      const X = Matrix.from(points(c.scale));
      const first = limitKernel(X, { activation: c.activation, bias: c.bias });
      // Same Σ (2x with σ_w/2), x̃·x̃′ = 4x·x′ (+1): separates the two expectations.
      const second = limitKernel(Matrix.from(points(2 * c.scale)), { activation: c.activation, bias: c.bias, sigmaW: 0.5 });
      // errorEstimate is relative to max|K∞| = the largest K∞(x, x): back to absolute errors of K∞.
      const absolute = (r: KernelResult) => r.errorEstimate! * Math.max(...Array.from({ length: m }, (_, i) => r.kernel.get(i, i) * m));
      let largest = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) largest = Math.max(largest, Math.abs(ref.A[i]![j]! + ref.B[i]![j]! * ref.inputs[i]![j]!));
      const estimate = absolute(first);
      expect(first.errorEstimate).toBeLessThanOrEqual(tolerance);
      expect(estimate).toBeLessThanOrEqual(tolerance * largest);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          const exact = ref.A[i]![j]! + ref.B[i]![j]! * ref.inputs[i]![j]!;
          const actual = Math.abs(first.kernel.get(i, j) * m - exact);
          // Rounding of the /M and the comparison: a few ε of the largest entry.
          const rounding = 8 * Number.EPSILON * largest;
          expect(actual, `K∞[${i}, ${j}]`).toBeLessThanOrEqual(estimate + ref.error[i]![j]! + rounding);
          expect(actual, `K∞[${i}, ${j}] actual`).toBeLessThanOrEqual(tolerance * largest);
          const p1 = ref.inputs[i]![j]!;
          const p2 = 4 * (p1 - (c.bias ? 1 : 0)) + (c.bias ? 1 : 0);
          const slope = ((second.kernel.get(i, j) - first.kernel.get(i, j)) * m) / (p2 - p1);
          const slopeBound = (estimate + absolute(second) + 2 * rounding) / Math.abs(p2 - p1) + ref.errorB[i]![j]!;
          expect(Math.abs(slope - ref.B[i]![j]!), `E[σ′σ′][${i}, ${j}]`).toBeLessThanOrEqual(slopeBound);
        }
      }
    }, 120_000);
  }

  it('sin by quadrature at |x|σ_w = 30 (oscillating: a uniform mesh) matches its closed form to the estimate, ≤ 1e-10', () => {
    const X = Matrix.from(points(30));
    const quad = limitKernel(X, { activation: 'sin', method: 'quadrature' });
    const closed = limitKernel(X, { activation: 'sin' }).kernel;
    const largest = Math.max(...closed.data.map(Math.abs));
    expect(quad.errorEstimate).toBeLessThanOrEqual(1e-10);
    expect(maxDifference(quad.kernel.data, closed.data)).toBeLessThanOrEqual((quad.errorEstimate! + 8 * Number.EPSILON) * largest);
  });

  it('an integrand beyond the rule (sin at |x|σ_w = 1000, method quadrature) throws QuadratureError naming the entry', () => {
    const X = Matrix.from(points(1000));
    let caught: unknown;
    try {
      limitKernel(X, { activation: 'sin', method: 'quadrature' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuadratureError);
    expect((caught as QuadratureError).index).toEqual([0, 0]);
    expect((caught as QuadratureError).message).toMatch(/entry \[0, 0\]/);
  });

  it('rejects a tolerance outside [1e-14, 1)', () => {
    const X = Matrix.from(points(1));
    expect(() => limitKernel(X, { activation: 'tanh', tolerance: 0 })).toThrow(RangeError);
    expect(() => limitKernel(X, { activation: 'tanh', tolerance: 1 })).toThrow(RangeError);
    expect(() => limitKernel(X, { activation: 'tanh', tolerance: Number.NaN })).toThrow(RangeError);
  });
});

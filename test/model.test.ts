/**
 * The two-layer network (lib/model/network.ts) against docs/math.md §1–2.
 *
 * 1. Agreement with an independent numpy implementation,
 *    test/reference/two_layer.py (written from docs/math.md): f, the Jacobian
 *    assembled from jacobianBlock over several neuron ranges, the blocks Sᵢ of
 *    secondOrderBlocks, and g = Jᵀr/M, H = JᵀJ/M + blockdiag(S) built from
 *    those TypeScript pieces; for every activation × bias on/off × β ∈ {½, 1}
 *    on small cases (N = 7, d = 3, M = 5), for one wide case per activation
 *    (N = 300, M = 40, assembled over uneven ranges and over chunks()), and for
 *    relu exactly at its kink (σ′(0) = 0).
 * 2. Calculus, independent of any reference: J against central differences of
 *    predict, and H against central differences of g, on the small cases.
 * 3. Initialisation, parameter layout, fromArrays/W/b, moved, and bad input.
 *
 * The numpy script runs once for all cases (beforeAll): one interpreter start
 * instead of thirty. Errors are "relative max errors" max|a − b| / max|b|
 * unless said otherwise; the worst value of each kind is printed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonFiniteError } from '../lib/errors.js';
import { readNpy, writeNpy } from '../lib/io/npy.js';
import { gemm } from '../lib/linalg/blas.js';
import { Matrix } from '../lib/linalg/matrix.js';
import { native } from '../lib/linalg/native.js';
import { Workspace } from '../lib/linalg/workspace.js';
import { ACTIVATIONS, evaluateAt, type Activation } from '../lib/model/activations.js';
import { checkData } from '../lib/model/data.js';
import { TwoLayerNetwork, type NetworkConfig } from '../lib/model/network.js';
import { rng } from './random.js';

const EPS = Number.EPSILON;

// ---------------------------------------------------------------------------
// Tolerances

const TOL = {
  /**
   * TypeScript vs numpy, relative max error. Both sides evaluate the same
   * closed formulas (docs/math.md §2) in float64; they differ only in summation order
   * (OpenBLAS gemm vs numpy's matmul/einsum, pre-activations u = w·x̃ of d+1
   * terms, f of N terms, S and H of M terms) and in the last bit of σ, σ′, σ″
   * (V8's Math.tanh/exp/sin vs glibc; fdlibm erf vs cephes erf, both < 1–2
   * ulp). Each entry is therefore off by a few ulps times the length of its
   * longest sum: ≤ ~N·ε ≈ 7e-14 for N = 300 relative to Σ|terms|, which
   * max-normalisation turns into well under 1e-12.
   */
  reference: 1e-12,
  /**
   * J vs central differences of predict, max|J − J_fd| / max|J|. With step
   * h = 1e-6·max(1, |θ_p|): truncation (h²/6)·|∂³f/∂θ_p³| ≤ ~1e-12·max|J|
   * (f is linear in cᵢ; in (wᵢ, bᵢ) the third derivative is N^(−β)·cᵢσ‴(u)x̃³
   * with |σ‴| ≤ 2, |x̃| ≤ 1.5, |cᵢ| ≲ 3), and round-off ε·N^(−β)Σᵢ|cᵢσ(uᵢ)|/h
   * ≈ 2e-16·7/1e-6 ≈ 1e-9 relative. 1e-7 leaves two orders of margin.
   */
  fdJacobian: 1e-7,
  /**
   * H = JᵀJ/M + blockdiag(S) vs central differences of g = Jᵀr/M,
   * max|H − H_fd| / max|H|: the same analysis one derivative higher
   * (g's round-off ε·|J|·|r| over 2h ≈ 1e-10 relative, truncation ~1e-12),
   * and 1e-6 is the usual bound for a second derivative from first ones.
   */
  fdHessian: 1e-6,
};

const worst = new Map<string, { value: number; bound: number; id: string }>();
function record(kind: string, id: string, value: number, bound: number): void {
  const w = worst.get(kind);
  if (w === undefined || value > w.value) worst.set(kind, { value, bound, id });
}

/** max|a − b| / max|b| (b is the reference). */
function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

function bits(a: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(Float64Array.from(a).buffer));
}

// ---------------------------------------------------------------------------
// Cases

interface Case {
  id: string;
  config: NetworkConfig;
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  /** Neuron ranges [from, to) over which J and S are assembled. */
  partitions: Array<Array<[number, number]>>;
  /** Run the finite-difference checks (small cases only). */
  fd: boolean;
}

/** Uniform on [lo, hi) from the suite's deterministic generator. */
function uniform(next: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * (next() + 0.5);
}

/**
 * M inputs in [−1.5, 1.5)^d; with `margin` > 0, rows whose pre-activation
 * |wᵢ·x + bᵢ| is below `margin` for some neuron are redrawn, so that the
 * finite-difference steps (|Δu| ≤ 1e-6·|x̃|₁·max(1,|θ|) < 1e-4) never cross a
 * relu kink and relu is smooth (piecewise linear) around θ.
 */
function inputs(net: TwoLayerNetwork, m: number, seed: number, margin: number): Matrix {
  const { dim: d } = net.config;
  const k = net.innerDim;
  const next = rng(seed);
  const X = new Matrix(m, d);
  for (let j = 0; j < m; j++) {
    for (;;) {
      const x = Array.from({ length: d }, () => uniform(next, -1.5, 1.5));
      let minU = Infinity;
      for (let i = 0; i < net.width; i++) {
        let u = net.config.bias ? net.inner[i * k + d]! : 0;
        for (let p = 0; p < d; p++) u += net.inner[i * k + p]! * x[p]!;
        minU = Math.min(minU, Math.abs(u));
      }
      if (minU >= margin) {
        X.data.set(x, j * d);
        break;
      }
    }
  }
  return X;
}

function targets(m: number, seed: number): Float64Array {
  const next = rng(seed);
  return Float64Array.from({ length: m }, () => uniform(next, -1, 1));
}

const cases: Case[] = [];
{
  let seed = 1;
  for (const activation of ACTIVATIONS) {
    for (const bias of [true, false]) {
      for (const beta of [0.5, 1]) {
        const config: NetworkConfig = { width: 7, dim: 3, activation, beta, bias };
        const net = TwoLayerNetwork.initialize(config, { seed });
        cases.push({
          id: `${activation}/${bias ? 'bias' : 'nobias'}/beta${beta}/N7`,
          config,
          net,
          X: inputs(net, 5, 100 + seed, 0.02),
          y: targets(5, 200 + seed),
          partitions: [[[0, 7]], [[0, 3], [3, 4], [4, 7]]],
          fd: true,
        });
        seed++;
      }
    }
  }
  // One wide case per activation, over uneven ranges and over the chunks()
  // of an artificially large M (chunks of 4 neurons, 75 of them).
  ACTIVATIONS.forEach((activation, a) => {
    const config: NetworkConfig = { width: 300, dim: 3, activation, beta: a % 2 === 0 ? 0.5 : 1, bias: a % 3 !== 2 };
    const net = TwoLayerNetwork.initialize(config, { seed: 1000 + a, sigmaW: 0.8, sigmaB: 0.5 });
    cases.push({
      id: `${activation}/${config.bias ? 'bias' : 'nobias'}/beta${config.beta}/N300`,
      config,
      net,
      X: inputs(net, 40, 300 + a, 0),
      y: targets(40, 400 + a),
      partitions: [
        [[0, 300]],
        [[0, 1], [1, 97], [97, 256], [256, 300]],
        [...net.chunks(2 ** 19, 4)],
      ],
      fd: false,
    });
  });
  // relu exactly at its kink: u = 0 for neuron 1 everywhere (wᵢ = 0, bᵢ = 0)
  // and for every neuron at x = 0 without bias. docs/math.md: σ′(0) = 0, σ″ = 0.
  for (const bias of [true, false]) {
    const config: NetworkConfig = { width: 4, dim: 2, activation: 'relu', beta: 0.5, bias };
    const net = TwoLayerNetwork.fromArrays(config, {
      c: Float64Array.of(0.7, -1.3, 0.4, 2.1),
      W: Float64Array.of(0.5, -1, 0, 0, -0.25, 0.75, 1.5, 0.5),
      b: Float64Array.of(0.1, 0, -0.3, 0.2),
    });
    cases.push({
      id: `relu/${bias ? 'bias' : 'nobias'}/kink`,
      config,
      net,
      X: Matrix.from([[0, 0], [0.3, -0.8], [-1, 0.4]]),
      y: Float64Array.of(0.5, -0.2, 0.9),
      partitions: [[[0, 4]], [[0, 1], [1, 4]]],
      fd: false,
    });
  }
}

// ---------------------------------------------------------------------------
// Assembling the derivatives from the TypeScript pieces

/** J (M×P) from jacobianBlock over consecutive ranges covering [0, N). */
function jacobian(net: TwoLayerNetwork, X: Matrix, ranges: ReadonlyArray<[number, number]>): Matrix {
  const xt = net.augment(X);
  const m = X.rows;
  const q = net.blockSize;
  const P = net.parameterCount;
  const J = new Matrix(m, P);
  let covered = 0;
  for (const [from, to] of ranges) {
    expect(from).toBe(covered);
    const block = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true }));
    const w = (to - from) * q;
    expect([block.rows, block.cols]).toEqual([m, w]);
    for (let j = 0; j < m; j++) J.data.set(block.data.subarray(j * w, (j + 1) * w), j * P + from * q);
    covered = to;
  }
  expect(covered).toBe(net.width);
  return J;
}

/** The blocks Sᵢ (N·q·q) from secondOrderBlocks over consecutive ranges. */
function blocks(net: TwoLayerNetwork, X: Matrix, r: Float64Array, ranges: ReadonlyArray<[number, number]>): Float64Array {
  const xt = net.augment(X);
  const q = net.blockSize;
  const out = new Float64Array(net.width * q * q);
  for (const [from, to] of ranges) {
    const s = net.secondOrderBlocks(xt, r, net.features(xt, from, to, { slope: true, curvature: true }));
    expect(s.length).toBe((to - from) * q * q);
    out.set(s, from * q * q);
  }
  return out;
}

/** r = f(X) − y, J, g = Jᵀr/M. */
function gradient(net: TwoLayerNetwork, X: Matrix, y: Float64Array, ranges: ReadonlyArray<[number, number]>) {
  const f = net.predict(X);
  const r = f.map((v, j) => v - y[j]!);
  const J = jacobian(net, X, ranges);
  const g = gemm(J, new Matrix(X.rows, 1, r), { transA: true, alpha: 1 / X.rows }).data;
  return { f, r, J, g };
}

/** H = JᵀJ/M + blockdiag(S), P×P. */
function hessian(net: TwoLayerNetwork, J: Matrix, S: Float64Array): Float64Array {
  const q = net.blockSize;
  const P = net.parameterCount;
  const H = gemm(J, J, { transA: true, alpha: 1 / J.rows }).data;
  for (let i = 0; i < net.width; i++) {
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < q; b++) {
        const at = (i * q + a) * P + i * q + b;
        H[at] = H[at]! + S[i * q * q + a * q + b]!;
      }
    }
  }
  return H;
}

/** The diagonal blocks of a P×P matrix, N·q·q. */
function diagonalBlocks(A: Float64Array, n: number, q: number): Float64Array {
  const P = n * q;
  const out = new Float64Array(n * q * q);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < q; a++) out.set(A.subarray((i * q + a) * P + i * q, (i * q + a) * P + i * q + q), i * q * q + a * q);
  }
  return out;
}

/** The network at θ + h·e_p, and the θ_p it actually has. */
function nudged(net: TwoLayerNetwork, p: number, h: number): { net: TwoLayerNetwork; theta: number } {
  const e = new Float64Array(net.parameterCount);
  e[p] = 1;
  const moved = net.moved(e, -h); // θ − (−h)·e_p
  return { net: moved, theta: moved.parameters()[p]! };
}

/** Step for parameter θ_p: 1e-6·max(1, |θ_p|). */
const stepFor = (theta: number): number => 1e-6 * Math.max(1, Math.abs(theta));

// ---------------------------------------------------------------------------
// The numpy reference

const script = fileURLToPath(new URL('./reference/two_layer.py', import.meta.url));
let root = '';
const expected = new Map<string, { f: Float64Array; J: Float64Array; S: Float64Array; H: Float64Array; g: Float64Array }>();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nntk-model-'));
  const dirs = cases.map((_, index) => mkdtempSync(join(root, `case${index}-`)));
  await Promise.all(
    cases.map(async (c, index) => {
      const dir = dirs[index]!;
      const { width: n, dim: d } = c.config;
      writeFileSync(join(dir, 'config.json'), JSON.stringify(c.config));
      await writeNpy(join(dir, 'c.npy'), { shape: [n], data: Float64Array.from(c.net.c) });
      await writeNpy(join(dir, 'W.npy'), { shape: [n, d], data: c.net.W.data });
      if (c.config.bias) await writeNpy(join(dir, 'b.npy'), { shape: [n], data: c.net.b! });
      await writeNpy(join(dir, 'X.npy'), { shape: [c.X.rows, d], data: c.X.data });
      await writeNpy(join(dir, 'y.npy'), { shape: [c.y.length], data: c.y });
    }),
  );
  try {
    execFileSync('python3', [script, ...dirs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { status, stdout, stderr } = e as { status: number | null; stdout: string; stderr: string };
    throw new Error(`two_layer.py exited with ${String(status)}:\n${stdout}${stderr}`);
  }
  await Promise.all(
    cases.map(async (c, index) => {
      const dir = dirs[index]!;
      const m = c.X.rows;
      const P = c.net.parameterCount;
      const read = async (name: string, shape: number[]) => {
        const a = await readNpy(join(dir, `${name}.npy`));
        expect(a.shape, `${c.id}: ${name}.npy shape`).toEqual(shape);
        return a.data;
      };
      expected.set(c.id, {
        f: await read('f', [m]),
        J: await read('J', [m, P]),
        S: await read('S', [P, P]),
        H: await read('H', [P, P]),
        g: await read('g', [P]),
      });
    }),
  );
});

afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true });
  const rows = [...worst.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(
    ([kind, w]) =>
      `${kind.padEnd(44)} ${w.value.toExponential(2).padStart(9)} ≤ ${w.bound.toExponential(2).padStart(9)}  (${(w.value / w.bound).toExponential(1)})  ${w.id}`,
  );
  console.log(`Worst observed errors (value ≤ bound, used fraction of the bound, case):\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------
// 1–2. Values and derivatives

describe.each(cases)('$id', (c) => {
  const ref = () => expected.get(c.id)!;
  const { net, X, y } = c;
  const q = net.blockSize;

  it('predict(X) equals numpy f(X) to relative 1e-12', () => {
    const e = relativeMaxError(net.predict(X), ref().f);
    record('predict vs numpy', c.id, e, TOL.reference);
    expect(e).toBeLessThanOrEqual(TOL.reference);
  });

  it('jacobianBlock assembled over each range partition equals numpy J to relative 1e-12, and partitions agree to a few ulps', () => {
    const Js = c.partitions.map((ranges) => jacobian(net, X, ranges).data);
    for (const J of Js) {
      const e = relativeMaxError(J, ref().J);
      record('jacobian vs numpy', c.id, e, TOL.reference);
      expect(e).toBeLessThanOrEqual(TOL.reference);
    }
    for (const J of Js.slice(1)) {
      const e = relativeMaxError(J, Js[0]!);
      record('jacobian partition vs one range', c.id, e, 4 * EPS);
      expect(e).toBeLessThanOrEqual(4 * EPS);
    }
  });

  it('secondOrderBlocks assembled over each range partition equal the diagonal blocks of numpy S to relative 1e-12', () => {
    const r = net.predict(X).map((v, j) => v - y[j]!);
    const refBlocks = diagonalBlocks(ref().S, net.width, q);
    for (const ranges of c.partitions) {
      const e = relativeMaxError(blocks(net, X, r, ranges), refBlocks);
      record('S blocks vs numpy', c.id, e, TOL.reference);
      expect(e).toBeLessThanOrEqual(TOL.reference);
    }
  });

  it('g = Jᵀr/M and H = JᵀJ/M + blockdiag(S) from the TS pieces equal numpy g and H to relative 1e-12', () => {
    const ranges = c.partitions[c.partitions.length - 1]!;
    const { r, J, g } = gradient(net, X, y, ranges);
    const H = hessian(net, J, blocks(net, X, r, ranges));
    const eg = relativeMaxError(g, ref().g);
    const eh = relativeMaxError(H, ref().H);
    record('gradient vs numpy', c.id, eg, TOL.reference);
    record('hessian vs numpy', c.id, eh, TOL.reference);
    expect(eg).toBeLessThanOrEqual(TOL.reference);
    expect(eh).toBeLessThanOrEqual(TOL.reference);
  });
});

describe.each(cases.filter((c) => c.fd))('$id: finite differences', (c) => {
  const { net, X, y } = c;

  it('jacobianBlock equals central differences of predict to relative 1e-7', () => {
    const J = jacobian(net, X, c.partitions[1]!);
    const P = net.parameterCount;
    const m = X.rows;
    const theta = net.parameters();
    const Jfd = new Float64Array(m * P);
    for (let p = 0; p < P; p++) {
      const h = stepFor(theta[p]!);
      const plus = nudged(net, p, h);
      const minus = nudged(net, p, -h);
      const fp = plus.net.predict(X);
      const fm = minus.net.predict(X);
      const step = plus.theta - minus.theta; // the step actually taken
      for (let j = 0; j < m; j++) Jfd[j * P + p] = (fp[j]! - fm[j]!) / step;
    }
    const e = relativeMaxError(Jfd, J.data);
    record('jacobian vs finite differences', c.id, e, TOL.fdJacobian);
    expect(e).toBeLessThanOrEqual(TOL.fdJacobian);
  });

  // relu: the inputs keep every |u| ≥ 0.02 (see inputs()), far beyond the
  // steps' |Δu| < 1e-4, so f is linear in each (wᵢ, bᵢ) around θ and its
  // Hessian exists there (S has only the ∂²/∂c∂w blocks): the check is valid.
  it('JᵀJ/M + blockdiag(S) equals central differences of g = Jᵀr/M to relative 1e-6', () => {
    const ranges = c.partitions[1]!;
    const { r, J } = gradient(net, X, y, ranges);
    const H = hessian(net, J, blocks(net, X, r, ranges));
    const P = net.parameterCount;
    const theta = net.parameters();
    const Hfd = new Float64Array(P * P);
    for (let p = 0; p < P; p++) {
      const h = stepFor(theta[p]!);
      const plus = nudged(net, p, h);
      const minus = nudged(net, p, -h);
      const gp = gradient(plus.net, X, y, ranges).g;
      const gm = gradient(minus.net, X, y, ranges).g;
      const step = plus.theta - minus.theta;
      for (let a = 0; a < P; a++) Hfd[a * P + p] = (gp[a]! - gm[a]!) / step;
    }
    const e = relativeMaxError(Hfd, H);
    record('hessian vs finite differences', c.id, e, TOL.fdHessian);
    expect(e).toBeLessThanOrEqual(TOL.fdHessian);
  });
});

describe('relu at its kink', () => {
  it('σ′(0) = 0 and σ″(0) = 0: the w, b columns of J vanish where u = 0 exactly', () => {
    for (const bias of [true, false]) {
      const c = cases.find((x) => x.id === `relu/${bias ? 'bias' : 'nobias'}/kink`)!;
      const xt = c.net.augment(c.X);
      const feat = c.net.features(xt, 0, 4, { value: true, slope: true, curvature: true });
      // Neuron 1 has w = 0 (and b = 0): u = 0 at every point.
      for (let j = 0; j < 3; j++) {
        expect(feat.slope![j * 4 + 1]).toBe(0);
        expect(feat.value![j * 4 + 1]).toBe(0);
      }
      expect(Array.from(feat.curvature!)).toEqual(new Array(12).fill(0));
      if (!bias) for (let i = 0; i < 4; i++) expect(feat.slope![i]).toBe(0); // x = 0 ⇒ u = 0
    }
  });
});

describe('chunks', () => {
  it('chunks(m, arrays) are consecutive ranges covering [0, N), one range when the budget allows, many when M is huge', () => {
    const net = TwoLayerNetwork.initialize({ width: 300, dim: 3, activation: 'tanh', beta: 0.5, bias: true });
    expect([...net.chunks(40, 3)]).toEqual([[0, 300]]);
    for (const [m, arrays] of [[2 ** 19, 4], [2 ** 20, 4], [2 ** 23, 1], [2 ** 26, 3]] as const) {
      const ranges = [...net.chunks(m, arrays)];
      const size = Math.max(1, Math.floor((64 * 2 ** 20) / (8 * m * arrays)));
      let at = 0;
      for (const [from, to] of ranges) {
        expect(from).toBe(at);
        expect(to - from).toBeGreaterThan(0);
        expect(to - from).toBeLessThanOrEqual(size);
        at = to;
      }
      expect(at).toBe(300);
      expect(ranges.length).toBe(Math.ceil(300 / size));
    }
  });
});

// ---------------------------------------------------------------------------
// 3. Initialisation and parameter layout

const tanh3: NetworkConfig = { width: 8, dim: 3, activation: 'tanh', beta: 0.5, bias: true };

describe('initialize', () => {
  it('the same seed gives bitwise-identical parameters', () => {
    for (const options of [{ seed: 0 }, { seed: 42, sigmaW: 0.3, sigmaB: 2 }, { seed: 2 ** 32 - 1, symmetric: true }]) {
      const a = TwoLayerNetwork.initialize(tanh3, options).parameters();
      const b = TwoLayerNetwork.initialize(tanh3, options).parameters();
      expect(bits(a)).toEqual(bits(b));
    }
    // The default seed is 0.
    expect(bits(TwoLayerNetwork.initialize(tanh3).parameters())).toEqual(bits(TwoLayerNetwork.initialize(tanh3, { seed: 0 }).parameters()));
  });

  it('different seeds give different parameters (every entry differs)', () => {
    const a = TwoLayerNetwork.initialize(tanh3, { seed: 1 }).parameters();
    for (const seed of [0, 2, 3, 12345]) {
      const b = TwoLayerNetwork.initialize(tanh3, { seed }).parameters();
      for (let p = 0; p < a.length; p++) expect(b[p]).not.toBe(a[p]);
    }
  });

  it('parameters() is neuron-major [cᵢ, wᵢ₁…wᵢd, bᵢ] (q = d + 2), or [cᵢ, wᵢ] (q = d + 1) without bias', () => {
    for (const bias of [true, false]) {
      const net = TwoLayerNetwork.initialize({ ...tanh3, bias }, { seed: 5 });
      const d = 3;
      const q = d + (bias ? 2 : 1);
      expect(net.blockSize).toBe(q);
      expect(net.parameterCount).toBe(8 * q);
      const theta = net.parameters();
      const W = net.W;
      const b = net.b;
      expect(theta.length).toBe(8 * q);
      for (let i = 0; i < 8; i++) {
        expect(theta[i * q]).toBe(net.c[i]);
        for (let p = 0; p < d; p++) expect(theta[i * q + 1 + p]).toBe(W.get(i, p));
        if (bias) expect(theta[i * q + q - 1]).toBe(b![i]);
      }
      if (!bias) expect(b).toBeNull();
    }
  });

  it('over N = 20000 neurons, c ~ N(0, 1), W ~ N(0, σ_w²), b ~ N(0, σ_b²): mean, std, P(|z| < 1) and lag-1 correlation within 4 standard errors', () => {
    // Fixed seeds, so this is deterministic; 4 standard errors means a correct
    // generator would fail for a new seed with probability ~6e-5 per statistic.
    const n = 20000;
    for (const [sigmaW, sigmaB, seed] of [[undefined, undefined, 7], [0.5, 2, 8]] as const) {
      const options = { seed, ...(sigmaW === undefined ? {} : { sigmaW }), ...(sigmaB === undefined ? {} : { sigmaB }) };
      const net = TwoLayerNetwork.initialize({ width: n, dim: 3, activation: 'tanh', beta: 0.5, bias: true }, options);
      for (const [name, data, sigma] of [
        ['c', net.c, 1],
        ['W', net.W.data, sigmaW ?? 1],
        ['b', net.b!, sigmaB ?? 1],
      ] as const) {
        const count = data.length;
        const se = 1 / Math.sqrt(count);
        let sum = 0;
        for (const v of data) sum += v;
        const mean = sum / count;
        let ss = 0;
        let inside = 0;
        let lag = 0;
        for (let i = 0; i < count; i++) {
          const z = data[i]! - mean;
          ss += z * z;
          if (Math.abs(data[i]!) < sigma) inside++;
          if (i > 0) lag += z * (data[i - 1]! - mean);
        }
        const std = Math.sqrt(ss / (count - 1));
        const p1 = 0.6826894921370859; // P(|Z| < 1)
        expect(Math.abs(mean) / sigma, `${name} mean`).toBeLessThanOrEqual(4 * se);
        expect(Math.abs(std / sigma - 1), `${name} std`).toBeLessThanOrEqual(4 * se / Math.SQRT2);
        expect(Math.abs(inside / count - p1), `${name} P(|z|<σ)`).toBeLessThanOrEqual(4 * Math.sqrt(p1 * (1 - p1)) * se);
        expect(Math.abs(lag / ss), `${name} lag-1 correlation`).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it('sigmaW = sigmaB = 0 gives W = 0 and b = 0 exactly (c still N(0, 1))', () => {
    const net = TwoLayerNetwork.initialize(tanh3, { seed: 3, sigmaW: 0, sigmaB: 0 });
    expect(Array.from(net.W.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(net.b!).every((v) => v === 0)).toBe(true);
    expect(Array.from(net.c).every((v) => v !== 0)).toBe(true);
  });
});

describe('symmetric initialisation', () => {
  const widths = [2, 6, 64, 300];

  it('neurons come in pairs (c, w, b), (−c, w, b), bitwise, and the pairs have bitwise-equal σ(u) at every point', () => {
    for (const activation of ACTIVATIONS) {
      for (const bias of [true, false]) {
        for (const width of widths) {
          const net = TwoLayerNetwork.initialize({ width, dim: 3, activation, beta: 0.5, bias }, { seed: width, symmetric: true });
          const q = net.blockSize;
          const theta = net.parameters();
          for (let i = 0; i < width; i += 2) {
            expect(Object.is(theta[(i + 1) * q], -theta[i * q]!)).toBe(true);
            expect(bits(theta.subarray((i + 1) * q + 1, (i + 2) * q))).toEqual(bits(theta.subarray(i * q + 1, (i + 1) * q)));
          }
          const X = inputs(net, 9, width, 0);
          const { value } = net.features(net.augment(X), 0, width, { value: true });
          for (let j = 0; j < 9; j++) {
            for (let i = 0; i < width; i += 2) expect(value![j * width + i + 1]).toBe(value![j * width + i]);
          }
        }
      }
    }
  });

  it('f(X; θ₀) is zero to round-off: |f(xⱼ)| ≤ 2ε·N^(−β)·Σᵢ|cᵢσ(uᵢ)|', () => {
    for (const activation of ACTIVATIONS) {
      for (const width of widths) {
        const net = TwoLayerNetwork.initialize({ width, dim: 3, activation, beta: 0.5, bias: true }, { seed: width, symmetric: true });
        const X = inputs(net, 9, width, 0);
        const { value } = net.features(net.augment(X), 0, width, { value: true });
        const f = net.predict(X);
        for (let j = 0; j < 9; j++) {
          let sum = 0;
          for (let i = 0; i < width; i++) sum += Math.abs(net.c[i]! * value![j * width + i]!);
          expect(Math.abs(f[j]!)).toBeLessThanOrEqual(2 * EPS * net.scale * sum);
        }
      }
    }
  });

  // predict() sums Σᵢ cᵢσ(uᵢ) in neuron order (not with dgemm, whose FMA kernels
  // leave the rounding error of c·σ), so a symmetric pair cancels to the bit.
  it('f(X; θ₀) is exactly +0 (bitwise) for the symmetric initialisation', () => {
    for (const activation of ACTIVATIONS) {
      for (const width of widths) {
        const net = TwoLayerNetwork.initialize({ width, dim: 3, activation, beta: 0.5, bias: true }, { seed: width, symmetric: true });
        const f = net.predict(inputs(net, 9, width, 0));
        expect(bits(f)).toEqual(new Array(9).fill(0n));
      }
    }
  });

  it('an odd width is rejected with RangeError', () => {
    expect(() => TwoLayerNetwork.initialize({ ...tanh3, width: 7 }, { symmetric: true })).toThrow(RangeError);
  });
});

describe('fromArrays, W, b, moved', () => {
  it('fromArrays(c, W, b) round-trips initialize() bitwise through .c, .W, .b and parameters(), with and without bias', () => {
    for (const bias of [true, false]) {
      const config = { ...tanh3, bias };
      const net = TwoLayerNetwork.initialize(config, { seed: 11 });
      const W = net.W;
      expect([W.rows, W.cols]).toEqual([8, 3]);
      const b = net.b;
      const copy = TwoLayerNetwork.fromArrays(config, bias ? { c: net.c, W: W.data, b: b! } : { c: net.c, W: W.data });
      expect(bits(copy.parameters())).toEqual(bits(net.parameters()));
      expect(bits(copy.W.data)).toEqual(bits(W.data));
      if (bias) expect(bits(copy.b!)).toEqual(bits(b!));
      else expect(copy.b).toBeNull();
    }
  });

  it('fromArrays places explicit arrays as θ = [c₀, W₀₀, W₀₁, b₀, c₁, …] and copies its inputs; W and b are copies', () => {
    const config: NetworkConfig = { width: 2, dim: 2, activation: 'sin', beta: 1, bias: true };
    const c = Float64Array.of(1, 2);
    const W = Float64Array.of(3, 4, 5, 6);
    const b = Float64Array.of(7, 8);
    const net = TwoLayerNetwork.fromArrays(config, { c, W, b });
    expect(Array.from(net.parameters())).toEqual([1, 3, 4, 7, 2, 5, 6, 8]);
    c[0] = W[0] = b[0] = -1;
    net.W.data[1] = -1;
    net.b![1] = -1;
    expect(Array.from(net.parameters())).toEqual([1, 3, 4, 7, 2, 5, 6, 8]);
    const noBias = TwoLayerNetwork.fromArrays({ ...config, bias: false }, { c: Float64Array.of(1, 2), W: Float64Array.of(3, 4, 5, 6) });
    expect(Array.from(noBias.parameters())).toEqual([1, 3, 4, 2, 5, 6]);
  });

  it('moved(δ, α) has parameters exactly θ − α·δ (α = 1 by default) and leaves the network unchanged', () => {
    const net = TwoLayerNetwork.initialize(tanh3, { seed: 13 });
    const theta = net.parameters();
    const next = rng(17);
    const delta = Float64Array.from({ length: net.parameterCount }, () => 3 * next());
    for (const alpha of [0.37, -2.5, 1e-9, undefined]) {
      const moved = alpha === undefined ? net.moved(delta) : net.moved(delta, alpha);
      const a = alpha ?? 1;
      expect(bits(moved.parameters())).toEqual(bits(theta.map((t, p) => t - a * delta[p]!)));
      expect(moved.config).toEqual(net.config);
    }
    expect(bits(net.parameters())).toEqual(bits(theta));
    expect(() => net.moved(new Float64Array(net.parameterCount - 1))).toThrow(RangeError);
  });

  it('augment(X) is [X, 1] with bias and X itself without', () => {
    const X = Matrix.from([[1, 2, 3], [4, 5, 6]]);
    expect(TwoLayerNetwork.initialize(tanh3).augment(X).toArray()).toEqual([[1, 2, 3, 1], [4, 5, 6, 1]]);
    expect(TwoLayerNetwork.initialize({ ...tanh3, bias: false }).augment(X).toArray()).toEqual(X.toArray());
  });
});

// ---------------------------------------------------------------------------
// Bad input

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('bad input', () => {
  const net = TwoLayerNetwork.initialize(tanh3, { seed: 1 });

  it('non-finite X in predict/augment → NonFiniteError naming X and its (row, column)', () => {
    for (const [row, col, value] of [[2, 1, NaN], [0, 2, Infinity], [4, 0, -Infinity]] as const) {
      const X = new Matrix(5, 3, Float64Array.from({ length: 15 }, (_, i) => i / 10));
      X.set(row, col, value);
      for (const call of [() => net.predict(X), () => net.augment(X)]) {
        const e = thrown(call);
        expect(e).toBeInstanceOf(NonFiniteError);
        expect((e as NonFiniteError).argument).toBe('X');
        expect((e as NonFiniteError).index).toEqual([row, col]);
        expect(Object.is((e as NonFiniteError).value, value)).toBe(true);
      }
    }
  });

  it('non-finite y in checkData → NonFiniteError naming y and its index', () => {
    const X = new Matrix(5, 3);
    const y = new Float64Array(5);
    y[3] = NaN;
    const e = thrown(() => checkData('network', X, y, 3));
    expect(e).toBeInstanceOf(NonFiniteError);
    expect((e as NonFiniteError).argument).toBe('y');
    expect((e as NonFiniteError).index).toEqual([3]);
  });

  it('non-finite c in fromArrays, the constructor or moved() → NonFiniteError naming c and its index', () => {
    const c = Float64Array.from(net.c);
    c[4] = NaN;
    const calls = [
      () => TwoLayerNetwork.fromArrays(tanh3, { c, W: net.W.data, b: net.b! }),
      () => new TwoLayerNetwork(tanh3, c, Float64Array.from(net.inner)),
      () => {
        const delta = new Float64Array(net.parameterCount);
        delta[4 * net.blockSize] = Infinity;
        return net.moved(delta);
      },
    ];
    for (const call of calls) {
      const e = thrown(call);
      expect(e).toBeInstanceOf(NonFiniteError);
      expect((e as NonFiniteError).argument).toBe('c');
      expect((e as NonFiniteError).index).toEqual([4]);
    }
  });

  it('non-finite W or b in fromArrays → NonFiniteError at the right neuron (row index)', () => {
    const W = Float64Array.from(net.W.data);
    W[2 * 3 + 1] = NaN;
    const e1 = thrown(() => TwoLayerNetwork.fromArrays(tanh3, { c: net.c, W, b: net.b! }));
    expect(e1).toBeInstanceOf(NonFiniteError);
    expect((e1 as NonFiniteError).index[0]).toBe(2);
    const b = Float64Array.from(net.b!);
    b[5] = -Infinity;
    const e2 = thrown(() => TwoLayerNetwork.fromArrays(tanh3, { c: net.c, W: net.W.data, b }));
    expect(e2).toBeInstanceOf(NonFiniteError);
    expect((e2 as NonFiniteError).index[0]).toBe(5);
  });

  it('non-finite W or b in fromArrays → NonFiniteError naming W[i, p] or b[i]', () => {
    const W = Float64Array.from(net.W.data);
    W[2 * 3 + 1] = NaN;
    const e1 = thrown(() => TwoLayerNetwork.fromArrays(tanh3, { c: net.c, W, b: net.b! })) as NonFiniteError;
    const b = Float64Array.from(net.b!);
    b[5] = -Infinity;
    const e2 = thrown(() => TwoLayerNetwork.fromArrays(tanh3, { c: net.c, W: net.W.data, b })) as NonFiniteError;
    expect([e1.argument, e1.index, e2.argument, e2.index]).toEqual(['W', [2, 1], 'b', [5]]);
  });

  it('X with the wrong number of columns → RangeError (predict, augment, features)', () => {
    for (const cols of [2, 4]) {
      const X = new Matrix(5, cols);
      expect(() => net.predict(X)).toThrow(RangeError);
      expect(() => net.augment(X)).toThrow(RangeError);
    }
    // features() takes X̃: X itself (3 columns for a biased network) is rejected by gemm.
    expect(() => net.features(new Matrix(5, 3), 0, 8, { value: true })).toThrow(RangeError);
  });

  it('X without rows (a valid empty Matrix, but no points) → RangeError naming the shape', () => {
    expect(() => net.predict(new Matrix(0, 3))).toThrow(/X must have at least one row \(point\), got 0×3/);
    expect(() => net.augment(new Matrix(0, 3))).toThrow(RangeError);
  });

  it('bad config (width 0 or non-integer, dim 0, β outside [1/2, 1] or NaN, unknown activation) → RangeError; non-boolean bias → TypeError', () => {
    const bad: Array<Partial<NetworkConfig> & Record<string, unknown>> = [
      { width: 0 },
      { width: -3 },
      { width: 2.5 },
      { dim: 0 },
      { beta: 0.3 },
      { beta: 0.49999 },
      { beta: 1.0001 },
      { beta: NaN },
      { activation: 'gelu' as Activation },
      { activation: 'Tanh' as Activation },
    ];
    const W = new Float64Array(8 * 3);
    const b = new Float64Array(8);
    for (const patch of bad) {
      const config = { ...tanh3, ...patch } as NetworkConfig;
      const c = new Float64Array(Math.max(0, Number.isInteger(config.width) ? config.width : 0));
      expect(() => TwoLayerNetwork.initialize(config), JSON.stringify(patch)).toThrow(RangeError);
      expect(() => TwoLayerNetwork.fromArrays(config, { c, W, b }), JSON.stringify(patch)).toThrow(RangeError);
    }
    expect(() => TwoLayerNetwork.initialize({ ...tanh3, bias: 'yes' as unknown as boolean })).toThrow(TypeError);
    // The boundary values are accepted.
    for (const beta of [0.5, 1]) expect(TwoLayerNetwork.initialize({ ...tanh3, beta }).config.beta).toBe(beta);
  });

  it('bad init options (negative or non-finite σ, seed outside [0, 2³²) or non-integer) → RangeError', () => {
    for (const options of [{ sigmaW: -1 }, { sigmaB: NaN }, { sigmaW: Infinity }, { seed: -1 }, { seed: 2 ** 32 }, { seed: 1.5 }]) {
      expect(() => TwoLayerNetwork.initialize(tanh3, options), JSON.stringify(options)).toThrow(RangeError);
    }
  });
});

describe('features kept in a workspace between passes', () => {
  const config: NetworkConfig = { width: 40, dim: 3, activation: 'sigmoid' };
  const net = TwoLayerNetwork.initialize(config, { seed: 3 });
  const X = new Matrix(11, 3, Float64Array.from({ length: 33 }, (_, i) => Math.sin(1.3 * i)));
  const xt = net.augment(X);
  const fresh = (n: TwoLayerNetwork, points: Matrix) => n.features(points, 0, n.width, { value: true, slope: true, curvature: true });

  it('a later pass over every neuron at the same points gets bitwise the values a fresh evaluation gives, σ″ included', () => {
    const workspace = new Workspace();
    const first = net.features(xt, 0, net.width, { value: true }, workspace);
    const later = net.features(xt, 0, net.width, { slope: true, curvature: true }, workspace);
    const expected = fresh(net, xt);
    for (const key of ['value', 'slope', 'curvature'] as const) expect(later[key]).toEqual(expected[key]);
    // σ and σ′ are the kept arrays themselves, and σ″ is kept from then on.
    expect(later.value).toBe(first.value);
    expect(later.slope).toBe(first.slope);
    expect(net.features(xt, 0, net.width, { curvature: true }, workspace)).toBe(later);
  });

  it.each(ACTIVATIONS.flatMap((activation) => [2, 17].map((dim) => [activation, dim] as const)))(
    '%s, d = %i: a pass over every neuron evaluates σ″ only when asked, and the σ″ it adds to the kept σ, σ′ is bitwise a fresh evaluation’s',
    (activation, dim) => {
      const n = TwoLayerNetwork.initialize({ width: 37, dim, activation }, { seed: dim });
      const points = n.augment(new Matrix(13, dim, Float64Array.from({ length: 13 * dim }, (_, i) => Math.sin(0.9 * i))));
      const workspace = new Workspace();
      const first = n.features(points, 0, n.width, { value: true }, workspace);
      expect(first.curvature).toBeNull();
      expect(n.features(points, 0, n.width, { value: true, slope: true }, workspace)).toBe(first);
      const later = n.features(points, 0, n.width, { slope: true, curvature: true }, workspace);
      const expected = fresh(n, points);
      for (const key of ['value', 'slope', 'curvature'] as const) expect(later[key]).toEqual(expected[key]);
      expect(later.value).toBe(first.value);
    },
  );

  it.each([2, 17])(
    'd = %i: the Gram’s |cᵢ|·σ′ is bitwise σ′ times |cᵢ| entry by entry, whether formed in the activations’ pass, added to kept features, or over a part of the neurons',
    (dim) => {
      const n = TwoLayerNetwork.initialize({ width: 37, dim, activation: 'softplus' }, { seed: dim });
      const points = n.augment(new Matrix(13, dim, Float64Array.from({ length: 13 * dim }, (_, i) => Math.cos(0.8 * i))));
      const slope = fresh(n, points).slope!;
      const expected = slope.map((v, e) => v * Math.abs(n.c[e % n.width]!));
      const inPass = new Workspace();
      const f = n.features(points, 0, n.width, { value: true, scaledSlope: true }, inPass);
      expect(f.scaledSlope).toEqual(expected);
      expect(n.features(points, 0, n.width, { scaledSlope: true }, inPass)).toBe(f);
      const added = new Workspace();
      expect(n.features(points, 0, n.width, { value: true }, added).scaledSlope).toBeNull();
      const later = n.features(points, 0, n.width, { scaledSlope: true }, added);
      expect(later.scaledSlope).toEqual(expected);
      // A part, not kept: only what it asks for, σ′ itself not written. (Against σ′ of the same part:
      // from d = 16 on U is a dgemm, whose bits may depend on its shape.)
      const part = n.features(points, 5, 20, { value: true, scaledSlope: true }, new Workspace(0));
      expect(part.slope).toBeNull();
      const partSlope = n.features(points, 5, 20, { slope: true }).slope!;
      expect(part.scaledSlope).toEqual(partSlope.map((v, e) => v * Math.abs(n.c[5 + (e % 15)]!)));
    },
  );

  it('the activations refuse column weights without the array to scale into, and the reverse (TypeError)', () => {
    const [u, out] = [Float64Array.of(0.5, -1), new Float64Array(2)];
    expect(() => native.activations(0, 1, 2, 1, Float64Array.of(1), u, null, null, null, Float64Array.of(1, 2), null)).toThrow(TypeError);
    expect(() => native.activations(0, 1, 2, 1, Float64Array.of(1), u, null, null, null, null, out)).toThrow(TypeError);
    expect(() => native.activations(0, 1, 2, 1, Float64Array.of(1), u, null, null, null, Float64Array.of(1), out)).toThrow(RangeError);
  });

  it('predictAt(augment(X)) is bitwise predict(X), and refuses an X̃ without the bias column', () => {
    expect(net.predictAt(xt)).toEqual(net.predict(X));
    expect(() => net.predictAt(X)).toThrow(RangeError);
  });

  it('another network, other points, or an array of the workspace handed out again means a new evaluation', () => {
    const workspace = new Workspace();
    const other = net.moved(new Float64Array(net.parameterCount).fill(0.01));
    const otherPoints = net.augment(new Matrix(11, 3, Float64Array.from({ length: 33 }, (_, i) => Math.cos(i))));
    net.features(xt, 0, net.width, { value: true }, workspace);
    expect(other.features(xt, 0, other.width, { value: true }, workspace).value).toEqual(fresh(other, xt).value);
    expect(net.features(otherPoints, 0, net.width, { value: true }, workspace).value).toEqual(fresh(net, otherPoints).value);
    net.features(xt, 0, net.width, { value: true }, workspace);
    workspace.array('slope', 7).fill(NaN);
    expect(net.features(xt, 0, net.width, { slope: true }, workspace).slope).toEqual(fresh(net, xt).slope);
    // A part of the neurons is never served from what was kept.
    const part = net.features(xt, 0, 10, { value: true }, workspace);
    expect(part.value!.length).toBe(11 * 10);
  });
});

describe('pre-activations by dgemm from k = GEMM_FROM_INNER_DIM inputs on', () => {
  it.each([16, 33, 65])('features at k = %i agree with σ, σ′, σ″ of X̃·Wᵀ formed entry by entry, within the rounding of the dot products', (k) => {
    const bias = true;
    const net = TwoLayerNetwork.initialize({ width: 37, dim: k - 1, activation: 'tanh', beta: 0.5, bias }, { seed: k });
    expect(net.innerDim).toBe(k);
    const X = new Matrix(29, k - 1, Float64Array.from({ length: 29 * (k - 1) }, (_, i) => Math.sin(0.7 * i) / Math.sqrt(k)));
    const xt = net.augment(X);
    const f = net.features(xt, 3, 30, { value: true, slope: true, curvature: true });
    const nc = 27;
    const [value, slope, curvature] = [new Float64Array(29 * nc), new Float64Array(29 * nc), new Float64Array(29 * nc)];
    evaluateAt('tanh', xt.data, 29, net.inner.subarray(3 * k, 30 * k), nc, k, value, slope, curvature);
    let worst = 0;
    for (let j = 0; j < 29; j++) {
      for (let i = 0; i < nc; i++) {
        let size = 0; // Σₚ |x̃ⱼₚ·wᵢₚ|: two dot products in different orders differ by ≤ 2γ_k of it (Higham, §3.1)
        for (let p = 0; p < k; p++) size += Math.abs(xt.data[j * k + p]! * net.inner[(3 + i) * k + p]!);
        const du = ((2 * k * 2 ** -52) / (1 - 2 * k * 2 ** -52)) * size;
        // On tanh |σ′| ≤ 1, |σ″| < 1, |σ‴| ≤ 2: σ, σ′, σ″ move by ≤ 2·du, plus ≤ 4 ulp (of numbers ≤ 1) on either side.
        const at = j * nc + i;
        for (const [a, b] of [[f.value!, value], [f.slope!, slope], [f.curvature!, curvature]] as const) {
          worst = Math.max(worst, Math.abs(a[at]! - b[at]!) / (2 * du + 8 * 2 ** -52));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('configuration defaults', () => {
  it("a config of width and dim alone is tanh, β = 1/2, with bias, and config holds every default filled in", () => {
    const net = TwoLayerNetwork.initialize({ width: 6, dim: 2 });
    expect(net.config).toEqual({ width: 6, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const explicit = TwoLayerNetwork.initialize({ width: 6, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    expect(net.parameters()).toEqual(explicit.parameters());
  });
});

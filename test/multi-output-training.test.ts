/**
 * Training networks of C > 1 outputs (docs/math.md §8) and their files and
 * CLI (child processes on dist/cli/main.js: run `npm run build:ts` first):
 *
 * 1. A gradient step is θ − (η/M)·Jᵀr with the explicit J; Newton on either
 *    path (and each curvature) drives a C = 3 fit to |r|/|y| ≤ 1e-8; the dense
 *    and kernel paths take the same first step to round-off.
 * 2. Validation on Mv × C one-hot targets: the loss over M points and the
 *    accuracy as argmax agreement; trainAsync returns train's result bitwise.
 * 3. Files: c.npy (N, C), model.json "outputs"; predict writes f.npy (M, C),
 *    train and step read y.npy (M, C); targets of the wrong shape exit 1
 *    naming the file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLearningRate, gemm, Matrix, NewtonSystem, readNpy, train, trainAsync, TwoLayerNetwork, writeNpy } from '../dist/index.js';
import { randomMatrix } from './random.js';
import { gamma, normInf, U } from './tolerance.js';

const C = 3;
const M = 12;
const t = Array.from({ length: M }, (_, j) => (2 * Math.PI * j) / M);
const X = new Matrix(M, 2, Float64Array.from(t.flatMap((s) => [Math.cos(s), Math.sin(s)])));
/** Three smooth targets per point, M × 3 sample-major. */
const y = Float64Array.from(t.flatMap((s) => [Math.sin(s), Math.cos(2 * s), 0.5 * Math.sin(3 * s)]));

describe('training with C = 3 outputs', () => {
  const config = { width: 24, dim: 2, outputs: C };

  it('a gradient step is θ − (η/M)·Jᵀr with the explicit Jacobian, within the round-off of Jᵀr', () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 3 });
    const lr = 0.3;
    const { net: next } = train(net, X, y, { method: 'gd', lr, maxSteps: 1, tol: 1e-300 });
    const xt = net.augment(X);
    const J = net.jacobianBlock(xt, net.features(xt, 0, net.width, { value: true, slope: true }));
    const r = new NewtonSystem(net, X, y).residual;
    const g = gemm(J, new Matrix(M * C, 1, r), { transA: true }).data;
    const size = gemm(new Matrix(J.rows, J.cols, J.data.map(Math.abs)), new Matrix(M * C, 1, r.map(Math.abs)), { transA: true }).data;
    const theta = net.parameters();
    const moved = next.parameters();
    for (let p = 0; p < theta.length; p++) {
      const expected = theta[p]! - (lr / M) * g[p]!;
      // Jᵀr sums M·C products (γ_{MC} each side, entries of J within 8u), then one multiply and one subtraction.
      const bound = (lr / M) * 2 * (gamma(M * C) + 8 * U) * size[p]! + 4 * U * Math.abs(expected);
      expect(Math.abs(moved[p]! - expected)).toBeLessThanOrEqual(bound);
    }
  });

  for (const path of ['dense', 'kernel'] as const) {
    for (const hessian of ['auto', 'full', 'gauss-newton'] as const) {
      it(`Newton (${hessian} curvature, ${path} path) fits all three outputs to |r|/|y| ≤ 1e-8`, () => {
        const net = TwoLayerNetwork.initialize(config, { seed: 1 });
        const result = train(net, X, y, { path, hessian, tol: 1e-8, maxSteps: 200 });
        expect(result.reason).toBe('converged');
        const f = result.net.predict(X);
        let squares = 0;
        let norm = 0;
        for (let e = 0; e < y.length; e++) {
          squares += (f[e]! - y[e]!) ** 2;
          norm += y[e]! ** 2;
        }
        expect(Math.sqrt(squares / norm)).toBeLessThanOrEqual(1e-8);
        expect(result.residual).toBeCloseTo(Math.sqrt(squares / norm), 12);
      });
    }
  }

  it('the dense and kernel paths take the same first Newton step to round-off', () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 2 });
    const options = { maxSteps: 1, lambda: 1e-2, damping: 'none', hessian: 'gauss-newton', tol: 1e-300 } as const;
    const dense = train(net, X, y, { ...options, path: 'dense' }).net.parameters();
    const kernel = train(net, X, y, { ...options, path: 'kernel' }).net.parameters();
    const theta = net.parameters();
    const step = theta.map((v, p) => v - dense[p]!);
    // G + λI has the eigenvalues μ(𝒦_GD) + λ and λ (P > M·C): κ = (μ_max + λ)/λ, μ_max = 1/η of gradient descent's
    // default step. Each path solves within κ·(P + M·C)·u of the exact step (test/multi-output-derivatives.test.ts).
    const kappa = (1 / defaultLearningRate(net, X) + 1e-2) / 1e-2;
    const tolerance = 2 * kappa * gamma(4 * (net.parameterCount + M * C + 16));
    expect(tolerance).toBeLessThan(1e-6);
    for (let p = 0; p < theta.length; p++) expect(Math.abs(kernel[p]! - dense[p]!)).toBeLessThanOrEqual(tolerance * normInf(step));
  });
});

describe('validation with C = 3 one-hot targets', () => {
  const config = { width: 16, dim: 2, outputs: C };
  const Xv = new Matrix(9, 2, randomMatrix(9, 2, 4).data);
  const classes = [0, 2, 1, 1, 0, 2, 2, 0, 1];
  const yv = Float64Array.from(classes.flatMap((k) => [0, 1, 2].map((o) => (o === k ? 1 : 0))));

  it('every entry records the loss |f − y|²/(2Mv) over the points and the argmax agreement as accuracy', () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 5 });
    const result = train(net, X, y, { maxSteps: 2, validation: { x: Xv, y: yv } });
    const f = net.predict(Xv);
    let squares = 0;
    let right = 0;
    for (let j = 0; j < 9; j++) {
      const row = [0, 1, 2].map((o) => f[j * C + o]!);
      if (row.indexOf(Math.max(...row)) === classes[j]) right++;
      for (let o = 0; o < C; o++) squares += (row[o]! - yv[j * C + o]!) ** 2;
    }
    expect(result.history[0]!.validationLoss).toBe(squares / (2 * 9));
    expect(result.history[0]!.validationAccuracy).toBe(right / 9);
  });

  it('targets that are not one-hot record no accuracy; validation.y of Mv entries is a RangeError naming it', () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 5 });
    const soft = yv.map((v) => 0.9 * v);
    expect(train(net, X, y, { maxSteps: 1, validation: { x: Xv, y: soft } }).history[0]!.validationAccuracy).toBeUndefined();
    expect(() => train(net, X, y, { maxSteps: 1, validation: { x: Xv, y: new Float64Array(9) } })).toThrow(/validation\.y has 9 entries.*Mv×C = 9×3/);
    expect(() => train(net, X, new Float64Array(M), { maxSteps: 1 })).toThrow(/y has 12 entries, X has 12 rows and the network 3 outputs/);
  });

  it('trainAsync returns train’s parameters and history bit for bit', async () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 6 });
    const options = { method: 'newton' as const, maxSteps: 3, validation: { x: Xv, y: yv } };
    const sync = train(net, X, y, options);
    const async = await trainAsync(net, X, y, options);
    expect(async.net.config).toEqual(sync.net.config);
    expect(Array.from(async.net.parameters())).toEqual(Array.from(sync.net.parameters()));
    expect(async.history.map((e) => [e.loss, e.validationLoss])).toEqual(sync.history.map((e) => [e.loss, e.validationLoss]));
  });
});

describe('files and CLI with C = 3 outputs', () => {
  const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  let dir: string;
  const path = (name: string) => join(dir, name);
  const nntk = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8' });
  const ok = (...args: string[]) => {
    const r = nntk(...args);
    expect(r.stderr).not.toMatch(/^nntk: /m);
    expect(r.status).toBe(0);
    return r;
  };
  const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nntk-outputs-'));
    await writeNpy(path('X.npy'), { shape: [M, 2], data: X.data });
    await writeNpy(path('y.npy'), { shape: [M, C], data: y });
    await writeNpy(path('y1.npy'), { shape: [M], data: y.subarray(0, M) });
    ok('init', '--width', '20', '--dim', '2', '--outputs', '3', '--seed', '4', '--out', 'model');
  }, 60_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('init --outputs 3 writes c.npy of shape (N, 3) and "outputs": 3, the parameters of TwoLayerNetwork.initialize', async () => {
    expect(JSON.parse(readFileSync(path('model/model.json'), 'utf8'))).toEqual({ width: 20, dim: 2, activation: 'tanh', beta: 0.5, bias: true, outputs: 3 });
    const c = await readNpy(path('model/c.npy'));
    expect(c.shape).toEqual([20, 3]);
    expect(bits(c.data).equals(bits(TwoLayerNetwork.initialize({ width: 20, dim: 2, outputs: 3 }, { seed: 4 }).c))).toBe(true);
  });

  it('predict writes f.npy of shape (M, 3), row j = f(x_j), bitwise the library’s', async () => {
    ok('predict', '--model', 'model', '--x', 'X.npy', '--out', 'f.npy');
    const f = await readNpy(path('f.npy'));
    expect(f.shape).toEqual([M, C]);
    expect(bits(f.data).equals(bits(TwoLayerNetwork.initialize({ width: 20, dim: 2, outputs: 3 }, { seed: 4 }).predict(X)))).toBe(true);
  });

  it('train and step read y.npy of shape (M, 3) and write models of 3 outputs equal to the library’s', async () => {
    ok('train', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'newton', '--max-steps', '3', '--out', 'trained', '--quiet');
    const net = TwoLayerNetwork.initialize({ width: 20, dim: 2, outputs: 3 }, { seed: 4 });
    const expected = train(net, X, y, { maxSteps: 3 }).net;
    const c = await readNpy(path('trained/c.npy'));
    expect(c.shape).toEqual([20, 3]);
    expect(bits(c.data).equals(bits(expected.c))).toBe(true);
    const r = ok('step', '--model', 'trained', '--x', 'X.npy', '--y', 'y.npy', '--lambda', 'auto', '--out', 'stepped');
    const summary = JSON.parse(r.stdout) as { lossBefore: number; lossAfter: number };
    expect(summary.lossAfter).toBeLessThan(summary.lossBefore);
    expect((await readNpy(path('stepped/c.npy'))).shape).toEqual([20, 3]);
  });

  it('a model.json with a bad "outputs", or a c.npy of another shape than (N, C), exits 1 naming the file', async () => {
    ok('init', '--width', '4', '--dim', '2', '--outputs', '3', '--out', 'bad');
    const json = { width: 4, dim: 2, activation: 'tanh', beta: 0.5, bias: true };
    for (const [outputs, pattern] of [[0, /model\.json: "outputs" must be an integer ≥ 1, got 0/], [2, /c\.npy: c \(width N × outputs C\) must have shape \(4, 2\) per model\.json, found shape \(4, 3\)/]] as const) {
      writeFileSync(path('bad/model.json'), JSON.stringify({ ...json, outputs }));
      const r = nntk('predict', '--model', 'bad', '--x', 'X.npy', '--out', 'no.npy');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('targets of shape (M,) for a model of 3 outputs exit 1 with one line naming y1.npy and the shape it needs', () => {
    for (const command of [['train', '--method', 'gd', '--max-steps', '1', '--out', 'no'], ['step', '--lambda', '1', '--out', 'no']]) {
      const r = nntk(command[0]!, '--model', 'model', '--x', 'X.npy', '--y', 'y1.npy', ...command.slice(1));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^nntk: .*y1\\.npy: targets must have shape \\(${M}, 3\\) .* found shape \\(${M},\\)`, 'm'));
    }
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { circleData } from '../lib/experiments/circle.js';
import { linearisedNewtonCurve, linearisedResidual, linearisedSteps, predictedSteps } from '../lib/experiments/linearised-steps.js';
import { logLogFit } from '../lib/experiments/log-log-fit.js';
import { runUniformity, type UniformityResult } from '../lib/experiments/uniformity.js';
import { mergeUniformity } from '../lib/experiments/uniformity-merge.js';
import { kernel, Matrix, spectrum, train, TwoLayerNetwork, type HistoryEntry, type TrainResult } from '../lib/index.js';
import { autoLambda } from '../lib/method/lambda.js';
import { NewtonSystem } from '../lib/method/newton.js';
import { project } from '../lib/method/spectrum.js';
import { rng } from './random.js';
import { LAPACK_THRESHOLD } from './tolerance.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

/** Q·diag(μ)·Qᵀ with Q orthogonal (Gram–Schmidt of a seeded random matrix). */
function kernelWithSpectrum(values: number[], seed: number): Matrix {
  const m = values.length;
  const next = rng(seed);
  const q = Array.from({ length: m }, () => Array.from({ length: m }, () => next() - 0.5));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const d = q[i]!.reduce((s, v, t) => s + v * q[j]![t]!, 0);
      q[i] = q[i]!.map((v, t) => v - d * q[j]![t]!);
    }
    const n = Math.hypot(...q[i]!);
    q[i] = q[i]!.map((v) => v / n);
  }
  const K = new Matrix(m, m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) K.data[a * m + b] = values.reduce((s, mu, i) => s + mu * q[i]![a]! * q[i]![b]!, 0);
  return K;
}

/** |r̂_s| for s = 0 … n under a fixed kernel: r̂ₛ₊₁ = (I − step·K)r̂ₛ, from K's eigen-decomposition. */
function fixedCurve(K: Matrix, r0: Float64Array, step: number, n: number): number[] {
  const { values, vectors } = spectrum(K);
  const coordinates = project(vectors!, r0);
  return Array.from({ length: n + 1 }, (_, s) => linearisedResidual(values, coordinates, step, s));
}

describe('the linearised step count', () => {
  it('is the closed form ⌈log(target/|c|)/log(1 − η·μ)⌉ for a single mode, 0 when r₀ already meets the target, Infinity for a mode that does not decay', () => {
    // One mode: |c|·(1 − ημ)^s ≤ target ⇔ s ≥ log(target/|c|)/log(1 − ημ).
    expect(linearisedSteps([0.01, 1], [2, 0], 1, 1e-3)).toBe(Math.ceil(Math.log(1e-3 / 2) / Math.log(0.99)));
    expect(linearisedSteps([0.5], [1e-4], 1, 1e-3)).toBe(0);
    // μ = 0 (or round-off below it) with content above the target: never.
    expect(linearisedSteps([-1e-17, 1], [1, 1], 1, 1e-3)).toBe(Infinity);
    // η·μ > 2: |1 − ημ| > 1, the mode grows.
    expect(linearisedSteps([3], [1], 1, 1e-3)).toBe(Infinity);
    // A mode slower than the horizon: log(1e-3)/log(1 − 1e-17) ≈ 6.9e17 steps > 2^52, reported as never (and it terminates).
    expect(linearisedSteps([1e-17], [1], 1, 1e-3)).toBe(Infinity);
    // Just inside the horizon the bisection on integers near 2^51 still ends, at the closed form's count
    // (± 1: log(1 − 2^−48) carries a relative rounding error ≈ ε, which moves 2^51 steps by ≈ 0.5).
    const slow = 2 ** -48;
    expect(Math.abs(linearisedSteps([slow], [1], 1, Math.exp(-8)) - Math.ceil(-8 / Math.log1p(-slow)))).toBeLessThanOrEqual(1);
    expect(() => linearisedSteps([1], [1, 2], 1, 1e-3)).toThrow(/1 eigenvalues but 2 coordinates/);
    expect(() => linearisedSteps([1], [1], 0, 1e-3)).toThrow(/step must be/);
  });

  it('agrees with numpy (eigh + brentq root, and direct iteration of r ← r − η·K·r) on kernels with known spectra', () => {
    const m = 12;
    const cases = [0, 1, 2].map((seed) => {
      // Log-spaced eigenvalues in [1e-3, 1]: condition number 1e3, every mode decays.
      const values = Array.from({ length: m }, (_, i) => 10 ** (-3 * (i / (m - 1))));
      const K = kernelWithSpectrum(values, 10 + seed);
      const next = rng(20 + seed);
      const r0 = Float64Array.from({ length: m }, () => next() - 0.5);
      const step = 0.9;
      const target = 10 ** -(2 + seed) * Math.hypot(...r0);
      return { K, r0, step, target, muMin: 1e-3, muMax: 1 };
    });
    const request = JSON.stringify(cases.map((c) => ({ m, kernel: [...c.K.data], r0: [...c.r0], step: c.step, target: c.target })));
    const reference = JSON.parse(execFileSync('python3', [join(ROOT, 'test/reference/uniformity_prediction.py')], { input: request, encoding: 'utf8' })) as {
      root: number;
      iterated: number | null;
    }[];
    cases.forEach((c, i) => {
      const steps = predictedSteps(c.K, c.r0, c.step, c.target);
      const { root, iterated } = reference[i]!;
      // Both eigensolvers' eigenvalues are exact for K + E, ‖E‖ ≤ 30·m·ε·‖K‖ (LAPACK's backward error); the slowest
      // mode's rate log(1 − ημ) then moves by ≤ η·δμ/(1 − ημ_min) relative to η·μ_min, and s by that relative amount.
      const deltaMu = 2 * LAPACK_THRESHOLD * m * Number.EPSILON * c.muMax;
      const slack = 1 + root * (deltaMu / c.muMin / (1 - c.step * c.muMin));
      expect(Math.abs(steps - Math.ceil(root)), `case ${i}: ${steps} against ceil(${root})`).toBeLessThanOrEqual(slack);
      expect(iterated, `case ${i}`).not.toBeNull();
      expect(Math.abs(steps - iterated!), `case ${i}: ${steps} against iterated ${iterated}`).toBeLessThanOrEqual(slack);
    });
  });

  it('follows a changing λ as numpy iterating r ← r − α·K(K + λₜI)⁻¹r does, and is one mode’s closed form Π (λₜ + (1 − α)μ)/(μ + λₜ)', () => {
    const m = 10;
    // Eigenvalues 1 … 1e-4 (condition 1e4) and λₜ falling from 1e-1 to 1e-9 as the certified λ does along a run.
    const values = Array.from({ length: m }, (_, i) => 10 ** (-4 * (i / (m - 1))));
    const lambdas = Array.from({ length: 12 }, (_, t) => 10 ** (-1 - (8 * t) / 11));
    const cases = [1, 0.5].map((alpha, seed) => {
      const next = rng(30 + seed);
      return { K: kernelWithSpectrum(values, 40 + seed), r0: Float64Array.from({ length: m }, () => next() - 0.5), alpha };
    });
    const request = JSON.stringify(cases.map((c) => ({ m, kernel: [...c.K.data], r0: [...c.r0], alpha: c.alpha, lambdas })));
    const reference = JSON.parse(execFileSync('python3', [join(ROOT, 'test/reference/followed_lambda_curve.py')], { input: request, encoding: 'utf8' })) as number[][];
    cases.forEach((c, i) => {
      const { values: mu, vectors } = spectrum(c.K);
      const curve = linearisedNewtonCurve(mu, project(vectors!, c.r0), c.alpha, lambdas);
      expect(curve.length).toBe(lambdas.length + 1);
      curve.forEach((r, t) => {
        // Each solve is backward stable for K + λₜI (condition ≤ μ_max/λₜ); the eigen-route's factors are exact for
        // K + E, ‖E‖ ≤ 30·m·ε·‖K‖. A mode of μ ≥ λₜ is cut to λₜ/μ of itself, so an error δμ in μ moves the factor by
        // at most δμ/λₜ relative: the two routes agree to (t + 1)·30·m·ε·μ_max/λ_min relative to |r₀|, and both see the
        // same order of round-off in the direct solve.
        const tolerance = 2 * (t + 1) * LAPACK_THRESHOLD * m * Number.EPSILON * (1 / lambdas.at(-1)!) * curve[0]!;
        expect(Math.abs(r - reference[i]![t]!), `case ${i}, step ${t}: ${r} against ${reference[i]![t]}`).toBeLessThanOrEqual(tolerance);
      });
    });
    // One mode μ = 0.3, α = 1/2, λ = 0.1 then 0.2: |c|·(0.1 + 0.15)/0.4·(0.2 + 0.15)/0.5.
    expect(linearisedNewtonCurve([0.3], [2], 0.5, [0.1, 0.2])[2]).toBeCloseTo(2 * (0.25 / 0.4) * (0.35 / 0.5), 15);
    expect(() => linearisedNewtonCurve([1], [1], 1, [1e-3, 0])).toThrow(/lambdas\[1\] must be a finite number > 0/);
    expect(() => linearisedNewtonCurve([1], [1], 2.5, [1])).toThrow(/alpha must be in \(0, 2\]/);
  });

  // The bound grows like (drift/μ_min)·|r₀|, the drift like N^(−1/2): at M = 8 (μ_min ≈ 5e-3 for 𝒦_GD) it is below
  // half of 1e-2·|y| from N = 2^15 on (≈ 0.2 of it for gradient descent, ≈ 0.07 for Newton), not yet at 2^13.
  it('predicts the residual curve and the steps of gradient descent at large width and small step (N = 2^15, η = 0.5/μ_max) within the bound the kernel’s drift gives', () => {
    const m = 8;
    const net = TwoLayerNetwork.initialize({ width: 2 ** 15, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 1 });
    const { X, y } = circleData(m, 1);
    const K0 = kernel(net, X).kernel;
    const lr = 0.5 / spectrum(K0, { vectors: false, largest: 1 }).values[0]!;
    checkLinearisation({
      net, X, y, step: lr, tol: 1e-2,
      kernelAt: (n) => kernel(n, X).kernel,
      linearisedKernel: () => K0,
      linearised: (r0, lambdas) => fixedCurve(K0, r0, lr, lambdas.length),
      train: (options) => train(net, X, y, { method: 'gd', lr, ...options }),
    });
  }, 60_000);

  it('predicts the residual curve and the steps of Newton with a fixed λ (𝒦_N, full Hessian, α = 1/2) at large width (N = 2^15) within the bound the kernel’s drift gives', () => {
    const m = 8;
    const net = TwoLayerNetwork.initialize({ width: 2 ** 15, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 2 });
    const { X, y } = circleData(m, 1);
    // Four times the certified λ at θ₀: S + λI stays positive definite as the residual (and with it S) shrinks.
    const lambda = 4 * autoLambda(new NewtonSystem(net, X, y), 'full');
    const kernelAt = (n: TwoLayerNetwork) => kernel(n, X, { kind: 'nntk', lambda, y }).kernel;
    const K0 = kernelAt(net);
    const alpha = 0.5;
    checkLinearisation({
      net, X, y, step: alpha, tol: 1e-2, kernelAt,
      linearisedKernel: () => K0,
      linearised: (r0, lambdas) => fixedCurve(K0, r0, alpha, lambdas.length),
      train: (options) => train(net, X, y, { method: 'newton', hessian: 'full', lambda, damping: 'none', alpha, ...options }),
    });
  }, 60_000);

  it('predicts the residual curve and the steps of Newton with the certified λ recomputed every step (full Hessian, α = 1/2) at large width (N = 2^15), following the λₜ the run took, within the bound the kernel’s drift gives', () => {
    const m = 8;
    const net = TwoLayerNetwork.initialize({ width: 2 ** 15, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 3 });
    const { X, y } = circleData(m, 1);
    const K0 = kernel(net, X).kernel;
    const { values, vectors } = spectrum(K0);
    const alpha = 0.5;
    // 𝒦_GD(𝒦_GD + λI)⁻¹ at θ₀: eigenvalues μ/(μ + λ) on 𝒦_GD's eigenvectors (the rows of `vectors`), docs/math.md §4.
    const gaussNewton = (lambda: number) => {
      const K = new Matrix(m, m);
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          K.data[a * m + b] = values.reduce((sum, mu, k) => sum + (Math.max(mu, 0) / (Math.max(mu, 0) + lambda)) * vectors!.data[k * m + a]! * vectors!.data[k * m + b]!, 0);
        }
      }
      return K;
    };
    // Here the drift is S at θₜ against the linearised model's S = 0: S ∝ |rₜ|·N^(−1/2), so the bound is
    // ≈ α·Σₜ ‖Sₜ‖/μ_min·|rₜ| ≈ 0.01·|r₀| at N = 2^15, M = 8 — below half the target from tol 5e-2 on (at 1e-2 it is not).
    checkLinearisation({
      net, X, y, step: alpha, tol: 5e-2,
      // The step at θₜ: the full-Hessian Newton kernel with the λ it was certified for there.
      kernelAt: (n, lambda) => kernel(n, X, { kind: 'nntk', lambda: lambda!, y }).kernel,
      linearisedKernel: (lambda) => gaussNewton(lambda!),
      linearised: (r0, lambdas) => linearisedNewtonCurve(values, project(vectors!, r0), alpha, lambdas as number[]),
      train: (options) => train(net, X, y, { method: 'newton', hessian: 'full', lambda: 'auto', damping: 'none', alpha, ...options }),
    });
  }, 120_000);
});

/**
 * The linearised dynamics r̂ₜ₊₁ = (I − s·K̂ₜ)r̂ₜ against training, K̂ₜ the
 * linearised model's kernel for step t: K₀ for gradient descent and Newton
 * with a fixed λ, the Gauss–Newton kernel at θ₀ with that step's λₜ for
 * newton-auto. Each step of training moves the residual by
 * rₜ₊₁ = rₜ − s·Kₜ·rₜ + qₜ (Kₜ the kernel at θₜ with λₜ, qₜ the second-order
 * remainder of f along the step), so rₜ₊₁ − r̂ₜ₊₁ = (I − s·K̂ₜ)(rₜ − r̂ₜ) + eₜ
 * with eₜ = −s·(Kₜ − K̂ₜ)·rₜ + qₜ; as ‖I − s·K̂ₜ‖₂ ≤ 1 (0 ≤ s·μ ≤ 2),
 * |r_n − r̂_n| ≤ B_n = Σₜ₍ₜ₌₀..ₙ₋₁₎ (s·‖Kₜ − K̂ₜ‖₂·|rₜ| + |qₜ|). The drift
 * ‖Kₜ − K̂ₜ‖₂ (O(N^(−1/2)) in the lazy regime) and qₜ are measured along the
 * run; the check is that the prediction stays within B of training at every
 * step and that the measured steps lie between the first steps at which the
 * prediction meets the targets tol·|y| ± B.
 */
function checkLinearisation(c: {
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  step: number;
  tol: number;
  /** The kernel the step from `net` applies, with the λ that step took (null for gradient descent). */
  kernelAt: (net: TwoLayerNetwork, lambda: number | null) => Matrix;
  /** K̂ for a step with that λ. */
  linearisedKernel: (lambda: number | null) => Matrix;
  /** |r̂_s| for s = 0 … n, from r₀ and the λ of the run's n steps. */
  linearised: (r0: Float64Array, lambdas: (number | null)[]) => ArrayLike<number>;
  train: (options: { tol: number; maxSteps: number; onProgress: (entry: HistoryEntry, net: TwoLayerNetwork) => void }) => TrainResult;
}): void {
  const m = c.X.rows;
  const residualOf = (net: TwoLayerNetwork) => new NewtonSystem(net, c.X, c.y).residual;
  const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
  const r0 = residualOf(c.net);
  // bound[n] = B_n, measured[n] = |r_n|.
  const bound = [0];
  const measured = [norm(r0)];
  const lambdas: (number | null)[] = [];
  let previous = { r: r0, net: c.net };
  const run = c.train({
    tol: c.tol,
    maxSteps: 5000,
    onProgress: (entry, net) => {
      // The initial state is reported too: it is r₀, not a step.
      if (entry.step === 0) return;
      expect(entry.accepted).toBe(true);
      const K = c.kernelAt(previous.net, entry.lambda);
      const Khat = c.linearisedKernel(entry.lambda);
      expect(c.step * spectrum(Khat, { vectors: false, largest: 1 }).values[0]!).toBeLessThanOrEqual(2);
      const r = residualOf(net);
      const Kr = Array.from({ length: m }, (_, i) => previous.r.reduce((sum, v, j) => sum + K.data[i * m + j]! * v, 0));
      const q = r.map((v, i) => v - previous.r[i]! + c.step * Kr[i]!);
      const difference = new Matrix(m, m, K.data.map((v, i) => v - Khat.data[i]!));
      const d = spectrum(difference, { vectors: false }).values;
      const drift = Math.max(-d[0]!, d[m - 1]!);
      bound.push(bound.at(-1)! + c.step * drift * norm(previous.r) + norm(q));
      measured.push(norm(r));
      lambdas.push(entry.lambda);
      previous = { r, net };
    },
  });
  expect(run.reason).toBe('converged');
  const n = run.steps;
  const predicted = c.linearised(r0, lambdas);
  expect(predicted.length).toBe(n + 1);
  // Round-off of the eigen-decomposition and of the products: far below the bound, but not zero.
  const slack = (s: number) => LAPACK_THRESHOLD * m * Number.EPSILON * (1 + s) * measured[0]!;
  for (let s = 0; s <= n; s++) {
    expect(Math.abs(predicted[s]! - measured[s]!), `step ${s}: linearised ${predicted[s]}, measured ${measured[s]}, bound ${bound[s]}`).toBeLessThanOrEqual(bound[s]! + slack(s));
  }
  // The bound is informative here (the linearisation holds): below half the target the run stops at, so the
  // targets tol·|y| ± B bracketing the measured steps are both positive.
  const target = c.tol * norm(c.y);
  expect(bound[n]!).toBeLessThan(0.5 * target);
  const first = (t: number) => Array.from(predicted).findIndex((v) => v <= t);
  const upper = first(target + bound[n]! + slack(n));
  expect(upper >= 0 && upper <= n).toBe(true);
  const lower = first(target - bound[n]! - slack(n));
  expect(lower === -1 || lower >= n).toBe(true);
}

describe('the log-log fit of the ratio against N', () => {
  it('recovers the exponent of an exact power law with zero standard error', () => {
    const x = [1024, 2048, 4096, 8192];
    const fit = logLogFit(x, x.map((n) => 28 * (n / 1024) ** -0.16));
    expect(fit.slope).toBeCloseTo(-0.16, 12);
    expect(Math.exp(fit.intercept) * 1024 ** fit.slope).toBeCloseTo(28, 10);
    expect(fit.slopeError).toBeLessThan(1e-12);
    expect(fit.points).toBe(4);
  });

  it('gives the textbook standard error √(s²/Sxx) on points off the line, and skips non-positive values', () => {
    // log x = 0, 1, 2 (x = 1, e, e²), log y = 0, 1, 3: slope 1.5, Sxx = 2, s² = Σ residual²/(n − 2); (5, 0) is skipped.
    const fit = logLogFit([1, Math.E, Math.E ** 2, 5], [1, Math.E, Math.E ** 3, 0]);
    expect(fit.points).toBe(3);
    expect(fit.slope).toBeCloseTo(1.5, 12);
    const residuals = [0 - (fit.intercept + 0), 1 - (fit.intercept + 1.5), 3 - (fit.intercept + 3)];
    const s2 = residuals.reduce((s, r) => s + r * r, 0) / (3 - 2);
    expect(fit.slopeError).toBeCloseTo(Math.sqrt(s2 / 2), 12);
    expect(Number.isNaN(logLogFit([1, 2], [1, 2]).slopeError)).toBe(true);
  });
});

describe('the uniformity experiment', () => {
  it('refuses frequencies that alias on the circle points (k ≥ M/2: sin(32 t) vanishes on 64 points) and unknown options', () => {
    expect(() => runUniformity({ ks: [1, 32], points: 64 })).toThrow(/ks must be integers 1 ≤ k < points\/2 = 32/);
    expect(() => runUniformity({ seed: 1 } as never)).toThrow(/unknown option 'seed'; did you mean 'seeds'/);
    expect(() => runUniformity({ exponents: [8, 6] })).toThrow(/exponents/);
  });

  it('trains every method to tol or its budget beside the linearised residual after the same steps, and above trainTo predicts without training (status not-run)', () => {
    const result = runUniformity({ exponents: [6, 7], trainTo: 6, ks: [1, 4], seeds: 1, points: 10, gdSteps: 10, fullSteps: 5 });
    expect(result.runs.length).toBe(2 * 2 * 5);
    for (const r of result.runs.filter((run) => run.width === 64)) {
      expect(['converged', 'budget', 'failed']).toContain(r.status);
      if (r.status === 'failed') {
        expect([r.steps, r.residual, r.failure!.length > 0]).toEqual([null, null, true]);
        continue;
      }
      expect(r.steps! <= (r.method === 'gd' ? 10 : r.method === 'newton-default' ? 100 : 5)).toBe(true);
      if (r.method === 'newton-default') {
        expect([r.predicted, r.predictedResidual, r.curve]).toEqual([null, null, undefined]);
        continue;
      }
      // The curve's last point is the run's end: the measured residual, and the linearised one after as many steps.
      expect(r.curve!.step.at(-1)).toBe(r.steps);
      expect(r.curve!.measured.at(-1)).toBe(r.residual);
      expect(r.curve!.predicted.at(-1)).toBe(r.predictedResidual);
      expect(r.curve!.measured[0]).toBeCloseTo(r.curve!.predicted[0]!, 12);
    }
    for (const r of result.runs.filter((run) => run.width === 128 && run.method !== 'newton-default')) {
      expect([r.status, r.steps, r.residual]).toEqual(['not-run', null, null]);
      // Not run: the prediction after the whole budget.
      if (r.predicted !== null) expect(r.predictedResidual! > 0).toBe(true);
    }
    expect(result.runs.filter((run) => run.width === 128 && run.method === 'newton-default').every((r) => r.status !== 'not-run')).toBe(true);
    const newton = result.runs.filter((r) => r.method === 'newton-default' && r.width === 64);
    expect(result.ratios.find((r) => r.method === 'newton-default' && r.width === 64)!.measured).toEqual([newton[1]!.steps! / newton[0]!.steps!]);
  });

  it('fails a paper run whose λ_N is below the certified λ at θ₀ (S + λ_N·I indefinite), with the LAPACK message and no prediction', () => {
    const result = runUniformity({ exponents: [6, 6], ks: [1], seeds: 1, points: 10, smallLambda0: 1e-6, fullSteps: 5, gdSteps: 5 });
    const small = result.runs.find((r) => r.method === 'newton-paper-small')!;
    expect(small.status).toBe('failed');
    expect(small.failure).toMatch(/not positive definite/);
    expect([small.predicted, small.predictedResidual, small.lambda]).toEqual([null, null, 1e-6 * 64 ** -0.25]);
  });

  it('merged from runs over separate widths, equals one run over all of them (seconds aside), takes each (width, seed, k) from a result that holds it whole, takes the union of the frequencies, and refuses other settings', () => {
    const options = { trainTo: 7, ks: [1, 4], seeds: 1, points: 10, gdSteps: 10, fullSteps: 5, smallLambda0: 1 };
    const withoutSeconds = (r: UniformityResult) => JSON.parse(JSON.stringify({ ...r, runs: r.runs.map((run) => ({ ...run, seconds: 0 })) })) as unknown;
    const whole = runUniformity({ ...options, exponents: [6, 7] });
    const low = runUniformity({ ...options, exponents: [6, 6] });
    const high = runUniformity({ ...options, exponents: [7, 7] });
    expect(withoutSeconds(mergeUniformity([high, low]))).toEqual(withoutSeconds(whole));
    // An interrupted run's last width is short: the whole one elsewhere is taken instead.
    const cut = { ...whole, partial: true, runs: whole.runs.slice(0, whole.runs.length - 3) };
    expect(withoutSeconds(mergeUniformity([cut, high]))).toEqual(withoutSeconds(whole));
    expect(mergeUniformity([cut]).partial).toBe(true);
    expect(() => mergeUniformity([low, runUniformity({ ...options, exponents: [7, 7], gdSteps: 11 })])).toThrow(/result 1 was run with another gdSteps than result 0/);
    // One width split by frequency into two runs: the same result again.
    const byK = [1, 4].map((k) => runUniformity({ ...options, exponents: [7, 7], ks: [k] }));
    expect(withoutSeconds(mergeUniformity([low, ...byK]))).toEqual(withoutSeconds(whole));
    // A frequency missing at one width: the merged result has the union of the ks, is partial, and that width has no ratio.
    const short = mergeUniformity([low, byK[0]!]);
    expect([short.config.ks, short.partial, short.runs.filter((r) => r.width === 128).map((r) => r.k)]).toEqual([[1, 4], true, [1, 1, 1, 1, 1]]);
    expect(short.ratios.filter((r) => r.width === 128).every((r) => r.measured.length === 0 && r.predicted === null)).toBe(true);
  }, 60_000);

  it('stops when aborted before the first run: no run, partial', () => {
    const controller = new AbortController();
    controller.abort();
    const result = runUniformity({ exponents: [6, 6], ks: [1, 2], seeds: 1, points: 8, signal: controller.signal });
    expect([result.partial, result.runs]).toEqual([true, []]);
  });
});

describe('nntk uniformity, the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nntk-uniformity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'uniformity', ...args], { cwd: dir, encoding: 'utf8' });

  it('--help exits 0 on stdout, explains the aliasing limit on k and names the default frequencies and M', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('aliases');
    expect(r.stdout).toMatch(/--frequencies K,\.\.\. .*\(default 1,2,4,8,16,32\)/);
    expect(r.stdout).toMatch(/--points M .*\(default 128\)/);
    expect(r.stderr).toBe('');
  });

  it('a bad flag, a bad value and --to below --from exit 2 with a message naming the flag', () => {
    for (const [args, pattern] of [
      [['--sedes', '2'], /sedes/],
      [['--seeds', 'x'], /--seeds/],
      [['--from', '8', '--to', '7'], /--to/],
      [['--points', '16'], /--points/],
      [['--frequencies', '1,x'], /--frequencies expects a number, got 'x'/],
      [['--frequencies', '1,0'], /--frequencies must be ≥ 1/],
      [['--frequencies', '1,2,1'], /--frequencies lists a value twice/],
      [['--frequencies', '1,32', '--points', '64'], /--frequencies 32 with --points 64: every k must be < M\/2 = 32 \(sin\(k t\) aliases/],
    ] as const) {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
  });

  it('a small run exits 0, prints the table, and replaces the JSON and the eleven figures whole, leaving no temporary file', () => {
    writeFileSync(join(dir, 'u.json'), 'old');
    const r = cli('--from', '6', '--to', '7', '--seeds', '1', '--points', '34', '--frequencies', '16,1,4,2,8', '--gd-steps', '10', '--full-steps', '5', '--small-lambda0', '1', '--newton-steps', '60', '--json', 'u.json', '--out', 'figs', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ratio steps(16)/steps(1)');
    const json = JSON.parse(readFileSync(join(dir, 'u.json'), 'utf8')) as { partial: boolean; config: { ks: number[] }; runs: unknown[] };
    expect(json.partial).toBe(false);
    // The frequencies in ascending order, whatever order they were given in.
    expect(json.config.ks).toEqual([1, 2, 4, 8, 16]);
    expect(json.runs.length).toBe(2 * 5 * 5);
    expect(readdirSync(join(dir, 'figs')).sort()).toEqual([
      'uniformity-curves-gd.svg',
      'uniformity-curves-newton-auto.svg',
      'uniformity-curves-newton-paper-small.svg',
      'uniformity-curves-newton-paper.svg',
      'uniformity-ratio.svg',
      'uniformity-residual.svg',
      'uniformity-steps-gd.svg',
      'uniformity-steps-newton-auto.svg',
      'uniformity-steps-newton-default.svg',
      'uniformity-steps-newton-paper-small.svg',
      'uniformity-steps-newton-paper.svg',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['figs', 'u.json']);
    for (const name of readdirSync(join(dir, 'figs'))) expect(readFileSync(join(dir, 'figs', name), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  }, 30_000);

  it('--from-json A,B merges runs over separate widths into the table and JSON of one run over both, and refuses --json with one file', () => {
    const common = ['--seeds', '1', '--points', '10', '--frequencies', '1,4', '--gd-steps', '5', '--full-steps', '3', '--small-lambda0', '1', '--newton-steps', '20', '--quiet'];
    for (const [from, to, file] of [['6', '7', 'whole.json'], ['6', '6', 'a.json'], ['7', '7', 'b.json']] as const) {
      const r = cli('--from', from, '--to', to, '--train-to', '7', ...common, '--json', file);
      expect(r.status, r.stderr).toBe(0);
    }
    const merged = cli('--from-json', 'b.json,a.json', '--json', 'merged.json');
    expect(merged.status, merged.stderr).toBe(0);
    const whole = cli('--from-json', 'whole.json');
    expect(merged.stdout.replace(/ +[\d.]+(\s|$)/gm, '$1')).toBe(whole.stdout.replace(/ +[\d.]+(\s|$)/gm, '$1'));
    const ratios = (file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as UniformityResult).ratios;
    expect(ratios('merged.json')).toEqual(ratios('whole.json'));
    const one = cli('--from-json', 'a.json', '--json', 'x.json');
    expect([one.status, one.stderr]).toEqual([2, expect.stringContaining('--json cannot be given with one --from-json file')]);
  }, 60_000);
});

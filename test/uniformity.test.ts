import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { circleData } from '../lib/experiments/circle.js';
import { linearisedSteps, predictedSteps } from '../lib/experiments/linearised-steps.js';
import { logLogFit } from '../lib/experiments/log-log-fit.js';
import { runUniformity } from '../lib/experiments/uniformity.js';
import { kernel, Matrix, spectrum, train, TwoLayerNetwork } from '../lib/index.js';
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

describe('the linearised step count', () => {
  it('is the closed form ⌈log(target/|c|)/log(1 − η·μ)⌉ for a single mode, 0 when r₀ already meets the target, Infinity for a mode that does not decay', () => {
    // One mode: |c|·(1 − ημ)^s ≤ target ⇔ s ≥ log(target/|c|)/log(1 − ημ).
    expect(linearisedSteps([0.01, 1], [2, 0], 1, 1e-3)).toBe(Math.ceil(Math.log(1e-3 / 2) / Math.log(0.99)));
    expect(linearisedSteps([0.5], [1e-4], 1, 1e-3)).toBe(0);
    // μ = 0 (or round-off below it) with content above the target: never.
    expect(linearisedSteps([-1e-17, 1], [1, 1], 1, 1e-3)).toBe(Infinity);
    // η·μ > 2: |1 − ημ| > 1, the mode grows.
    expect(linearisedSteps([3], [1], 1, 1e-3)).toBe(Infinity);
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

  it('predicts the steps gradient descent takes at large width and small step (N = 2^13, η = 0.5/μ_max), within the Weyl bracket of the kernel’s drift', () => {
    const m = 8;
    const tol = 1e-3;
    const net = TwoLayerNetwork.initialize({ width: 2 ** 13, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 1 });
    const { X, y } = circleData(m, 1);
    const K = kernel(net, X).kernel;
    const { values, vectors } = spectrum(K);
    const lr = 0.5 / values[m - 1]!;
    const coordinates = project(vectors!, new NewtonSystem(net, X, y).residual);
    const target = tol * Math.hypot(...y);
    const predicted = linearisedSteps(values, coordinates, lr, target);
    const run = train(net, X, y, { method: 'gd', lr, tol, maxSteps: 5000 });
    expect(run.reason).toBe('converged');
    // The linearisation holds the kernel at K(θ₀); training moves it by Δ = ‖K(θ_end) − K(θ₀)‖₂ (lazy regime: O(N^(−1/2))).
    // By Weyl's theorem every eigenvalue along the way stays within Δ of its value at θ₀ (eigenvector rotation neglected),
    // so the measured steps lie between the predictions with the spectrum shifted by +Δ and −Δ, up to one step of rounding.
    const drift = kernel(run.net, X).kernel;
    const difference = new Matrix(m, m, drift.data.map((v, i) => v - K.data[i]!));
    const d = spectrum(difference, { vectors: false }).values;
    const delta = Math.max(-d[0]!, d[m - 1]!);
    const fastest = linearisedSteps(values.map((v) => v + delta), coordinates, lr, target);
    const slowest = linearisedSteps(values.map((v) => Math.max(v - delta, 0)), coordinates, lr, target);
    expect(run.steps).toBeGreaterThanOrEqual(fastest - 1);
    expect(run.steps).toBeLessThanOrEqual(slowest + 1);
    // And the bracket is narrow here: the prediction is within 5 % of the measurement.
    expect(Math.abs(run.steps - predicted) / run.steps).toBeLessThan(0.05);
  }, 30_000);
});

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

  it('does not run a method whose linearised prediction exceeds its budget, and reports the prediction instead', () => {
    const result = runUniformity({ exponents: [6, 6], ks: [1, 4], seeds: 1, points: 10, gdSteps: 10 });
    const gd = result.runs.filter((r) => r.method === 'gd');
    expect(gd.length).toBe(2);
    for (const r of gd) {
      expect(r.predicted! > 10).toBe(true);
      expect([r.status, r.steps]).toEqual(['predicted-budget', null]);
    }
    const newton = result.runs.filter((r) => r.method === 'newton-default');
    expect(newton.every((r) => r.status === 'converged' && r.steps! > 0)).toBe(true);
    expect(result.ratios.find((r) => r.method === 'newton-default')!.measured).toEqual([newton[1]!.steps! / newton[0]!.steps!]);
  });

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

  it('--help exits 0 on stdout and explains the aliasing limit on k', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('aliases');
    expect(r.stderr).toBe('');
  });

  it('a bad flag, a bad value and --to below --from exit 2 with a message naming the flag', () => {
    for (const [args, pattern] of [
      [['--sedes', '2'], /sedes/],
      [['--seeds', 'x'], /--seeds/],
      [['--from', '8', '--to', '7'], /--to/],
      [['--points', '16'], /--points/],
    ] as const) {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
  });

  it('a small run exits 0, prints the table, and replaces the JSON and the four figures whole, leaving no temporary file', () => {
    writeFileSync(join(dir, 'u.json'), 'old');
    const r = cli('--from', '6', '--to', '7', '--seeds', '1', '--points', '34', '--gd-steps', '10', '--newton-steps', '60', '--json', 'u.json', '--out', 'figs', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ratio steps(16)/steps(1)');
    const json = JSON.parse(readFileSync(join(dir, 'u.json'), 'utf8')) as { partial: boolean; runs: unknown[] };
    expect(json.partial).toBe(false);
    expect(json.runs.length).toBe(2 * 5 * 3);
    expect(readdirSync(join(dir, 'figs')).sort()).toEqual([
      'uniformity-ratio.svg',
      'uniformity-steps-gd.svg',
      'uniformity-steps-newton-default.svg',
      'uniformity-steps-newton-paper.svg',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['figs', 'u.json']);
    for (const name of readdirSync(join(dir, 'figs'))) expect(readFileSync(join(dir, 'figs', name), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  }, 30_000);
});

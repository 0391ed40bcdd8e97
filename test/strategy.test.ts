/**
 * The default Newton training strategy (lib/method/train.ts, lambda.ts):
 * Gauss–Newton with Levenberg–Marquardt damping, the full Hessian only after
 * Gauss–Newton stalls, budgets of accepted steps and of attempts.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Matrix, train, TwoLayerNetwork, type Activation, type TrainResult } from '../lib/index.js';
import { parseNpy } from '../lib/io/npy.js';
import { Damping, LAMBDA_FLOOR, STARTING_TAU } from '../lib/method/lambda.js';
import { circleData } from '../lib/experiments/circle.js';
import { native } from '../lib/linalg/native.js';
import { Workspace } from '../lib/linalg/workspace.js';
import { rng } from './random.js';

/**
 * A regression set shaped like scikit-learn's diabetes (d = 10 there): M = 128
 * points in d = 12 with standardised columns, a smooth target plus noise of a
 * third of its spread, standardised. The noise is what real data brings: the
 * network must interpolate it, far from the smooth functions its kernel favours.
 */
function regressionData(m: number, d: number): { X: Matrix; y: Float64Array } {
  const next = rng(7);
  const X = new Matrix(m, d);
  for (let i = 0; i < X.data.length; i++) X.data[i] = Math.sqrt(12) * next(); // uniform, unit variance
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let a = 0;
    let b = 0;
    for (let p = 0; p < d; p++) {
      a += X.data[j * d + p]! * ((p % 3) - 1);
      b += X.data[j * d + p]! * (p % 2 ? 1 : -0.5);
    }
    y[j] = Math.tanh(a / Math.sqrt(d)) + (0.3 * b * b) / d + 0.5 * next();
  }
  const mean = y.reduce((s, v) => s + v, 0) / m;
  const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / m);
  return { X, y: y.map((v) => (v - mean) / sd) };
}

/** A standardised scikit-learn set committed under test/data (make_sklearn_fixtures.py there). */
function sklearnData(name: 'diabetes' | 'breast_cancer' | 'digits_parity'): { X: Matrix; y: Float64Array } {
  const read = (part: string) => parseNpy(readFileSync(new URL(`./data/${name}-${part}.npy`, import.meta.url)));
  const X = read('X');
  return { X: new Matrix(X.shape[0]!, X.shape[1]!, X.data), y: read('y').data };
}

const net = (activation: Activation, width: number, dim = 12) => TwoLayerNetwork.initialize({ width, dim, activation, beta: 0.5, bias: true }, { seed: 0 });

function relativeResidual(result: TrainResult, X: Matrix, y: Float64Array): number {
  const f = result.net.predict(X);
  return Math.hypot(...f.map((v, j) => v - y[j]!)) / Math.hypot(...y);
}

describe('the default strategy on scikit-learn data (diabetes 442×10, breast_cancer 190×30, digits parity 200×64; N = 256)', () => {
  const cases = (['diabetes', 'breast_cancer', 'digits_parity'] as const).flatMap((name) => (['relu', 'tanh', 'sin', 'softplus'] as const).map((activation) => [name, activation] as const));

  it.each(cases)('%s/%s: reaches |r|/|y| ≤ 1e-6 by Gauss–Newton steps alone, within 20 accepted steps and 25 attempts', (name, activation) => {
    const { X, y } = sklearnData(name);
    const result = train(net(activation, 256, X.cols), X, y, { method: 'newton' });
    expect(result.reason).toBe('converged');
    expect(result.steps).toBeLessThanOrEqual(20);
    expect(result.attempts).toBeLessThanOrEqual(25);
    // One direction per attempt, and where Gauss–Newton converges it is never the full Hessian's.
    expect(result.history.slice(1).every((e) => e.hessian === 'gauss-newton')).toBe(true);
    // The returned parameters, re-evaluated, are at the target: the residual is a norm of M ≤ 442
    // terms of size ≤ |y|, so re-evaluation agrees to ~M·ε relative, far below the 1e-6 checked.
    expect(relativeResidual(result, X, y)).toBeLessThanOrEqual(1e-6);
  });

  it('starts at λ_floor, and after the first rejected attempt retries at τ·max_j |∇_θ f(x_j)|² / M (τ = 1e-3: the textbook LM start), not at 2·λ_floor', () => {
    const { X, y } = sklearnData('diabetes');
    const n = net('tanh', 64, X.cols);
    const result = train(n, X, y, { method: 'newton', maxAttempts: 2 });
    const [, first, second] = result.history;
    expect(first!.lambda).toBe(LAMBDA_FLOOR);
    expect(first!.accepted).toBe(false); // on this case the λ_floor step overshoots: the property is tested
    // The rejected attempt left θ = θ₀: the retry's scale is the per-point NTK at θ₀.
    // |∇_θ f(x)|² = N^(−2β) Σᵢ [σ(uᵢ)² + cᵢ²σ′(uᵢ)²(|x|² + 1)], uᵢ = wᵢ·x + bᵢ (the c, W, b derivatives).
    const { width, dim, beta } = n.config;
    let max = 0;
    for (let j = 0; j < X.rows; j++) {
      const x = X.data.subarray(j * dim, (j + 1) * dim);
      const x2 = x.reduce((s, v) => s + v * v, 0);
      let g = 0;
      for (let i = 0; i < width; i++) {
        let u = n.b![i]!;
        for (let p = 0; p < dim; p++) u += n.W.data[i * dim + p]! * x[p]!;
        const t = Math.tanh(u);
        g += t * t + n.c[i]! ** 2 * (1 - t * t) ** 2 * (x2 + 1);
      }
      max = Math.max(max, g * width ** (-2 * beta));
    }
    // Both sides sum N·(d + 2) positive terms per point: they agree to a few hundred ulps, far below 1e-12.
    expect(Math.abs(second!.lambda! / ((STARTING_TAU * max) / X.rows) - 1)).toBeLessThanOrEqual(1e-12);
  });
});

describe('budgets', () => {
  // N = 16 (P = 224 > M = 128): here Gauss–Newton meets rejected steps after its first few.
  const { X, y } = regressionData(128, 12);

  it('maxSteps counts accepted steps only: rejected attempts do not use it up', () => {
    const result = train(net('relu', 16), X, y, { method: 'newton', maxSteps: 6, tol: 1e-30 });
    const rejected = result.history.filter((e) => !e.accepted).length;
    expect(rejected).toBeGreaterThan(0); // the property is only tested if some attempt was rejected
    expect(result.reason).toBe('max-steps');
    expect(result.steps).toBe(6);
    expect(result.attempts).toBe(6 + rejected);
    expect(result.history.length).toBe(1 + result.attempts);
    expect(result.history.at(-1)!.acceptedSteps).toBe(6);
  });

  it('maxAttempts caps every attempt, accepted or not, and the result reports both counts', () => {
    const result = train(net('relu', 16), X, y, { method: 'newton', maxAttempts: 7, tol: 1e-30 });
    expect(result.reason).toBe('max-attempts');
    expect(result.attempts).toBe(7);
    expect(result.history.length).toBe(8);
    expect(result.steps).toBe(result.history.filter((e) => e.accepted).length - 1);
    expect(result.steps).toBeLessThan(7);
  });

  it('a rejected attempt leaves θ unchanged: its entry repeats the loss and residual in force, and the next attempt raises λ', () => {
    const result = train(net('relu', 16), X, y, { method: 'newton', maxSteps: 10, tol: 1e-30 });
    const h = result.history;
    let checked = 0;
    for (let i = 1; i < h.length; i++) {
      if (h[i]!.accepted) continue;
      expect(h[i]!.loss).toBe(h[i - 1]!.loss);
      expect(h[i]!.residual).toBe(h[i - 1]!.residual);
      if (i + 1 < h.length) expect(h[i + 1]!.lambda!).toBeGreaterThan(h[i]!.lambda!);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // The returned parameters are the last accepted ones: re-evaluated (predict sums the same
    // N terms in another order) the residual agrees to a few ulps of M = 128 terms, ≪ 1e-12.
    expect(Math.abs(relativeResidual(result, X, y) - result.residual)).toBeLessThanOrEqual(1e-12 * result.residual);
  });

  it('evaluates the activations once per attempt: after the first rejection, a rejected trial no longer evicts the current point’s σ, σ′, σ″ from the next direction', () => {
    const evaluations = vi.spyOn(native, 'activations');
    try {
      const result = train(net('relu', 16), X, y, { method: 'newton', maxSteps: 10, tol: 1e-30 });
      const rejected = result.history.filter((e) => !e.accepted).length;
      expect(rejected).toBeGreaterThan(1); // the property is only tested if attempts after the first rejection were rejected
      // One evaluation at θ₀, one per trial point, and one again at the first rejection (until
      // then the trial shares the current point's workspace); the Gram and the directions reuse them.
      expect(evaluations).toHaveBeenCalledTimes(1 + result.attempts + 1);
    } finally {
      evaluations.mockRestore();
    }
  });

  it('a Gauss–Newton training never evaluates σ″ (only S needs it), and a full-Hessian one does at every point it factors', () => {
    const asked = vi.spyOn(Workspace.prototype, 'array');
    const curvatures = () => asked.mock.calls.filter(([name]) => name === 'curvature').length;
    try {
      const gaussNewton = train(net('tanh', 16), X, y, { method: 'newton', hessian: 'gauss-newton', maxSteps: 5, tol: 1e-30 });
      expect(gaussNewton.attempts).toBeGreaterThan(1);
      expect(curvatures()).toBe(0);
      const full = train(net('tanh', 16), X, y, { method: 'newton', hessian: 'full', maxSteps: 3, tol: 1e-30 });
      // One σ″ per attempt, at the point whose S the attempt factors: rejected attempts reuse it.
      const points = new Set(full.history.slice(0, -1).map((e) => e.acceptedSteps));
      expect(curvatures()).toBe(points.size);
    } finally {
      asked.mockRestore();
    }
  });

  it('allocates no workspace array in steady state: once each of its two workspaces has served a trial and a direction, every attempt reuses their arrays', () => {
    const asked = vi.spyOn(Workspace.prototype, 'array');
    const firstSeen = new Map<ArrayBufferLike, number>();
    let attempt = 0;
    try {
      const result = train(net('relu', 16), X, y, {
        method: 'newton',
        maxSteps: 10,
        tol: 1e-30,
        onProgress: () => {
          for (const { value } of asked.mock.results) if (!firstSeen.has((value as Float64Array).buffer)) firstSeen.set((value as Float64Array).buffer, attempt);
          asked.mockClear();
          attempt++;
        },
      });
      // The second workspace comes at the first rejection; it has served a trial and a direction
      // once the first trial accepted after that is followed by its own attempt.
      const firstRejection = result.history.findIndex((e) => !e.accepted);
      const settled = result.history.findIndex((e, i) => i > firstRejection && e.accepted) + 1;
      expect(firstRejection).toBeGreaterThan(0);
      expect(result.attempts).toBeGreaterThan(settled + 5); // steady state was reached and watched
      expect(Math.max(...firstSeen.values())).toBe(settled);
    } finally {
      asked.mockRestore();
    }
  });

  it('rejects a bad maxAttempts', () => {
    expect(() => train(net('relu', 16), X, y, { method: 'newton', maxAttempts: 1.5 })).toThrow(RangeError);
    expect(() => train(net('relu', 16), X, y, { method: 'newton', maxAttempts: -1 })).toThrow(RangeError);
  });
});

describe('curvature', () => {
  it("'auto' switches to the full Hessian when Gauss–Newton stalls (the circle at k = 16), and never back", () => {
    const { X, y } = circleData(64, 16);
    const result = train(TwoLayerNetwork.initialize({ width: 4096, dim: 2, activation: 'tanh', beta: 0.5, bias: true }), X, y, { method: 'newton' });
    const kinds = result.history.slice(1).map((e) => e.hessian);
    const first = kinds.indexOf('full');
    expect(first).toBeGreaterThan(0);
    expect(kinds.slice(0, first).every((k) => k === 'gauss-newton')).toBe(true);
    expect(kinds.slice(first).every((k) => k === 'full')).toBe(true);
    expect(result.reason).toBe('converged');
  });

  it("'gauss-newton' never switches and 'full' never leaves the full Hessian", () => {
    const { X, y } = circleData(32, 8);
    const make = () => TwoLayerNetwork.initialize({ width: 256, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const gn = train(make(), X, y, { method: 'newton', hessian: 'gauss-newton', maxSteps: 30 });
    expect(gn.history.slice(1).every((e) => e.hessian === 'gauss-newton')).toBe(true);
    const full = train(make(), X, y, { method: 'newton', hessian: 'full', maxSteps: 5 });
    expect(full.history.slice(1).every((e) => e.hessian === 'full')).toBe(true);
  });
});

describe('Damping (the λ control)', () => {
  const start = fc.double({ min: 1e-10, max: 1e10, noNaN: true });

  it('divides λ by 10 after a step with gain > 3/4, by 3 after one with 1/4 < gain ≤ 3/4, and keeps it otherwise, never below λ_floor', () => {
    fc.assert(
      fc.property(start, fc.array(fc.double({ min: 1e-4, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }), (lambda, gains) => {
        const d = new Damping(lambda);
        for (const gain of gains) {
          const before = d.lambda;
          d.accepted(gain);
          const divisor = gain > 0.75 ? 10 : gain > 0.25 ? 3 : 1;
          expect(d.lambda).toBe(Math.max(LAMBDA_FLOOR, before / divisor));
        }
      }),
    );
  });

  it('never rises on an accepted step, whatever its gain', () => {
    fc.assert(
      fc.property(start, fc.array(fc.double({ min: 1e-4, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }), (lambda, gains) => {
        const d = new Damping(lambda);
        for (const gain of gains) {
          const before = d.lambda;
          d.accepted(gain);
          expect(d.lambda).toBeLessThanOrEqual(before);
        }
      }),
    );
  });

  it('grows after each rejection by factors 2, 4, 8, … from the λ the rejected step used, and the factor resets on acceptance', () => {
    const d = new Damping(1);
    d.rejected(1);
    expect(d.lambda).toBe(2);
    d.rejected(2);
    expect(d.lambda).toBe(8);
    d.rejected(100); // a full-Hessian step used its certified λ, above the damping's
    expect(d.lambda).toBe(800);
    d.accepted(0.3);
    d.rejected(800);
    expect(d.lambda).toBe(1600);
  });

  it('refuses a λ that is not a finite number > 0', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => new Damping(bad)).toThrow(RangeError);
  });
});

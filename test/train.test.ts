import { describe, expect, it } from 'vitest';
import {
  DivergenceError,
  Matrix,
  NewtonSystem,
  NotPositiveDefiniteError,
  train,
  defaultLearningRate,
  TwoLayerNetwork,
  type HistoryEntry,
} from '../lib/index.js';
import { circleData } from '../lib/experiments/circle.js';
import { EPS, newtonReference, norm, relativeDifference, solveBound } from './newton-reference.js';

const tanh = (width: number) => ({ width, dim: 2, activation: 'tanh' as const, beta: 0.5, bias: true });

function relativeResidual(net: TwoLayerNetwork, X: Matrix, y: Float64Array): number {
  const f = net.predict(X);
  let num = 0;
  let den = 0;
  for (let j = 0; j < y.length; j++) {
    num += (f[j]! - y[j]!) ** 2;
    den += y[j]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('the canonical experiment (docs/math.md §6: M = 64, N = 4096, tanh, library defaults)', () => {
  it.each([1, 2, 4, 8, 16])('Newton reaches |r|/|y| ≤ 1e-6 within 100 accepted steps for k = %i', (k) => {
    const { X, y } = circleData(64, k);
    const net = TwoLayerNetwork.initialize(tanh(4096));
    const result = train(net, X, y, { method: 'newton' });
    expect(result.reason).toBe('converged');
    expect(result.steps).toBeLessThanOrEqual(100);
    expect(result.residual).toBeLessThanOrEqual(1e-6);
    // The history tells the same story as the returned parameters.
    expect(relativeResidual(result.net, X, y)).toBeCloseTo(result.residual, 12);
    const last = result.history.filter((e) => e.accepted).at(-1)!;
    expect(last.residual).toBe(result.residual);
  });
});

describe('train', () => {
  const { X, y } = circleData(16, 3);

  it("onProgress's network is the one in force after each entry: it moves exactly on accepted steps and ends at result.net; gd's default η is defaultLearningRate", () => {
    const start = TwoLayerNetwork.initialize(tanh(64), { seed: 2 });
    const states: { accepted: boolean; theta: Float64Array }[] = [];
    const result = train(start, X, y, { method: 'newton', maxSteps: 8, tol: 1e-30, onProgress: (e, net) => states.push({ accepted: e.accepted, theta: net.parameters() }) });
    const same = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]));
    expect(same(states[0]!.theta, start.parameters())).toBe(true);
    for (let i = 1; i < states.length; i++) expect(same(states[i]!.theta, states[i - 1]!.theta), `entry ${i}`).toBe(!states[i]!.accepted);
    expect(same(states.at(-1)!.theta, result.net.parameters())).toBe(true);
    expect(train(start, X, y, { method: 'gd', maxSteps: 1 }).lr).toBe(defaultLearningRate(start, X));
  });

  it("train(net, X, y) without options is regularized Newton with its defaults: the same run, step for step, as { method: 'newton' }", () => {
    const { X, y } = circleData(16, 2);
    const net = TwoLayerNetwork.initialize(tanh(64));
    const implicit = train(net, X, y);
    const explicit = train(net, X, y, { method: 'newton' });
    // Newton records a λ and a curvature per step; gradient descent records neither.
    expect(implicit.history.slice(1).every((e) => e.lambda !== null && e.hessian !== null)).toBe(true);
    expect(implicit.lr).toBeUndefined();
    expect(implicit.history.map((e) => [e.loss, e.lambda, e.accepted])).toEqual(explicit.history.map((e) => [e.loss, e.lambda, e.accepted]));
    expect(implicit.net.parameters()).toEqual(explicit.net.parameters());
    expect(train(net, X, y, { maxSteps: 2 }).history[1]!.hessian).toBe('gauss-newton');
  });

  it('records one history entry per attempted step, starting with the initial state, each timed within the call', () => {
    const seen: HistoryEntry[] = [];
    const before = performance.now();
    const result = train(TwoLayerNetwork.initialize(tanh(64), { seed: 2 }), X, y, { method: 'newton', maxSteps: 5, tol: 1e-30, onProgress: (e) => seen.push(e) });
    expect(result.reason).toBe('max-steps');
    const elapsed = (performance.now() - before) / 1000;
    expect(result.history).toEqual(seen);
    expect(result.history.length).toBe(6);
    expect(result.history[0]).toMatchObject({ step: 0, lambda: null, hessian: null, accepted: true, seconds: 0 });
    for (const [i, entry] of result.history.slice(1).entries()) {
      expect(entry.step).toBe(i + 1);
      expect(entry.lambda).toBeGreaterThan(0);
      expect(['full', 'gauss-newton']).toContain(entry.hessian);
      // Every step computes (two directions and two losses): a measured duration is never exactly 0.
      expect(entry.seconds).toBeGreaterThan(0);
    }
    // The steps' durations are parts of the call's.
    expect(result.history.reduce((s, e) => s + e.seconds, 0)).toBeLessThanOrEqual(elapsed);
  });

  it('returns the last accepted parameters when rejected steps follow', () => {
    // An unreachable tolerance: near round-off level every further step is rejected until the damping gives up.
    const result = train(TwoLayerNetwork.initialize(tanh(32), { seed: 5 }), X, y, { method: 'newton', hessian: 'gauss-newton', maxSteps: 200, tol: 1e-30 });
    expect(result.reason).toBe('stalled');
    expect(result.history.at(-1)!.accepted).toBe(false);
    const accepted = result.history.filter((e) => e.accepted).at(-1)!;
    expect(relativeResidual(result.net, X, y)).toBeCloseTo(accepted.residual, 12);
  });

  it('stops at the first step boundary after an AbortSignal fires, keeping the accepted parameters', () => {
    const controller = new AbortController();
    const result = train(TwoLayerNetwork.initialize(tanh(64)), X, y, {
      method: 'gd',
      maxSteps: 1_000_000,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.step === 3) controller.abort();
      },
    });
    expect(result.reason).toBe('aborted');
    expect(result.history.length).toBe(4);
    expect(relativeResidual(result.net, X, y)).toBeCloseTo(result.residual, 12);
  });

  it('honours a time budget', () => {
    const result = train(TwoLayerNetwork.initialize(tanh(64)), X, y, { method: 'gd', maxSteps: 1e9, maxSeconds: 0.2 });
    expect(result.reason).toBe('max-seconds');
  });

  it('uses η = 1/μ_max(𝒦_GD) for gradient descent by default (μ_max from numpy’s eigvalsh of J·Jᵀ/M)', () => {
    const net = TwoLayerNetwork.initialize(tanh(64));
    const result = train(net, X, y, { method: 'gd', maxSteps: 1 });
    const [reference] = newtonReference([{ net, X, y }]);
    // Weyl: μ_max moves by at most ‖ΔK‖ ≤ gdStepError·μ_max in either implementation.
    expect(Math.abs(result.lr! - reference!.gdStep)).toBeLessThanOrEqual(2 * reference!.gdStepError * reference!.gdStep);
    expect(result.history[1]!.loss).toBeLessThan(result.history[0]!.loss);
  });

  for (const [hessian, lambda] of [['gauss-newton', 1e-3], ['full', 0.5]] as const) {
    it(`one undamped ${hessian} step at λ = ${lambda} moves θ to θ − δ of numpy's (H + λI)⁻¹g, and reports numpy's residual`, () => {
      const net = TwoLayerNetwork.initialize(tanh(16), { seed: 3 });
      const result = train(net, X, y, { method: 'newton', hessian, lambda, damping: 'none', path: 'dense', maxSteps: 1, tol: 1e-30 });
      const [before, after] = newtonReference([
        { net, X, y, lambda: { [hessian]: lambda } },
        { net: result.net, X, y },
      ]);
      const ref = before![hessian]!;
      expect(ref.certificate, 'the test’s λ must make H + λI positive definite').toBeGreaterThan(0);
      const theta = net.parameters();
      const moved = result.net.parameters();
      const step = moved.map((v, p) => theta[p]! - v);
      // δ's forward-error bound in each implementation, plus the rounding of θ − δ relative to |θ|/|δ|.
      const tolerance = 2 * solveBound(ref, net.parameterCount) + (2 * EPS * norm(theta)) / norm(ref.direction);
      expect(relativeDifference(step, ref.direction)).toBeLessThanOrEqual(tolerance);
      expect(result.history[1]).toMatchObject({ step: 1, lambda, hessian, accepted: true });
      // The residual |f(θ₁) − y|/|y|: r is an (N + 1)-term sum, within (N + 16)ε·ρ in either implementation.
      const yNorm = norm(y);
      expect(Math.abs(result.history[1]!.residual - after!.residual / yNorm)).toBeLessThanOrEqual((2 * (net.width + 16) * EPS * norm(after!.rho)) / yNorm);
    });
  }

  it('targets y ≡ 0: the residual reported is the absolute |r| = |f(X)| (|y| = 0 has no relative residual), and tol applies to it', () => {
    const zero = new Float64Array(y.length);
    const net = TwoLayerNetwork.initialize(tanh(32), { seed: 4 });
    const [reference] = newtonReference([{ net, X, y: zero }]);
    const result = train(net, X, zero, { method: 'newton', hessian: 'gauss-newton', lambda: 1e-6, damping: 'none', maxSteps: 20, tol: 1e-8 });
    // |f(X)| from numpy's f, an N-term sum: within (N + 16)ε·ρ in either implementation.
    expect(Math.abs(result.history[0]!.residual - reference!.residual)).toBeLessThanOrEqual(2 * (net.width + 16) * EPS * norm(reference!.rho));
    expect(result.history[0]!.residual).toBeGreaterThan(1e-2);
    expect(result.reason).toBe('converged');
    expect(norm(result.net.predict(X))).toBe(result.residual);
    expect(result.residual).toBeLessThanOrEqual(1e-8);
  });

  it('throws DivergenceError holding the last finite parameters when the loss blows up', () => {
    const net = TwoLayerNetwork.initialize({ ...tanh(64), activation: 'relu' });
    let error: unknown;
    try {
      train(net, X, y, { method: 'gd', lr: 1e200, maxSteps: 50 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DivergenceError);
    const result = (error as DivergenceError).result;
    expect(result.reason).toBe('diverged');
    expect(Number.isFinite(relativeResidual(result.net, X, y))).toBe(true);
    expect(result.history.at(-1)!.accepted).toBe(false);
  });

  it('refuses a fixed λ below the certificate of the full Hessian without damping', () => {
    const net = TwoLayerNetwork.initialize(tanh(64));
    expect(() => train(net, X, y, { method: 'newton', hessian: 'full', damping: 'none', lambda: 1e-12 })).toThrow(NotPositiveDefiniteError);
    const system = new NewtonSystem(net, X, y);
    expect(system.certificate(1e-12, 'full')).toBeLessThan(0);
  });

  it('rejects bad options with RangeError or TypeError', () => {
    const net = TwoLayerNetwork.initialize(tanh(8));
    expect(() => train(net, X, y, { method: 'newton', alpha: 3 })).toThrow(RangeError);
    expect(() => train(net, X, y, { method: 'newton', lambda: -1 })).toThrow(RangeError);
    expect(() => train(net, X, y, { method: 'newton', lambda: 'big' as 'auto' })).toThrow(TypeError);
    expect(() => train(net, X, y, { method: 'gd', lr: 0 })).toThrow(RangeError);
    expect(() => train(net, X, y, { method: 'sgd' } as never)).toThrow(RangeError);
    expect(() => train(net, X, y, { method: 'newton', tol: Number.NaN })).toThrow(RangeError);
    expect(() => train(net, X, y.subarray(1), { method: 'newton' })).toThrow(RangeError);
  });
});

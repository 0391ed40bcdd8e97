import { describe, expect, it } from 'vitest';
import {
  DivergenceError,
  Matrix,
  NewtonSystem,
  NotPositiveDefiniteError,
  ntk,
  spectrum,
  train,
  TwoLayerNetwork,
  type HistoryEntry,
} from '../lib/index.js';
import { circleData } from '../lib/experiments/circle.js';

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

describe('the canonical experiment (SPEC §6: M = 64, N = 4096, tanh, library defaults)', () => {
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

  it('records one history entry per attempted step, starting with the initial state', () => {
    const seen: HistoryEntry[] = [];
    const result = train(TwoLayerNetwork.initialize(tanh(64), { seed: 2 }), X, y, { method: 'newton', maxSteps: 5, tol: 1e-30, onProgress: (e) => seen.push(e) });
    expect(result.reason).toBe('max-steps');
    expect(result.history).toEqual(seen);
    expect(result.history.length).toBe(6);
    expect(result.history[0]).toMatchObject({ step: 0, lambda: null, hessian: null, accepted: true, seconds: 0 });
    for (const [i, entry] of result.history.slice(1).entries()) {
      expect(entry.step).toBe(i + 1);
      expect(entry.lambda).toBeGreaterThan(0);
      expect(['full', 'gauss-newton']).toContain(entry.hessian);
      expect(entry.seconds).toBeGreaterThanOrEqual(0);
    }
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

  it('uses η = 1/μ_max(𝒦_GD) for gradient descent by default', () => {
    const net = TwoLayerNetwork.initialize(tanh(64));
    const result = train(net, X, y, { method: 'gd', maxSteps: 1 });
    const muMax = spectrum(ntk(net, X), { vectors: false, largest: 1 }).values[0]!;
    expect(result.lr).toBeCloseTo(1 / muMax, 10);
    expect(result.history[1]!.loss).toBeLessThan(result.history[0]!.loss);
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

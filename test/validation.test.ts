/**
 * Validation during training (train's `validation` and `patience`): every
 * history entry scores the parameters in force on the held-out points, the
 * accuracy exists exactly for ±1 targets, patience stops after K accepted
 * steps without a lower validation loss and returns the best parameters, and
 * trainAsync carries the same options to the same result. The trainAsync
 * case imports dist/ (a worker thread runs the compiled module).
 */
import { describe, expect, it } from 'vitest';
import * as compiled from '../dist/index.js';
import { Matrix, train, TwoLayerNetwork, type HistoryEntry } from '../lib/index.js';
import { circleData } from '../lib/experiments/circle.js';

const config = { width: 64, dim: 2, activation: 'tanh' as const, beta: 0.5, bias: true };
const { X, y } = circleData(16, 2);
const held = circleData(12, 2);
held.X.data.forEach((v, i) => (held.X.data[i] = 0.9 * v));

function loss(net: TwoLayerNetwork, x: Matrix, targets: Float64Array): number {
  const f = net.predict(x);
  let s = 0;
  for (let j = 0; j < targets.length; j++) s += (f[j]! - targets[j]!) ** 2;
  return s / (2 * targets.length);
}

/** Training with its onProgress networks, one per history entry. */
function run(options: Parameters<typeof train>[3]): { result: ReturnType<typeof train>; nets: TwoLayerNetwork[] } {
  const nets: TwoLayerNetwork[] = [];
  const result = train(TwoLayerNetwork.initialize(config, { seed: 4 }), X, y, { ...options, onProgress: (_e: HistoryEntry, net: TwoLayerNetwork) => nets.push(net) });
  return { result, nets };
}

describe('train with a validation set', () => {
  it('every entry records the validation loss (1/(2Mv))·Σ(f − y)² of the parameters in force after it, and no accuracy for targets other than ±1', () => {
    const { result, nets } = run({ method: 'newton', maxSteps: 6, validation: { x: held.X, y: held.y } });
    expect(result.history.length).toBe(nets.length);
    result.history.forEach((entry, i) => {
      expect(entry.validationLoss).toBe(loss(nets[i]!, held.X, held.y));
      expect(entry.validationAccuracy).toBeUndefined();
    });
    const lowest = Math.min(...result.history.map((e) => e.validationLoss!));
    expect(result.best).toEqual({ ...result.best, validationLoss: lowest });
    expect(result.history[result.best!.step]!.validationLoss).toBe(lowest);
    // Without patience the result keeps the last accepted parameters.
    expect(result.net).toBe(nets.at(-1));
  });

  it('with ±1 targets the accuracy is the fraction of points where sign f = y', () => {
    const signs = held.y.map((v) => (v >= 0 ? 1 : -1));
    const { result, nets } = run({ method: 'gd', maxSteps: 5, validation: { x: held.X, y: signs } });
    result.history.forEach((entry, i) => {
      const f = nets[i]!.predict(held.X);
      const right = signs.filter((s, j) => Math.sign(f[j]!) === s).length;
      expect(entry.validationAccuracy).toBe(right / signs.length);
    });
  });

  it('a rejected step repeats the score of the parameters it left in force', () => {
    // An unreachable tolerance: near round-off every further Newton step is rejected until the damping gives up.
    const { result } = run({ method: 'newton', hessian: 'gauss-newton', maxSteps: 60, tol: 1e-30, validation: { x: held.X, y: held.y } });
    const rejected = result.history.map((e, i) => [e, i] as const).filter(([e]) => !e.accepted);
    expect(rejected.length).toBeGreaterThan(0);
    for (const [entry, i] of rejected) expect(entry.validationLoss).toBe(result.history[i - 1]!.validationLoss);
  });

  it("patience K stops (reason 'patience') K accepted steps after the lowest validation loss and returns those parameters, bitwise", () => {
    // Targets of the opposite sign at the training points: fitting y drives this validation loss up after a few steps.
    const opposite = { x: X, y: y.map((v) => -v) };
    const patience = 3;
    const { result, nets } = run({ method: 'gd', maxSteps: 500, validation: opposite, patience });
    expect(result.reason).toBe('patience');
    const best = result.best!;
    const last = result.history.at(-1)!;
    expect(last.acceptedSteps - best.acceptedSteps).toBe(patience);
    for (const entry of result.history.slice(best.step + 1)) expect(entry.validationLoss!).toBeGreaterThanOrEqual(best.validationLoss);
    expect(result.net).toBe(nets[best.step]);
    expect(result.residual).toBe(result.history[best.step]!.residual);
    expect(result.steps).toBe(last.acceptedSteps);
  });

  it('patience keeps the best parameters when another reason stops training first', () => {
    const opposite = { x: X, y: y.map((v) => -v) };
    const { result, nets } = run({ method: 'newton', maxSteps: 3, validation: opposite, patience: 50 });
    expect(result.reason).toBe('max-steps');
    // The best is not the last state: returning the last parameters would fail here.
    expect(result.best!.step).toBeLessThan(result.history.length - 1);
    expect(result.net).toBe(nets[result.best!.step]);
  });

  it('bad validation options are typed errors naming them', () => {
    const net = TwoLayerNetwork.initialize(config, { seed: 4 });
    expect(() => train(net, X, y, { patience: 3 })).toThrow(/patience needs a validation set/);
    expect(() => train(net, X, y, { validation: { x: held.X, y: held.y }, patience: 0 })).toThrow(/patience must be an integer ≥ 1, got 0/);
    expect(() => train(net, X, y, { validation: { x: new Matrix(3, 5), y: new Float64Array(3) } })).toThrow(/validation.x must have d = 2 columns, got 3×5/);
    expect(() => train(net, X, y, { validation: { x: held.X, y: new Float64Array(5) } })).toThrow(/validation.y has 5 entries, validation.x has 12 rows/);
    expect(() => train(net, X, y, { validation: { x: held.X, y: held.y.map(() => NaN) } })).toThrow(/validation.y\[0\] is NaN/);
    expect(() => train(net, X, y, { validation: { x: held.X, y: held.y, z: 1 } as never })).toThrow(/unknown option 'z'/);
    expect(() => train(net, X, y, { method: 'gd', patiense: 3 } as never)).toThrow(/did you mean 'patience'/);
  });
});

describe('trainAsync with a validation set', () => {
  it('carries validation and patience: the same result as train, bit for bit', async () => {
    const net = compiled.TwoLayerNetwork.initialize(config, { seed: 4 });
    const Xc = new compiled.Matrix(X.rows, X.cols, X.data);
    const validation = { x: Xc, y: y.map((v) => -v) };
    const options = { method: 'gd' as const, maxSteps: 500, validation, patience: 3 };
    const sync = compiled.train(net, Xc, y, options);
    const async = await compiled.trainAsync(net, Xc, y, options);
    expect(async.reason).toBe('patience');
    expect(async.best).toEqual(sync.best);
    expect(Buffer.from(async.net.c.buffer).equals(Buffer.from(sync.net.c.buffer))).toBe(true);
    expect(Buffer.from(async.net.inner.buffer).equals(Buffer.from(sync.net.inner.buffer))).toBe(true);
    const strip = (h: compiled.HistoryEntry[]) => h.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(async.history)).toEqual(strip(sync.history));
  });
});

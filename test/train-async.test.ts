/**
 * trainAsync (lib/method/train-async.ts) against train: the same result bit
 * for bit, the caller's event loop free while it runs, abort at a step
 * boundary, errors crossing the thread boundary as the same classes, and
 * progress in step order. Imports dist/ (run `npm run build:ts` first): a
 * worker thread runs the compiled entry module.
 */
import { describe, expect, it } from 'vitest';
import * as nntk from '../dist/index.js';
import { DivergenceError, NonFiniteError, train, trainAsync, TwoLayerNetwork, WorkerError, type HistoryEntry } from '../dist/index.js';
import { knownErrorClasses } from '../dist/worker/error-codec.js';
import { circleData as circle } from '../dist/experiments/circle.js';
import { runJob } from '../dist/worker/run-job.js';
import { ticksDuring } from './timer-ticks.js';

const config = (width: number) => ({ width, dim: 2, activation: 'tanh' as const, beta: 0.5, bias: true });


const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('trainAsync', () => {
  it.each([
    ['newton', { method: 'newton' as const }],
    ['newton, full Hessian', { method: 'newton' as const, hessian: 'full' as const }],
    ['no method (Newton, as train defaults), full Hessian', { hessian: 'full' as const, maxSteps: 5 }],
    ['gd', { method: 'gd' as const, maxSteps: 200 }],
  ])('%s: the result equals train() from the same start bit for bit (parameters, history, reason)', async (_, options) => {
    const net = TwoLayerNetwork.initialize(config(256), { seed: 3 });
    const { X, y } = circle(32, 4);
    const sync = train(net, X, y, options);
    const async = await trainAsync(net, X, y, options);
    expect(bits(async.net.c).equals(bits(sync.net.c))).toBe(true);
    expect(bits(async.net.inner).equals(bits(sync.net.inner))).toBe(true);
    const strip = (h: HistoryEntry[]) => h.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(async.history)).toEqual(strip(sync.history));
    expect([async.reason, async.steps, async.attempts, async.residual, async.lr]).toEqual([sync.reason, sync.steps, sync.attempts, sync.residual, sync.lr]);
    expect(async.net).toBeInstanceOf(TwoLayerNetwork);
  });

  it('the caller’s timers keep firing while a long training runs (≥ 20 ticks of a 10 ms interval during the 1.5 s run; a blocked loop lets at most one through)', async () => {
    const net = TwoLayerNetwork.initialize(config(1024), { seed: 1 });
    const { X, y } = circle(64, 16);
    const started = performance.now();
    const { ticks, worstLateMs } = await ticksDuring(() => trainAsync(net, X, y, { method: 'gd', maxSeconds: 1.5 }));
    console.log(`trainAsync: ${ticks} ticks, latest ${worstLateMs.toFixed(1)} ms late`);
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(ticks).toBeGreaterThanOrEqual(20);
  });

  it('aborting the signal stops at the next step boundary: reason aborted, the last accepted parameters, well before the budget', async () => {
    const net = TwoLayerNetwork.initialize(config(256), { seed: 2 });
    const { X, y } = circle(32, 16);
    const controller = new AbortController();
    let seen: HistoryEntry | null = null;
    // Abort once the caller has seen 5 accepted steps (not on a timer: the worker's start-up time varies with load).
    const onProgress = (e: HistoryEntry) => {
      seen = e;
      if (e.acceptedSteps >= 5) controller.abort();
    };
    const started = performance.now();
    const result = await trainAsync(net, X, y, { method: 'gd', maxSteps: 10_000_000, maxSeconds: 60, signal: controller.signal, progressInterval: 0, onProgress });
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(result.reason).toBe('aborted');
    expect(result.steps).toBeGreaterThanOrEqual(5);
    expect(result.history.at(-1)).toEqual(seen);
    // The returned parameters are those of the last entry: their residual is the one it records, up to the
    // rounding of a sum over N = 256 neurons in another order (N·ε relative to |f| + |y|).
    const f = result.net.predict(X);
    const yNorm = Math.hypot(...y);
    const bound = 256 * Number.EPSILON * (Math.hypot(...f) + yNorm) / yNorm;
    expect(Math.abs(Math.hypot(...f.map((v, j) => v - y[j]!)) / yNorm - result.residual)).toBeLessThanOrEqual(bound);
  });

  it('a signal aborted before the call gives the initial state only, as train does', async () => {
    const net = TwoLayerNetwork.initialize(config(64), { seed: 2 });
    const { X, y } = circle(16, 1);
    const result = await trainAsync(net, X, y, { method: 'newton', signal: AbortSignal.abort() });
    const sync = train(net, X, y, { method: 'newton', signal: AbortSignal.abort() });
    expect([result.reason, result.steps, result.history.length]).toEqual([sync.reason, 0, 1]);
  });

  it('errors cross as the same classes with their fields: RangeError, NonFiniteError, DivergenceError with a rebuilt result', async () => {
    const net = TwoLayerNetwork.initialize(config(64), { seed: 2 });
    const { X, y } = circle(16, 1);
    const range = await trainAsync(net, X, y, { method: 'newton', alpha: 5 }).catch((e: unknown) => e);
    expect(range).toBeInstanceOf(RangeError);
    expect([(range as Error).name, (range as Error).message]).toEqual(['RangeError', 'train: alpha must be in (0, 2], got 5']);
    const bad = Float64Array.from(y);
    bad[3] = NaN;
    const syncError = (() => {
      try {
        train(net, X, bad, { method: 'newton' });
      } catch (error) {
        return error as NonFiniteError;
      }
      throw new Error('train accepted a NaN target');
    })();
    const error = await trainAsync(net, X, bad, { method: 'newton' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    const e = error as NonFiniteError;
    expect([e.name, e.message, e.argument, e.index, e.value]).toEqual([syncError.name, syncError.message, syncError.argument, syncError.index, syncError.value]);
    const diverged = await trainAsync(net, X, y, { method: 'gd', lr: 1e6, maxSteps: 100 }).catch((x: unknown) => x);
    expect(diverged).toBeInstanceOf(DivergenceError);
    const d = diverged as DivergenceError;
    expect(d.result.net).toBeInstanceOf(TwoLayerNetwork);
    expect(d.result.reason).toBe('diverged');
    expect(Number.isFinite(d.result.residual)).toBe(true);
  });

  it('every error class the package exports is one the thread boundary rebuilds by class', () => {
    const exported = Object.values(nntk).filter((v): v is typeof Error => typeof v === 'function' && v.prototype instanceof Error);
    expect(exported.length).toBeGreaterThan(5);
    for (const c of exported) expect(knownErrorClasses(), c.name).toContain(c);
  });

  it('unknown option keys are refused on the caller’s side, naming the closest valid key', () => {
    const net = TwoLayerNetwork.initialize(config(64), { seed: 2 });
    const { X, y } = circle(16, 1);
    expect(() => trainAsync(net, X, y, { method: 'newton', maxStep: 3 } as never)).toThrow(/unknown option 'maxStep'; did you mean 'maxSteps'/);
  });

  it('progress: step 0 first, steps strictly increasing, the final entry last and before the promise settles; interval 0 delivers every entry', async () => {
    const net = TwoLayerNetwork.initialize(config(128), { seed: 5 });
    const { X, y } = circle(16, 2);
    const all: HistoryEntry[] = [];
    const result = await trainAsync(net, X, y, { method: 'gd', maxSteps: 300, progressInterval: 0, onProgress: (e) => all.push(e) });
    expect(all).toEqual(result.history);
    const some: number[] = [];
    const again = await trainAsync(net, X, y, { method: 'gd', maxSteps: 3000, onProgress: (e) => some.push(e.step) });
    expect(some[0]).toBe(0);
    expect(some.at(-1)).toBe(again.history.at(-1)!.step);
    for (let i = 1; i < some.length; i++) expect(some[i]!).toBeGreaterThan(some[i - 1]!);
  });

  it('a worker that exits without a result rejects with a WorkerError naming its exit code (never a hang)', async () => {
    const entry = new URL(`data:text/javascript,process.exit(7)`);
    const error = await runJob(entry, null, { label: 'the test worker' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).exitCode).toBe(7);
    expect((error as Error).message).toBe('the test worker exited (code 7) without a result');
  });

  it('a worker that runs out of memory rejects with a WorkerError', async () => {
    const entry = new URL(`data:text/javascript,const a = []; for (;;) a.push(new Array(1e5).fill(1));`);
    const error = await runJob(entry, null, { label: 'the test worker', resourceLimits: { maxOldGenerationSizeMb: 16 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as Error).message).toBe('the test worker ran out of memory');
  });
});

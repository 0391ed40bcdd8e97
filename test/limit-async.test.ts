/**
 * limitKernelAsync: limitKernel in a worker thread — the same result bit for
 * bit, the same error classes, and the caller's event loop free meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { limitKernel, limitKernelAsync, Matrix, QuadratureError } from '../dist/index.js';
import { randomMatrix as randomLibMatrix } from './random.js';
import { ticksDuring } from './timer-ticks.js';

// The worker runs the built package (dist/), so the inputs are dist's Matrix, not lib's.
const randomMatrix = (rows: number, cols: number, seed: number) => new Matrix(rows, cols, randomLibMatrix(rows, cols, seed).data);
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('limitKernelAsync', () => {
  const X = randomMatrix(40, 10, 7);
  const Xtest = randomMatrix(9, 10, 8);

  it.each([
    ['tanh ntk, square', [X, { activation: 'tanh' as const }]],
    ['tanh ntk, cross', [Xtest, X, { activation: 'tanh' as const, sigmaW: 1 / Math.sqrt(10) }]],
    ['softplus nntk, cross, no bias', [Xtest, X, { activation: 'softplus' as const, kind: 'nntk' as const, lambda: 1e-3, bias: false }]],
    ['relu nntk, square (closed form)', [X, { activation: 'relu' as const, kind: 'nntk' as const, lambda: 1e-2 }]],
  ] as const)('%s: equals limitKernel bit for bit, with the same kind, λ and error estimate', async (_, args) => {
    const sync = (limitKernel as (...a: unknown[]) => ReturnType<typeof limitKernel>)(...args);
    const before = bits(Float64Array.from(X.data));
    const async = await (limitKernelAsync as (...a: unknown[]) => ReturnType<typeof limitKernelAsync>)(...args);
    expect(async.kernel).toBeInstanceOf(Matrix);
    expect([async.kernel.rows, async.kernel.cols]).toEqual([sync.kernel.rows, sync.kernel.cols]);
    expect(bits(async.kernel.data).equals(bits(sync.kernel.data))).toBe(true);
    expect([async.kind, async.lambda, async.errorEstimate]).toEqual([sync.kind, sync.lambda, sync.errorEstimate]);
    expect(bits(X.data).equals(before)).toBe(true);
  });

  it("the full kernel of C outputs (outputs 'full', outputCount) comes back bit for bit as limitKernel's", async () => {
    const X = randomMatrix(7, 3, 41);
    const Xtest = randomMatrix(4, 3, 42);
    const options = { activation: 'sin', outputs: 'full', outputCount: 2 } as const;
    const result = await limitKernelAsync(Xtest, X, options);
    expect([result.kernel.rows, result.kernel.cols]).toEqual([8, 14]);
    expect(bits(result.kernel.data)).toEqual(bits(limitKernel(Xtest, X, options).kernel.data));
  });

  it('errors reach the caller as the same classes: a misspelt option (TypeError), an unreachable tolerance (QuadratureError)', async () => {
    await expect(limitKernelAsync(X, { activation: 'tanh', sigma_w: 1 } as never)).rejects.toThrow(TypeError);
    await expect(limitKernelAsync(X, { activation: 'tanh', sigma_w: 1 } as never)).rejects.toThrow(/did you mean 'sigmaW'/);
    const far = new Matrix(2, 1, Float64Array.from([1000, 999]));
    const sync = (() => {
      try {
        limitKernel(far, { activation: 'sin', method: 'quadrature' });
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected a QuadratureError');
    })();
    expect(sync).toBeInstanceOf(QuadratureError);
    const error = await limitKernelAsync(far, { activation: 'sin', method: 'quadrature' }).then(
      () => new Error('expected a QuadratureError'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(QuadratureError);
    expect(error.message).toBe(sync.message);
  });

  it('the caller’s timers keep firing while the kernel is computed (≥ 5 ticks of a 10 ms interval during a call the synchronous twin needs > 150 ms for; a blocked loop lets at most one through)', async () => {
    const big = randomMatrix(800, 10, 9);
    const options = { activation: 'tanh' as const, sigmaW: 1 / Math.sqrt(10) };
    const t0 = performance.now();
    limitKernel(big, options);
    const syncMs = performance.now() - t0;
    const { ticks, worstLateMs } = await ticksDuring(() => limitKernelAsync(big, options));
    console.log(`limitKernelAsync: ${ticks} ticks, latest ${worstLateMs.toFixed(1)} ms late (sync call ${syncMs.toFixed(0)} ms)`);
    expect(syncMs).toBeGreaterThan(150);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});

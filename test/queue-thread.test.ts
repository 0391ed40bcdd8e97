/**
 * The async queue's thread starts with the first async call of a Node
 * environment. When it cannot be started that call rejects with an
 * AllocationError naming its routine, and the next call starts it and runs.
 *
 * A file of its own: vitest runs each file in a fresh process (pool 'forks'),
 * so the call below is the first async call here and the thread is not yet
 * running when the failure is armed.
 */
import { describe, expect, it } from 'vitest';
import { AllocationError, gemm, gemmAsync } from '../lib/index.js';
import { native } from '../lib/linalg/native.js';
import { randomMatrix } from './random.js';

describe('the async queue thread', () => {
  it('a thread that cannot be started rejects the call with an AllocationError naming the routine; the next call runs', async () => {
    const a = randomMatrix(3, 4, 1);
    const b = randomMatrix(4, 2, 2);
    const fired = native.__failNextAllocation('queuethread');
    const error = await gemmAsync(a, b).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllocationError);
    expect((error as AllocationError).routine).toBe('gemm');
    expect((error as Error).message).toMatch(/^gemm: could not allocate the async queue's thread/);
    expect(native.__failNextAllocation('queuethread', -1)).toBe(fired + 1);
    expect((await gemmAsync(a, b)).toArray()).toEqual(gemm(a, b).toArray());
  });
});

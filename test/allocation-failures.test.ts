/**
 * Every native allocation that can fail ends in an AllocationError naming
 * the routine, through the public TypeScript path, and leaves nothing stale
 * behind: the next call returns what an undisturbed call returns. A failed
 * thread start changes nothing at all (its part runs on the calling thread).
 *
 * The failures are forced with the addon's test-only __failNextAllocation
 * (native/faults.h): the next call of the named kernel sees its allocation
 * number `skip` return null. Results are compared bitwise: same inputs and
 * thread count give the same bits (docs/linalg.md, Threads), so any stale workspace
 * entry would show.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AllocationError,
  chooseLambda,
  gemmAsync,
  Matrix,
  NewtonSystem,
  NntkError,
  kernel,
  potrfAsync,
  syevd,
  syevdAsync,
  syevr,
  syevrAsync,
  TwoLayerNetwork,
  getThreads,
  setThreads,
  type Eigen,
} from '../lib/index.js';
import { Workspace } from '../lib/linalg/workspace.js';
import { evaluate } from '../lib/model/activations.js';
import { native, type FaultSite } from '../lib/linalg/native.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';

afterEach(() => {
  // A test that failed before its call consumed the fault must not leave it armed for the next one.
  for (const site of ['activations', 'jacobianblock', 'blockfactors', 'whitenedjacobian', 'smallesteigenvalues', 'dsyevd', 'dsyevr', 'queue', 'queuethread', 'threads'] as const) {
    native.__failNextAllocation(site, -1);
  }
});

function expectAllocationError(error: unknown, routine: string): void {
  expect(error).toBeInstanceOf(AllocationError);
  expect(error).toBeInstanceOf(NntkError);
  expect((error as AllocationError).routine).toBe(routine);
  expect((error as Error).message).toMatch(new RegExp(`^${routine}: could not allocate`));
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Bitwise equality of two arrays (toEqual walks a million entries one by one, for seconds). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function network(width: number, seed: number): TwoLayerNetwork {
  return TwoLayerNetwork.initialize({ width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed });
}

describe('the activations kernel', () => {
  it('predict throws an AllocationError naming activations, and the next predict on the same workspace is exact', () => {
    const net = network(40, 1);
    const X = randomMatrix(9, 2, 2);
    const expected = net.predict(X);
    const workspace = new Workspace();
    native.__failNextAllocation('activations');
    expectAllocationError(caught(() => net.predict(X, workspace)), 'activations');
    expect(net.predict(X, workspace)).toEqual(expected);
  });

  it('the NTK (jacobianGram) throws an AllocationError naming activations, then is exact', () => {
    const net = network(40, 12);
    const X = randomMatrix(9, 2, 13);
    const expected = kernel(net, X).kernel.data;
    native.__failNextAllocation('activations');
    expectAllocationError(caught(() => kernel(net, X)), 'activations');
    expect(kernel(net, X).kernel.data).toEqual(expected);
  });

  it('evaluate (σ at given pre-activations) throws an AllocationError naming activations', () => {
    const u = Float64Array.of(-1, 0, 2);
    const expected = new Float64Array(3);
    evaluate('tanh', u, expected, null, null);
    const value = new Float64Array(3);
    native.__failNextAllocation('activations');
    expectAllocationError(caught(() => evaluate('tanh', u, value, null, null)), 'activations');
    evaluate('tanh', u, value, null, null);
    expect(value).toEqual(expected);
  });
});

describe('the Jacobian block kernel', () => {
  const X = randomMatrix(12, 2, 3);
  const y = Float64Array.from({ length: 12 }, (_, j) => Math.sin(j));

  it('the dense Newton direction (unwhitened blocks) throws an AllocationError naming jacobianblock, then is exact', () => {
    const net = network(10, 4);
    const expected = new NewtonSystem(net, X, y).direction(1e-3, 'gauss-newton', 'dense').direction;
    const system = new NewtonSystem(net, X, y);
    native.__failNextAllocation('jacobianblock');
    expectAllocationError(caught(() => system.direction(1e-3, 'gauss-newton', 'dense')), 'jacobianblock');
    expect(system.direction(1e-3, 'gauss-newton', 'dense').direction).toEqual(expected);
  });

  it('the kernel Newton direction of the full Hessian (whitened blocks) throws an AllocationError naming jacobianblock, then is exact', () => {
    const net = network(10, 5);
    const reference = new NewtonSystem(net, X, y);
    const lambda = 2 * chooseLambda('auto', reference, 'full').lambda + 1e-3;
    const expected = reference.direction(lambda, 'full', 'kernel').direction;
    const system = new NewtonSystem(net, X, y);
    native.__failNextAllocation('jacobianblock');
    expectAllocationError(caught(() => system.direction(lambda, 'full', 'kernel')), 'jacobianblock');
    expect(system.direction(lambda, 'full', 'kernel').direction).toEqual(expected);
  });
});

describe('the kernels of the full-Hessian path for blocks of q ≥ 11 (block factors, whitening gemm, λ_min by dsyevr)', () => {
  // d = 12 with bias: q = 14, where the blocks of A are factored with their inverses side by side and
  // Z = J·L_A⁻ᵀ is one gemm with that panel.
  const d = 12;
  const X = randomMatrix(16, d, 7);
  const y = Float64Array.from({ length: 16 }, (_, j) => Math.cos(j));
  const net = TwoLayerNetwork.initialize({ width: 8, dim: d, activation: 'tanh', beta: 0.5, bias: true }, { seed: 8 });

  for (const site of ['blockfactors', 'whitenedjacobian'] as const) {
    it(`the kernel Newton direction throws an AllocationError naming ${site}, then is exact`, () => {
      const reference = new NewtonSystem(net, X, y);
      const lambda = 2 * chooseLambda('auto', reference, 'full').lambda + 1e-3;
      const expected = reference.direction(lambda, 'full', 'kernel').direction;
      const system = new NewtonSystem(net, X, y);
      native.__failNextAllocation(site);
      expectAllocationError(caught(() => system.direction(lambda, 'full', 'kernel')), site);
      expect(sameBits(system.direction(lambda, 'full', 'kernel').direction, expected)).toBe(true);
    });
  }

  it('the certified λ (λ_min of every Sᵢ) throws an AllocationError naming smallesteigenvalues for each of its 3 allocations, then is exact', () => {
    const expected = chooseLambda('auto', new NewtonSystem(net, X, y), 'full').lambda;
    for (let skip = 0; skip < 3; skip++) {
      native.__failNextAllocation('smallesteigenvalues', skip);
      expectAllocationError(caught(() => chooseLambda('auto', new NewtonSystem(net, X, y), 'full')), 'smallesteigenvalues');
    }
    expect(chooseLambda('auto', new NewtonSystem(net, X, y), 'full').lambda).toBe(expected);
  });
});

describe("LAPACK's workspaces", () => {
  const eigen = (e: Eigen) => ({ values: Array.from(e.values), vectors: e.vectors?.toArray() });
  // dsyevd allocates work and iwork; dsyevr isuppz, work and iwork.
  const cases = [
    { routine: 'syevd', site: 'dsyevd', allocations: 2, sync: syevd, async: syevdAsync },
    { routine: 'syevr', site: 'dsyevr', allocations: 3, sync: syevr, async: syevrAsync },
  ] as const;
  for (const { routine, site, allocations, sync, async } of cases) {
    it(`${routine} and ${routine}Async throw an AllocationError naming ${routine} and n for each of its ${allocations} allocations, then are exact`, async () => {
      const a = randomSymmetric(30, 6);
      const expected = eigen(sync(a.clone()));
      for (let skip = 0; skip < allocations; skip++) {
        native.__failNextAllocation(site as FaultSite, skip);
        const error = caught(() => sync(a.clone()));
        expectAllocationError(error, routine);
        expect((error as Error).message).toContain('n = 30');
        native.__failNextAllocation(site as FaultSite, skip);
        expectAllocationError(await async(a.clone()).catch((e: unknown) => e), routine);
      }
      expect(eigen(sync(a.clone()))).toEqual(expected);
      expect(eigen(await async(a.clone()))).toEqual(expected);
    });
  }
});

describe('the async queue', () => {
  it('a call that cannot be queued rejects with an AllocationError naming the routine, then the queue works', async () => {
    const a = randomMatrix(4, 3, 7);
    const b = randomMatrix(3, 5, 8);
    const expected = (await gemmAsync(a, b)).toArray();
    native.__failNextAllocation('queue');
    const error = await gemmAsync(a, b).catch((e: unknown) => e);
    expectAllocationError(error, 'gemm');
    expect((error as Error).message).toContain('queued');
    expect((await gemmAsync(a, b)).toArray()).toEqual(expected);
  });

  it("the finiteness scan that cannot be queued fails potrfAsync with an AllocationError (not a skipped scan)", async () => {
    native.__failNextAllocation('queue');
    expectAllocationError(await potrfAsync(randomSpd(5, 9)).catch((e: unknown) => e), 'potrf');
  });
});

describe('thread starts of the parallel kernels', () => {
  const threads = getThreads();
  afterEach(() => setThreads(threads));

  // A pass is split only with ≥ 2 threads and ≥ 2·2¹⁶ entries: 512 points × 512 neurons.
  const X = randomMatrix(512, 2, 10);

  it('a thread that cannot be started leaves predict and jacobianBlock bitwise unchanged (its part runs on the caller)', () => {
    setThreads(2);
    expect(getThreads()).toBe(2);
    const net = network(512, 11);
    const xt = net.augment(X);
    const expected = net.predict(X);
    const features = net.features(xt, 0, 512, { value: true, slope: true });
    const expectedJacobian = net.jacobianBlock(xt, features).data.slice();

    const fired = native.__failNextAllocation('threads');
    expect(sameBits(net.predict(X), expected)).toBe(true);
    expect(native.__failNextAllocation('threads')).toBe(fired + 1);
    expect(sameBits(net.jacobianBlock(xt, features).data, expectedJacobian)).toBe(true);
    expect(native.__failNextAllocation('threads', -1)).toBe(fired + 2);
  });
});

describe('__failNextAllocation', () => {
  it('refuses an unknown kernel and a skip below −1', () => {
    expect(() => native.__failNextAllocation('dgemm' as FaultSite)).toThrow(RangeError);
    expect(() => native.__failNextAllocation('dsyevd', -2)).toThrow(RangeError);
    expect(() => native.__failNextAllocation(1 as unknown as FaultSite)).toThrow(TypeError);
  });
});

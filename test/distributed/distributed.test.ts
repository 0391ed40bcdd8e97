/**
 * `nntk kernel|eig|step --distributed` under `mpirun -n 1|2|4` (the MPI
 * addon, lib/distributed/) against the single-process library on the same
 * files, on grids that are square and not, block sizes that do not divide M,
 * and M smaller than the grid.
 *
 * The distributed results come from the same formulas summed in another order
 * (point subsets, neuron chunks, ScaLAPACK's blocked Cholesky and
 * eigensolver), so they differ by round-off only: for the kernels a few
 * γ_{N·q}·‖K‖ (Higham, Lemma 3.1, the products of the Jacobian entries); for
 * the Newton kernel and the direction that times κ(M·I + Q) (a backward-stable
 * Cholesky, Higham Thm 10.4); for eigenvalues LAPACK's p(n)·ε·‖K‖; for
 * eigenvectors that over the gap (Davis–Kahan). Each bound is computed from
 * the case and checked to be below the contract's 1e-10 relative, so every
 * test also enforces the contract.
 *
 * Without the MPI addon the suite skips with the reason, unless
 * NNTK_REQUIRE_DISTRIBUTED=1 (set by .ci/run), which makes that a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Matrix, NewtonSystem, chooseLambda, kernel, readNpy, spectrum, TwoLayerNetwork, writeNpy } from '../../lib/index.js';
import { GRAM_PANEL } from '../../lib/distributed/tiles.js';
import { gamma, LAPACK_THRESHOLD, U } from '../tolerance.js';
import { CLI, CONTRACT, load, missing, mpirun, normOne, ok, relativeGap, required, ROOT } from './mpirun.js';

if (missing !== null && required) {
  describe('distributed path', () => {
    it('is built and runnable (NNTK_REQUIRE_DISTRIBUTED=1)', () => {
      expect.fail(`NNTK_REQUIRE_DISTRIBUTED=1 but ${missing}`);
    });
  });
}

describe.skipIf(missing !== null)(`distributed path under mpirun${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  const M = 37;
  const width = 40;
  const dim = 3;
  const q = dim + 2;
  let dir: string;
  let net: TwoLayerNetwork;
  let X: Matrix;
  let X2: Matrix;
  let y: Float64Array;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nntk-mpi-'));
    expect(spawnSync(process.execPath, [CLI, 'init', '--width', String(width), '--dim', String(dim), '--seed', '7', '--out', file('model')]).status).toBe(0);
    const c = await load(file('model/c.npy'));
    const W = await load(file('model/W.npy'));
    const b = await load(file('model/b.npy'));
    net = TwoLayerNetwork.fromArrays({ width, dim }, { c, W, b });
    const points = (m: number, seed: number) => new Matrix(m, dim, Float64Array.from({ length: m * dim }, (_, i) => Math.sin(seed * 1e3 + i * 1.7) * 1.5));
    X = points(M, 1);
    X2 = points(11, 2);
    y = Float64Array.from({ length: M }, (_, j) => Math.cos(X.data[j * dim]!));
    await writeNpy(file('X.npy'), { shape: [M, dim], data: X.data });
    await writeNpy(file('X2.npy'), { shape: [11, dim], data: X2.data });
    await writeNpy(file('X3.npy'), { shape: [3, dim], data: X.data.slice(0, 3 * dim) });
    await writeNpy(file('y.npy'), { shape: [M], data: y });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The NTK's entries are sums of N·q products of O(1) factors: a few γ_{N·q}·max|K| apart between summation orders. */
  const kernelBound = () => {
    const bound = 8 * gamma(width * q + M);
    expect(bound).toBeLessThan(CONTRACT);
    return bound;
  };

  it.each([
    [1, []],
    [2, ['--grid', '1x2', '--block', '5']],
    [4, ['--block', '7']],
    [4, ['--grid', '4x1', '--block', '64']],
  ] as const)('the NTK on %i ranks (%j) equals kernel() to round-off', async (ranks, extra) => {
    const out = file(`K-${ranks}-${extra.join('')}.npy`);
    ok(ranks, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--out', out, '--distributed', ...extra]);
    const expected = kernel(net, X).kernel.data;
    expect(relativeGap(expected, await load(out))).toBeLessThanOrEqual(kernelBound());
  });

  it('M = 600 on a 2x1 grid: the 600 local columns of each rank in three panels of GRAM_PANEL, the NTK equals kernel()', async () => {
    const m = 600;
    expect(m).toBeGreaterThan(2 * GRAM_PANEL);
    const Xbig = new Matrix(m, dim, Float64Array.from({ length: m * dim }, (_, i) => Math.sin(i * 0.91)));
    await writeNpy(file('Xbig.npy'), { shape: [m, dim], data: Xbig.data });
    ok(2, ['kernel', '--model', file('model'), '--x', file('Xbig.npy'), '--out', file('Kbig.npy'), '--distributed', '--grid', '2x1']);
    const bound = 8 * gamma(width * q + m);
    expect(bound).toBeLessThan(CONTRACT);
    expect(relativeGap(kernel(net, Xbig).kernel.data, await load(file('Kbig.npy')))).toBeLessThanOrEqual(bound);
  });

  it('M = 2100 on one rank: the .npy written in two row panels (2100² doubles > the 2^22 of one panel) equals kernel()', async () => {
    const m = 2100;
    expect(m * m).toBeGreaterThan(2 ** 22);
    const Xbig = new Matrix(m, dim, Float64Array.from({ length: m * dim }, (_, i) => Math.cos(i * 0.53)));
    await writeNpy(file('Xhuge.npy'), { shape: [m, dim], data: Xbig.data });
    ok(1, ['kernel', '--model', file('model'), '--x', file('Xhuge.npy'), '--out', file('Khuge.npy'), '--distributed', '--block', '50']);
    const bound = 8 * gamma(width * q + m);
    expect(relativeGap(kernel(net, Xbig).kernel.data, await load(file('Khuge.npy')))).toBeLessThanOrEqual(bound);
  });

  it('the cross NTK J(X2)·Jᵀ/M on a 1x4 grid with 3-blocks equals kernel(net, X2, X)', async () => {
    ok(4, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--x2', file('X2.npy'), '--out', file('C.npy'), '--distributed', '--grid', '1x4', '--block', '3']);
    const got = await readNpy(file('C.npy'));
    expect(got.shape).toEqual([11, M]);
    expect(relativeGap(kernel(net, X2, X).kernel.data, got.data)).toBeLessThanOrEqual(kernelBound());
  });

  it('M = 3 points on a 2x2 grid of 2-blocks (ranks with no rows or columns) gives the 3×3 NTK', async () => {
    ok(4, ['kernel', '--model', file('model'), '--x', file('X3.npy'), '--out', file('K3.npy'), '--distributed', '--block', '2']);
    const X3 = new Matrix(3, dim, X.data.slice(0, 3 * dim));
    expect(relativeGap(kernel(net, X3).kernel.data, await load(file('K3.npy')))).toBeLessThanOrEqual(kernelBound());
  });

  it.each([
    ['full', []],
    ['gauss-newton', ['--gauss-newton', '--lambda', '1e-2']],
  ] as const)('the Newton NTK (%s) on a 1x3 grid with 4-blocks equals kernel(kind nntk) within κ(M·I + Q) times the kernel bound', async (hessian, extra) => {
    const out = file(`N-${hessian}.npy`);
    ok(3, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--kind', 'nntk', '--y', file('y.npy'), '--out', out, '--distributed', '--block', '4', ...extra]);
    const lambda = hessian === 'full' ? 'auto' : 1e-2;
    const expected = kernel(net, X, { kind: 'nntk', lambda, hessian, y }).kernel;
    const system = new NewtonSystem(net, X, y);
    const { Q } = system.kernelSystem(chooseLambda(lambda, system, hessian).lambda, hessian);
    // Q's tiles carry the kernel bound; the backward-stable Cholesky adds γ_{3M} (Higham Thm 10.4); κ amplifies both.
    const bound = 4 * (kernelBound() + gamma(3 * M)) * ((M + normOne(Q)) / M);
    expect(bound).toBeLessThan(CONTRACT);
    expect(relativeGap(expected.data, await load(out))).toBeLessThanOrEqual(bound);
  });

  it.each([
    ['full', 4, ['--block', '3']],
    ['gauss-newton', 3, ['--gauss-newton', '--lambda', '1e-2', '--grid', '1x3', '--block', '4']],
  ] as const)('the Newton cross-kernel 𝒦_N(X2, X) (%s) on %i ranks equals kernel(net, X2, X, kind nntk) within κ(M·I + Q) times the kernel bound', async (hessian, ranks, extra) => {
    const out = file(`Nx-${hessian}.npy`);
    ok(ranks, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--x2', file('X2.npy'), '--kind', 'nntk', '--y', file('y.npy'), '--out', out, '--distributed', ...extra]);
    const lambda = hessian === 'full' ? 'auto' : 1e-2;
    const expected = kernel(net, X2, X, { kind: 'nntk', lambda, hessian, y }).kernel;
    const got = await readNpy(out);
    expect(got.shape).toEqual([11, M]);
    const system = new NewtonSystem(net, X, y);
    const { Q } = system.kernelSystem(chooseLambda(lambda, system, hessian).lambda, hessian);
    // As the square Newton kernel: Q*'s tiles and Q's carry the kernel bound, the Cholesky γ_{3M}, κ amplifies both.
    const bound = 4 * (kernelBound() + gamma(3 * M)) * ((M + normOne(Q)) / M);
    expect(bound).toBeLessThan(CONTRACT);
    expect(relativeGap(expected.data, got.data)).toBeLessThanOrEqual(bound);
  });

  it('the full-Hessian Newton NTK at d = 10 (q = 12: the whitened Jacobian by the panel of Lᵢ⁻ᵀ) on 2 ranks equals kernel(kind nntk)', async () => {
    const wide = 10;
    expect(spawnSync(process.execPath, [CLI, 'init', '--width', '24', '--dim', String(wide), '--seed', '3', '--out', file('model10')]).status).toBe(0);
    const net10 = TwoLayerNetwork.fromArrays({ width: 24, dim: wide }, { c: await load(file('model10/c.npy')), W: await load(file('model10/W.npy')), b: await load(file('model10/b.npy')) });
    const m = 19;
    const X10 = new Matrix(m, wide, Float64Array.from({ length: m * wide }, (_, i) => Math.cos(i * 0.37)));
    const y10 = Float64Array.from({ length: m }, (_, j) => Math.sin(j));
    await writeNpy(file('X10.npy'), { shape: [m, wide], data: X10.data });
    await writeNpy(file('y10.npy'), { shape: [m], data: y10 });
    ok(2, ['kernel', '--model', file('model10'), '--x', file('X10.npy'), '--kind', 'nntk', '--y', file('y10.npy'), '--out', file('N10.npy'), '--distributed', '--block', '4']);
    const expected = kernel(net10, X10, { kind: 'nntk', y: y10 }).kernel;
    const system = new NewtonSystem(net10, X10, y10);
    const { Q } = system.kernelSystem(chooseLambda('auto', system, 'full').lambda, 'full');
    const bound = 4 * (8 * gamma(24 * (wide + 2) + m) + gamma(3 * m)) * ((m + normOne(Q)) / m);
    expect(bound).toBeLessThan(CONTRACT);
    expect(relativeGap(expected.data, await load(file('N10.npy')))).toBeLessThanOrEqual(bound);
  });

  it('eig on a 2x2 grid with 5-blocks: all eigenpairs by pdsyevd are eigenpairs of K, orthonormal, with the single-process values', async () => {
    const K = kernel(net, X).kernel;
    await writeNpy(file('Keig.npy'), { shape: [M, M], data: K.data });
    ok(4, ['eig', '--in', file('Keig.npy'), '--values', file('w.npy'), '--vectors', file('V.npy'), '--distributed', '--block', '5']);
    const w = await load(file('w.npy'));
    const V = await readNpy(file('V.npy'));
    expect(V.shape).toEqual([M, M]);
    const norm = normOne(K);
    const bound = LAPACK_THRESHOLD * M * 2 * U * norm;
    expect(bound / norm).toBeLessThan(CONTRACT);
    const reference = spectrum(K, { vectors: false }).values;
    for (let k = 0; k < M; k++) expect(Math.abs(w[k]! - reference[k]!)).toBeLessThanOrEqual(2 * bound);
    expectEigenpairs(K, w, V.data, bound);
  });

  /** Residual ‖K·v − w·v‖∞ ≤ bound and orthonormality to LAPACK's threshold, column by column (V is M×k, its columns the vectors). */
  function expectEigenpairs(K: Matrix, w: Float64Array, V: Float64Array, bound: number): void {
    const k = w.length;
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < M; i++) {
        let kv = 0;
        for (let j = 0; j < M; j++) kv += K.data[i * M + j]! * V[j * k + c]!;
        expect(Math.abs(kv - w[c]! * V[i * k + c]!)).toBeLessThanOrEqual(bound);
      }
      for (let l = 0; l <= c; l++) {
        let dot = 0;
        for (let i = 0; i < M; i++) dot += V[i * k + c]! * V[i * k + l]!;
        expect(Math.abs(dot - (c === l ? 1 : 0))).toBeLessThanOrEqual(LAPACK_THRESHOLD * M * 2 * U);
      }
    }
  }

  it.each([
    ['smallest', 4, 4, ['--block', '5']],
    ['largest', 3, 3, ['--grid', '1x3', '--block', '4']],
  ] as const)('eig --vectors --%s %i on %i ranks (pdsyevr): k eigenpairs of K, orthonormal, with the single-process values', async (which, count, ranks, extra) => {
    const K = kernel(net, X).kernel;
    ok(ranks, ['eig', '--in', file('Keig.npy'), '--values', file(`w-${which}.npy`), '--vectors', file(`V-${which}.npy`), `--${which}`, String(count), '--distributed', ...extra]);
    const w = await load(file(`w-${which}.npy`));
    const V = await readNpy(file(`V-${which}.npy`));
    expect(V.shape).toEqual([M, count]);
    const all = spectrum(K, { vectors: false }).values;
    const reference = which === 'smallest' ? all.slice(0, count) : all.slice(M - count);
    const bound = LAPACK_THRESHOLD * M * 2 * U * normOne(K);
    expect(bound / normOne(K)).toBeLessThan(CONTRACT);
    expect(w.length).toBe(count);
    for (let c = 0; c < count; c++) expect(Math.abs(w[c]! - reference[c]!)).toBeLessThanOrEqual(2 * bound);
    expectEigenpairs(K, w, V.data, bound);
  });

  it('eig without --vectors (pdsyev, values only) on 2 ranks, --largest 5, gives the 5 largest values', async () => {
    ok(2, ['eig', '--in', file('Keig.npy'), '--values', file('w5.npy'), '--largest', '5', '--distributed', '--block', '6']);
    const K = kernel(net, X).kernel;
    const reference = spectrum(K, { vectors: false }).values.slice(M - 5);
    const w = await load(file('w5.npy'));
    expect(w.length).toBe(5);
    const bound = 2 * LAPACK_THRESHOLD * M * 2 * U * normOne(K);
    for (let k = 0; k < 5; k++) expect(Math.abs(w[k]! - reference[k]!)).toBeLessThanOrEqual(bound);
  });

  it.each([
    ['full', 4, ['--lambda', 'auto', '--block', '6']],
    ['gauss-newton', 2, ['--lambda', '1e-2', '--gauss-newton', '--grid', '2x1']],
  ] as const)('step (%s) on %i ranks moves θ by the kernel-path δ of the single process, the same θ file as rank 0 writes', async (hessian, ranks, extra) => {
    const out = file(`m-${hessian}`);
    const d = file(`d-${hessian}.npy`);
    const result = ok(ranks, ['step', '--model', file('model'), '--x', file('X.npy'), '--y', file('y.npy'), '--out', out, '--direction', d, '--distributed', ...extra]);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const system = new NewtonSystem(net, X, y);
    const policy = hessian === 'full' ? 'auto' : 1e-2;
    const lambda = chooseLambda(policy, system, hessian).lambda;
    const expected = system.direction(lambda, hessian, 'kernel').direction;
    const { Q } = system.kernelSystem(lambda, hessian);
    const bound = 4 * (kernelBound() + gamma(3 * M)) * ((M + normOne(Q)) / M);
    expect(bound).toBeLessThan(CONTRACT);
    expect(relativeGap(expected, await load(d))).toBeLessThanOrEqual(bound);
    const moved = net.moved(await load(d));
    expect(await load(join(out, 'c.npy'))).toEqual(moved.c);
  });

  it('a block of A = S + λI that is not positive definite ends every rank with one message and exit 1', () => {
    const result = mpirun(4, ['step', '--model', file('model'), '--x', file('X.npy'), '--y', file('y.npy'), '--lambda', '1e-12', '--out', file('bad'), '--distributed']);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('nntk: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nntk: step: rank 0: newton \(kernel\): A = S \+ λI .* is not positive definite/);
    expect(existsSync(file('bad'))).toBe(false);
  });

  it('an output that cannot be written (missing directory) ends every rank with the MPI-IO reason and exit 1', () => {
    const result = mpirun(2, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--out', file('missing/K.npy'), '--distributed']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nntk: kernel: rank 0: cannot write .*missing\/K\.npy .*was not created/);
  });

  it('--grid that does not multiply to the rank count is refused on every rank, exit 1', () => {
    const result = mpirun(3, ['kernel', '--model', file('model'), '--x', file('X.npy'), '--out', file('K.npy'), '--distributed', '--grid', '2x2']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/a 2x2 grid needs 4 ranks, this run has 3/);
  });
});

describe('without the MPI addon', () => {
  it('distributed.Session throws DistributedUnavailableError with the one-line way to get the build', () => {
    const script = `import('${join(ROOT, 'dist/index.js')}').then((m) => { try { new m.distributed.Session(); } catch (e) { console.log(e.name + ': ' + e.message); } })`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NNTK_NO_MPI: '1' } });
    expect(result.stdout.trim()).toMatch(/^DistributedUnavailableError: the distributed addon \(nntk_mpi\.node\) is not built; install OpenMPI and ScaLAPACK \(apt-get install openmpi-bin libopenmpi-dev libscalapack-openmpi-dev\) and rebuild nntk/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('nntk kernel --distributed says the same in one line and exits 1', () => {
    const result = spawnSync(process.execPath, [CLI, 'kernel', '--model', 'm', '--x', 'X.npy', '--out', 'K.npy', '--distributed'], { encoding: 'utf8', env: { ...process.env, NNTK_NO_MPI: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^nntk: kernel: the distributed addon \(nntk_mpi\.node\) is not built;[^\n]*\n$/);
  });
});

/**
 * The distributed operations (docs/distributed.md): the empirical NTK and
 * Newton NTK as block-cyclic matrices, their spectra, and the regularized
 * Newton direction through (M·I + Q)·v = r, with the same mathematics and
 * conventions as the single-process kernel() / spectrum() /
 * NewtonSystem.direction() (docs/math.md §3, §4, §6). The parameters and the
 * points are replicated; only M×M matrices are distributed.
 */
import { closeSync, openSync } from 'node:fs';
import { ConvergenceError, LapackError, NotPositiveDefiniteError } from '../errors.js';
import { checkKernelStatus } from '../linalg/call.js';
import { Matrix } from '../linalg/matrix.js';
import { native } from '../linalg/native.js';
import { jacobianTransposeTimes } from '../method/jacobian.js';
import { chooseLambda, type LambdaPolicy } from '../method/lambda.js';
import { factorBlocks, NewtonSystem, type Hessian, type NewtonDirection } from '../method/newton.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { readLocal, readNpyHeader, writeLocal } from './npy-panels.js';
import type { Layout, Session } from './session.js';
import { gramTile, pointsAt, whitenedGramTile } from './tiles.js';

/** A matrix in ScaLAPACK's block-cyclic layout: this rank's part, column-major (leading dimension max(1, local rows)). */
export interface DistributedMatrix {
  layout: Layout;
  local: Float64Array;
}

/** The status the MPI addon returns when a workspace could not be allocated. */
const OUT_OF_MEMORY = -2147483648;

export interface DistributedKernelOptions {
  /** 'ntk' (𝒦_GD, default) or 'nntk' (𝒦_N over the training set X2, or X1 without it). */
  kind?: 'ntk' | 'nntk';
  /** 'nntk': λ, as kernel()'s. Default 'auto'. */
  lambda?: LambdaPolicy;
  /** 'nntk': 'full' (default) or 'gauss-newton'. */
  hessian?: Hessian;
  /** 'nntk' with the full Hessian: the targets at X1. */
  y?: Float64Array;
}

const KERNEL_OPTIONS = keysOf<DistributedKernelOptions>({ kind: true, lambda: true, hessian: true, y: true });

/**
 * kernel(net, X1, X2?, options) distributed: X1.rows × X2.rows (square over
 * X1 without X2), divided by the training-set size M = (X2 ?? X1).rows.
 * `lambda` and `certificate` are those of the Newton kernel (NaN for 'ntk').
 */
export async function distributedKernel(
  session: Session,
  net: TwoLayerNetwork,
  X1: Matrix,
  X2: Matrix | undefined,
  options: DistributedKernelOptions = {},
): Promise<{ kernel: DistributedMatrix; lambda: number; certificate: number }> {
  const kind = await session.agree(() => {
    checkOptionKeys('distributed kernel', options, KERNEL_OPTIONS);
    net.requireSingleOutput('distributed kernel');
    checkData('distributed kernel', X1, null, net.config.dim, 'X1');
    if (X2 !== undefined) checkData('distributed kernel', X2, null, net.config.dim, 'X2');
    const kind = options.kind ?? 'ntk';
    if (kind !== 'ntk' && kind !== 'nntk') throw new RangeError(`distributed kernel: kind must be 'ntk' or 'nntk', got ${String(kind)}`);
    if (kind === 'ntk') {
      for (const key of ['lambda', 'hessian', 'y'] as const) {
        if (options[key] !== undefined) throw new RangeError(`distributed kernel: ${key} applies to kind 'nntk' only`);
      }
    }
    return kind;
  });
  if (kind === 'nntk') return X2 === undefined ? newtonKernel(session, net, X1, options) : crossNewtonKernel(session, net, X1, X2, options);
  const training = X2 ?? X1;
  const layout = session.layout(X1.rows, training.rows);
  const local = await session.agree(() => gramTile(net, pointsAt(X1, layout.rows), pointsAt(training, layout.cols), 1 / training.rows));
  return { kernel: { layout, local }, lambda: NaN, certificate: NaN };
}

/** 𝒦_N = (M·I + Q)⁻¹·Q, symmetrised, as the single process's Q·(M·I + Q)⁻¹. */
async function newtonKernel(session: Session, net: TwoLayerNetwork, X: Matrix, options: DistributedKernelOptions) {
  const hessian = options.hessian ?? 'full';
  const { system, lambda, certificate, Q } = await newtonMatrices(session, net, X, options.y, options.lambda ?? 'auto', hessian);
  const m = system.m;
  const factor = shifted(Q, m);
  factorize(session, factor, lambda, hessian);
  await session.agree(() => lapack('pdpotrs', session.mpi.pdpotrs('L', m, m, factor.local, factor.layout.desc, Q.local, Q.layout.desc)));
  // K ← (K + Kᵀ)/2: exactly symmetric, as the single-process result.
  const copy = factor;
  copy.local.set(Q.local);
  session.mpi.pdtran(m, m, 0.5, copy.local, copy.layout.desc, 0.5, Q.local, Q.layout.desc);
  return { kernel: Q, lambda, certificate };
}

/**
 * 𝒦_N(X*, X) = Q*·(M·I + Q)⁻¹ over the training set X (M×M* solved, then
 * transposed): pdpotrs gives (M·I + Q)⁻¹·Q*ᵀ, the transpose of the single
 * process's Q*·(M·I + Q)⁻¹ since M·I + Q is symmetric.
 */
async function crossNewtonKernel(session: Session, net: TwoLayerNetwork, Xstar: Matrix, X: Matrix, options: DistributedKernelOptions) {
  const hessian = options.hessian ?? 'full';
  const { system, lambda, certificate, Q } = await newtonMatrices(session, net, X, options.y, options.lambda ?? 'auto', hessian);
  const m = system.m;
  const factor = shifted(Q, m, true);
  factorize(session, factor, lambda, hessian);
  const solved = qTile(session, system, X, Xstar, lambda, hessian);
  session.agreeNow(() => lapack('pdpotrs', session.mpi.pdpotrs('L', m, Xstar.rows, factor.local, factor.layout.desc, solved.local, solved.layout.desc)));
  const layout = session.layout(Xstar.rows, m);
  const kernel: DistributedMatrix = { layout, local: new Float64Array(layout.rows.length * layout.cols.length) };
  session.mpi.pdtran(Xstar.rows, m, 1, solved.local, solved.layout.desc, 0, kernel.local, layout.desc);
  return { kernel, lambda, certificate };
}

/** The replicated Newton system at X, λ, and this rank's tile of Q. */
async function newtonMatrices(session: Session, net: TwoLayerNetwork, X: Matrix, y: Float64Array | undefined, policy: LambdaPolicy, hessian: Hessian) {
  const { system, lambda, certificate } = await session.agree(() => {
    net.requireSingleOutput('distributed Newton');
    if (hessian !== 'full' && hessian !== 'gauss-newton') throw new RangeError(`distributed: hessian must be 'full' or 'gauss-newton', got ${String(hessian)}`);
    if (hessian === 'full' && y === undefined) throw new TypeError('distributed kernel: the full-Hessian Newton kernel needs the targets y (S depends on the residual f − y)');
    // Gauss–Newton does not look at the residual: any y of the right length will do.
    const system = new NewtonSystem(net, X, y ?? new Float64Array(X.rows));
    return { system, ...chooseLambda(policy, system, hessian) };
  });
  return { system, lambda, certificate, Q: qTile(session, system, X, X, lambda, hessian) };
}

/** This rank's tile of J(X1)·A⁻¹·J(X2)ᵀ (Q for X1 = X2 = the points of `system`) for λ, A at `system`. */
function qTile(session: Session, system: NewtonSystem, X1: Matrix, X2: Matrix, lambda: number, hessian: Hessian): DistributedMatrix {
  const layout = session.layout(X1.rows, X2.rows);
  const local = session.agreeNow(() => {
    const { net } = system;
    const [XR, XC] = [pointsAt(X1, layout.rows), pointsAt(X2, layout.cols)];
    return hessian === 'gauss-newton' ? gramTile(net, XR, XC, 1 / lambda) : whitenedGramTile(net, XR, XC, factorBlocks(net, system.curvature, lambda));
  });
  return { layout, local };
}

/** Q with M added on the diagonal: a copy, or Q itself with `inPlace`. */
function shifted(Q: DistributedMatrix, shift: number, inPlace = false): DistributedMatrix {
  const { rows, cols } = Q.layout;
  const local = inPlace ? Q.local : Q.local.slice();
  const lr = rows.length;
  for (let jl = 0; jl < cols.length; jl++) {
    for (let il = 0; il < lr; il++) if (rows[il] === cols[jl]) local[il + jl * lr] = local[il + jl * lr]! + shift;
  }
  return { layout: Q.layout, local };
}

/** pdpotrf of M·I + Q, its info agreed on by every rank. */
function factorize(session: Session, A: DistributedMatrix, lambda: number, hessian: Hessian): void {
  const info = new Float64Array([session.mpi.pdpotrf('L', A.layout.m, A.local, A.layout.desc)]);
  session.mpi.allreduce(info, 'x');
  session.agreeNow(() => {
    if (info[0]! > 0) throw new NotPositiveDefiniteError('pdpotrf', info[0]!, `M·I + Q (M = ${A.layout.m}, ${hessian} Hessian, λ = ${lambda})`);
    lapack('pdpotrf', info[0]!);
  });
}

function lapack(routine: string, info: number): void {
  if (info === OUT_OF_MEMORY) throw new LapackError(routine, info, `${routine}: its workspace could not be allocated`);
  if (info !== 0) throw new LapackError(routine, info);
}

/**
 * The regularized Newton direction δ = (H + λI)⁻¹·g by the kernel path
 * (docs/math.md §3): pdpotrf/pdpotrs for v = (M·I + Q)⁻¹·r, then
 * δ = A⁻¹·Jᵀ·v with Jᵀ·v summed over the ranks' points; δ is rank 0's on
 * every rank, bit for bit.
 */
export async function distributedDirection(
  session: Session,
  net: TwoLayerNetwork,
  X: Matrix,
  y: Float64Array,
  policy: LambdaPolicy,
  hessian: Hessian,
): Promise<{ direction: Float64Array; lambda: number; certificate: number; loss: number }> {
  const { system, lambda, certificate } = await session.agree(() => {
    if (hessian !== 'full' && hessian !== 'gauss-newton') throw new RangeError(`distributed: hessian must be 'full' or 'gauss-newton', got ${String(hessian)}`);
    const system = new NewtonSystem(net, X, y);
    return { system, ...chooseLambda(policy, system, hessian) };
  });
  const { direction } = kernelDirection(session, system, X, lambda, hessian);
  return { direction, lambda, certificate, loss: system.loss };
}

/**
 * δ at `system` (the replicated system at the points X) for λ by the kernel
 * path, as NewtonSystem.direction(λ, hessian, 'kernel') returns it: rank 0's
 * λ is used on every rank, δ and gᵀδ are the same bits on every rank. gᵀδ
 * is g·δ with g = Jᵀr/M summed over the ranks with Jᵀv (the single process
 * forms it as rᵀ·Q·v/M, the same number in exact arithmetic; Q is factored
 * in place here).
 */
export function kernelDirection(session: Session, system: NewtonSystem, X: Matrix, wanted: number, hessian: Hessian): NewtonDirection {
  // A training loop's work since its last collective (the curvature, say) may have failed on a rank.
  session.rendezvous();
  const lambda = session.broadcast(new Float64Array([wanted]))[0]!;
  const { net, m } = system;
  // Only the factor is needed from here on.
  const factor = shifted(qTile(session, system, X, X, lambda, hessian), m, true);
  factorize(session, factor, lambda, hessian);
  const rLayout = session.layout(m, 1);
  const r = new Float64Array(rLayout.rows.length * rLayout.cols.length);
  if (rLayout.cols.length === 1) rLayout.rows.forEach((j, il) => (r[il] = system.residual[j]!));
  session.agreeNow(() => lapack('pdpotrs', session.mpi.pdpotrs('L', m, 1, factor.local, factor.layout.desc, r, rLayout.desc)));
  // v on every rank: each entry is held by one rank of grid column 0, zeros elsewhere, so the sum is exact.
  const v = new Float64Array(m);
  if (rLayout.cols.length === 1) rLayout.rows.forEach((j, il) => (v[j] = r[il]!));
  session.mpi.allreduce(v, 's');
  const p = net.parameterCount;
  // [Jᵀ·v, Jᵀ·r] over this rank's share of the points (every size-th), summed over the ranks below.
  const products = session.agreeNow(() => {
    const out = new Float64Array(2 * p);
    const mine = sharedPoints(session, m);
    if (mine.length === 0) return out;
    const xt = pointsAt(system.xt, mine);
    out.set(jacobianTransposeTimes(net, xt, Float64Array.from(mine, (j) => v[j]!)), 0);
    out.set(jacobianTransposeTimes(net, xt, Float64Array.from(mine, (j) => system.residual[j]!)), p);
    return out;
  });
  session.sum(products);
  const direction = products.slice(0, p);
  session.agreeNow(() => {
    if (hessian === 'gauss-newton') {
      for (let i = 0; i < p; i++) direction[i] = direction[i]! / lambda;
    } else {
      const blocks = factorBlocks(net, system.curvature, lambda, system.workspace);
      checkKernelStatus('blocksolve', native.blocksolve(net.blockSize, net.width, blocks.factors, direction), 'nothing (it allocates none)');
    }
  });
  session.broadcast(direction);
  let gradientDot = 0;
  let normSquared = 0;
  for (let i = 0; i < p; i++) {
    gradientDot += products[p + i]! * direction[i]!;
    normSquared += direction[i]! * direction[i]!;
  }
  return { direction, lambda, path: 'kernel', gradientDot: gradientDot / m, normSquared };
}

/** The points this rank takes in a sum over all M points: every size-th from its rank. */
export function sharedPoints(session: Session, m: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, Math.ceil((m - session.rank) / session.size)) }, (_, l) => session.rank + l * session.size);
}

export interface DistributedSpectrumOptions {
  /** Compute the eigenvectors too (pdsyevd; a subset by pdsyevr); without them the values alone (pdsyev). Default true. */
  vectors?: boolean;
  /** Only the k smallest pairs (not with `largest`). Default: all. */
  smallest?: number;
  /** Only the k largest pairs. Default: all. */
  largest?: number;
}

const SPECTRUM_OPTIONS = keysOf<DistributedSpectrumOptions>({ vectors: true, smallest: true, largest: true });

/**
 * Ascending eigenvalues (on every rank) and, with `vectors`, the unit
 * eigenvectors as the COLUMNS of a distributed n×k matrix (k = n, or the
 * subset's size), of the symmetric K (its lower triangle). K is overwritten
 * (ScaLAPACK's rule). A subset of values alone is taken from all of them.
 */
export async function distributedSpectrum(
  session: Session,
  K: DistributedMatrix,
  options: DistributedSpectrumOptions = {},
): Promise<{ values: Float64Array; vectors: DistributedMatrix | null }> {
  const { vectors, range } = await session.agree(() => {
    checkOptionKeys('distributed spectrum', options, SPECTRUM_OPTIONS);
    if (K.layout.m !== K.layout.n) throw new RangeError(`distributed spectrum: K must be square, got ${K.layout.m}×${K.layout.n}`);
    return { vectors: options.vectors ?? true, range: subset(K.layout.m, options) };
  });
  const n = K.layout.m;
  const [from, to] = range;
  const values = new Float64Array(n);
  if (!vectors) {
    await session.agree(() => eigenStatus('pdsyev', session.mpi.pdsyev(n, K.local, K.layout.desc, values)));
    return { values: session.broadcast(values).slice(from, to), vectors: null };
  }
  const Z: DistributedMatrix = { layout: K.layout, local: new Float64Array(K.local.length) };
  if (from === 0 && to === n) {
    await session.agree(() => eigenStatus('pdsyevd', session.mpi.pdsyevd(n, K.local, K.layout.desc, values, Z.local, Z.layout.desc)));
    return { values: session.broadcast(values), vectors: Z };
  }
  const [info, found, computed] = session.mpi.pdsyevr(n, K.local, K.layout.desc, from + 1, to, values, Z.local, Z.layout.desc);
  await session.agree(() => {
    eigenStatus('pdsyevr', info!);
    if (found !== to - from || computed !== found) throw new ConvergenceError('pdsyevr', info!, `pdsyevr found ${found} values and ${computed} vectors of the ${to - from} asked for`);
  });
  // Z's first k global columns sit first in each rank's columns, in the layout of an n×k matrix.
  const layout = session.layout(n, to - from);
  const local = Z.local.slice(0, layout.rows.length * layout.cols.length);
  return { values: session.broadcast(values).slice(0, to - from), vectors: { layout, local } };
}

/** The 0-based index range [from, to) of the pairs `smallest` or `largest` asks for. */
function subset(n: number, options: DistributedSpectrumOptions): [number, number] {
  const { smallest, largest } = options;
  if (smallest !== undefined && largest !== undefined) throw new RangeError('distributed spectrum: give smallest or largest, not both');
  const count = smallest ?? largest;
  if (count === undefined) return [0, n];
  if (!Number.isInteger(count) || count < 1 || count > n) throw new RangeError(`distributed spectrum: ${smallest !== undefined ? 'smallest' : 'largest'} must be an integer in [1, ${n}], got ${count}`);
  return smallest !== undefined ? [0, count] : [n - count, n];
}

function eigenStatus(routine: string, info: number): void {
  if (info > 0) throw new ConvergenceError(routine, info, 'the eigensolver did not converge');
  lapack(routine, info);
}

/**
 * The matrix in `path` (a float64 .npy), each rank reading its own part.
 * With `symmetryTolerance`, K must be square and max|K − Kᵀ| ≤ it·max|K|.
 * Every entry must be finite.
 */
export async function readDistributedMatrix(session: Session, path: string, symmetryTolerance?: number): Promise<DistributedMatrix> {
  const { shape, offset } = await session.agree(() => {
    const fd = openSync(path, 'r');
    try {
      return readNpyHeader(path, fd);
    } finally {
      closeSync(fd);
    }
  });
  await session.agree(() => {
    if (shape.length !== 2 || shape[0]! < 1 || shape[1]! < 1) throw new RangeError(`${path}: expected a 2-D array, found shape (${shape.join(', ')})`);
    if (symmetryTolerance !== undefined && shape[0] !== shape[1]) throw new RangeError(`${path}: expected a square 2-D array, found shape (${shape.join(', ')})`);
  });
  const layout = session.layout(shape[0]!, shape[1]!);
  const { local, gap } = await session.agree(() => {
    const { local, mirrored } = readLocal(path, layout, offset, symmetryTolerance !== undefined);
    const lr = layout.rows.length;
    for (let i = 0; i < local.length; i++) {
      const v = local[i]!;
      if (v - v !== 0) throw new RangeError(`${path}: entry [${layout.rows[i % lr]}, ${layout.cols[Math.floor(i / lr)]}] is ${v}; nntk needs finite numbers`);
    }
    let scale = 0;
    let gap = 0;
    for (let i = 0; i < local.length; i++) {
      scale = Math.max(scale, Math.abs(local[i]!));
      if (mirrored !== null) gap = Math.max(gap, Math.abs(local[i]! - mirrored[i]!));
    }
    return { local, gap: new Float64Array([gap, scale]) };
  });
  session.mpi.allreduce(gap, 'x');
  await session.agree(() => {
    if (symmetryTolerance !== undefined && gap[0]! > symmetryTolerance * gap[1]!) {
      throw new RangeError(`${path}: not symmetric: max|K - K^T| = ${gap[0]} > ${symmetryTolerance} * max|K| = ${symmetryTolerance * gap[1]!}`);
    }
  });
  return { layout, local };
}

/** Writes the distributed matrix as one row-major .npy, each rank its own part, atomically (collective). */
export async function writeDistributedMatrix(session: Session, path: string, A: DistributedMatrix): Promise<void> {
  await writeLocal(session, path, A.layout, A.local);
}

/** The whole matrix on every rank (for tests and small M only: M×N on each rank). */
export function gatherMatrix(session: Session, A: DistributedMatrix): Matrix {
  const { m, n, rows, cols } = A.layout;
  const out = new Matrix(m, n);
  const lr = rows.length;
  for (let jl = 0; jl < cols.length; jl++) for (let il = 0; il < lr; il++) out.data[rows[il]! * n + cols[jl]!] = A.local[il + jl * lr]!;
  session.mpi.allreduce(out.data, 's');
  return out;
}

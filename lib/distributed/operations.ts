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
import { factorBlocks, NewtonSystem, type Hessian } from '../method/newton.js';
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
  /** 'ntk' (𝒦_GD, default) or 'nntk' (𝒦_N; training set X1, no cross-kernel). */
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
 * X1 without X2), divided by the training-set size M = (X2 ?? X1).rows. The
 * Newton kernel is square only. `lambda` and `certificate` are those of the
 * Newton kernel (NaN for 'ntk').
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
    if (kind === 'nntk' && X2 !== undefined) throw new RangeError('distributed kernel: the Newton cross-kernel (X2 with kind nntk) is not distributed yet');
    if (kind === 'ntk') {
      for (const key of ['lambda', 'hessian', 'y'] as const) {
        if (options[key] !== undefined) throw new RangeError(`distributed kernel: ${key} applies to kind 'nntk' only`);
      }
    }
    return kind;
  });
  if (kind === 'nntk') return newtonKernel(session, net, X1, options);
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
  await factorize(session, factor, lambda, hessian);
  await session.agree(() => lapack('pdpotrs', session.mpi.pdpotrs('L', m, m, factor.local, factor.layout.desc, Q.local, Q.layout.desc)));
  // K ← (K + Kᵀ)/2: exactly symmetric, as the single-process result.
  const copy = factor;
  copy.local.set(Q.local);
  session.mpi.pdtran(m, m, 0.5, copy.local, copy.layout.desc, 0.5, Q.local, Q.layout.desc);
  return { kernel: Q, lambda, certificate };
}

/** The replicated Newton system at X, λ, and this rank's tile of Q. */
async function newtonMatrices(session: Session, net: TwoLayerNetwork, X: Matrix, y: Float64Array | undefined, policy: LambdaPolicy, hessian: Hessian) {
  return session.agree(() => {
    net.requireSingleOutput('distributed Newton');
    if (hessian !== 'full' && hessian !== 'gauss-newton') throw new RangeError(`distributed: hessian must be 'full' or 'gauss-newton', got ${String(hessian)}`);
    if (hessian === 'full' && y === undefined) throw new TypeError('distributed kernel: the full-Hessian Newton kernel needs the targets y (S depends on the residual f − y)');
    // Gauss–Newton does not look at the residual: any y of the right length will do.
    const system = new NewtonSystem(net, X, y ?? new Float64Array(X.rows));
    const { lambda, certificate } = chooseLambda(policy, system, hessian);
    const layout = session.layout(X.rows, X.rows);
    const [XR, XC] = [pointsAt(X, layout.rows), pointsAt(X, layout.cols)];
    const local =
      hessian === 'gauss-newton'
        ? gramTile(net, XR, XC, 1 / lambda)
        : whitenedGramTile(net, XR, XC, factorBlocks(net, system.curvature, lambda));
    return { system, lambda, certificate, Q: { layout, local } as DistributedMatrix };
  });
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
async function factorize(session: Session, A: DistributedMatrix, lambda: number, hessian: Hessian): Promise<void> {
  const info = new Float64Array([session.mpi.pdpotrf('L', A.layout.m, A.local, A.layout.desc)]);
  session.mpi.allreduce(info, 'x');
  await session.agree(() => {
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
  const { system, lambda, certificate, Q } = await newtonMatrices(session, net, X, y, policy, hessian);
  const m = system.m;
  // Only the factor is needed from here on.
  const factor = shifted(Q, m, true);
  await factorize(session, factor, lambda, hessian);
  const rLayout = session.layout(m, 1);
  const r = new Float64Array(rLayout.rows.length * rLayout.cols.length);
  if (rLayout.cols.length === 1) rLayout.rows.forEach((j, il) => (r[il] = system.residual[j]!));
  await session.agree(() => lapack('pdpotrs', session.mpi.pdpotrs('L', m, 1, factor.local, factor.layout.desc, r, rLayout.desc)));
  // v on every rank: each entry is held by one rank of grid column 0, zeros elsewhere, so the sum is exact.
  const v = new Float64Array(m);
  if (rLayout.cols.length === 1) rLayout.rows.forEach((j, il) => (v[j] = r[il]!));
  session.mpi.allreduce(v, 's');
  const direction = await session.agree(() => {
    // Jᵀ·v over this rank's share of the points (every size-th), summed over the ranks below.
    const mine = Int32Array.from({ length: Math.max(0, Math.ceil((m - session.rank) / session.size)) }, (_, l) => session.rank + l * session.size);
    if (mine.length === 0) return new Float64Array(net.parameterCount);
    return jacobianTransposeTimes(net, net.augment(pointsAt(X, mine)), Float64Array.from(mine, (j) => v[j]!));
  });
  session.sum(direction);
  await session.agree(() => {
    if (hessian === 'gauss-newton') {
      for (let p = 0; p < direction.length; p++) direction[p] = direction[p]! / lambda;
    } else {
      const blocks = factorBlocks(net, system.curvature, lambda);
      checkKernelStatus('blocksolve', native.blocksolve(net.blockSize, net.width, blocks.factors, direction), 'nothing (it allocates none)');
    }
  });
  session.broadcast(direction);
  return { direction, lambda, certificate, loss: system.loss };
}

export interface DistributedSpectrumOptions {
  /** Compute the eigenvectors too (pdsyevd); without them the values alone (pdsyev). Default true. */
  vectors?: boolean;
}

const SPECTRUM_OPTIONS = keysOf<DistributedSpectrumOptions>({ vectors: true });

/**
 * Ascending eigenvalues (on every rank) and, with `vectors`, the unit
 * eigenvectors as the COLUMNS of a distributed matrix in K's layout, of the
 * symmetric K (its lower triangle). K is overwritten (ScaLAPACK's rule).
 */
export async function distributedSpectrum(
  session: Session,
  K: DistributedMatrix,
  options: DistributedSpectrumOptions = {},
): Promise<{ values: Float64Array; vectors: DistributedMatrix | null }> {
  const vectors = await session.agree(() => {
    checkOptionKeys('distributed spectrum', options, SPECTRUM_OPTIONS);
    if (K.layout.m !== K.layout.n) throw new RangeError(`distributed spectrum: K must be square, got ${K.layout.m}×${K.layout.n}`);
    return options.vectors ?? true;
  });
  const n = K.layout.m;
  const values = new Float64Array(n);
  if (!vectors) {
    await session.agree(() => eigenStatus('pdsyev', session.mpi.pdsyev(n, K.local, K.layout.desc, values)));
    return { values: session.broadcast(values), vectors: null };
  }
  const Z: DistributedMatrix = { layout: K.layout, local: new Float64Array(K.local.length) };
  await session.agree(() => eigenStatus('pdsyevd', session.mpi.pdsyevd(n, K.local, K.layout.desc, values, Z.local, Z.layout.desc)));
  return { values: session.broadcast(values), vectors: Z };
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

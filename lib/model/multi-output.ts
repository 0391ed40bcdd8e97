/**
 * The derivatives of a network of C > 1 outputs (docs/math.md §8) that the
 * single-output native kernels do not cover: Jacobian blocks (whitened or
 * not) and the blocks Sᵢ. Rows are sample-major (row j·C + k is output k at
 * point j), neuron blocks are [cᵢ (C), wᵢ, bᵢ].
 *
 * These run in TypeScript over BLAS-3: the native loops (native/jacobian.cc,
 * native/whitening.cc) are unrolled for the one output weight of a
 * single-output block, and C > 1 adds C rows per point and C columns per
 * block with the same per-entry arithmetic, whose cost is dominated by the
 * gemm/dsyrk that consume these blocks.
 */
import { gemm } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import type { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from './network.js';

/** Neurons [from, to) of features whose arrays hold columns [featuresFrom, featuresFrom + ld). */
export interface FeatureSlice {
  from: number;
  to: number;
  offset: number;
  ld: number;
  value: Float64Array;
  slope: Float64Array;
}

/**
 * The (M·C) × (to − from)·q Jacobian columns of neurons [from, to): row
 * j·C + k holds ∂f_k(xⱼ)/∂θᵢ = [s σᵢⱼ e_k, s c_ik σ′ᵢⱼ x̃ⱼ] for each neuron i
 * (s = N^(−β)). With `whiten` (the lower-triangular Lᵢ, q×q each), each row
 * segment of neuron i is replaced by Lᵢ⁻¹ times it (Z = J·blockdiag(L)⁻ᵀ).
 */
export function multiOutputJacobianBlock(net: TwoLayerNetwork, xt: Matrix, slice: FeatureSlice, workspace: Workspace, whiten: Float64Array | null): Matrix {
  const { from, to, offset, ld, value, slope } = slice;
  const m = xt.rows;
  const k = net.innerDim;
  const n = net.outputs;
  const q = net.blockSize;
  const nc = to - from;
  const cols = nc * q;
  const s = net.scale;
  const jac = new Matrix(m * n, cols, workspace.array('jacobian', m * n * cols));
  jac.data.fill(0);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < nc; i++) {
      const sv = s * value[j * ld + offset + i]!;
      const ss = s * slope[j * ld + offset + i]!;
      const c = (from + i) * n;
      for (let o = 0; o < n; o++) {
        const row = (j * n + o) * cols + i * q;
        jac.data[row + o] = sv;
        const scs = ss * net.c[c + o]!;
        for (let p = 0; p < k; p++) jac.data[row + n + p] = scs * xt.data[j * k + p]!;
        if (whiten !== null) forwardSubstitute(whiten, i * q * q, q, jac.data, row);
      }
    }
  }
  return jac;
}

/** x[at … at + q) ← L⁻¹·x[at … at + q), L the lower-triangular q×q block of `l` at `offset`. */
function forwardSubstitute(l: Float64Array, offset: number, q: number, x: Float64Array, at: number): void {
  for (let a = 0; a < q; a++) {
    let v = x[at + a]!;
    for (let b = 0; b < a; b++) v -= l[offset + a * q + b]! * x[at + b]!;
    x[at + a] = v / l[offset + a * q + a]!;
  }
}

/**
 * The blocks Sᵢ = (1/M) Σⱼ Σₖ r_jk ∇²_θᵢ f_k(xⱼ) of neurons [from, to), q×q
 * each (docs/math.md §8): zero between output weights; s/M Σⱼ r_jk σ′ᵢⱼ x̃ⱼ
 * in the row and column of c_ik; s/M Σⱼ ρⱼᵢ σ″ᵢⱼ x̃ⱼx̃ⱼᵀ in the (w, b) block,
 * with ρⱼᵢ = Σₖ r_jk c_ik. The sums over j are three gemms.
 */
export function multiOutputSecondOrderBlocks(
  net: TwoLayerNetwork,
  xt: Matrix,
  residual: Float64Array,
  from: number,
  to: number,
  slope: Float64Array,
  curvature: Float64Array,
  workspace: Workspace,
  blocks: Float64Array,
): void {
  const m = xt.rows;
  const k = net.innerDim;
  const n = net.outputs;
  const q = net.blockSize;
  const nc = to - from;
  const s = net.scale / m;
  const pairs = (k * (k + 1)) / 2;
  // rx[j, (o, p)] = r_jo x̃ⱼₚ, xx[j, (p, p')] = x̃ⱼₚ x̃ⱼₚ' (p ≤ p').
  const rx = new Matrix(m, n * k, workspace.array('residualInputs', m * n * k));
  const xx = new Matrix(m, pairs, workspace.array('residualInputPairs', m * pairs));
  for (let j = 0; j < m; j++) {
    let t = 0;
    for (let p = 0; p < k; p++) {
      const xp = xt.data[j * k + p]!;
      for (let o = 0; o < n; o++) rx.data[j * n * k + o * k + p] = residual[j * n + o]! * xp;
      for (let p2 = p; p2 < k; p2++) xx.data[j * pairs + t++] = xp * xt.data[j * k + p2]!;
    }
  }
  const cross = gemm(new Matrix(m, nc, slope), rx, { transA: true, out: new Matrix(nc, n * k, workspace.array('crossSums', nc * n * k)) }).data;
  // ρ = R·c_chunkᵀ (M × nc), then σ″ ⊙ ρ weighs the products x̃x̃ᵀ.
  const rho = gemm(new Matrix(m, n, residual), new Matrix(nc, n, net.c.subarray(from * n, to * n)), { transB: true, out: new Matrix(m, nc, workspace.array('weightedResiduals', m * nc)) }).data;
  for (let t = 0; t < rho.length; t++) rho[t] = rho[t]! * curvature[t]!;
  const second = gemm(new Matrix(m, nc, rho), xx, { transA: true, out: new Matrix(nc, pairs, workspace.array('secondSums', nc * pairs)) }).data;
  for (let i = 0; i < nc; i++) {
    const b = i * q * q;
    for (let a = 0; a < n; a++) for (let a2 = 0; a2 < n; a2++) blocks[b + a * q + a2] = 0;
    for (let o = 0; o < n; o++) {
      for (let p = 0; p < k; p++) {
        const v = s * cross[i * n * k + o * k + p]!;
        blocks[b + o * q + n + p] = v;
        blocks[b + (n + p) * q + o] = v;
      }
    }
    let t = 0;
    for (let p = 0; p < k; p++) {
      for (let p2 = p; p2 < k; p2++) {
        const v = s * second[i * pairs + t++]!;
        blocks[b + (n + p) * q + n + p2] = v;
        blocks[b + (n + p2) * q + n + p] = v;
      }
    }
  }
}

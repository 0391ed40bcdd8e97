/**
 * A rank's own tiles of the M×M matrices, from the replicated parameters and
 * the points of its local rows and columns only (docs/math.md §4), by the
 * library's own Jacobian-block code on those point subsets, summed over
 * neuron chunks: 𝒦_GD = J·Jᵀ/M and Q = J·A⁻¹·Jᵀ (A = λI for Gauss–Newton,
 * S + λI block by block for the full Hessian).
 */
import { gemm } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { jacobianCrossGram } from '../method/jacobian.js';
import { whitenedJacobian, type BlockFactors } from '../method/newton.js';
import type { TwoLayerNetwork } from '../model/network.js';

/** The rows `index` of X. */
export function pointsAt(X: Matrix, index: Int32Array): Matrix {
  const d = X.cols;
  const out = new Matrix(index.length, d);
  for (let l = 0; l < index.length; l++) out.data.set(X.data.subarray(index[l]! * d, (index[l]! + 1) * d), l * d);
  return out;
}

/**
 * J(X_R)·J(X_C)ᵀ·scale (|R|×|C|): row-major with order 'row', column-major
 * (ScaLAPACK's local layout, leading dimension |R|) with 'column'.
 */
export function gramTile(net: TwoLayerNetwork, XR: Matrix, XC: Matrix, scale: number, order: 'row' | 'column'): Float64Array {
  if (XR.rows === 0 || XC.rows === 0) return new Float64Array(XR.rows * XC.rows);
  const [first, second] = order === 'row' ? [XR, XC] : [XC, XR];
  const tile = jacobianCrossGram(net, net.augment(first), net.augment(second)).data;
  for (let i = 0; i < tile.length; i++) tile[i] = tile[i]! * scale;
  return tile;
}

/** Q's tile at rows R, columns C, column-major: Z_R·Z_Cᵀ with Z = J·L_A⁻ᵀ, summed over neuron chunks. */
export function whitenedGramTile(net: TwoLayerNetwork, XR: Matrix, XC: Matrix, blocks: BlockFactors): Float64Array {
  const tile = new Matrix(XC.rows, XR.rows);
  if (XR.rows === 0 || XC.rows === 0) return tile.data;
  const [xtR, xtC] = [net.augment(XR), net.augment(XC)];
  const [workspaceR, workspaceC] = [new Workspace(), new Workspace()];
  for (const [from, to] of net.chunks(XR.rows + XC.rows, 2 + net.blockSize)) {
    const zR = whitenedJacobian(net, xtR, from, to, blocks, workspaceR);
    const zC = whitenedJacobian(net, xtC, from, to, blocks, workspaceC);
    // Row-major |C|×|R| is the column-major |R|×|C| tile.
    gemm(zC, zR, { transB: true, out: tile, beta: 1 });
  }
  return tile.data;
}

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
 * Columns of a tile computed at once by gramTile: the structured Gram's three
 * scratch matrices then take 3·|R|·this doubles instead of three whole tiles,
 * for a recomputation of the features at R of d/(2·this) of the gemm work.
 */
export const GRAM_PANEL = 256;

/**
 * J(X_R)·J(X_C)ᵀ·scale (|R|×|C|), column-major (ScaLAPACK's local layout,
 * leading dimension |R|), in panels of GRAM_PANEL columns.
 */
export function gramTile(net: TwoLayerNetwork, XR: Matrix, XC: Matrix, scale: number): Float64Array {
  const tile = new Float64Array(XR.rows * XC.rows);
  if (XR.rows === 0 || XC.rows === 0) return tile;
  const xtR = net.augment(XR);
  const d = XC.cols;
  for (let from = 0; from < XC.rows; from += GRAM_PANEL) {
    const to = Math.min(XC.rows, from + GRAM_PANEL);
    const panel = new Matrix(to - from, d, XC.data.subarray(from * d, to * d));
    // Row-major |panel|×|R| is the column-major |R|×|panel| slice of the tile.
    const part = jacobianCrossGram(net, net.augment(panel), xtR).data;
    for (let i = 0; i < part.length; i++) tile[from * XR.rows + i] = part[i]! * scale;
  }
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

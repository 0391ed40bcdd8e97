/**
 * The block-diagonal second-order part S of the Hessian at θ (SPEC §2), with
 * the smallest eigenvalue of each block: what the kernel path needs to factor
 * A = S + λI block by block, and what `auto` λ and its certificate use.
 */
import { smallestEigenvalue } from '../linalg/blocks.js';
import type { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from '../model/network.js';

export interface Curvature {
  /** Sᵢ, q×q row-major, block i at offset i·q². */
  blocks: Float64Array;
  /** λ_min(Sᵢ) for each neuron. */
  smallest: Float64Array;
  /** minᵢ λ_min(Sᵢ): A = S + λI is positive definite iff λ > −this. */
  minEigenvalue: number;
}

export function curvature(net: TwoLayerNetwork, xt: Matrix, residual: Float64Array, workspace = new Workspace()): Curvature {
  const q = net.blockSize;
  const blocks = new Float64Array(net.width * q * q);
  const smallest = new Float64Array(net.width);
  const work = new Float64Array(q * q);
  let minEigenvalue = Infinity;
  for (const [from, to] of net.chunks(xt.rows, 2)) {
    const features = net.features(xt, from, to, { slope: true, curvature: true }, workspace);
    blocks.set(net.secondOrderBlocks(xt, residual, features), from * q * q);
    for (let i = from; i < to; i++) {
      const e = smallestEigenvalue(blocks, i * q * q, q, work);
      smallest[i] = e;
      if (e < minEigenvalue) minEigenvalue = e;
    }
  }
  return { blocks, smallest, minEigenvalue };
}

/**
 * The block-diagonal second-order part S of the Hessian at θ (docs/math.md §2), with
 * the smallest eigenvalue of each block: what the kernel path needs to factor
 * A = S + λI block by block, and what `auto` λ and its certificate use.
 */
import { ConvergenceError } from '../errors.js';
import { smallestEigenvalue } from '../linalg/blocks.js';
import { checkKernelStatus } from '../linalg/call.js';
import { native } from '../linalg/native.js';
import type { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from '../model/network.js';

/**
 * From this block size on, λ_min(Sᵢ) comes from LAPACK's dsyevr (4q³/3 flops
 * a block); below it, Jacobi sweeps in JavaScript cost less than the call.
 */
export const LAPACK_FROM_BLOCK_SIZE = 11;

export class Curvature {
  /** Sᵢ, q×q row-major, block i at offset i·q². */
  readonly blocks: Float64Array;
  readonly q: number;
  private cachedSmallest: Float64Array | null = null;

  constructor(blocks: Float64Array, q: number) {
    this.blocks = blocks;
    this.q = q;
  }

  /**
   * λ_min(Sᵢ) for each neuron. Computed on first use: a step with a given λ
   * never needs them, and at small sizes they would be a third of its time.
   */
  get smallest(): Float64Array {
    if (this.cachedSmallest === null) {
      const { q, blocks } = this;
      const smallest = new Float64Array(blocks.length / (q * q));
      if (q >= LAPACK_FROM_BLOCK_SIZE) {
        const status = native.smallesteigenvalues(q, smallest.length, blocks, smallest);
        if (!(status >= 0)) checkKernelStatus('smallesteigenvalues', status, `the workspace of dsyevr for ${q}×${q} blocks`);
        if (status !== 0) throw new ConvergenceError('dsyevr', status, `λ_min of a ${q}×${q} block of S did not converge`);
      } else {
        const work = new Float64Array(q * q);
        for (let i = 0; i < smallest.length; i++) smallest[i] = smallestEigenvalue(blocks, i * q * q, q, work);
      }
      this.cachedSmallest = smallest;
    }
    return this.cachedSmallest;
  }

  /** minᵢ λ_min(Sᵢ): A = S + λI is positive definite iff λ > −this. */
  get minEigenvalue(): number {
    let min = Infinity;
    for (const e of this.smallest) if (e < min) min = e;
    return min;
  }
}

export function curvature(net: TwoLayerNetwork, xt: Matrix, residual: Float64Array, workspace = new Workspace()): Curvature {
  const q = net.blockSize;
  const blocks = new Float64Array(net.width * q * q);
  for (const [from, to] of net.featureChunks(xt.rows, workspace)) {
    const features = net.features(xt, from, to, { slope: true, curvature: true }, workspace);
    net.secondOrderBlocks(xt, residual, features, workspace, blocks.subarray(from * q * q, to * q * q));
  }
  return new Curvature(blocks, q);
}

/**
 * The structured NTK Gram of a network with C outputs (docs/math.md §8), from
 * the features of its neurons, never forming J. With V = [σᵢ(xⱼ)] (M×N),
 * X̃ the augmented inputs and the (M·C)×N matrix A[j·C + k, i] = c_ik·σ′ᵢ(xⱼ),
 *
 *   J·Jᵀ = N^(−2β)·[(V·Vᵀ) ⊗ I_C + (A·Aᵀ) ⊙ (X̃X̃ᵀ ⊗ 1_{C×C})]      ((M·C)×(M·C), sample-major)
 *
 * (two dsyrk-class products per chunk of neurons and one Hadamard product),
 * and its output trace, the mean of the C diagonal blocks,
 *
 *   (1/C)·Σₖ (J·Jᵀ)_{·k,·k} = N^(−2β)·[V·Vᵀ + (Σᵢ wᵢ² σ′ᵢσ′ᵢᵀ) ⊙ X̃X̃ᵀ],   wᵢ² = |cᵢ|²/C,
 *
 * which is docs/math.md §4's Gram with |cᵢ| replaced by wᵢ: the traced
 * kernel costs what the one-output kernel costs. The output weights c are
 * N×C row-major (row i = cᵢ).
 */
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import type { Workspace } from '../linalg/workspace.js';
import { whitenedBlocks } from './newton.js';

/**
 * A of neurons [from, to) within a chunk of features: (M·C) × (to − from),
 * row j·C + k = c_k ⊙ σ′(xⱼ) over those neurons, from σ′ (M × ld row-major,
 * neuron `from` at column `offset`). Written into `out`.
 */
function outputSlopes(
  slope: Float64Array,
  m: number,
  ld: number,
  offset: number,
  c: Float64Array,
  outputs: number,
  from: number,
  to: number,
  out: Float64Array,
): Matrix {
  const nc = to - from;
  for (let j = 0; j < m; j++) {
    const s = j * ld + offset;
    for (let k = 0; k < outputs; k++) {
      const row = (j * outputs + k) * nc;
      for (let i = 0; i < nc; i++) out[row + i] = c[(from + i) * outputs + k]! * slope[s + i]!;
    }
  }
  return new Matrix(m * outputs, nc, out);
}

/** The sums over the neurons that the full Gram is assembled from (fullGram). */
export interface FullGramSums {
  /** V·Vᵀ (M×M; lower triangle only when square). */
  values: Matrix;
  /** A·Aᵀ ((M·C)×(M·C); lower triangle only when square). */
  slopes: Matrix;
}

/**
 * Adds one chunk of neurons [from, to) to the square full Gram's sums:
 * values += V·Vᵀ, slopes += A·Aᵀ (lower triangles, dsyrk). A is formed in
 * blocks of neurons that stay near a few MiB (whitenedBlocks with one column
 * a neuron), so a chunk of all N neurons never needs an (M·C)×N array.
 */
export function addFullGramChunk(
  sums: FullGramSums,
  value: Float64Array,
  slope: Float64Array,
  m: number,
  c: Float64Array,
  outputs: number,
  from: number,
  to: number,
  workspace: Workspace,
): void {
  const nc = to - from;
  syrk(new Matrix(m, nc, value), { out: sums.values, beta: 1 });
  for (const [a, b] of whitenedBlocks(m * outputs, 1, from, to)) {
    const A = outputSlopes(slope, m, nc, a - from, c, outputs, a, b, workspace.array('outputSlopes', m * outputs * (b - a)));
    syrk(A, { out: sums.slopes, beta: 1 });
  }
}

/**
 * Adds one chunk of neurons [from, to) to the full cross-Gram's sums at the
 * rows X̃* (features `star`) against X̃ (features `train`):
 * values += V*·Vᵀ (M*×M), slopes += A*·Aᵀ ((M*·C)×(M·C)).
 */
export function addFullCrossGramChunk(
  sums: FullGramSums,
  star: { value: Float64Array; slope: Float64Array; m: number },
  train: { value: Float64Array; slope: Float64Array; m: number },
  c: Float64Array,
  outputs: number,
  from: number,
  to: number,
  workspace: Workspace,
): void {
  const nc = to - from;
  gemm(new Matrix(star.m, nc, star.value), new Matrix(train.m, nc, train.value), { transB: true, out: sums.values, beta: 1 });
  const rows = Math.max(star.m, train.m) * outputs;
  for (const [a, b] of whitenedBlocks(rows, 2, from, to)) {
    const width = b - a;
    const As = outputSlopes(star.slope, star.m, nc, a - from, c, outputs, a, b, workspace.array('outputSlopesStar', star.m * outputs * width));
    const At = outputSlopes(train.slope, train.m, nc, a - from, c, outputs, a, b, workspace.array('outputSlopes', train.m * outputs * width));
    gemm(As, At, { transB: true, out: sums.slopes, beta: 1 });
  }
}

/**
 * Θ = s²·[values ⊗ I_C + slopes ⊙ (inputs ⊗ 1_{C×C})] from the sums and
 * inputs = X̃*·X̃ᵀ (M*×M), written over `sums.slopes` and returned. `square`:
 * the sums and inputs hold lower triangles (dsyrk) and the result is the
 * full symmetric matrix.
 */
export function fullGram(sums: FullGramSums, inputs: Matrix, outputs: number, s2: number, square: boolean): Matrix {
  const { values, slopes } = sums;
  const rows = slopes.rows;
  const cols = slopes.cols;
  const m = inputs.cols;
  const out = slopes.data;
  for (let r = 0; r < rows; r++) {
    const j = Math.floor(r / outputs);
    const k = r - j * outputs;
    const last = square ? r : cols - 1;
    for (let col = 0; col <= last; col++) {
      const l = Math.floor(col / outputs);
      const diagonal = col - l * outputs === k ? values.data[j * m + l]! : 0;
      const v = s2 * (diagonal + out[r * cols + col]! * inputs.data[j * m + l]!);
      out[r * cols + col] = v;
      if (square) out[col * cols + r] = v;
    }
  }
  return slopes;
}

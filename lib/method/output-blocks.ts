/**
 * The two shapes of a kernel of a network with C outputs (docs/math.md §8):
 * the full (M·C)×(M·C) kernel, index j·C + k for output k at point j
 * (sample-major), and the output-traced M×M kernel, the mean of its C
 * diagonal blocks; and the infinite-width full kernel K ⊗ I_C.
 */
import { Matrix } from '../linalg/matrix.js';

/** 'trace': one row per point, the mean of the C diagonal output blocks (M×M, the default); 'full': one per point and output ((M·C)×(M·C)). */
export type OutputKernel = 'trace' | 'full';

/** Checks an `outputs` option ('trace' when absent). */
export function checkOutputKernel(where: string, value: unknown): OutputKernel {
  if (value === undefined) return 'trace';
  if (value !== 'trace' && value !== 'full') throw new RangeError(`${where}: outputs must be 'trace' or 'full', got ${String(value)}`);
  return value;
}

/**
 * (1/C)·Σₖ K_{·k,·k}: the mean of the C diagonal blocks of a sample-major
 * (a·C)×(b·C) kernel, a×b. Entry (j, l) sums K[j·C + k, l·C + k] in the
 * order k = 0, 1, …, so a symmetric K gives an exactly symmetric result.
 */
export function outputTrace(K: Matrix, outputs: number): Matrix {
  const a = K.rows / outputs;
  const b = K.cols / outputs;
  if (!Number.isInteger(a) || !Number.isInteger(b)) throw new RangeError(`outputTrace: a ${K.rows}×${K.cols} kernel has no ${outputs}×${outputs} output blocks`);
  const out = new Matrix(a, b);
  for (let j = 0; j < a; j++) {
    for (let l = 0; l < b; l++) {
      let s = 0;
      for (let k = 0; k < outputs; k++) s += K.data[(j * outputs + k) * K.cols + l * outputs + k]!;
      out.data[j * b + l] = s / outputs;
    }
  }
  return out;
}

/** K ⊗ I_C, sample-major: entry (j·C + k, l·C + k′) is δ_kk′·K[j, l]. */
export function withIdentityOutputs(K: Matrix, outputs: number): Matrix {
  if (outputs === 1) return K;
  const { rows, cols } = K;
  const out = new Matrix(rows * outputs, cols * outputs);
  const width = cols * outputs;
  for (let j = 0; j < rows; j++) {
    for (let l = 0; l < cols; l++) {
      const v = K.data[j * cols + l]!;
      for (let k = 0; k < outputs; k++) out.data[(j * outputs + k) * width + l * outputs + k] = v;
    }
  }
  return out;
}

/**
 * The weights the output-traced NTK Gram (docs/math.md §8) puts on each
 * neuron's σ′ column: the output weights cᵢ ∈ R^C (c N×C row-major) enter it
 * only through the mean of c_ik² over the outputs.
 */

/**
 * The traced Gram's slope weights wᵢ = |cᵢ|/√C of neurons [from, to) (c is
 * N×C row-major): wᵢ² is the mean over the outputs of c_ik². For C = 1 this
 * is |cᵢ| exactly, the one-output Gram's weight. Written into `w` when given.
 */
export function tracedSlopeWeights(c: Float64Array, outputs: number, from: number, to: number, w: Float64Array = new Float64Array(to - from)): Float64Array {
  if (outputs === 1) {
    for (let i = from; i < to; i++) w[i - from] = Math.abs(c[i]!);
    return w;
  }
  for (let i = from; i < to; i++) w[i - from] = Math.sqrt(meanSquare(c, outputs, i));
  return w;
}

/**
 * The traced cross-Gram's one-sided slope weights wᵢ² = |cᵢ|²/C of neurons
 * [from, to); for C = 1, cᵢ² (one rounding, as the one-output cross-Gram has it).
 */
export function tracedSquaredSlopeWeights(c: Float64Array, outputs: number, from: number, to: number): Float64Array {
  const w = new Float64Array(to - from);
  if (outputs === 1) {
    for (let i = from; i < to; i++) w[i - from] = c[i]! ** 2;
    return w;
  }
  for (let i = from; i < to; i++) w[i - from] = meanSquare(c, outputs, i);
  return w;
}

function meanSquare(c: Float64Array, outputs: number, i: number): number {
  let s = 0;
  for (let k = 0; k < outputs; k++) s += c[i * outputs + k]! ** 2;
  return s / outputs;
}

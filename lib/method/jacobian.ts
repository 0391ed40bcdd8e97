/**
 * Products with the Jacobian that never build it: J·Jᵀ in the structured
 * form of docs/math.md §4 (§8 for several outputs) and Jᵀ·v, streamed over
 * neuron chunks.
 */
import { gemm, syrk } from '../linalg/blas.js';
import { checkKernelStatus } from '../linalg/call.js';
import { native } from '../linalg/native.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { kernelPathBytes, requireMemory } from './memory.js';
import type { OutputKernel } from './output-blocks.js';
import { addFullCrossGramChunk, addFullGramChunk, fullGram, tracedSlopeWeights, tracedSquaredSlopeWeights } from './output-gram.js';

/**
 * J·Jᵀ in the structured form of docs/math.md §4 and §8, never forming J.
 * One output, or C outputs with `outputs` 'trace' (the default): the M×M
 * N^(−2β)·[Σᵢ σ(uᵢ)σ(uᵢ)ᵀ + (Σᵢ wᵢ² σ′(uᵢ)σ′(uᵢ)ᵀ) ⊙ X̃X̃ᵀ], wᵢ² = |cᵢ|²/C (the
 * mean of J·Jᵀ's C diagonal output blocks; cᵢ² for C = 1): two dsyrk per chunk
 * and one Hadamard product. C outputs with 'full': the (M·C)×(M·C)
 * sample-major J·Jᵀ of lib/method/output-gram.ts. Full symmetric result.
 */
export function jacobianGram(net: TwoLayerNetwork, xt: Matrix, workspace = new Workspace(), outputs: OutputKernel = 'trace'): Matrix {
  const C = net.outputs;
  if (outputs === 'full' && C > 1) return fullJacobianGram(net, xt, workspace);
  const m = xt.rows;
  requireMemory(`the ${m}×${m} NTK`, kernelPathBytes(m, 0, 0));
  const values = new Matrix(m, m);
  const slopes = new Matrix(m, m);
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    // wᵢ² σ′σ′ᵀ summed over i is the Gram matrix of the columns σ′(uᵢ)·wᵢ.
    const scaled = workspace.array('scaledSlope', m * nc);
    checkKernelStatus('scaledcolumns', native.scaledcolumns(m, nc, slope!, tracedSlopeWeights(net.c, C, from, to), scaled), 'nothing (it allocates none)');
    syrk(new Matrix(m, nc, value!), { out: values, beta: 1 });
    syrk(new Matrix(m, nc, scaled), { out: slopes, beta: 1 });
  }
  const inputs = syrk(xt);
  const s2 = net.scale ** 2;
  const gram = values;
  for (let j = 0; j < m; j++) {
    for (let l = 0; l <= j; l++) {
      const v = s2 * (values.data[j * m + l]! + slopes.data[j * m + l]! * inputs.data[j * m + l]!);
      gram.data[j * m + l] = v;
      gram.data[l * m + j] = v;
    }
  }
  return gram;
}

/** The (M·C)×(M·C) J·Jᵀ of C > 1 outputs: V·Vᵀ ⊗ I_C + A·Aᵀ ⊙ (X̃X̃ᵀ ⊗ 1), both sums by dsyrk. */
function fullJacobianGram(net: TwoLayerNetwork, xt: Matrix, workspace: Workspace): Matrix {
  const m = xt.rows;
  const C = net.outputs;
  requireMemory(`the ${m * C}×${m * C} NTK of ${C} outputs`, kernelPathBytes(m * C, 0, 0));
  const sums = { values: new Matrix(m, m), slopes: new Matrix(m * C, m * C) };
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    addFullGramChunk(sums, value!, slope!, m, net.c, C, from, to, workspace);
  }
  return fullGram(sums, syrk(xt), C, net.scale ** 2, true);
}

/**
 * J(X*)·J(X)ᵀ for two sets of points in the same structured form (gemm in
 * place of dsyrk): M*×M for one output or the output trace, (M*·C)×(M·C) for
 * C > 1 outputs with 'full'.
 */
export function jacobianCrossGram(net: TwoLayerNetwork, xtStar: Matrix, xt: Matrix, outputs: OutputKernel = 'trace'): Matrix {
  const C = net.outputs;
  const full = outputs === 'full' && C > 1;
  const m = xt.rows;
  const ms = xtStar.rows;
  const values = new Matrix(ms, m);
  const slopes = full ? new Matrix(ms * C, m * C) : new Matrix(ms, m);
  const [workspaceA, workspaceB] = [new Workspace(), new Workspace()];
  for (const [from, to] of net.chunks(m + ms, 2)) {
    const nc = to - from;
    const a = net.features(xt, from, to, { value: true, slope: true }, workspaceA);
    const b = net.features(xtStar, from, to, { value: true, slope: true }, workspaceB);
    if (full) {
      addFullCrossGramChunk({ values, slopes }, { value: b.value!, slope: b.slope!, m: ms }, { value: a.value!, slope: a.slope!, m }, net.c, C, from, to, workspaceA);
      continue;
    }
    const weights = tracedSquaredSlopeWeights(net.c, C, from, to);
    const scaled = workspaceA.array('scaledSlope', m * nc);
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < nc; i++) scaled[j * nc + i] = a.slope![j * nc + i]! * weights[i]!;
    }
    gemm(new Matrix(ms, nc, b.value!), new Matrix(m, nc, a.value!), { transB: true, out: values, beta: 1 });
    gemm(new Matrix(ms, nc, b.slope!), new Matrix(m, nc, scaled), { transB: true, out: slopes, beta: 1 });
  }
  const inputs = gemm(xtStar, xt, { transB: true });
  const s2 = net.scale ** 2;
  if (full) return fullGram({ values, slopes }, inputs, C, s2, false);
  for (let i = 0; i < values.data.length; i++) {
    values.data[i] = s2 * (values.data[i]! + slopes.data[i]! * inputs.data[i]!);
  }
  return values;
}

/** Jᵀ·v (P, neuron-major) for v ∈ R^M: per neuron [s σᵀv, s cᵢ σ′ᵀ(v ⊙ X̃)]. */
export function jacobianTransposeTimes(net: TwoLayerNetwork, xt: Matrix, v: Float64Array, workspace = new Workspace()): Float64Array {
  net.requireSingleOutput('jacobianTransposeTimes');
  const m = xt.rows;
  const k = net.innerDim;
  const q = k + 1;
  const s = net.scale;
  const v1 = new Matrix(m, 1, v);
  const vx = new Matrix(m, k);
  for (let j = 0; j < m; j++) {
    for (let p = 0; p < k; p++) vx.data[j * k + p] = v[j]! * xt.data[j * k + p]!;
  }
  const out = new Float64Array(net.parameterCount);
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    // σᵀv needs only v, σ′ᵀ(v ⊙ X̃) only the k columns v ⊙ X̃: a gemm with all k + 1 columns of vx for σ
    // would cost as much as the one for σ′ (at d = 64 each is a tenth of a Gauss–Newton step at M = 512).
    const a = gemm(new Matrix(m, nc, value!), v1, { transA: true }).data; // nc × 1
    const b = gemm(new Matrix(m, nc, slope!), vx, { transA: true }).data; // nc × k
    for (let i = 0; i < nc; i++) {
      const at = (from + i) * q;
      const sc = s * net.c[from + i]!;
      out[at] = s * a[i]!;
      for (let p = 0; p < k; p++) out[at + 1 + p] = sc * b[i * k + p]!;
    }
  }
  return out;
}

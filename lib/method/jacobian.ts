/**
 * Products with the Jacobian that never build it: J·Jᵀ in the structured
 * form of docs/math.md §4 (§8 for C > 1: traced or full), Jᵀ·v and J·v,
 * streamed over neuron chunks. Vectors over the outputs at M points are M·C
 * numbers, sample-major.
 */
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { kernelPathBytes, requireMemory } from './memory.js';
import type { OutputKernel } from './output-blocks.js';
import { tracedSquaredSlopeWeights } from '../model/output-weights.js';
import { addFullCrossGramChunk, addFullGramChunk, fullGram } from './output-gram.js';

/**
 * J·Jᵀ in the structured form of docs/math.md §4 and §8, never forming J.
 * C outputs with `outputs` 'full' (the default): the (M·C)×(M·C)
 * sample-major J·Jᵀ of lib/method/output-gram.ts. One output, or 'trace': the M×M
 * N^(−2β)·[Σᵢ σ(uᵢ)σ(uᵢ)ᵀ + (Σᵢ wᵢ² σ′(uᵢ)σ′(uᵢ)ᵀ) ⊙ X̃X̃ᵀ], wᵢ² = |cᵢ|²/C (the
 * mean of J·Jᵀ's C diagonal output blocks; cᵢ² for C = 1): two dsyrk per chunk
 * and one Hadamard product. Full symmetric result.
 */
export function jacobianGram(net: TwoLayerNetwork, xt: Matrix, workspace = new Workspace(), outputs: OutputKernel = 'full'): Matrix {
  const C = net.outputs;
  if (outputs === 'full' && C > 1) return fullJacobianGram(net, xt, workspace);
  const m = xt.rows;
  requireMemory(`the ${m}×${m} NTK`, kernelPathBytes(m, 0, 0));
  // The returned Gram is fresh; every other array comes from the workspace, so that a step at
  // small M allocates nothing of the width's size (fresh ones were a tenth of the time at M = 64).
  const values = new Matrix(m, m);
  const slopes = new Matrix(m, m, workspace.array('slopeGram', m * m).fill(0));
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    // wᵢ² σ′σ′ᵀ summed over i is the Gram matrix of the columns σ′(uᵢ)·wᵢ, which the activation pass forms.
    const { value, scaledSlope } = net.features(xt, from, to, { value: true, scaledSlope: true }, workspace);
    syrk(new Matrix(m, nc, value!), { out: values, beta: 1 });
    syrk(new Matrix(m, nc, scaledSlope!), { out: slopes, beta: 1 });
  }
  const inputs = syrk(xt, { out: new Matrix(m, m, workspace.array('inputGram', m * m)) });
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
 * place of dsyrk): (M*·C)×(M·C) for C > 1 outputs with 'full' (the default),
 * M*×M for one output or the output trace.
 */
export function jacobianCrossGram(net: TwoLayerNetwork, xtStar: Matrix, xt: Matrix, outputs: OutputKernel = 'full'): Matrix {
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

/** Jᵀ·v (P, neuron-major) for v ∈ R^(M·C): per neuron [s σᵀv, s cᵢ σ′ᵀ(v ⊙ X̃)] for C = 1. */
export function jacobianTransposeTimes(net: TwoLayerNetwork, xt: Matrix, v: Float64Array, workspace = new Workspace()): Float64Array {
  if (net.outputs > 1) return multiOutputTransposeTimes(net, xt, v, workspace);
  const m = xt.rows;
  const k = net.innerDim;
  const q = k + 1;
  const s = net.scale;
  const v1 = new Matrix(m, 1, v);
  const vx = new Matrix(m, k, workspace.array('weightedInputs', m * k));
  for (let j = 0; j < m; j++) {
    for (let p = 0; p < k; p++) vx.data[j * k + p] = v[j]! * xt.data[j * k + p]!;
  }
  const out = new Float64Array(net.parameterCount);
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    // σᵀv needs only v, σ′ᵀ(v ⊙ X̃) only the k columns v ⊙ X̃: a gemm with all k + 1 columns of vx for σ
    // would cost as much as the one for σ′ (at d = 64 each is a tenth of a Gauss–Newton step at M = 512).
    const a = gemm(new Matrix(m, nc, value!), v1, { transA: true, out: new Matrix(nc, 1, workspace.array('valueSums', nc)) }).data;
    const b = gemm(new Matrix(m, nc, slope!), vx, { transA: true, out: new Matrix(nc, k, workspace.array('slopeSums', nc * k)) }).data;
    for (let i = 0; i < nc; i++) {
      const at = (from + i) * q;
      const sc = s * net.c[from + i]!;
      out[at] = s * a[i]!;
      for (let p = 0; p < k; p++) out[at + 1 + p] = sc * b[i * k + p]!;
    }
  }
  return out;
}

/**
 * Jᵀ·v for C > 1, V = v as M × C: per neuron i, [s σᵢᵀV (C entries),
 * s Σⱼ σ′ᵢⱼ (V·cᵢ)ⱼ x̃ⱼ] — three gemms per chunk.
 */
function multiOutputTransposeTimes(net: TwoLayerNetwork, xt: Matrix, v: Float64Array, workspace: Workspace): Float64Array {
  const m = xt.rows;
  const k = net.innerDim;
  const n = net.outputs;
  const q = net.blockSize;
  const s = net.scale;
  const V = new Matrix(m, n, v);
  const out = new Float64Array(net.parameterCount);
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    const a = gemm(new Matrix(m, nc, value!), V, { transA: true }).data; // nc × C
    const weights = gemm(V, new Matrix(nc, n, net.c.subarray(from * n, to * n)), { transB: true }).data; // M × nc
    for (let t = 0; t < weights.length; t++) weights[t] = weights[t]! * slope![t]!;
    const b = gemm(new Matrix(m, nc, weights), xt, { transA: true }).data; // nc × k
    for (let i = 0; i < nc; i++) {
      const at = (from + i) * q;
      for (let o = 0; o < n; o++) out[at + o] = s * a[i * n + o]!;
      for (let p = 0; p < k; p++) out[at + n + p] = s * b[i * k + p]!;
    }
  }
  return out;
}

/**
 * J·u (M·C, sample-major) for u ∈ R^P (neuron-major): output k at xⱼ is
 * s Σᵢ [σᵢⱼ u_{c_ik} + c_ik σ′ᵢⱼ x̃ⱼ·u_{(w,b)ᵢ}] — per chunk, T = X̃·U_wbᵀ
 * and two gemms.
 */
export function jacobianTimes(net: TwoLayerNetwork, xt: Matrix, u: Float64Array, workspace = new Workspace()): Float64Array {
  if (!(u instanceof Float64Array) || u.length !== net.parameterCount) {
    throw new RangeError(`jacobianTimes: u must be a Float64Array of length P = ${net.parameterCount}`);
  }
  const m = xt.rows;
  const k = net.innerDim;
  const n = net.outputs;
  const q = net.blockSize;
  const out = new Matrix(m, n);
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    const { value, slope } = net.features(xt, from, to, { value: true, slope: true }, workspace);
    const uc = new Matrix(nc, n);
    const uw = new Matrix(nc, k);
    for (let i = 0; i < nc; i++) {
      uc.data.set(u.subarray((from + i) * q, (from + i) * q + n), i * n);
      uw.data.set(u.subarray((from + i) * q + n, (from + i + 1) * q), i * k);
    }
    gemm(new Matrix(m, nc, value!), uc, { out, beta: 1 });
    const t = gemm(xt, uw, { transB: true }).data; // M × nc
    for (let e = 0; e < t.length; e++) t[e] = t[e]! * slope![e]!;
    gemm(new Matrix(m, nc, t), new Matrix(nc, n, net.c.subarray(from * n, to * n)), { out, beta: 1 });
  }
  const s = net.scale;
  for (let e = 0; e < out.data.length; e++) out.data[e] = out.data[e]! * s;
  return out.data;
}

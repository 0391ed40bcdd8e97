/**
 * Products with the Jacobian that never build it: J·Jᵀ in the structured
 * form of docs/math.md §4 and Jᵀ·v, streamed over neuron chunks.
 */
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { kernelPathBytes, requireMemory } from './memory.js';

/**
 * J·Jᵀ = N^(−2β)·[Σᵢ σ(uᵢ)σ(uᵢ)ᵀ + (Σᵢ cᵢ² σ′(uᵢ)σ′(uᵢ)ᵀ) ⊙ X̃X̃ᵀ] (docs/math.md §4): two
 * dsyrk per chunk and one Hadamard product. Full symmetric M×M result.
 */
export function jacobianGram(net: TwoLayerNetwork, xt: Matrix, workspace = new Workspace()): Matrix {
  const m = xt.rows;
  requireMemory(`the ${m}×${m} NTK`, kernelPathBytes(m, 0, 0));
  // The returned Gram is fresh; every other array comes from the workspace, so that a step at
  // small M allocates nothing of the width's size (fresh ones were a tenth of the time at M = 64).
  const values = new Matrix(m, m);
  const slopes = new Matrix(m, m, workspace.array('slopeGram', m * m).fill(0));
  for (const [from, to] of net.featureChunks(m, workspace)) {
    const nc = to - from;
    // cᵢ² σ′σ′ᵀ summed over i is the Gram matrix of the columns σ′(uᵢ)·|cᵢ|.
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

/**
 * J(X*)·J(X)ᵀ for two sets of points, M*×M, in the same structured form
 * (gemm in place of dsyrk).
 */
export function jacobianCrossGram(net: TwoLayerNetwork, xtStar: Matrix, xt: Matrix): Matrix {
  const m = xt.rows;
  const ms = xtStar.rows;
  const values = new Matrix(ms, m);
  const slopes = new Matrix(ms, m);
  const [workspaceA, workspaceB] = [new Workspace(), new Workspace()];
  for (const [from, to] of net.chunks(m + ms, 2)) {
    const nc = to - from;
    const a = net.features(xt, from, to, { value: true, slope: true }, workspaceA);
    const b = net.features(xtStar, from, to, { value: true, slope: true }, workspaceB);
    const scaled = workspaceA.array('scaledSlope', m * nc);
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < nc; i++) scaled[j * nc + i] = a.slope![j * nc + i]! * net.c[from + i]! ** 2;
    }
    gemm(new Matrix(ms, nc, b.value!), new Matrix(m, nc, a.value!), { transB: true, out: values, beta: 1 });
    gemm(new Matrix(ms, nc, b.slope!), new Matrix(m, nc, scaled), { transB: true, out: slopes, beta: 1 });
  }
  const inputs = gemm(xtStar, xt, { transB: true });
  const s2 = net.scale ** 2;
  for (let i = 0; i < values.data.length; i++) {
    values.data[i] = s2 * (values.data[i]! + slopes.data[i]! * inputs.data[i]!);
  }
  return values;
}

/** Jᵀ·v (P, neuron-major) for v ∈ R^M: per neuron [s σᵀv, s cᵢ σ′ᵀ(v ⊙ X̃)]. */
export function jacobianTransposeTimes(net: TwoLayerNetwork, xt: Matrix, v: Float64Array, workspace = new Workspace()): Float64Array {
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

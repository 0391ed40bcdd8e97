/**
 * Finite width against the infinite-width limit (docs/math.md §5): how fast 𝒦_GD and
 * 𝒦_N approach their limits as N grows, whether S + λ_N·I stays positive
 * definite under the width-scaling rule λ_N = λ₀·N^(−γ), how far Newton
 * training moves θ (the lazy regime), and how closely the Newton flow of the
 * finite network follows the limit equation f_t = y + exp(−t·𝒦_N∞)(f_0 − y).
 */
import { gemm } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { chooseLambda } from '../method/lambda.js';
import { limitNewtonKernel } from '../method/limit-newton.js';
import { limitKernel } from '../method/limits.js';
import { kernel } from '../method/kernels.js';
import { NewtonSystem } from '../method/newton.js';
import { spectrum } from '../method/spectrum.js';
import { train } from '../method/train.js';
import type { Activation } from '../model/activations.js';
import { TwoLayerNetwork } from '../model/network.js';
import { circleData } from './circle.js';
import { PARTIAL_MARK } from './demo.js';
import { linePlot, PALETTE } from './svg-plot.js';

export interface ConvergeOptions {
  /** log₂ N from … to, default 8 … 16. */
  exponents?: [number, number];
  /** Seeds averaged per width, default 4. */
  seeds?: number;
  /** M points on the circle, default 32. */
  points?: number;
  /** Target sin(k t), default k = 2. */
  k?: number;
  activation?: Activation;
  /** λ_N = λ₀·N^(−γ): default λ₀ = 1, γ = 1/4 (slower than S's N^(−1/2), so λ_N dominates S). */
  lambda0?: number;
  gamma?: number;
  /** Step α and time window T of the flow comparison: T/α Heun steps, default α = 0.05, T = 2. */
  alpha?: number;
  time?: number;
  onProgress?: (message: string) => void;
  /**
   * Aborting stops the experiment at the next seed: the width it cuts short
   * is left out, and the result holds the widths done before it
   * (`partial: true`). Checked after each onProgress call (where a
   * synchronous caller can abort it).
   */
  signal?: AbortSignal;
}

export interface ConvergeRow {
  width: number;
  lambda: number;
  /** Seed averages. */
  ntkDistance: number;
  nntkDistance: number;
  /** The smallest certificate minᵢ λ_min(Sᵢ + λ_N I) over the seeds. */
  certificate: number;
  /** max|θ − θ₀| after Newton training to 1e-6 (seed average). */
  movement: number;
  /** maxₜ |f_t − f∞_t| / |y| over the time window (seed average). */
  flowDistance: number;
}

export interface ConvergeResult {
  config: Required<Omit<ConvergeOptions, 'onProgress' | 'signal'>>;
  /** Whether the signal stopped the experiment before its last width. */
  partial: boolean;
  rows: ConvergeRow[];
  /** Least-squares slopes of log(quantity) against log N (theory: −1/2 for the distances). */
  slopes: { ntk: number; nntk: number; movement: number; flow: number };
  /** maxₜ of |Heun's scheme on the limit equation − exp(−t𝒦_N∞)(f_0 − y)|/|y| at the largest width done: the floor the step size α puts under flowDistance. */
  discretization: number;
}

export function runConverge(options: ConvergeOptions = {}): ConvergeResult {
  const config = {
    exponents: options.exponents ?? ([8, 16] as [number, number]),
    seeds: options.seeds ?? 4,
    points: options.points ?? 32,
    k: options.k ?? 2,
    activation: options.activation ?? ('tanh' as Activation),
    lambda0: options.lambda0 ?? 1,
    gamma: options.gamma ?? 0.25,
    alpha: options.alpha ?? 0.05,
    time: options.time ?? 2,
  };
  const { X, y } = circleData(config.points, config.k);
  const limit = limitKernel(X, { activation: config.activation });
  const limitNtk = limit.kernel;
  const rows: ConvergeRow[] = [];
  let discretization = 0;
  const signal = options.signal;
  widths: for (let e = config.exponents[0]; e <= config.exponents[1]; e++) {
    const width = 2 ** e;
    const lambda = config.lambda0 * width ** -config.gamma;
    const limitNewton = limitNewtonKernel(limit, lambda).kernel;
    const flowLimit = limitFlow(limitNewton, config.alpha, config.time);
    const sums = { ntk: 0, nntk: 0, movement: 0, flow: 0 };
    let certificate = Infinity;
    let floor = 0;
    for (let seed = 0; seed < config.seeds; seed++) {
      options.onProgress?.(`N = 2^${e}, seed ${seed + 1}/${config.seeds}`);
      if (signal?.aborted) break widths;
      const net = TwoLayerNetwork.initialize({ width, dim: 2, activation: config.activation, beta: 0.5, bias: true }, { seed });
      sums.ntk += relativeDistance(kernel(net, X).kernel, limitNtk);
      const policy = { lambda0: config.lambda0, gamma: config.gamma };
      const system = new NewtonSystem(net, X, y);
      const choice = chooseLambda(policy, system, 'full');
      certificate = Math.min(certificate, choice.certificate);
      if (choice.certificate <= 0) {
        sums.nntk = sums.flow = Number.NaN;
      } else {
        sums.nntk += relativeDistance(kernel(net, X, { kind: 'nntk', lambda, y }).kernel, limitNewton);
        const flow = flowDistance(net, X, y, lambda, config.alpha, flowLimit);
        sums.flow += flow.distance;
        floor = Math.max(floor, flow.discretization);
      }
      const trained = train(net, X, y, { method: 'newton' }).net;
      sums.movement += maxDifference(trained.parameters(), net.parameters());
    }
    const n = config.seeds;
    rows.push({
      width,
      lambda,
      ntkDistance: sums.ntk / n,
      nntkDistance: sums.nntk / n,
      certificate,
      movement: sums.movement / n,
      flowDistance: sums.flow / n,
    });
    discretization = floor;
  }
  const fit = (key: keyof ConvergeRow) => slope(rows.map((r) => r.width), rows.map((r) => r[key]));
  return {
    config,
    partial: rows.length < config.exponents[1] - config.exponents[0] + 1,
    rows,
    slopes: { ntk: fit('ntkDistance'), nntk: fit('nntkDistance'), movement: fit('movement'), flow: fit('flowDistance') },
    discretization,
  };
}

/** The limit dynamics on the training points, given 𝒦_N∞: its eigenpairs, for exp(−t𝒦) and (I − α𝒦)^s. */
interface FlowLimit {
  values: Float64Array;
  vectors: Matrix;
  alpha: number;
  steps: number;
}

function limitFlow(kernel: Matrix, alpha: number, time: number): FlowLimit {
  const { values, vectors } = spectrum(kernel);
  return { values, vectors: vectors!, alpha, steps: Math.round(time / alpha) };
}

/**
 * Integrates the Newton flow dθ/dt = −(H + λI)⁻¹g of the finite network by
 * Heun's method (second order: two directions per step of size α) and
 * compares f(X) after each step with the limit f∞_t = y + exp(−t𝒦_N∞)(f_0 − y),
 * t = α·step. Also returns how far Heun's scheme applied to the limit
 * equation, (I − α𝒦 + α²𝒦²/2)^s, is from the exponential: the floor the step
 * size puts under the comparison.
 */
function flowDistance(net: TwoLayerNetwork, X: Matrix, y: Float64Array, lambda: number, alpha: number, limit: FlowLimit) {
  const norm = Math.hypot(...y);
  const workspace = new Workspace();
  let system = new NewtonSystem(net, X, y, workspace);
  // Coordinates of f_0 − y = r_0 in the limit kernel's eigenbasis.
  const r0 = gemm(limit.vectors, new Matrix(y.length, 1, system.residual)).data;
  let distance = 0;
  let discretization = 0;
  for (let s = 1; s <= limit.steps; s++) {
    const first = system.direction(lambda, 'full', 'kernel').direction;
    const predictor = new NewtonSystem(system.net.moved(first, alpha), X, y, workspace);
    const second = predictor.direction(lambda, 'full', 'kernel').direction;
    const average = first.map((v, p) => 0.5 * (v + second[p]!));
    system = new NewtonSystem(system.net.moved(average, alpha), X, y, workspace);
    const t = alpha * s;
    const exact = r0.map((c, i) => c * Math.exp(-t * limit.values[i]!));
    const heun = r0.map((c, i) => {
      const mu = limit.values[i]!;
      return c * (1 - alpha * mu + 0.5 * (alpha * mu) ** 2) ** s;
    });
    // r_t and its limit in the original basis: Vᵀ·(coefficients), V's rows being the eigenvectors.
    const limitResidual = gemm(new Matrix(1, exact.length, exact), limit.vectors).data;
    distance = Math.max(distance, Math.hypot(...system.residual.map((r, j) => r - limitResidual[j]!)) / norm);
    discretization = Math.max(discretization, Math.hypot(...exact.map((c, i) => c - heun[i]!)) / norm);
  }
  return { distance, discretization };
}

function relativeDistance(a: Matrix, b: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num += (a.data[i]! - b.data[i]!) ** 2;
    den += b.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The least-squares slope of log y against log x (NaN when a y is not positive). */
function slope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
  const my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  return num / den;
}

/**
 * The figures of `nntk converge`, by file name. A partial result has its
 * titles marked; with no width done there is nothing to draw (no figure).
 */
export function convergeFigures(result: ConvergeResult): Record<string, string> {
  if (result.rows.length === 0) return {};
  const mark = result.partial ? PARTIAL_MARK : '';
  const widths = result.rows.map((r) => r.width);
  const { config, slopes } = result;
  const reference = (at: number) => widths.map((n) => at * Math.sqrt(widths[0]! / n));
  const distances = linePlot({
    title: `Distance to the infinite-width limit${mark}`,
    subtitle: `M = ${config.points}, ${config.activation}, ${config.seeds} seeds; λ_N = ${config.lambda0}·N^(−${config.gamma}); fitted slopes: NTK ${slopes.ntk.toFixed(2)}, Newton NTK ${slopes.nntk.toFixed(2)}, flow ${slopes.flow.toFixed(2)}`,
    xLabel: 'width N',
    yLabel: 'relative distance',
    xLog: true,
    yLog: true,
    series: [
      { label: '‖𝒦_GD − K∞/M‖/‖K∞/M‖', x: widths, y: result.rows.map((r) => r.ntkDistance), color: PALETTE[0], marker: 'circle' },
      { label: '‖𝒦_N − 𝒦_N∞‖/‖𝒦_N∞‖', x: widths, y: result.rows.map((r) => r.nntkDistance), color: PALETTE[1], marker: 'circle' },
      { label: 'maxₜ |f_t − f∞_t| / |y|', x: widths, y: result.rows.map((r) => r.flowDistance), color: PALETTE[2], marker: 'circle' },
      { label: 'N^(−1/2)', x: widths, y: reference(result.rows[0]!.ntkDistance), color: '#888888', line: 'dashed' },
    ],
  });
  const certificate = linePlot({
    title: `Positive-definiteness certificate under λ_N = λ₀·N^(−γ)${mark}`,
    subtitle: `minᵢ λ_min(Sᵢ + λ_N I) over ${config.seeds} seeds (> 0: the kernel path's A = S + λI is positive definite)`,
    xLabel: 'width N',
    yLabel: 'value',
    xLog: true,
    yLog: true,
    series: [
      { label: 'certificate', x: widths, y: result.rows.map((r) => r.certificate), color: PALETTE[0], marker: 'circle' },
      { label: 'λ_N', x: widths, y: result.rows.map((r) => r.lambda), color: PALETTE[1], line: 'dashed' },
    ],
  });
  const movement = linePlot({
    title: `Parameter movement after Newton training (the lazy regime)${mark}`,
    subtitle: `max|θ − θ₀| at |r|/|y| ≤ 1e-6, y = sin(${config.k}t); fitted slope ${slopes.movement.toFixed(2)}`,
    xLabel: 'width N',
    yLabel: 'max |θ − θ₀|',
    xLog: true,
    yLog: true,
    series: [
      { label: 'max |θ − θ₀|', x: widths, y: result.rows.map((r) => r.movement), color: PALETTE[0], marker: 'circle' },
      { label: 'N^(−1/2)', x: widths, y: reference(result.rows[0]!.movement), color: '#888888', line: 'dashed' },
    ],
  });
  return { 'limit-distance.svg': distances, 'certificate.svg': certificate, 'movement.svg': movement };
}

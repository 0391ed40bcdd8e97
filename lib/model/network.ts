/**
 * The two-layer network of docs/math.md §1 and §8: f(x; θ) = N^(−β) Σᵢ cᵢ σ(wᵢ·x + bᵢ) ∈ R^C.
 *
 * Parameters are held as `c` (N × C row-major, row i = cᵢ) and `inner`
 * (N × k, row i = [wᵢ, bᵢ], or wᵢ alone without bias; k = d + 1 or d), so
 * that the pre-activations of a chunk of neurons are one gemm,
 * U = X̃·innerᵀ, with X̃ = [X, 1]. The flat θ of docs/math.md §8
 * (neuron-major blocks [cᵢ, wᵢ, bᵢ] of q = C + k) is produced on demand.
 * Outputs, residuals and targets at M points are flat sample-major arrays
 * of M·C numbers (entry j·C + k is output k at point j): for C = 1 exactly
 * the M values of a single-output network. Nothing here holds the M×P
 * Jacobian: every derived quantity is computed for a range of neurons.
 */
import { gemm } from '../linalg/blas.js';
import { checkKernelStatus } from '../linalg/call.js';
import { Matrix } from '../linalg/matrix.js';
import { native } from '../linalg/native.js';
import { Workspace } from '../linalg/workspace.js';
import { ACTIVATIONS, curvatureFrom, evaluate, evaluateAt, type Activation } from './activations.js';
import { NormalGenerator } from './random.js';
import { UnsupportedOutputsError } from '../errors.js';
import { multiOutputJacobianBlock, multiOutputSecondOrderBlocks } from './multi-output.js';
import { tracedSlopeWeights } from './output-weights.js';
import { checkData, checkFiniteArray } from './data.js';
import { checkOptionKeys, keysOf } from '../options.js';

/**
 * From this many inputs per neuron (k = d + 1 with bias) on, the
 * pre-activations of a pass are one dgemm, stored, then activated; below it
 * the native loop forms each one in registers.
 */
export const GEMM_FROM_INNER_DIM = 16;

/** A chunk's work arrays stay near this many bytes (chunks()). */
export const CHUNK_BYTES = 64 * 2 ** 20;

const FEATURE_ARRAYS = ['value', 'slope', 'curvature'] as const;
/** What kept features hold: σ, σ′, σ″ and the Gram's wσ′ (scaledSlope). */
const KEPT_ARRAYS = [...FEATURE_ARRAYS, 'scaledSlope'] as const;
/** What kept features hold from k = GEMM_FROM_INNER_DIM on: U as well, for a σ″ asked for later. */
const KEPT_WITH_PREACTIVATIONS = [...KEPT_ARRAYS, 'preactivation'] as const;

/**
 * What a workspace holds when it keeps the features of `n` neurons at `m`
 * points: σ, σ′, σ″ and the two more arrays of their size a step's passes
 * add (the pre-activations from k = GEMM_FROM_INNER_DIM on, Gauss–Newton's
 * scaled σ′).
 */
export function keptFeatureBytes(m: number, n: number): number {
  return (FEATURE_ARRAYS.length + 2) * 8 * m * n;
}

export interface NetworkConfig {
  /** N, the number of hidden neurons. */
  width: number;
  /** d, the input dimension. */
  dim: number;
  /** σ, one of ACTIVATIONS. Default 'tanh'. */
  activation?: Activation;
  /** β ∈ [1/2, 1]: the output is scaled by N^(−β). Default 1/2 (the NTK scaling). */
  beta?: number;
  /** Whether each neuron has a bias bᵢ (x̃ = [x; 1]). Default true. */
  bias?: boolean;
  /** C, the number of outputs (docs/math.md §8). Default 1. */
  outputs?: number;
}

/**
 * A configuration with every default filled in. `outputs` is there only for
 * C > 1: a single-output network's configuration is the one it has always
 * been (equal, key for key, to one written before `outputs` existed).
 */
export type FilledNetworkConfig = Required<Omit<NetworkConfig, 'outputs'>> & { outputs?: number };

export interface InitOptions {
  /** Default 0. */
  seed?: number;
  /** Standard deviation of each wᵢ entry. Default 1. */
  sigmaW?: number;
  /** Standard deviation of bᵢ. Default 1. */
  sigmaB?: number;
  /** Neurons in pairs (c, w, b), (−c, w, b) so that f(·; θ₀) ≡ 0 (N even). Default false. */
  symmetric?: boolean;
}

const CONFIG_KEYS = keysOf<NetworkConfig>({ width: true, dim: true, activation: true, beta: true, bias: true, outputs: true });
const INIT_OPTIONS = keysOf<InitOptions>({ seed: true, sigmaW: true, sigmaB: true, symmetric: true });

/** σ, σ′, σ″ of neurons [from, to) at M points, each M × (to − from) row-major. */
export interface NeuronFeatures {
  from: number;
  to: number;
  value: Float64Array | null;
  slope: Float64Array | null;
  curvature: Float64Array | null;
  /**
   * wᵢ·σ′ (wᵢ = |cᵢ| for one output, the output-traced weight of lib/model/output-weights.ts for C > 1):
   * the columns of the Gram's second term (docs/math.md §4, §8), when asked for.
   */
  scaledSlope?: Float64Array | null;
}

/** Which features a pass reads. */
export interface FeatureNeed {
  value?: boolean;
  slope?: boolean;
  curvature?: boolean;
  scaledSlope?: boolean;
}

export class TwoLayerNetwork {
  /** The configuration with every default filled in. */
  readonly config: Readonly<FilledNetworkConfig>;
  /** Output weights: N × C row-major, row i = cᵢ (N numbers for C = 1). */
  readonly c: Float64Array;
  /** Row i is [wᵢ, bᵢ] (or wᵢ without bias): N × k row-major. */
  readonly inner: Float64Array;

  constructor(config: NetworkConfig, c: Float64Array, inner: Float64Array) {
    this.config = Object.freeze(checkConfig(config));
    const { width } = this.config;
    const outputs = this.outputs;
    if (!(c instanceof Float64Array) || c.length !== width * outputs) {
      throw new RangeError(`network: c must be a Float64Array of length N·C = ${width * outputs}${outputs === 1 ? '' : ` (${width}×${outputs})`}`);
    }
    if (!(inner instanceof Float64Array) || inner.length !== width * this.innerDim) {
      throw new RangeError(`network: inner must be a Float64Array of length ${width * this.innerDim}`);
    }
    checkFiniteArray('network', 'c', c, outputs);
    checkFiniteArray('network', 'inner', inner, this.innerDim);
    this.c = c;
    this.inner = inner;
  }

  /** A network with seeded N(0, 1) output weights and N(0, σ²) inner weights and biases. */
  static initialize(config: NetworkConfig, options: InitOptions = {}): TwoLayerNetwork {
    const cfg = checkConfig(config);
    checkOptionKeys('initialize', options, INIT_OPTIONS);
    const sigmaW = options.sigmaW ?? 1;
    const sigmaB = options.sigmaB ?? 1;
    for (const [name, v] of [['sigmaW', sigmaW], ['sigmaB', sigmaB]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`initialize: ${name} must be a finite number ≥ 0, got ${v}`);
    }
    if (options.symmetric && cfg.width % 2 !== 0) throw new RangeError(`initialize: a symmetric network needs an even width, got ${cfg.width}`);
    const k = cfg.dim + (cfg.bias ? 1 : 0);
    const n = cfg.outputs ?? 1;
    const c = new Float64Array(cfg.width * n);
    const inner = new Float64Array(cfg.width * k);
    const rng = new NormalGenerator(options.seed ?? 0);
    // Draw in the order of θ: c₀ (C entries), w₀, b₀, c₁, … (for C = 1 the sequence of a single-output network).
    for (let i = 0; i < cfg.width; i++) {
      if (options.symmetric && i % 2 === 1) {
        for (let o = 0; o < n; o++) c[i * n + o] = -c[(i - 1) * n + o]!;
        inner.copyWithin(i * k, (i - 1) * k, i * k);
        continue;
      }
      for (let o = 0; o < n; o++) c[i * n + o] = rng.normal();
      for (let p = 0; p < cfg.dim; p++) inner[i * k + p] = sigmaW * rng.normal();
      if (cfg.bias) inner[i * k + cfg.dim] = sigmaB * rng.normal();
    }
    return new TwoLayerNetwork(cfg, c, inner);
  }

  /** A network over explicit parameters (copied): c (N×C row-major), W (N×d row-major), b (N) with bias. */
  static fromArrays(config: NetworkConfig, arrays: { c: Float64Array; W: Float64Array; b?: Float64Array }): TwoLayerNetwork {
    const cfg = checkConfig(config);
    checkOptionKeys('network', arrays, ['c', 'W', 'b']);
    const { width: n, dim: d } = cfg;
    const outputs = cfg.outputs ?? 1;
    for (const [name, array, cols] of [['c', arrays.c, outputs], ['W', arrays.W, d], ['b', cfg.bias ? arrays.b : undefined, 1]] as const) {
      if (array === undefined && name === 'b') continue;
      if (!(array instanceof Float64Array) || array.length !== n * cols) {
        throw new RangeError(`network: ${name} must be a Float64Array of ${n * cols} numbers${name === 'W' || cols > 1 ? ` (${n}×${cols})` : ''}`);
      }
      checkFiniteArray('network', name, array, cols);
    }
    if (cfg.bias && arrays.b === undefined) throw new RangeError(`network: b must be given for a network with bias`);
    const k = d + (cfg.bias ? 1 : 0);
    const inner = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      inner.set(arrays.W.subarray(i * d, (i + 1) * d), i * k);
      if (cfg.bias) inner[i * k + d] = arrays.b![i]!;
    }
    return new TwoLayerNetwork(cfg, Float64Array.from(arrays.c), inner);
  }

  /** N. */
  get width(): number {
    return this.config.width;
  }

  /** k: entries per row of `inner` (d + 1 with bias). */
  get innerDim(): number {
    return this.config.dim + (this.config.bias ? 1 : 0);
  }

  /** C, the number of outputs. */
  get outputs(): number {
    return this.config.outputs ?? 1;
  }

  /** q = C + k: parameters per neuron. */
  get blockSize(): number {
    return this.innerDim + this.outputs;
  }

  /** P = N·q. */
  get parameterCount(): number {
    return this.config.width * this.blockSize;
  }

  /** Throws UnsupportedOutputsError naming `where` unless C = 1. */
  requireSingleOutput(where: string): void {
    if (this.outputs !== 1) throw new UnsupportedOutputsError(where, this.outputs);
  }

  /** N^(−β). */
  get scale(): number {
    return this.config.width ** -this.config.beta;
  }

  /** W as an N×d matrix (a copy). */
  get W(): Matrix {
    const { width: n, dim: d } = this.config;
    const k = this.innerDim;
    const w = new Matrix(n, d);
    for (let i = 0; i < n; i++) w.data.set(this.inner.subarray(i * k, i * k + d), i * d);
    return w;
  }

  /** b (a copy), or null without bias. */
  get b(): Float64Array | null {
    if (!this.config.bias) return null;
    const k = this.innerDim;
    return Float64Array.from({ length: this.config.width }, (_, i) => this.inner[i * k + k - 1]!);
  }

  /** θ, the flat neuron-major parameter vector of docs/math.md §8, blocks [cᵢ, wᵢ, bᵢ] (a copy). */
  parameters(): Float64Array {
    const q = this.blockSize;
    const k = this.innerDim;
    const n = this.outputs;
    const theta = new Float64Array(this.parameterCount);
    for (let i = 0; i < this.config.width; i++) {
      theta.set(this.c.subarray(i * n, (i + 1) * n), i * q);
      theta.set(this.inner.subarray(i * k, (i + 1) * k), i * q + n);
    }
    return theta;
  }

  /** The network at θ − α·δ, δ a flat neuron-major vector. */
  moved(delta: Float64Array, alpha = 1): TwoLayerNetwork {
    if (!(delta instanceof Float64Array) || delta.length !== this.parameterCount) {
      throw new RangeError(`network: a direction must be a Float64Array of length P = ${this.parameterCount}`);
    }
    const q = this.blockSize;
    const k = this.innerDim;
    const n = this.outputs;
    const c = new Float64Array(this.c);
    const inner = new Float64Array(this.inner);
    for (let i = 0; i < this.config.width; i++) {
      for (let o = 0; o < n; o++) c[i * n + o] = c[i * n + o]! - alpha * delta[i * q + o]!;
      for (let p = 0; p < k; p++) inner[i * k + p] = inner[i * k + p]! - alpha * delta[i * q + n + p]!;
    }
    return new TwoLayerNetwork(this.config, c, inner);
  }

  /** X̃: the inputs with a column of ones for the bias (X itself without bias). */
  augment(X: Matrix): Matrix {
    checkData('network', X, null, this.config.dim);
    if (!this.config.bias) return X;
    const { rows: m, cols: d } = X;
    const xt = new Matrix(m, d + 1);
    for (let j = 0; j < m; j++) {
      xt.data.set(X.data.subarray(j * d, (j + 1) * d), j * (d + 1));
      xt.data[j * (d + 1) + d] = 1;
    }
    return xt;
  }

  /**
   * σ, σ′, σ″ (as asked) of the pre-activations of neurons [from, to) at
   * the rows of X̃, in arrays of `workspace` (fresh ones without it): valid
   * until the workspace is asked for features again. Read-only: the same
   * arrays may be handed to the next pass. The features of every neuron are
   * kept in `workspace` when they fit what it keeps (Workspace.keepBytes,
   * keptFeatureBytes) and served to the next pass at the same X̃: σ and σ′
   * always, σ″ from the first pass that asks for it on (added to what is
   * kept, σ and σ′ untouched).
   */
  features(xt: Matrix, from: number, to: number, need: FeatureNeed, workspace?: Workspace): NeuronFeatures {
    const k = this.innerDim;
    const nc = to - from;
    const size = xt.rows * nc;
    const arrays = workspace ?? new Workspace();
    const whole = workspace !== undefined && from === 0 && to === this.config.width && this.keepsFeatures(xt.rows, workspace);
    const gemmed = k >= GEMM_FROM_INNER_DIM;
    const keptNames = gemmed ? KEPT_WITH_PREACTIVATIONS : KEPT_ARRAYS;
    if (whole) {
      const kept = arrays.recall(this, xt) as NeuronFeatures | undefined;
      if (kept !== undefined) {
        const lacksCurvature = need.curvature === true && kept.curvature === null;
        const lacksScaled = need.scaledSlope === true && (kept.scaledSlope ?? null) === null;
        if (!lacksCurvature && !lacksScaled) return kept;
        // σ″ and |c|σ′ on request only, added to what is kept (σ, σ′ untouched): σ″ from σ, σ′ (or
        // the kept U from k = GEMM_FROM_INNER_DIM on) by the formulas of the fused pass, so the bits
        // are its; only S needs σ″ (docs/math.md §2), only the Gauss–Newton Gram |c|σ′ (§4).
        const features = { ...kept };
        if (lacksCurvature) {
          features.curvature = arrays.array('curvature', size);
          if (!curvatureFrom(this.config.activation, kept.value!, kept.slope!, features.curvature)) {
            if (gemmed) evaluate(this.config.activation, arrays.array('preactivation', size), null, null, features.curvature);
            else evaluateAt(this.config.activation, xt.data, xt.rows, this.inner, nc, k, null, null, features.curvature);
          }
        }
        if (lacksScaled) features.scaledSlope = this.scaledSlope(xt.rows, 0, nc, kept.slope!, arrays);
        arrays.keep(this, xt, keptNames, features);
        return features;
      }
      // σ and σ′ at once, whatever this pass asks for: the later passes of the step (f, Q, Jᵀv) are
      // then served without evaluating them again, which at M = 512 was f 0.35–0.66 and Jᵀv 0.6–1.5
      // of a Gauss–Newton step's BLAS-3 floor (bench/kernel-paths.md), and most of a small step.
      // σ″ and |c|σ′ only when this pass asks for them: a Gauss–Newton step never reads σ″.
      need = { value: true, slope: true, curvature: need.curvature === true, scaledSlope: need.scaledSlope === true };
    }
    const value = need.value ? arrays.array('value', size) : null;
    const slope = need.slope ? arrays.array('slope', size) : null;
    const curvature = need.curvature ? arrays.array('curvature', size) : null;
    const inner = this.inner.subarray(from * k, to * k);
    let scaledSlope: Float64Array | null = null;
    if (gemmed) {
      // U = X̃·Wᵀ by dgemm, then σ, σ′, σ″ entry by entry: the fused loop's dot products run at a fraction of
      // dgemm's rate, and at d = 64 they were half of a Gauss–Newton step (2·M·N·k flops a pass).
      const u = new Matrix(xt.rows, nc, arrays.array('preactivation', size));
      gemm(xt, new Matrix(nc, k, inner), { transB: true, out: u });
      const slopes = slope ?? (need.scaledSlope ? arrays.array('slope', size) : null);
      evaluate(this.config.activation, u.data, value, slopes, curvature);
      if (need.scaledSlope) scaledSlope = this.scaledSlope(xt.rows, from, to, slopes!, arrays);
    } else {
      // |c|σ′ in the activations' own pass, while σ′ is in cache: one pass over M × nc fewer.
      const scaled = need.scaledSlope ? { weights: this.slopeWeights(from, to, arrays), out: arrays.array('scaledSlope', size) } : null;
      evaluateAt(this.config.activation, xt.data, xt.rows, inner, nc, k, value, slope, curvature, scaled);
      scaledSlope = scaled?.out ?? null;
    }
    const features = { from, to, value, slope, curvature, scaledSlope };
    if (whole) arrays.keep(this, xt, keptNames, features);
    return features;
  }

  /** The traced Gram's σ′ weights of neurons [from, to) (|cᵢ| for one output; lib/model/output-weights.ts), in `workspace`. */
  private slopeWeights(from: number, to: number, workspace: Workspace): Float64Array {
    return tracedSlopeWeights(this.c, this.outputs, from, to, workspace.array('slopeWeights', to - from));
  }

  /** wᵢ·σ′ (slopeWeights) of neurons [from, to) from their σ′ (m × (to − from)), in `workspace`. */
  private scaledSlope(m: number, from: number, to: number, slope: Float64Array, workspace: Workspace): Float64Array {
    const nc = to - from;
    const scaled = workspace.array('scaledSlope', m * nc);
    checkKernelStatus('scaledcolumns', native.scaledcolumns(m, nc, slope, this.slopeWeights(from, to, workspace), scaled), 'nothing (it allocates none)');
    return scaled;
  }

  /** f at the rows of X: M·C numbers, sample-major (entry j·C + k is output k at xⱼ); M for C = 1. */
  predict(X: Matrix, workspace = new Workspace()): Float64Array {
    return this.predictAt(this.augment(X), workspace);
  }

  /**
   * f at the rows of X̃ = augment(X): the features of this pass are the ones
   * later passes over the same X̃ may be served from the workspace. With
   * `also.scaledSlope`, a pass over every neuron at once also forms the
   * Gauss–Newton Gram's |c|σ′ (NeuronFeatures.scaledSlope) while σ′ is in cache.
   */
  predictAt(xt: Matrix, workspace = new Workspace(), also: { scaledSlope?: boolean } = {}): Float64Array {
    if (!(xt instanceof Matrix) || xt.cols !== this.innerDim) {
      throw new RangeError(`network: X̃ must be a Matrix with ${this.innerDim} columns (see augment)`);
    }
    const m = xt.rows;
    const n = this.outputs;
    // One sum over the neurons per output, columns of f side by side (f for C = 1).
    const columns = new Float64Array(m * n);
    const weights = new Float64Array(n === 1 ? 0 : this.config.width);
    for (const [from, to] of this.featureChunks(m, workspace)) {
      const nc = to - from;
      // wσ′ only in a pass over every neuron at once: only that one is kept for the Gram that follows. For C > 1
      // Gauss–Newton's Gram is the full one (output-gram.ts), which does not read it.
      const { value } = this.features(xt, from, to, { value: true, scaledSlope: also.scaledSlope === true && n === 1 && to - from === this.config.width }, workspace);
      for (let o = 0; o < n; o++) {
        let w = this.c.subarray(from, to);
        if (n > 1) {
          w = weights.subarray(from, to);
          for (let i = 0; i < nc; i++) w[i] = this.c[(from + i) * n + o]!;
        }
        // A plain sum in neuron order, not a gemm: the terms of a symmetric pair
        // (c, w, b), (−c, w, b) then cancel exactly and f(·; θ₀) is exactly 0.
        checkKernelStatus('weightedrowsums', native.weightedrowsums(m, nc, value!, w, columns.subarray(o * m, (o + 1) * m)), 'nothing (it allocates none)');
      }
    }
    const s = this.scale;
    const out = new Float64Array(m * n);
    for (let o = 0; o < n; o++) for (let j = 0; j < m; j++) out[j * n + o] = columns[o * m + j]! * s;
    return out;
  }

  /**
   * The Jacobian columns of neurons [from, to): an M·C × (to − from)·q matrix,
   * row j·C + k = ∂f_k(xⱼ)/∂θ restricted to those neurons' blocks (in
   * `workspace`; lib/model/multi-output.ts for C > 1).
   * [from, to) is the range of `features`, or `neurons` within it. With
   * `whiten`, the lower-triangular q×q factors Lᵢ of those neurons, each row
   * segment of neuron i becomes Lᵢ⁻¹ times it in the same pass:
   * Z = J·blockdiag(L)⁻ᵀ, the whitened Jacobian of the Newton kernel path.
   */
  jacobianBlock(
    xt: Matrix,
    features: NeuronFeatures,
    workspace = new Workspace(),
    whiten: Float64Array | null = null,
    neurons?: readonly [number, number],
  ): Matrix {
    const range = featureRange('jacobianBlock', features, neurons);
    const { from, to, offset, ld, value, slope } = range;
    const m = xt.rows;
    const k = this.innerDim;
    const q = this.blockSize;
    const nc = to - from;
    if (whiten !== null && whiten.length !== nc * q * q) {
      throw new RangeError(`network: whitening factors must hold ${nc} blocks of ${q}×${q}, got ${whiten.length} numbers`);
    }
    if (this.outputs > 1) return multiOutputJacobianBlock(this, xt, range, workspace, whiten);
    const jac = new Matrix(m, nc * q, workspace.array('jacobian', m * nc * q));
    const status = native.jacobianblock(k, nc, m, xt.data, value.subarray(offset), slope.subarray(offset), this.c.subarray(from, to), this.scale, whiten, jac.data, ld);
    checkKernelStatus('jacobianblock', status, `the scaled weights${whiten === null ? '' : ' and reciprocal diagonals'} of ${nc} neurons`);
    return jac;
  }

  /**
   * What jacobianBlock computes with `whiten`, for any q: Z = J·blockdiag(L)⁻ᵀ
   * of neurons [from, to) (those of `features`, or `neurons` within them),
   * from the panel of the Tᵢ = Lᵢ⁻ᵀ of all N neurons
   * (q × N·q row-major, see factorBlocks). Row segment i of row j is
   * s·σ·(row 0 of Tᵢ) + s·cᵢ·σ′·(x̃ⱼᵀ · rows 1…k of Tᵢ), and X̃ is shared by
   * the neurons: one gemm of X̃ with the chunk's columns of the panel, where
   * solving each row segment would cost M·q² dependent flops per neuron.
   */
  whitenedJacobianBlock(xt: Matrix, features: NeuronFeatures, panel: Float64Array, workspace = new Workspace(), neurons?: readonly [number, number]): Matrix {
    this.requireSingleOutput('network: whitenedJacobianBlock');
    const { from, to, offset, ld, value, slope } = featureRange('whitenedJacobianBlock', features, neurons);
    const m = xt.rows;
    const k = this.innerDim;
    const q = k + 1;
    const nc = to - from;
    if (panel.length !== q * this.parameterCount) {
      throw new RangeError(`network: the whitening panel must hold ${q}×${this.parameterCount} numbers, got ${panel.length}`);
    }
    const z = new Matrix(m, nc * q, workspace.array('jacobian', m * nc * q));
    const status = native.whitenedjacobian(
      k, nc, m, xt.data, value.subarray(offset), slope.subarray(offset), this.c.subarray(from, to), this.scale,
      panel.subarray(from * q), this.parameterCount, z.data, ld,
    );
    checkKernelStatus('whitenedjacobian', status, `the scaled output weights, ${nc} numbers`);
    return z;
  }

  /**
   * The blocks Sᵢ = (1/M) Σⱼ rⱼ ∇²_θᵢ f(xⱼ) of neurons [from, to), each q×q
   * row-major, one after another (docs/math.md §2; §8 for C > 1, r then M·C sample-major), written into `out`
   * ((to − from)·q² numbers; a new array without it). The sums over the
   * points go through arrays of `workspace`: at q = 66 fresh ones were a
   * third of the time of forming S (their pages faulted in on every step).
   */
  secondOrderBlocks(xt: Matrix, residual: Float64Array, features: NeuronFeatures, workspace = new Workspace(), out?: Float64Array): Float64Array {
    const { from, to, slope, curvature } = features;
    const m = xt.rows;
    const k = this.innerDim;
    const q = this.blockSize;
    const nc = to - from;
    if (slope === null || curvature === null) throw new TypeError('network: secondOrderBlocks needs the features σ′ and σ″');
    const blocks = out ?? new Float64Array(nc * q * q);
    if (blocks.length !== nc * q * q) throw new RangeError(`network: secondOrderBlocks writes ${nc} blocks of ${q}×${q}, got an array of ${blocks.length}`);
    if (this.outputs > 1) {
      multiOutputSecondOrderBlocks(this, xt, residual, from, to, slope, curvature, workspace, blocks);
      return blocks;
    }
    const s = this.scale / m;
    // rx[j, p] = rⱼ x̃ⱼₚ and rxx[j, (p, p')] = rⱼ x̃ⱼₚ x̃ⱼₚ' (p ≤ p'): the sums over j are then two gemms.
    const pairs = (k * (k + 1)) / 2;
    const rx = new Matrix(m, k, workspace.array('residualInputs', m * k));
    const rxx = new Matrix(m, pairs, workspace.array('residualInputPairs', m * pairs));
    for (let j = 0; j < m; j++) {
      const r = residual[j]!;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const xp = xt.data[j * k + p]!;
        rx.data[j * k + p] = r * xp;
        for (let p2 = p; p2 < k; p2++) rxx.data[j * pairs + t++] = r * xp * xt.data[j * k + p2]!;
      }
    }
    const cross = gemm(new Matrix(m, nc, slope), rx, { transA: true, out: new Matrix(nc, k, workspace.array('crossSums', nc * k)) }).data;
    const second = gemm(new Matrix(m, nc, curvature), rxx, { transA: true, out: new Matrix(nc, pairs, workspace.array('secondSums', nc * pairs)) }).data;
    for (let i = 0; i < nc; i++) {
      const b = i * q * q;
      const ci = this.c[from + i]!;
      // ∂²f/∂cᵢ² = 0.
      blocks[b] = 0;
      for (let p = 0; p < k; p++) {
        const v = s * cross[i * k + p]!;
        blocks[b + 1 + p] = v;
        blocks[b + (1 + p) * q] = v;
      }
      let t = 0;
      for (let p = 0; p < k; p++) {
        for (let p2 = p; p2 < k; p2++) {
          const v = s * ci * second[i * pairs + t++]!;
          blocks[b + (1 + p) * q + 1 + p2] = v;
          blocks[b + (1 + p2) * q + 1 + p] = v;
        }
      }
    }
    return blocks;
  }

  /**
   * The chunks of a pass over the features, sized for all three feature
   * arrays whatever the pass asks for: the passes of a step then share one
   * set of workspace arrays, allocated (and their pages faulted in) once.
   * When σ, σ′, σ″ of all neurons at the M points fit what `workspace`
   * keeps, one chunk of every neuron: its features are evaluated once and
   * kept for the later passes (features()).
   */
  *featureChunks(m: number, workspace?: Workspace): Generator<[number, number]> {
    if (workspace !== undefined && this.keepsFeatures(m, workspace)) yield [0, this.config.width];
    else yield* this.chunks(m, FEATURE_ARRAYS.length);
  }

  /** Whether the features of every neuron at `m` points fit what `workspace` keeps (keptFeatureBytes). */
  private keepsFeatures(m: number, workspace: Workspace): boolean {
    return keptFeatureBytes(m, this.config.width) <= workspace.keepBytes;
  }

  /**
   * Neuron ranges [from, to) covering the width, sized so that a chunk's
   * M × chunk × `arrays` float64 work arrays stay near 64 MiB.
   */
  *chunks(m: number, arrays: number): Generator<[number, number]> {
    const size = Math.max(1, Math.min(this.config.width, Math.floor(CHUNK_BYTES / (8 * m * arrays))));
    for (let from = 0; from < this.config.width; from += size) yield [from, Math.min(this.config.width, from + size)];
  }
}

/**
 * Neurons [from, to) of `features` (all of them without `neurons`), with
 * where their σ and σ′ start in each row (`offset`) and the row stride `ld`.
 */
function featureRange(
  where: string,
  features: NeuronFeatures,
  neurons: readonly [number, number] | undefined,
): { from: number; to: number; offset: number; ld: number; value: Float64Array; slope: Float64Array } {
  const { value, slope } = features;
  if (value === null || slope === null) throw new TypeError(`network: ${where} needs the features σ and σ′`);
  const [from, to] = neurons ?? [features.from, features.to];
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < features.from || to > features.to || from >= to) {
    throw new RangeError(`network: ${where}: neurons [${from}, ${to}) must be a non-empty range within the features' [${features.from}, ${features.to})`);
  }
  return { from, to, offset: from - features.from, ld: features.to - features.from, value, slope };
}

function checkConfig(config: NetworkConfig): FilledNetworkConfig {
  if (typeof config !== 'object' || config === null) throw new TypeError('network: config must be an object');
  checkOptionKeys('network: config', config, CONFIG_KEYS);
  const { width, dim } = config;
  const activation = config.activation ?? 'tanh';
  const beta = config.beta ?? 0.5;
  const bias = config.bias ?? true;
  const outputs = config.outputs ?? 1;
  for (const [name, v] of [['width', width], ['dim', dim], ['outputs', outputs]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`network: ${name} must be a positive integer, got ${v}`);
  }
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new RangeError(`network: activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(activation)}`);
  }
  if (typeof beta !== 'number' || !(beta >= 0.5 && beta <= 1)) throw new RangeError(`network: beta must be in [1/2, 1], got ${beta}`);
  if (typeof bias !== 'boolean') throw new TypeError(`network: bias must be a boolean, got ${typeof bias}`);
  return outputs === 1 ? { width, dim, activation, beta, bias } : { width, dim, activation, beta, bias, outputs };
}

/**
 * Runs test/reference/multi_output.py (numpy, written from docs/math.md §8 and §1–5
 * alone) on networks of C outputs and returns what it computed: f, the explicit
 * Jacobian, g, the blocks Sᵢ, H, the Newton directions (dense and by the kernel
 * formula), the full and output-traced NTK and NNTK, cross-kernels, the closed-form
 * limit K∞ ⊗ I_C / M, and the round-off bounds that make a comparison's tolerances.
 *
 * Every matrix is flat and row-major; every output index is sample-major (j·C + k is
 * output k at point j); θ is neuron-major with blocks [cᵢ (C), wᵢ (d), bᵢ].
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Activation, Hessian, Matrix } from '../lib/index.js';
import { formatNpy } from '../lib/io/npy.js';

export { EPS, norm, relativeDifference } from './newton-reference.js';

/**
 * The parameters of a network of C outputs, in the shape of docs/math.md §8. A
 * TwoLayerNetwork of one output already has this shape (`outputs` absent means C = 1).
 */
export interface MultiOutputNetwork {
  config: { width: number; dim: number; outputs?: number; activation: Activation; beta: number; bias: boolean };
  /** Output weights, N×C row-major (row i is cᵢ). */
  c: Float64Array;
  /** Inner weights, N×d row-major. */
  W: { data: Float64Array };
  /** Biases (N), with bias. */
  b: Float64Array | null | undefined;
}

export interface MultiOutputRequest {
  net: MultiOutputNetwork;
  X: Matrix;
  /** Targets, M×C row-major (sample-major). */
  y: Float64Array;
  /** λ for each Newton direction and 𝒦_N wanted. */
  lambda?: Partial<Record<Hessian, number>>;
  /** Test points for the cross-kernels. */
  Xstar?: Matrix;
  /** The closed-form limit K∞ (relu and erf only) for these σ_w, σ_b (defaults 1). */
  limit?: { sigmaW?: number; sigmaB?: number };
}

export interface MultiOutputNewton {
  /** δ = (H + λI)⁻¹g by numpy's dense solve. */
  direction: number[];
  /** δ = A⁻¹Jᵀ(M·I + Q)⁻¹r, A = S + λI (λI for Gauss–Newton); null when A is not positive definite. */
  kernelDirection: number[] | null;
  /** ‖kernelDirection − direction‖/‖direction‖ and what round-off allows it to be. */
  kernelAgreement?: number;
  agreementBound?: number;
  directionNorm: number;
  gradientDot: number;
  /** κ₂(H + λI). */
  kappa: number;
  /** κ₂(A), null when A is not positive definite; κ₂(M·I + Q). */
  kappaA: number | null;
  kappaKernel?: number;
  /** Relative perturbations of H + λI and of g that round-off in forming them can cause. */
  etaA: number;
  etaG: number;
  /** 𝒦_N = J(H + λI)⁻¹Jᵀ/M, (M·C)×(M·C); the same by Q(M·I + Q)⁻¹ when A is positive definite. */
  nntk: number[];
  nntkFromQ?: number[];
  /** (1/C) Σₖ (𝒦_N)_{·k,·k}, M×M. */
  nntkTraced: number[];
  /** ‖J‖²‖(H + λI)⁻¹‖/(M‖𝒦_N‖): how much a relative error of the solve can grow in 𝒦_N. */
  kernelAmplification: number;
  /** With X*: J*(H + λI)⁻¹Jᵀ/M ((M*·C)×(M·C)), traced (M*×M), and ‖J*‖‖J‖‖(H + λI)⁻¹‖/(M‖·‖). */
  nntkCross?: number[];
  nntkCrossTraced?: number[];
  crossAmplification?: number;
  /** minᵢ λ_min(Sᵢ + λI) (full) or λ (Gauss–Newton). */
  certificate: number;
}

export interface MultiOutputReference {
  /** f(X), r = f(X) − y, and ρ = N^(−β)Σᵢ|cᵢₖσ(uᵢ)| + |yₖ| (the magnitude of r's terms), M·C each. */
  f: number[];
  r: number[];
  rho: number[];
  /** J, (M·C)×P, and ‖J‖₂. */
  J: number[];
  jacobianNorm: number;
  gradient: number[];
  /** The N diagonal blocks Sᵢ, q×q each. */
  sBlocks: number[][];
  /** H = JᵀJ/M + S, P×P. */
  hessian: number[];
  auto: { lambda: number; certificate: number; minEigenvalue: number };
  /** Θ/M, (M·C)×(M·C), and ‖ΔΘ‖_F/‖Θ‖_F that round-off can cause in either implementation. */
  ntk: number[];
  ntkError: number;
  /** (1/C) Σₖ Θ_{·k,·k}/M, M×M, and its round-off bound. */
  ntkTraced: number[];
  ntkTracedError: number;
  /** 1/μ_max(Θ/M). */
  gdStep: number;
  /** With X*: f(X*), J*Jᵀ/M, traced, and its round-off bound. */
  fStar?: number[];
  ntkCross?: number[];
  ntkCrossTraced?: number[];
  ntkCrossError?: number;
  full?: MultiOutputNewton;
  'gauss-newton'?: MultiOutputNewton;
  /** With `limit` (relu, erf): K∞(X, X)/M (M×M), K∞ ⊗ I_C / M, and K∞(X*, X)/M with X*. */
  limit?: { kernel: number[]; kernelFull: number[]; cross?: number[] };
}

const SCRIPT = fileURLToPath(new URL('./reference/multi_output.py', import.meta.url));

function npy(path: string, shape: number[], data: Float64Array): void {
  writeFileSync(path, formatNpy({ shape, data }));
}

/** One interpreter run for all requests (start-up dominates at these sizes). */
export function multiOutputReference(requests: readonly MultiOutputRequest[]): MultiOutputReference[] {
  const root = mkdtempSync(join(tmpdir(), 'nntk-multi-output-ref-'));
  try {
    const dirs = requests.map(({ net, X, y, lambda, Xstar, limit }, i) => {
      const dir = join(root, String(i));
      mkdirSync(dir);
      const { width, dim, bias, activation, beta } = net.config;
      const outputs = net.config.outputs ?? 1;
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ width, dim, outputs, activation, beta, bias }));
      npy(join(dir, 'c.npy'), [width, outputs], net.c);
      npy(join(dir, 'W.npy'), [width, dim], net.W.data);
      if (bias) npy(join(dir, 'b.npy'), [width], net.b!);
      npy(join(dir, 'X.npy'), [X.rows, X.cols], X.data);
      npy(join(dir, 'y.npy'), [X.rows, outputs], y);
      if (Xstar !== undefined) npy(join(dir, 'Xstar.npy'), [Xstar.rows, Xstar.cols], Xstar.data);
      const request = { ...(lambda === undefined ? {} : { lambda }), ...(limit === undefined ? {} : { limit }) };
      writeFileSync(join(dir, 'request.json'), JSON.stringify(request));
      return dir;
    });
    execFileSync('python3', [SCRIPT, ...dirs], { stdio: ['ignore', 'ignore', 'inherit'] });
    return dirs.map((dir) => JSON.parse(readFileSync(join(dir, 'multi-output-reference.json'), 'utf8')) as MultiOutputReference);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the script's own checks (finite differences, dense vs kernel formula, limits); throws with its message if one fails. */
export function multiOutputSelfTest(): string {
  return execFileSync('python3', [SCRIPT, '--self-test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs test/reference/newton_reference.py (numpy, written from docs/math.md §2–4
 * alone) on networks of the test suite and returns what it computed: Newton
 * directions, kernels, certificates, the gradient-descent step, and the
 * round-off bounds that make the comparisons' tolerances.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hessian, Matrix, TwoLayerNetwork } from '../lib/index.js';
import { formatNpy } from '../lib/io/npy.js';

/** Machine epsilon of float64, the unit of every tolerance below. */
export const EPS = 2.2e-16;

export interface ReferenceRequest {
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
  /** λ for each Newton direction and 𝒦_N wanted. */
  lambda?: Partial<Record<Hessian, number>>;
  /** Test points for the cross-kernels. */
  Xstar?: Matrix;
}

export interface NewtonReference {
  direction: number[];
  gradientDot: number;
  /** κ₂(H + λI). */
  kappa: number;
  /** Relative perturbations of H + λI and of g that round-off in forming them can cause. */
  etaA: number;
  etaG: number;
  /** 𝒦_N, row-major. */
  kernel: number[];
  /** ‖J‖²‖(H + λI)⁻¹‖/(M‖𝒦_N‖): how much a relative error of the solve can grow in 𝒦_N. */
  kernelAmplification: number;
  certificate: number;
  /** With test points X*: J*(H + λI)⁻¹Jᵀ/M and its amplification ‖J*‖‖J‖‖A⁻¹‖/(M‖·‖). */
  cross?: number[];
  crossAmplification?: number;
  /** With test points X*: J*Jᵀ/M and the relative bound of its P-term sums. */
  ntkCross?: number[];
  ntkCrossError?: number;
}

export interface Reference {
  auto: { lambda: number; certificate: number; minEigenvalue: number; curvatureError: number };
  ntk: number[];
  /** ‖ΔK‖_F/‖K‖_F that round-off can cause in either implementation. */
  ntkError: number;
  /** Ascending, by numpy's eigvalsh. */
  ntkEigenvalues: number[];
  gdStep: number;
  gdStepError: number;
  residual: number;
  f: number[];
  /** N^(−β)Σᵢ|cᵢσ(uᵢ)| + |y| per point: the magnitude of the terms of r. */
  rho: number[];
  full?: NewtonReference;
  'gauss-newton'?: NewtonReference;
}

const SCRIPT = fileURLToPath(new URL('./reference/newton_reference.py', import.meta.url));

function npy(path: string, shape: number[], data: Float64Array): void {
  writeFileSync(path, formatNpy({ shape, data }));
}

/** One interpreter run for all requests (start-up dominates at these sizes). */
export function newtonReference(requests: readonly ReferenceRequest[]): Reference[] {
  const root = mkdtempSync(join(tmpdir(), 'nntk-newton-ref-'));
  try {
    const dirs = requests.map(({ net, X, y, lambda, Xstar }, i) => {
      const dir = join(root, String(i));
      mkdirSync(dir);
      const { width, dim, bias } = net.config;
      writeFileSync(join(dir, 'config.json'), JSON.stringify(net.config));
      npy(join(dir, 'c.npy'), [width], net.c);
      npy(join(dir, 'W.npy'), [width, dim], net.W.data);
      if (bias) npy(join(dir, 'b.npy'), [width], net.b!);
      npy(join(dir, 'X.npy'), [X.rows, X.cols], X.data);
      npy(join(dir, 'y.npy'), [y.length], y);
      if (Xstar !== undefined) npy(join(dir, 'Xstar.npy'), [Xstar.rows, Xstar.cols], Xstar.data);
      if (lambda !== undefined) writeFileSync(join(dir, 'request.json'), JSON.stringify({ lambda }));
      return dir;
    });
    execFileSync('python3', [SCRIPT, ...dirs], { stdio: ['ignore', 'ignore', 'inherit'] });
    return dirs.map((dir) => JSON.parse(readFileSync(join(dir, 'newton-reference.json'), 'utf8')) as Reference);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** ‖a − b‖₂/‖b‖₂. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}

/**
 * The forward-error bound of a backward-stable solve of (H + λI)δ = g whose
 * inputs carry the perturbations etaA, etaG, for one implementation:
 * κ(η_A + η_g + 4Pε) (Cholesky's backward error is ≤ 4Pε‖A‖).
 */
export function solveBound(r: NewtonReference, parameterCount: number): number {
  return r.kappa * (r.etaA + r.etaG + 4 * parameterCount * EPS);
}

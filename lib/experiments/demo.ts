/**
 * The spectral-bias experiment of docs/math.md §6: gradient descent against
 * regularized Newton on y = sin(k·t) over the circle, for several k, from the
 * same initial network; and the spectra that explain the outcome.
 */
import { kernel } from '../method/kernels.js';
import { project, spectrum } from '../method/spectrum.js';
import { train, type HistoryEntry } from '../method/train.js';
import { TwoLayerNetwork } from '../model/network.js';
import { circleData } from './circle.js';
import { linePlot, MARKERS, PALETTE, type Series } from './svg-plot.js';

export interface DemoOptions {
  /** Default [1, 2, 4, 8, 16]. */
  ks?: number[];
  /** M, default 64. */
  points?: number;
  /** N, default 4096. */
  width?: number;
  seed?: number;
  /** Stop at |r|/|y| ≤ tol, default 1e-6. */
  tol?: number;
  /** Newton's step budget, default 100. */
  newtonSteps?: number;
  /** Gradient descent's time budget per k in seconds, default 10. */
  gdSeconds?: number;
  /** λ of the Gauss–Newton Newton kernel shown in the spectrum, default 1e-9. */
  lambda?: number;
  onProgress?: (k: number, method: Method, entry: HistoryEntry) => void;
  /**
   * Aborting stops the experiment at the next training step: the run it
   * cuts short is left out, and the result holds the runs done before it
   * (`partial: true`).
   */
  signal?: AbortSignal;
}

export type Method = 'newton' | 'gd';

export interface DemoRow {
  k: number;
  method: Method;
  /** Accepted steps: what the step budget counts. */
  steps: number;
  /** Attempted steps, rejected Newton steps included. */
  attempts: number;
  seconds: number;
  residual: number;
  reached: boolean;
}

export interface DemoResult {
  config: Required<Omit<DemoOptions, 'onProgress' | 'signal'>>;
  /** Whether the signal stopped the experiment before its last run. */
  partial: boolean;
  rows: DemoRow[];
  /** Ascending eigenvalues at θ₀: 𝒦_GD, and the Gauss–Newton 𝒦_N at `lambda`. */
  spectra: { ntk: number[]; nntk: number[] };
  /** |⟨vᵢ, y⟩|/|y| for each k over the eigenvectors vᵢ of 𝒦_GD (same order as the eigenvalues). */
  targetContent: { k: number; weights: number[] }[];
  /** η of gradient descent: 1/μ_max(𝒦_GD); null when no gradient-descent run was done (partial). */
  lr: number | null;
  histories: { k: number; method: Method; history: HistoryEntry[] }[];
}

export function runDemo(options: DemoOptions = {}): DemoResult {
  const config = {
    ks: options.ks ?? [1, 2, 4, 8, 16],
    points: options.points ?? 64,
    width: options.width ?? 4096,
    seed: options.seed ?? 0,
    tol: options.tol ?? 1e-6,
    newtonSteps: options.newtonSteps ?? 100,
    gdSeconds: options.gdSeconds ?? 10,
    lambda: options.lambda ?? 1e-9,
  };
  const net = TwoLayerNetwork.initialize({ width: config.width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: config.seed });
  const { X } = circleData(config.points, 1);
  const K = kernel(net, X).kernel;
  const eigen = spectrum(K);
  const newtonKernel = kernel(net, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: config.lambda }).kernel;
  const targetContent = config.ks.map((k) => {
    const { y } = circleData(config.points, k);
    const norm = Math.hypot(...y);
    return { k, weights: Array.from(project(eigen.vectors!, y), (c) => Math.abs(c) / norm) };
  });

  const rows: DemoRow[] = [];
  const histories: DemoResult['histories'] = [];
  let lr: number | null = null;
  const signal = options.signal;
  const runs = config.ks.flatMap((k) => (['newton', 'gd'] as const).map((method) => ({ k, method })));
  for (const { k, method } of runs) {
    if (signal?.aborted) break;
    const { y } = circleData(config.points, k);
    const onProgress = (entry: HistoryEntry) => options.onProgress?.(k, method, entry);
    const common = { tol: config.tol, onProgress, ...(signal === undefined ? {} : { signal }) };
    const started = performance.now();
    const result =
      method === 'newton'
        ? train(net, X, y, { method, maxSteps: config.newtonSteps, ...common })
        : train(net, X, y, { method, maxSteps: Number.MAX_SAFE_INTEGER, maxSeconds: config.gdSeconds, ...common });
    if (result.reason === 'aborted') break;
    if (result.lr !== undefined) lr = result.lr;
    const seconds = (performance.now() - started) / 1000;
    rows.push({ k, method, steps: result.steps, attempts: result.attempts, seconds, residual: result.residual, reached: result.reason === 'converged' });
    histories.push({ k, method, history: result.history });
  }
  return {
    config,
    partial: rows.length < runs.length,
    rows,
    spectra: { ntk: Array.from(eigen.values), nntk: Array.from(spectrum(newtonKernel, { vectors: false }).values) },
    targetContent,
    lr,
    histories,
  };
}

/** What an interrupted experiment's figure titles end with. */
export const PARTIAL_MARK = ' (partial: interrupted)';

/**
 * The demo's figures as SVG documents, by file name. A partial result has
 * its titles marked, and no residual figures when no run was done.
 */
export function demoFigures(result: DemoResult): Record<string, string> {
  const { config } = result;
  const mark = result.partial ? PARTIAL_MARK : '';
  const m = config.points;
  // Eigenvalues at or below round-off are not resolved; the log axis starts at 1e-16·μ_max.
  const floor = 1e-16 * Math.max(...result.spectra.ntk);
  const descending = (values: number[]) => [...values].reverse().map((v) => Math.max(v, floor));
  const index = Array.from({ length: m }, (_, i) => i + 1);
  const spectra = linePlot({
    title: `Kernel spectra at initialisation (M = ${m}, N = ${config.width}, tanh)${mark}`,
    subtitle: `𝒦_N: Gauss–Newton, λ = ${config.lambda}; eigenvalues below ${floor.toExponential(0)} (round-off) drawn at that floor`,
    xLabel: 'eigenvalue index i (descending)',
    yLabel: 'eigenvalue μᵢ',
    yLog: true,
    series: [
      { label: 'NTK 𝒦_GD', x: index, y: descending(result.spectra.ntk), color: PALETTE[0], marker: 'circle' },
      { label: 'Newton NTK 𝒦_N', x: index, y: descending(result.spectra.nntk), color: PALETTE[1], marker: 'square' },
    ],
  });
  const content = linePlot({
    title: `Where each target lives in the NTK eigenbasis${mark}`,
    subtitle: '|⟨vᵢ, y⟩|/|y| for y = sin(k t); the modes with small μᵢ are the ones gradient descent learns slowly',
    xLabel: 'eigenvalue index i of 𝒦_GD (descending)',
    yLabel: '|⟨vᵢ, y⟩| / |y|',
    yLog: true,
    series: result.targetContent.map(({ k, weights }, i) => ({
      label: `k = ${k}`,
      x: index,
      y: [...weights].reverse().map((w) => Math.max(w, 1e-17)),
      color: PALETTE[i % PALETTE.length]!,
      marker: MARKERS[i % MARKERS.length]!,
    })),
  });
  const curves = (axis: 'step' | 'time', xLabel: string, title: string) =>
    linePlot({
      title: `${title}${mark}`,
      subtitle: `solid: regularized Newton (library defaults); dashed: gradient descent, η = 1/μ_max = ${result.lr === null ? 'n/a (no run)' : result.lr.toPrecision(3)}, ${config.gdSeconds} s budget`,
      xLabel,
      yLabel: 'relative residual |r| / |y|',
      xLog: true,
      yLog: true,
      references: [{ y: config.tol, label: `target ${config.tol.toExponential(0)}` }],
      series: result.histories.map(({ k, method, history }): Series => {
        const points = thin(trajectory(history));
        return {
          label: `k = ${k}, ${method === 'newton' ? 'Newton' : 'GD'}`,
          x: points.map((p) => (axis === 'step' ? p.step + 1 : p.time)),
          y: points.map((p) => p.residual),
          color: PALETTE[config.ks.indexOf(k) % PALETTE.length]!,
          line: method === 'gd' ? 'dashed' : 'solid',
        };
      }),
    });
  const figures: Record<string, string> = { 'spectra.svg': spectra, 'target-content.svg': content };
  if (result.histories.length > 0) {
    figures['residual-vs-step.svg'] = curves('step', 'step + 1', 'Relative residual against step');
    figures['residual-vs-seconds.svg'] = curves('time', 'seconds', 'Relative residual against time');
  }
  return figures;
}

interface Point {
  step: number;
  /** Seconds since the start, rejected steps included (the initial point at 1e-4 s for the log axis). */
  time: number;
  residual: number;
}

/** The accepted states along a history. */
function trajectory(history: HistoryEntry[]): Point[] {
  let time = 0;
  const points: Point[] = [];
  for (const e of history) {
    time += e.seconds;
    if (e.accepted) points.push({ step: e.step, time: time || 1e-4, residual: e.residual });
  }
  return points;
}

/** At most ~300 points, spaced evenly in log(index), always keeping the first and the last. */
function thin(points: Point[]): Point[] {
  if (points.length <= 300) return points;
  const last = points.length - 1;
  const keep = new Set<number>([0, last]);
  for (let i = 0; i < 300; i++) keep.add(Math.round(Math.expm1((Math.log1p(last) * i) / 299)));
  return [...keep].sort((a, b) => a - b).map((i) => points[i]!);
}

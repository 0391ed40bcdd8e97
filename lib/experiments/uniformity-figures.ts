/**
 * The figures of `nntk uniformity`: steps against k, one curve per width,
 * for each method (measured, linearised prediction, infinite-width
 * prediction); the ratio steps(k_max)/steps(k_min) against N with the
 * fitted power law; the residual each method reached at its budget against
 * k, measured beside linearised; and, per method, the residual against the
 * step, measured beside linearised, where the two part.
 */
import { PARTIAL_MARK } from './demo.js';
import { linePlot, PALETTE, type Series } from './svg-plot.js';
import { methodBudget, PREDICTED_METHODS, UNIFORMITY_METHODS, type UniformityMethod, type UniformityResult } from './uniformity.js';

const TITLES: Record<UniformityMethod, string> = {
  'newton-default': 'Newton, library defaults',
  'newton-paper': 'Newton, the paper’s method (full Hessian, λ_N = λ₀·N^(−γ))',
  'newton-paper-small': 'Newton, full Hessian, λ_N = λ₀·N^(−γ) with a smaller λ₀',
  'newton-auto': 'Newton, full Hessian, the certified λ (auto) every step',
  gd: 'Gradient descent, η = 1/μ_max',
};

const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length);
/** Residuals span decades: their seed average is the geometric mean. */
const geometricMean = (values: number[]) => (values.length === 0 ? Number.NaN : Math.exp(mean(values.map(Math.log))));

/** The figures by file name; none when no run was done. */
export function uniformityFigures(result: UniformityResult): Record<string, string> {
  if (result.runs.length === 0) return {};
  const mark = result.partial ? PARTIAL_MARK : '';
  const { config } = result;
  const widths = [...new Set(result.runs.map((r) => r.width))];
  const ks = config.ks;
  const figures: Record<string, string> = {};
  for (const method of UNIFORMITY_METHODS) {
    const series: Series[] = [];
    widths.forEach((width, i) => {
      const color = PALETTE[i % PALETTE.length]!;
      const runs = result.runs.filter((r) => r.width === width && r.method === method);
      const measured = ks.map((k) => mean(runs.filter((r) => r.k === k && r.status === 'converged').map((r) => r.steps!)));
      if (measured.some(Number.isFinite)) series.push({ label: `N = 2^${Math.log2(width)} measured`, x: ks, y: measured, color, markers: true });
      if (method !== 'newton-default') {
        const predicted = ks.map((k) => mean(runs.filter((r) => r.k === k && r.predicted !== null).map((r) => r.predicted!)));
        series.push({ label: `N = 2^${Math.log2(width)} linearised`, x: ks, y: predicted, color, dashed: true });
      }
    });
    if (method !== 'newton-default') {
      for (const width of method === 'gd' ? [widths[0]!] : [widths[0]!, widths.at(-1)!]) {
        const limit = ks.map((k) => result.limits.find((l) => l.width === width && l.k === k && l.method === method)?.predicted ?? Number.NaN);
        const label = method === 'gd' ? 'N = ∞ linearised' : `N = ∞ linearised, λ of 2^${Math.log2(width)}`;
        series.push({ label, x: ks, y: limit, color: width === widths[0] ? '#000000' : '#888888', dashed: true, markers: true });
      }
    }
    const budget = methodBudget(method, config);
    figures[`uniformity-steps-${method}.svg`] = linePlot({
      title: `${TITLES[method]}: steps to |r|/|y| ≤ ${config.tol.toExponential(0)} against k${mark}`,
      subtitle: `M = ${config.points}, tanh, ${config.seeds} seeds (mean of the runs that converged); budget ${budget} steps; linearised: kernel at θ₀, r₀ = f₀ − y`,
      xLabel: 'frequency k of the target sin(k t)',
      yLabel: 'steps',
      xLog: true,
      yLog: true,
      references: [{ y: budget, label: `budget ${budget}` }],
      series,
    });
  }
  const ratioSeries: Series[] = [];
  UNIFORMITY_METHODS.forEach((method, i) => {
    const color = PALETTE[i]!;
    const rows = result.ratios.filter((r) => r.method === method);
    const fit = result.fits[method];
    const fitLabel = fit === undefined ? '' : `, fit slope ${fit.slope.toFixed(3)} ± ${fit.slopeError.toFixed(3)}`;
    // A method with no ratio measured (every run beyond its budget) gets no measured curve: its legend would name nothing drawn.
    if (rows.some((r) => r.mean !== null)) {
      ratioSeries.push({ label: `${method} measured (seed mean)${fitLabel}`, x: rows.map((r) => r.width), y: rows.map((r) => r.mean ?? Number.NaN), color, markers: true });
      for (const bound of ['min', 'max'] as const) {
        ratioSeries.push({ label: `${method} seed ${bound}`, x: rows.map((r) => r.width), y: rows.map((r) => r[bound] ?? Number.NaN), color, dashed: true });
      }
    }
    if (fit !== undefined) {
      ratioSeries.push({ label: `${method} fitted N^b`, x: rows.map((r) => r.width), y: rows.map((r) => Math.exp(fit.intercept) * r.width ** fit.slope), color: '#888888' });
    }
    if (method !== 'newton-default' && rows.some((r) => r.predicted !== null || r.limit !== null)) {
      ratioSeries.push({ label: `${method} linearised`, x: rows.map((r) => r.width), y: rows.map((r) => r.predicted ?? Number.NaN), color, dashed: true, markers: true });
      ratioSeries.push({ label: `${method} infinite width`, x: rows.map((r) => r.width), y: rows.map((r) => r.limit ?? Number.NaN), color: '#000000', dashed: true, markers: true });
    }
  });
  const kLow = Math.min(...ks);
  const kHigh = Math.max(...ks);
  figures['uniformity-ratio.svg'] = linePlot({
    title: `Uniformity across frequencies: steps(k = ${kHigh}) / steps(k = ${kLow}) against width${mark}`,
    subtitle: `1 = uniform; M = ${config.points}, tanh, ${config.seeds} seeds; fit: least squares of log ratio on log N over every seed, ± one standard error`,
    xLabel: 'width N',
    yLabel: `steps(${kHigh}) / steps(${kLow})`,
    xLog: true,
    yLog: true,
    references: [{ y: 1, label: 'uniform' }],
    series: ratioSeries,
  });
  // Nothing trained (every width above trainTo, or every run failed) leaves these figures with nothing to draw: they are left out.
  const residual = residualFigure(result);
  if (residual !== null) figures['uniformity-residual.svg'] = residual;
  for (const method of PREDICTED_METHODS) {
    const curves = curveFigure(result, method);
    if (curves !== null) figures[`uniformity-curves-${method}.svg`] = curves;
  }
  return figures;
}

/** The largest width at which the fixed-rule methods were trained (the widest comparison of measured and linearised). */
function widestTrained(result: UniformityResult): number | undefined {
  const trained = result.runs.filter((r) => r.method !== 'newton-default' && r.residual !== null).map((r) => r.width);
  return trained.length === 0 ? undefined : Math.max(...trained);
}

/** |r|/|y| at the end of each run (its budget, or tol where it converged) against k, measured and linearised, at the widest trained width. */
function residualFigure(result: UniformityResult): string | null {
  const { config } = result;
  const width = widestTrained(result);
  const series: Series[] = [];
  PREDICTED_METHODS.forEach((method, i) => {
    const color = PALETTE[i]!;
    const runs = result.runs.filter((r) => r.width === width && r.method === method);
    const measured = config.ks.map((k) => geometricMean(runs.filter((r) => r.k === k && r.residual !== null).map((r) => r.residual!)));
    const predicted = config.ks.map((k) => geometricMean(runs.filter((r) => r.k === k && r.residual !== null && r.predictedResidual !== null).map((r) => r.predictedResidual!)));
    const limit = config.ks.map((k) => result.limits.find((l) => l.width === width && l.k === k && l.method === method)?.residualAtBudget ?? Number.NaN);
    if (measured.some(Number.isFinite)) series.push({ label: `${method} measured (${methodBudget(method, config)} steps)`, x: config.ks, y: measured, color, markers: true });
    if (predicted.some(Number.isFinite)) series.push({ label: `${method} linearised, same steps`, x: config.ks, y: predicted, color, dashed: true });
    if (limit.some((v) => v > 0)) series.push({ label: `${method} N = ∞ linearised, r₀ = −y`, x: config.ks, y: limit.map((v) => Math.max(v, 1e-17)), color, dashed: true, markers: true });
  });
  if (width === undefined) return null;
  const widthLabel = `N = 2^${Math.log2(width!)}`;
  return linePlot({
    title: `|r|/|y| reached at the budget (or at tol) against k, ${widthLabel}${result.partial ? PARTIAL_MARK : ''}`,
    subtitle: `M = ${config.points}, tanh, geometric mean over ${config.seeds} seeds of the runs done; linearised: kernel at θ₀ after the run’s steps; N = ∞ floored at 1e-17`,
    xLabel: 'frequency k of the target sin(k t)',
    yLabel: '|r| / |y|',
    xLog: true,
    yLog: true,
    references: [{ y: config.tol, label: `tol ${config.tol.toExponential(0)}` }],
    series,
  });
}

/** Measured and linearised |r|/|y| against the step, one colour per k, seed 0 at the widest trained width. */
function curveFigure(result: UniformityResult, method: UniformityMethod): string | null {
  const { config } = result;
  const width = widestTrained(result);
  const series: Series[] = [];
  config.ks.forEach((k, i) => {
    const run = result.runs.find((r) => r.width === width && r.method === method && r.k === k && r.seed === 0);
    if (run?.curve === undefined) return;
    // Step 0 cannot sit on a log axis: the curve starts after the first step.
    const at = run.curve.step.map((s, j) => [s, j] as const).filter(([s]) => s > 0);
    const color = PALETTE[i % PALETTE.length]!;
    series.push({ label: `k = ${k} measured`, x: at.map(([s]) => s), y: at.map(([, j]) => run.curve!.measured[j]!), color, markers: true });
    series.push({ label: `k = ${k} linearised`, x: at.map(([s]) => s), y: at.map(([, j]) => Math.max(run.curve!.predicted[j]!, 1e-17)), color, dashed: true });
  });
  if (series.length === 0) return null;
  const widthLabel = `N = 2^${Math.log2(width!)}`;
  return linePlot({
    title: `${TITLES[method]}: |r|/|y| against the step, ${widthLabel}, seed 0${result.partial ? PARTIAL_MARK : ''}`,
    subtitle: `M = ${config.points}, tanh; solid: training; dashed: linearised dynamics of the kernel at θ₀ from r₀ = f₀ − y (floored at 1e-17)`,
    xLabel: 'step',
    yLabel: '|r| / |y|',
    xLog: true,
    yLog: true,
    references: [{ y: config.tol, label: `tol ${config.tol.toExponential(0)}` }],
    series,
  });
}

/**
 * The figures of `nntk uniformity`: steps against k, one curve per width,
 * for each method (measured, linearised prediction, infinite-width
 * prediction), and the ratio steps(k_max)/steps(k_min) against N with the
 * fitted power law.
 */
import { PARTIAL_MARK } from './demo.js';
import { linePlot, PALETTE, type Series } from './svg-plot.js';
import { UNIFORMITY_METHODS, type UniformityMethod, type UniformityResult } from './uniformity.js';

const TITLES: Record<UniformityMethod, string> = {
  'newton-default': 'Newton, library defaults',
  'newton-paper': 'Newton, the paper’s method (full Hessian, λ_N = λ₀·N^(−γ))',
  gd: 'Gradient descent, η = 1/μ_max',
};

const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length);

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
    const budget = method === 'gd' ? config.gdSteps : config.newtonSteps;
    figures[`uniformity-steps-${method}.svg`] = linePlot({
      title: `${TITLES[method]}: steps to |r|/|y| ≤ ${config.tol.toExponential(0)} against k${mark}`,
      subtitle: `M = ${config.points}, tanh, ${config.seeds} seeds (mean of the runs that converged); budget ${budget} steps; linearised: kernel at θ₀, runs predicted beyond the budget not run`,
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
    if (method !== 'newton-default') {
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
  return figures;
}

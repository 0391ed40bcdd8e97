import { PARTIAL_MARK } from './demo.js';
import { linePlot, MARKERS, superscript, type Band, type LegendEntry, type MarkerShape, type Series } from './svg-plot.js';
import { methodBudget, PREDICTED_METHODS, UNIFORMITY_METHODS, type UniformityMethod, type UniformityResult } from './uniformity.js';

const TITLES: Record<UniformityMethod, string> = {
  'newton-default': 'Newton, library defaults',
  'newton-paper': 'Newton, the paper’s method (full Hessian, λ_N = λ₀·N^(−γ))',
  'newton-paper-small': 'Newton, full Hessian, λ_N = λ₀·N^(−γ) with a smaller λ₀',
  'newton-auto': 'Newton, full Hessian, the certified λ (auto) every step',
  gd: 'Gradient descent, η = 1/μ_max',
};

/**
 * One colour and one marker per method, the same in every uniformity figure
 * (Okabe–Ito colours; the markers tell apart curves of different methods that
 * coincide). A figure of one method shades its colour by width or k.
 */
export const METHOD_STYLE: Record<UniformityMethod, { color: string; marker: MarkerShape; markerSize: number }> = {
  // Filled markers shrink along the drawing order: where curves coincide (gd and newton-paper-small do), the later one sits inside the earlier.
  'newton-default': { color: '#0072B2', marker: 'circle', markerSize: 4.4 },
  'newton-paper': { color: '#D55E00', marker: 'square', markerSize: 4 },
  'newton-paper-small': { color: '#CC79A7', marker: 'triangle', markerSize: 3.6 },
  'newton-auto': { color: '#009E73', marker: 'diamond', markerSize: 3.2 },
  gd: { color: '#E69F00', marker: 'triangle-down', markerSize: 2.6 },
};

/** The colour of the style key's entries (a kind of curve, not a method). */
const KEY_COLOR = '#444444';

/** The kinds of curve and how each is drawn: solid measured, dashed linearised, dash-dot linearised with the run's own λₜ, dotted infinite width. */
const KIND = {
  measured: { line: 'solid', hollow: false },
  linearised: { line: 'dashed', hollow: true, markerSize: 4.2 },
  followed: { line: 'dash-dot', hollow: true, markerSize: 3 },
  infinite: { line: 'dotted', hollow: true, markerSize: 4.2 },
} as const;

/** A legend line naming a method, width or k: its colour and marker; the key's lines give the styles. */
const identity = (label: string, style: { color: string; marker: MarkerShape }): LegendEntry => ({ label, color: style.color, marker: style.marker, line: 'none' });

const key = (label: string, kind: keyof typeof KIND): LegendEntry => ({ label, color: KEY_COLOR, marker: 'circle', ...KIND[kind] });

/** The method's colour from light (t = 0) to dark (t = 1), for the widths or frequencies of a one-method figure. */
function shade(color: string, t: number): string {
  const channels = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  // From 35 % white through the colour itself to 45 % black: the lightest still reads on white.
  const mixed = channels.map((c) => (t < 0.5 ? c + (255 - c) * 0.35 * (1 - 2 * t) : c * (1 - 0.45 * (2 * t - 1))));
  return `#${mixed.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Shade i of n. */
const ramp = (color: string, i: number, n: number) => shade(color, n === 1 ? 0.5 : i / (n - 1));

const powerOfTwo = (width: number) => `2${superscript(Math.log2(width))}`;
/** "N = 2¹⁴" with no-break spaces: a wrapped title never parts it. */
const widthLabel = (width: number) => `N\u00a0=\u00a0${powerOfTwo(width)}`;

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
    const legend: LegendEntry[] = [];
    const colorOf = (width: number) => ramp(METHOD_STYLE[method].color, widths.indexOf(width), widths.length);
    const markerOf = (width: number) => MARKERS[widths.indexOf(width) % MARKERS.length]!;
    for (const width of widths) {
      const style = { color: colorOf(width), marker: markerOf(width) };
      const runs = result.runs.filter((r) => r.width === width && r.method === method);
      const measured = ks.map((k) => mean(runs.filter((r) => r.k === k && r.status === 'converged').map((r) => r.steps!)));
      if (measured.some(Number.isFinite)) series.push({ label: `N = ${powerOfTwo(width)} measured`, x: ks, y: measured, ...style, ...KIND.measured });
      if (method !== 'newton-default') {
        const predicted = ks.map((k) => mean(runs.filter((r) => r.k === k && r.predicted !== null).map((r) => r.predicted!)));
        series.push({ label: `N = ${powerOfTwo(width)} linearised`, x: ks, y: predicted, ...style, ...KIND.linearised });
      }
      legend.push(identity(`N = ${powerOfTwo(width)}`, style));
    }
    if (series.some((s) => s.line === 'solid')) legend.push(key('measured (seed mean of the converged runs)', 'measured'));
    if (method !== 'newton-default') {
      legend.push(key('linearised, kernel at θ₀', 'linearised'));
      for (const width of method === 'gd' ? [widths[0]!] : [widths[0]!, widths.at(-1)!]) {
        const limit = ks.map((k) => result.limits.find((l) => l.width === width && l.k === k && l.method === method)?.predicted ?? Number.NaN);
        const label = method === 'gd' ? 'N = ∞ linearised' : `N = ∞ linearised, λ of ${powerOfTwo(width)}`;
        series.push({ label, x: ks, y: limit, color: colorOf(width), marker: markerOf(width), ...KIND.infinite });
      }
      legend.push(key(method === 'gd' ? 'N = ∞ linearised' : 'N = ∞ linearised, at the λ of its colour’s width', 'infinite'));
    }
    const budget = methodBudget(method, config);
    figures[`uniformity-steps-${method}.svg`] = linePlot({
      title: `${TITLES[method]}: steps to |r|/|y| ≤ ${config.tol.toExponential(0)} against k${mark}`,
      subtitle: `M = ${config.points}, tanh, ${config.seeds} seeds (mean of the runs that converged); budget ${budget} steps${method === 'newton-default' ? '' : '; linearised: kernel at θ₀, r₀ = f₀ − y'}`,
      xLabel: 'frequency k of the target sin(k t)',
      yLabel: 'steps',
      xLog: true,
      yLog: true,
      references: [{ y: budget, label: `budget ${budget}` }],
      series,
      legend,
    });
  }
  const ratioSeries: Series[] = [];
  const ratioBands: Band[] = [];
  const ratioLegend: LegendEntry[] = [];
  const drawn = { measured: false, fit: false, linearised: false };
  for (const method of UNIFORMITY_METHODS) {
    const style = METHOD_STYLE[method];
    const rows = result.ratios.filter((r) => r.method === method);
    const x = rows.map((r) => r.width);
    const fit = result.fits[method];
    const fitLabel = fit === undefined ? '' : `: fit slope ${fit.slope.toFixed(3)} ± ${fit.slopeError.toFixed(3)}`;
    let named = false;
    // A method with no ratio measured (every run beyond its budget) gets no measured curve: its legend would name nothing drawn.
    if (rows.some((r) => r.mean !== null)) {
      ratioSeries.push({ label: `${method} measured (seed mean)${fitLabel}`, x, y: rows.map((r) => r.mean ?? Number.NaN), ...style, ...KIND.measured });
      ratioBands.push({ x, low: rows.map((r) => r.min ?? Number.NaN), high: rows.map((r) => r.max ?? Number.NaN), color: style.color });
      drawn.measured = named = true;
    }
    if (fit !== undefined) {
      ratioSeries.push({ label: `${method} fitted N^b`, x, y: rows.map((r) => Math.exp(fit.intercept) * r.width ** fit.slope), color: style.color, thin: true });
      drawn.fit = named = true;
    }
    if (method !== 'newton-default' && rows.some((r) => r.predicted !== null || r.limit !== null)) {
      ratioSeries.push({ label: `${method} linearised`, x, y: rows.map((r) => r.predicted ?? Number.NaN), ...style, ...KIND.linearised });
      ratioSeries.push({ label: `${method} infinite width`, x, y: rows.map((r) => r.limit ?? Number.NaN), ...style, ...KIND.infinite });
      drawn.linearised = named = true;
    }
    if (named) ratioLegend.push(identity(`${method}${fitLabel}`, style));
  }
  if (drawn.measured) ratioLegend.push(key('measured, seed mean', 'measured'), { label: 'seed min – max', color: KEY_COLOR, band: true });
  if (drawn.fit) ratioLegend.push({ label: 'fitted c·N^b (least squares)', color: KEY_COLOR, thin: true });
  if (drawn.linearised) ratioLegend.push(key('linearised', 'linearised'), key('infinite width', 'infinite'));
  const kLow = Math.min(...ks);
  const kHigh = Math.max(...ks);
  // No run of k_max converged and no prediction is finite (every method beyond its budget at k_max): no ratio to draw, the figure is left out.
  if (ratioSeries.some((s) => s.y.some(Number.isFinite))) figures['uniformity-ratio.svg'] = linePlot({
    title: `Uniformity across frequencies: steps(k = ${kHigh}) / steps(k = ${kLow}) against width${mark}`,
    subtitle: `1 = uniform; M = ${config.points}, tanh, ${config.seeds} seeds; fit: least squares of log ratio on log N over every seed, ± one standard error`,
    xLabel: 'width N',
    yLabel: `steps(${kHigh}) / steps(${kLow})`,
    xLog: true,
    yLog: true,
    references: [{ y: 1, label: 'uniform' }],
    series: ratioSeries,
    bands: ratioBands,
    legend: ratioLegend,
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
  if (width === undefined) return null;
  const series: Series[] = [];
  const legend: LegendEntry[] = [];
  const drawn = { measured: false, linearised: false, infinite: false };
  for (const method of PREDICTED_METHODS) {
    const style = METHOD_STYLE[method];
    const runs = result.runs.filter((r) => r.width === width && r.method === method);
    const measured = config.ks.map((k) => geometricMean(runs.filter((r) => r.k === k && r.residual !== null).map((r) => r.residual!)));
    const predicted = config.ks.map((k) => geometricMean(runs.filter((r) => r.k === k && r.residual !== null && r.predictedResidual !== null).map((r) => r.predictedResidual!)));
    const limit = config.ks.map((k) => result.limits.find((l) => l.width === width && l.k === k && l.method === method)?.residualAtBudget ?? Number.NaN);
    const budget = methodBudget(method, config);
    const has = { measured: measured.some(Number.isFinite), linearised: predicted.some(Number.isFinite), infinite: limit.some((v) => v > 0) };
    if (has.measured) series.push({ label: `${method} measured (${budget} steps)`, x: config.ks, y: measured, ...style, ...KIND.measured });
    if (has.linearised) series.push({ label: `${method} linearised, same steps`, x: config.ks, y: predicted, ...style, ...KIND.linearised });
    if (has.infinite) series.push({ label: `${method} N = ∞ linearised, r₀ = −y`, x: config.ks, y: limit.map((v) => Math.max(v, 1e-17)), ...style, ...KIND.infinite });
    drawn.measured ||= has.measured;
    drawn.linearised ||= has.linearised;
    drawn.infinite ||= has.infinite;
    if (has.measured || has.linearised || has.infinite) legend.push(identity(`${method} (budget ${budget} steps)`, style));
  }
  if (drawn.measured) legend.push(key('measured', 'measured'));
  if (drawn.linearised) legend.push(key('linearised, same steps', 'linearised'));
  if (drawn.infinite) legend.push(key('N = ∞ linearised, r₀ = −y', 'infinite'));
  return linePlot({
    title: `|r|/|y| reached at the budget (or at tol) against k, ${widthLabel(width)}${result.partial ? PARTIAL_MARK : ''}`,
    subtitle: `M = ${config.points}, tanh, geometric mean over ${config.seeds} seeds of the runs done; linearised: kernel at θ₀ after the run’s steps; N = ∞ floored at 1e-17`,
    xLabel: 'frequency k of the target sin(k t)',
    yLabel: '|r| / |y|',
    xLog: true,
    yLog: true,
    references: [{ y: config.tol, label: `tol ${config.tol.toExponential(0)}` }],
    series,
    legend,
  });
}

/** Measured and linearised |r|/|y| against the step, one shade of the method's colour per k, seed 0 at the widest trained width. */
function curveFigure(result: UniformityResult, method: UniformityMethod): string | null {
  const { config } = result;
  const width = widestTrained(result);
  const series: Series[] = [];
  const legend: LegendEntry[] = [];
  config.ks.forEach((k, i) => {
    const run = result.runs.find((r) => r.width === width && r.method === method && r.k === k && r.seed === 0);
    if (run?.curve === undefined) return;
    // Step 0 cannot sit on a log axis: the curve starts after the first step.
    const at = run.curve.step.map((s, j) => [s, j] as const).filter(([s]) => s > 0);
    const style = { color: ramp(METHOD_STYLE[method].color, i, config.ks.length), marker: MARKERS[i % MARKERS.length]! };
    series.push({ label: `k = ${k} measured`, x: at.map(([s]) => s), y: at.map(([, j]) => run.curve!.measured[j]!), ...style, ...KIND.measured });
    series.push({ label: `k = ${k} linearised`, x: at.map(([s]) => s), y: at.map(([, j]) => Math.max(run.curve!.predicted[j]!, 1e-17)), ...style, ...KIND.linearised });
    const followed = run.followedCurve;
    if (followed !== undefined) {
      const after = followed.step.map((s, j) => [s, j] as const).filter(([s]) => s > 0);
      series.push({ label: `k = ${k} linearised, run’s λ`, x: after.map(([s]) => s), y: after.map(([, j]) => Math.max(followed.predicted[j]!, 1e-17)), ...style, ...KIND.followed });
    }
    legend.push(identity(`k = ${k}`, style));
  });
  if (series.length === 0) return null;
  const follows = series.some((s) => s.line === KIND.followed.line);
  legend.push(key('measured (training)', 'measured'), key(follows ? 'linearised, kernel at θ₀, λ of step 1' : 'linearised, kernel at θ₀', 'linearised'));
  if (follows) legend.push(key('linearised, 𝒦_GD(𝒦_GD + λₜI)⁻¹ at θ₀, the run’s λₜ', 'followed'));
  return linePlot({
    title: `${TITLES[method]}: |r|/|y| against the step, ${widthLabel(width!)}, seed\u00a00${result.partial ? PARTIAL_MARK : ''}`,
    subtitle: `M = ${config.points}, tanh; solid: training; dashed: linearised dynamics of the kernel at θ₀ from r₀ = f₀ − y${follows ? '; dash-dot: the same dynamics with the λ each step of the run took' : ''} (floored at 1e-17)`,
    xLabel: 'step',
    yLabel: '|r| / |y|',
    xLog: true,
    yLog: true,
    references: [{ y: config.tol, label: `tol ${config.tol.toExponential(0)}` }],
    series,
    legend,
  });
}

/**
 * Line plots as standalone SVG: axes with ticks (decades on log scales),
 * axis labels, a title and subtitle wrapped to the canvas, shaded bands and a
 * legend beside the plot. Enough for the figures of `nntk demo`,
 * `nntk converge` and `nntk uniformity`, with no dependency.
 */

/** How a curve is stroked: the figures give each kind of curve one style (e.g. solid measured, dashed linearised). */
export type LineStyle = 'solid' | 'dashed' | 'dotted' | 'dash-dot';

/** A marker drawn at every point; distinct shapes keep coinciding curves apart. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'triangle-down' | 'cross' | 'plus';

/** The marker shapes in the order figures hand them out. */
export const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross', 'plus'];

export interface Series {
  label: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** Default solid. */
  line?: LineStyle;
  /** A thin stroke (e.g. a seed's minimum or a fitted line), under the main curves. */
  thin?: boolean;
  /** A marker at each point as well as the line (a lone point always gets a circle). */
  marker?: MarkerShape;
  /** The marker as an outline, a little larger than a filled one, so that a filled marker on the same point stays visible inside it. */
  hollow?: boolean;
  /** The marker's radius in px (default 3, hollow 4.2): curves that may coincide get decreasing sizes, so that a later marker does not cover an earlier one. */
  markerSize?: number;
}

/** A shaded region between two curves, e.g. the seeds' minimum and maximum. */
export interface Band {
  x: readonly number[];
  low: readonly number[];
  high: readonly number[];
  color: string;
}

/** One legend line: a swatch (line, marker, or band) and its text. */
export interface LegendEntry {
  label: string;
  color: string;
  /** 'none': a marker alone. Default solid. */
  line?: LineStyle | 'none';
  thin?: boolean;
  marker?: MarkerShape;
  hollow?: boolean;
  /** A shaded rectangle (the swatch of a Band). */
  band?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: readonly Series[];
  bands?: readonly Band[];
  /** The legend's lines; by default one per series. A figure with many curves names each colour once and keys the styles. */
  legend?: readonly LegendEntry[];
  width?: number;
  height?: number;
  /** A note under the title (e.g. what was clipped); wrapped to the canvas width. */
  subtitle?: string;
  /** Horizontal reference lines, e.g. a tolerance. */
  references?: readonly { y: number; label: string }[];
}

/** Colours that stay apart for readers with the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

/** Font sizes of the plot's texts (px). */
export const FONT = { title: 15, subtitle: 11, tick: 12, axisLabel: 13, legend: 12, reference: 11 } as const;

/** Canvas padding that no text crosses (px). */
const PAD = 8;
const LINE_GAP = 1.3;
const DEFAULT_PLOT = { width: 540, height: 330 } as const;

export function linePlot(options: PlotOptions): string {
  // A series is its own legend entry.
  const legend: readonly LegendEntry[] = options.legend ?? options.series;
  const points = options.series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]!] as const));
  const usable = points.filter(([x, y]) => usableValue(x, options.xLog) && usableValue(y, options.yLog));
  if (usable.length === 0) throw new RangeError(`linePlot: '${options.title}' has no point to draw`);
  const xAxis = axis(usable.map((p) => p[0]), options.xLog ?? false);
  // A reference line (a tolerance, a budget) is part of what the figure shows: the y axis reaches it.
  const references = (options.references ?? []).filter((r) => usableValue(r.y, options.yLog));
  const yAxis = axis([...usable.map((p) => p[1]), ...references.map((r) => r.y)], options.yLog ?? false);

  // Right of the plot: room for the legend's longest label; left: for the widest y tick label beside the rotated y label.
  const legendWidth = 16 + 32 + Math.max(0, ...legend.map((e) => textWidth(e.label, FONT.legend))) + PAD;
  const yTickWidth = Math.max(...yAxis.ticks.map((t) => textWidth(t.label, FONT.tick)));
  const left = Math.max(70, 18 + FONT.axisLabel / 2 + 10 + yTickWidth + 8);
  const right = Math.max(40, legend.length === 0 ? 0 : legendWidth);
  const width = options.width ?? left + DEFAULT_PLOT.width + right;
  const titleLines = wrap(options.title, width - 2 * PAD, FONT.title, true);
  const subtitleLines = options.subtitle === undefined ? [] : wrap(options.subtitle, width - 2 * PAD, FONT.subtitle);
  const titleBottom = PAD + titleLines.length * FONT.title * LINE_GAP + subtitleLines.length * FONT.subtitle * LINE_GAP;
  // The top tick label sits half a line above the plot's top edge.
  const top = Math.ceil(titleBottom + 14);
  const bottom = 58;
  const legendHeight = 8 + legend.length * 18;
  const height = options.height ?? Math.max(top + DEFAULT_PLOT.height + bottom, top + legendHeight + PAD);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sx = (x: number) => left + plotW * xAxis.position(x);
  const sy = (y: number) => top + plotH * (1 - yAxis.position(y));

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="${FONT.tick}">`,
    `<title>${escape(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  let baseline = PAD;
  for (const line of titleLines) {
    baseline += FONT.title * LINE_GAP;
    out.push(`<text x="${fixed(width / 2)}" y="${fixed(baseline - 4)}" text-anchor="middle" font-size="${FONT.title}" font-weight="bold">${escape(line)}</text>`);
  }
  for (const line of subtitleLines) {
    baseline += FONT.subtitle * LINE_GAP;
    out.push(`<text x="${fixed(width / 2)}" y="${fixed(baseline - 2)}" text-anchor="middle" font-size="${FONT.subtitle}" fill="#555555">${escape(line)}</text>`);
  }
  for (const tick of xAxis.ticks) {
    const x = fixed(sx(tick.value));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${top + plotH + 18}" text-anchor="middle">${tick.label}</text>`);
  }
  for (const tick of yAxis.ticks) {
    const y = fixed(sy(tick.value));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${fixed(sy(tick.value) + 4)}" text-anchor="end">${tick.label}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${fixed(left + plotW / 2)}" y="${height - 14}" text-anchor="middle" font-size="${FONT.axisLabel}">${escape(options.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${fixed(top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="${FONT.axisLabel}">${escape(options.yLabel)}</text>`);
  // Data, clipped to the plot area: bands under thin curves under the main ones, markers on top.
  const usablePoint = (x: number, y: number) => usableValue(x, options.xLog) && usableValue(y, options.yLog);
  out.push(`<clipPath id="plot-area"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  out.push('<g clip-path="url(#plot-area)" fill="none" stroke-linejoin="round">');
  for (const band of options.bands ?? []) {
    const at = band.x.map((x, i) => [x, band.low[i]!, band.high[i]!] as const).filter(([x, lo, hi]) => usablePoint(x, lo) && usablePoint(x, hi));
    if (at.length < 2) continue;
    const outline = [...at.map(([x, , hi]) => `${fixed(sx(x))},${fixed(sy(hi))}`), ...[...at].reverse().map(([x, lo]) => `${fixed(sx(x))},${fixed(sy(lo))}`)];
    out.push(`<polygon points="${outline.join(' ')}" fill="${band.color}" fill-opacity="0.18" stroke="none"/>`);
  }
  const paths = options.series.map((s) =>
    s.x
      .map((x, i) => [x, s.y[i]!] as const)
      .filter(([x, y]) => usablePoint(x, y))
      .map(([x, y]) => [sx(x), sy(y)] as const),
  );
  const order = options.series.map((s, i) => i).sort((i, j) => Number(!options.series[i]!.thin) - Number(!options.series[j]!.thin));
  for (const i of order) {
    const s = options.series[i]!;
    const path = paths[i]!;
    // A lone point still gets its (degenerate) polyline: every series is one polyline, and its circle shows it.
    if (path.length === 0) continue;
    out.push(`<polyline points="${path.map(([x, y]) => `${fixed(x)},${fixed(y)}`).join(' ')}" stroke="${s.color}"${strokeStyle(s.line ?? 'solid', s.thin ?? false)}/>`);
  }
  for (const i of order) {
    const s = options.series[i]!;
    const path = paths[i]!;
    const shape = s.marker ?? (path.length === 1 ? 'circle' : undefined);
    if (shape !== undefined) for (const [x, y] of path) out.push(marker(shape, x, y, s.color, s.hollow ?? false, s.markerSize));
  }
  for (const ref of references) {
    const y = fixed(sy(ref.y));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#777777" stroke-dasharray="2 3"/>`);
    // The label sits above its line, or below where the line runs along the plot's top edge.
    const labelY = sy(ref.y) - 4 - FONT.reference < top ? sy(ref.y) + 4 + FONT.reference : sy(ref.y) - 4;
    out.push(`<text x="${left + plotW - 4}" y="${fixed(labelY)}" text-anchor="end" fill="#555555" font-size="${FONT.reference}" stroke="none">${escape(ref.label)}</text>`);
  }
  out.push('</g>');
  const lx = left + plotW + 16;
  legend.forEach((entry, i) => {
    const y = top + 8 + i * 18;
    if (entry.band) {
      out.push(`<rect x="${lx}" y="${y - 5}" width="26" height="10" fill="${entry.color}" fill-opacity="0.25"/>`);
    } else if (entry.line !== 'none') {
      out.push(`<line x1="${lx}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${entry.color}"${strokeStyle(entry.line ?? 'solid', entry.thin ?? false)}/>`);
    }
    // Legend markers a little larger than on the curves: the colour must be read from them.
    if (entry.marker !== undefined) out.push(marker(entry.marker, lx + 13, y, entry.color, entry.hollow ?? false, entry.hollow ? 4.6 : 4));
    out.push(`<text x="${lx + 32}" y="${y + 4}" font-size="${FONT.legend}">${escape(entry.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function strokeStyle(line: LineStyle, thin: boolean): string {
  const width = thin ? 0.9 : 1.8;
  if (line === 'dashed') return ` stroke-width="${width}" stroke-dasharray="6 4"`;
  if (line === 'dotted') return ` stroke-width="${width + 0.4}" stroke-dasharray="0.1 4" stroke-linecap="round"`;
  if (line === 'dash-dot') return ` stroke-width="${width}" stroke-dasharray="8 3 1.5 3"`;
  return ` stroke-width="${width}"`;
}

function marker(shape: MarkerShape, x: number, y: number, color: string, hollow: boolean, size?: number): string {
  const r = size ?? (hollow ? 4.2 : 3);
  const paint = hollow ? `fill="none" stroke="${color}" stroke-width="1.2"` : `fill="${color}" stroke="none"`;
  const polygon = (corners: [number, number][]) => `<polygon points="${corners.map(([dx, dy]) => `${fixed(x + dx)},${fixed(y + dy)}`).join(' ')}" ${paint}/>`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${r}" ${paint}/>`;
    case 'square':
      return polygon([[-r * 0.9, -r * 0.9], [r * 0.9, -r * 0.9], [r * 0.9, r * 0.9], [-r * 0.9, r * 0.9]]);
    case 'diamond':
      return polygon([[0, -r * 1.25], [r * 1.25, 0], [0, r * 1.25], [-r * 1.25, 0]]);
    case 'triangle':
      return polygon([[0, -r * 1.2], [r * 1.1, r * 0.8], [-r * 1.1, r * 0.8]]);
    case 'triangle-down':
      return polygon([[0, r * 1.2], [r * 1.1, -r * 0.8], [-r * 1.1, -r * 0.8]]);
    case 'cross':
    case 'plus': {
      // Strokes only: a filled cross is its outline drawn thicker.
      const d = shape === 'cross' ? r * 0.9 : r * 1.2;
      const arms = shape === 'cross' ? `M${fixed(x - d)},${fixed(y - d)}L${fixed(x + d)},${fixed(y + d)}M${fixed(x - d)},${fixed(y + d)}L${fixed(x + d)},${fixed(y - d)}` : `M${fixed(x - d)},${fixed(y)}L${fixed(x + d)},${fixed(y)}M${fixed(x)},${fixed(y - d)}L${fixed(x)},${fixed(y + d)}`;
      return `<path d="${arms}" fill="none" stroke="${color}" stroke-width="${hollow ? 1.2 : 2}"/>`;
    }
  }
}

interface Axis {
  position(value: number): number;
  ticks: { value: number; label: string }[];
}

function axis(values: number[], log: boolean): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    let a = Math.floor(Math.log10(lo));
    let b = Math.ceil(Math.log10(hi));
    if (a === b) b = a + 1;
    // At most ~8 labelled decades; within one or two, ticks at 2 and 5 too.
    const step = Math.max(1, Math.ceil((b - a) / 8));
    a = Math.floor(a / step) * step;
    b = Math.ceil(b / step) * step;
    const label = logTickLabeller(a, b);
    const ticks = [];
    for (let e = a; e <= b; e += step) {
      ticks.push({ value: 10 ** e, label: label(1, e) });
      if (b - a <= 2 && e < b) for (const f of [2, 5]) ticks.push({ value: f * 10 ** e, label: label(f, e) });
    }
    return { position: (v) => (Math.log10(v) - a) / (b - a), ticks };
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const step = niceStep((hi - lo) / 6);
  const a = Math.floor(lo / step) * step;
  const b = Math.ceil(hi / step) * step;
  const ticks = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push({ value: v, label: formatNumber(v, step) });
  return { position: (v) => (v - a) / (b - a), ticks };
}

/**
 * The labels of the ticks m·10^e of a log axis from 10^a to 10^b: plain
 * numbers (0.002, 5, 20, 5000) when every tick lies in [10⁻³, 10⁴], else
 * powers of ten on every tick of the axis (10⁰, 10¹, 2·10³), so that one axis
 * never mixes the two.
 */
export function logTickLabeller(a: number, b: number): (m: number, e: number) => string {
  if (a >= -3 && b <= 4) return (m, e) => (e < 0 ? (m * 10 ** e).toFixed(-e) : String(m * 10 ** e));
  return (m, e) => `${m === 1 ? '' : `${m}·`}10${superscript(e)}`;
}

/** An integer in Unicode superscript digits: 2¹⁴, 10⁻⁶. */
export function superscript(n: number): string {
  const digits = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return `${n < 0 ? '⁻' : ''}${[...String(Math.abs(n))].map((d) => digits[Number(d)]).join('')}`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function formatNumber(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return (Math.abs(v) < step / 2 ? 0 : v).toFixed(digits);
}

const NARROW = new Set([...' \u00a0.,:;!|()[]{}\'`ijlft/⁰¹²³⁴⁵⁶⁷⁸⁹⁻₀₁₂₃']);
const WIDE = new Set([...'mwMW@%—∞']);

/**
 * An upper estimate of a text's width in px, from the character widths of
 * the wider sans-serif fonts (DejaVu Sans, which renderers fall back to
 * without Helvetica): the layout keeps every text inside the canvas by it.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const c of text) em += NARROW.has(c) ? 0.36 : WIDE.has(c) ? 0.92 : c >= 'A' && c <= 'Z' ? 0.72 : 0.64;
  return em * fontSize * (bold ? 1.1 : 1);
}

/** Greedy word wrap to lines no wider than maxWidth (a single longer word keeps a line of its own). */
function wrap(text: string, maxWidth: number, fontSize: number, bold = false): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(candidate, fontSize, bold) > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

function usableValue(v: number, log: boolean | undefined): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

function fixed(v: number): string {
  return v.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Line plots as standalone SVG: axes with ticks (decades on log scales),
 * axis labels, a title and a legend. Enough for the figures of `nntk demo`
 * and `nntk converge`, with no dependency.
 */

export interface Series {
  label: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** Dashed line (e.g. a second method). */
  dashed?: boolean;
  /** Draw a dot at each point as well as the line. */
  markers?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** A note under the title (e.g. what was clipped). */
  subtitle?: string;
  /** Horizontal reference lines, e.g. a tolerance. */
  references?: readonly { y: number; label: string }[];
}

/** Colours that stay apart for readers with the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export function linePlot(options: PlotOptions): string {
  // The legend sits right of the plot: room for its longest label (≈ 7 px a character at 12 px).
  const legend = 44 + 7 * Math.max(...options.series.map((s) => s.label.length));
  const MARGIN = { left: 78, right: Math.max(120, legend), top: 52, bottom: 58 };
  const width = options.width ?? 540 + MARGIN.right;
  const height = options.height ?? 440;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const points = options.series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]!] as const));
  const usable = points.filter(([x, y]) => usableValue(x, options.xLog) && usableValue(y, options.yLog));
  if (usable.length === 0) throw new RangeError(`linePlot: '${options.title}' has no point to draw`);
  const xAxis = axis(usable.map((p) => p[0]), options.xLog ?? false);
  const yAxis = axis(usable.map((p) => p[1]), options.yLog ?? false);
  const sx = (x: number) => MARGIN.left + plotW * xAxis.position(x);
  const sy = (y: number) => MARGIN.top + plotH * (1 - yAxis.position(y));

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escape(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(options.title)}</text>`,
  );
  if (options.subtitle !== undefined) {
    out.push(`<text x="${MARGIN.left + plotW / 2}" y="40" text-anchor="middle" font-size="11" fill="#555555">${escape(options.subtitle)}</text>`);
  }
  // Grid and ticks.
  for (const tick of xAxis.ticks) {
    const x = fixed(sx(tick.value));
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${tick.label}</text>`);
  }
  for (const tick of yAxis.ticks) {
    const y = fixed(sy(tick.value));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${fixed(sy(tick.value) + 4)}" text-anchor="end">${tick.label}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 14}" text-anchor="middle" font-size="13">${escape(options.xLabel)}</text>`);
  out.push(
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escape(options.yLabel)}</text>`,
  );
  // Data, clipped to the plot area.
  out.push(`<clipPath id="plot-area"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  out.push('<g clip-path="url(#plot-area)" fill="none" stroke-width="1.8" stroke-linejoin="round">');
  for (const s of options.series) {
    const path = s.x
      .map((x, i) => [x, s.y[i]!] as const)
      .filter(([x, y]) => usableValue(x, options.xLog) && usableValue(y, options.yLog))
      .map(([x, y]) => `${fixed(sx(x))},${fixed(sy(y))}`);
    if (path.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${path.join(' ')}" stroke="${s.color}"${dash}/>`);
    if (s.markers || path.length === 1) {
      for (const p of path) {
        const [x, y] = p.split(',');
        out.push(`<circle cx="${x}" cy="${y}" r="2.6" fill="${s.color}" stroke="none"/>`);
      }
    }
  }
  for (const ref of options.references ?? []) {
    if (!usableValue(ref.y, options.yLog)) continue;
    const y = fixed(sy(ref.y));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#777777" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${MARGIN.left + plotW - 4}" y="${fixed(sy(ref.y) - 4)}" text-anchor="end" fill="#555555" font-size="11">${escape(ref.label)}</text>`);
  }
  out.push('</g>');
  // Legend.
  const lx = MARGIN.left + plotW + 16;
  options.series.forEach((s, i) => {
    const y = MARGIN.top + 8 + i * 18;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${lx}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 32}" y="${y + 4}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
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
    const ticks = [];
    for (let e = a; e <= b; e += step) {
      ticks.push({ value: 10 ** e, label: decade(e) });
      if (b - a <= 2 && e < b) for (const f of [2, 5]) ticks.push({ value: f * 10 ** e, label: `${f}·${decade(e)}` });
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

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function formatNumber(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return (Math.abs(v) < step / 2 ? 0 : v).toFixed(digits);
}

/** 10 with a superscript exponent. */
function decade(e: number): string {
  if (e === 0) return '1';
  if (e === 1) return '10';
  return `10<tspan dy="-6" font-size="9">${e < 0 ? '−' : ''}${Math.abs(e)}</tspan>`;
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

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convergeFigures, type ConvergeResult } from '../lib/experiments/converge.js';
import { FONT, linePlot, logTickLabeller, superscript, textWidth, type PlotOptions } from '../lib/experiments/svg-plot.js';
import { METHOD_STYLE, uniformityFigures } from '../lib/experiments/uniformity-figures.js';
import { UNIFORMITY_METHODS, type UniformityResult } from '../lib/experiments/uniformity.js';
import { parseSvg, type ParsedSvg } from './svg-parse.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The texts whose estimated extent leaves the canvas, as "text [left, right] × [top, bottom]". */
function outside(svg: ParsedSvg): string[] {
  return svg.texts.flatMap((t) => {
    const w = textWidth(t.text, t.size, t.bold);
    // Along the text: from the anchor; across it: ascent ≈ 0.8 em above the baseline, descent ≈ 0.25 em below.
    const start = t.anchor === 'middle' ? -w / 2 : t.anchor === 'end' ? -w : 0;
    const [left, right, top, bottom] = t.rotated
      ? [t.x - 0.8 * t.size, t.x + 0.25 * t.size, t.y - start - w, t.y - start]
      : [t.x + start, t.x + start + w, t.y - 0.8 * t.size, t.y + 0.25 * t.size];
    const inside = left >= 0 && right <= svg.width && top >= 0 && bottom <= svg.height;
    return inside ? [] : [`${t.text} [${left.toFixed(0)}, ${right.toFixed(0)}] × [${top.toFixed(0)}, ${bottom.toFixed(0)}] in ${svg.width} × ${svg.height}`];
  });
}

const plot = (over: Partial<PlotOptions>): PlotOptions => ({
  title: 't',
  xLabel: 'x',
  yLabel: 'y',
  series: [{ label: 's', x: [1, 2], y: [1, 2], color: '#000000' }],
  ...over,
});

/** The tick labels of a plot whose only series spans [lo, hi] on both (log) axes. */
function logTicks(lo: number, hi: number): string[] {
  const svg = parseSvg({ 'p.svg': linePlot(plot({ xLog: true, yLog: true, series: [{ label: 's', x: [lo, hi], y: [lo, hi], color: '#000000' }] })) })['p.svg']!;
  // The y tick labels are the right-anchored texts left of the plot, written bottom to top.
  return svg.texts.filter((t) => t.anchor === 'end' && t.x < 100).map((t) => t.text);
}

describe('log-axis tick labels', () => {
  it('within [10⁻³, 10⁴] are plain numbers at 1, 2, 5 of each decade', () => {
    expect(logTicks(2, 60)).toEqual(['1', '2', '5', '10', '20', '50', '100']);
    expect(logTicks(0.003, 0.08)).toEqual(['0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1']);
  });

  it('beyond are powers of ten on every tick, 10⁰ and 10¹ included, and m·10ᵉ between decades', () => {
    expect(logTicks(1000, 60000)).toEqual(['10³', '2·10³', '5·10³', '10⁴', '2·10⁴', '5·10⁴', '10⁵']);
    expect(logTicks(1, 1e7)).toEqual(['10⁰', '10¹', '10²', '10³', '10⁴', '10⁵', '10⁶', '10⁷']);
    expect(logTicks(1e-17, 1e3)).toEqual(['10⁻¹⁸', '10⁻¹⁵', '10⁻¹²', '10⁻⁹', '10⁻⁶', '10⁻³', '10⁰', '10³']);
  });

  it('pick one convention per axis from its decade range', () => {
    expect([logTickLabeller(-3, 4)(5, -3), logTickLabeller(-3, 4)(2, 3), logTickLabeller(-4, 0)(1, 0), logTickLabeller(0, 5)(2, 1)]).toEqual(['0.005', '2000', '10⁰', '2·10¹']);
    expect([superscript(14), superscript(-6), superscript(0)]).toEqual(['¹⁴', '⁻⁶', '⁰']);
  });
});

describe('layout', () => {
  it('wraps a title and subtitle wider than the canvas into lines inside it, pushing the plot down', () => {
    const long = 'a subtitle of many words that is much wider than any plot area could be, '.repeat(3).trim();
    const svg = parseSvg({ 'p.svg': linePlot(plot({ title: `The title ${long}`, subtitle: long })) })['p.svg']!;
    expect(outside(svg)).toEqual([]);
    const subtitle = svg.texts.filter((t) => t.size === FONT.subtitle && t.anchor === 'middle');
    expect(subtitle.length).toBeGreaterThan(1);
    expect(subtitle.map((t) => t.text).join(' ')).toBe(long);
    const topTick = Math.min(...svg.texts.filter((t) => t.anchor === 'end' && !t.rotated).map((t) => t.y - 0.8 * t.size));
    expect(topTick).toBeGreaterThan(subtitle.at(-1)!.y + 0.25 * FONT.subtitle);
  });

  it('extends the y axis to a reference line and keeps its label inside the plot when the line is the top edge', () => {
    const svg = parseSvg({ 'p.svg': linePlot(plot({ yLog: true, series: [{ label: 's', x: [1, 2], y: [2, 30], color: '#000000' }], references: [{ y: 100, label: 'budget 100' }, { y: 1e-3, label: 'tol' }] })) })['p.svg']!;
    const ticks = svg.texts.filter((t) => t.anchor === 'end' && t.x < 100);
    expect([ticks[0]!.text, ticks.at(-1)!.text]).toEqual(['0.001', '100']);
    const plotTop = ticks.at(-1)!.y - 4;
    const label = svg.texts.find((t) => t.text === 'budget 100')!;
    expect(label.y - 0.8 * label.size).toBeGreaterThanOrEqual(plotTop);
  });

  it('draws a series of one point as one polyline with a circle, like every other series', () => {
    const svg = linePlot(plot({ series: [{ label: 'one', x: [1], y: [2], color: '#000000' }, { label: 'two', x: [1, 2], y: [1, 3], color: '#111111' }] }));
    expect([svg.match(/<polyline /g)?.length, svg.match(/<circle /g)?.length]).toEqual([2, 1]);
  });

  it('grows the canvas to hold a legend taller than the plot', () => {
    const series = Array.from({ length: 40 }, (_, i) => ({ label: `series ${i}`, x: [1, 2], y: [i + 1, i + 2], color: '#000000' }));
    const svg = parseSvg({ 'p.svg': linePlot(plot({ series })) })['p.svg']!;
    expect(outside(svg)).toEqual([]);
    expect(svg.texts.filter((t) => t.text.startsWith('series ')).length).toBe(40);
  });
});

describe('the committed experiment results, redrawn', () => {
  const uniformity = JSON.parse(readFileSync(join(ROOT, 'docs/uniformity.json'), 'utf8')) as UniformityResult;
  const converge = { partial: false, ...JSON.parse(readFileSync(join(ROOT, 'docs/converge.json'), 'utf8')) } as ConvergeResult;
  const figures = { ...uniformityFigures(uniformity), ...convergeFigures(converge) };
  const parsed = parseSvg(figures);

  it('are well-formed SVG whose every text lies inside the canvas by its estimated width', () => {
    expect(Object.keys(parsed).length).toBe(Object.keys(figures).length);
    for (const [name, svg] of Object.entries(parsed)) {
      expect(svg.viewBox, name).toBe(`0 0 ${svg.width} ${svg.height}`);
      expect(outside(svg), name).toEqual([]);
    }
  });

  it('give each method one colour and one marker, distinct from every other method', () => {
    const styles = UNIFORMITY_METHODS.map((m) => METHOD_STYLE[m]);
    expect(new Set(styles.map((s) => s.color)).size).toBe(UNIFORMITY_METHODS.length);
    expect(new Set(styles.map((s) => s.marker)).size).toBe(UNIFORMITY_METHODS.length);
  });

  it('draw every curve of the ratio and residual figures in a stroke no other curve shares, and name each method once', () => {
    // The ratio figure is left out of a result where no run of k_max converged (the committed M = 128 run's k = 32).
    for (const name of ['uniformity-ratio.svg', 'uniformity-residual.svg'].filter((n) => n in parsed)) {
      const svg = parsed[name]!;
      const strokes = svg.polylines.map((l) => `${l.stroke} ${l.dash} ${l.strokeWidth}`);
      expect(new Set(strokes).size, name).toBe(strokes.length);
      const colors = new Set(svg.polylines.map((l) => l.stroke));
      const methods = UNIFORMITY_METHODS.filter((m) => colors.has(METHOD_STYLE[m].color));
      expect(colors.size, name).toBe(methods.length);
      for (const method of methods) expect(svg.texts.filter((t) => t.text.split(/[ :]/)[0] === method).length, `${name} ${method}`).toBe(1);
      // Legend: the methods and a key of at most six kinds of curve.
      const legend = svg.texts.filter((t) => t.anchor === 'start');
      expect(legend.length, name).toBeLessThanOrEqual(methods.length + 6);
    }
  });

  it('draw the one-method figures in shades of that method’s colour (a width or k each)', () => {
    for (const method of UNIFORMITY_METHODS) {
      const svg = parsed[`uniformity-steps-${method}.svg`]!;
      const widths = new Set(uniformity.runs.map((r) => r.width)).size;
      const shades = new Set(svg.polylines.map((l) => l.stroke.toLowerCase()));
      expect(shades.size, method).toBe(widths);
      expect(shades.has(METHOD_STYLE[method].color.toLowerCase()), method).toBe(true);
    }
  });
});

describe('nntk uniformity / converge --from-json', () => {
  let dir = '';
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: dir, encoding: 'utf8' });

  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'nntk-from-json-'));
  }, 120_000);
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reprints the committed tables and redraws the committed figures from the committed JSON', () => {
    // The earlier M = 64, k ≤ 16 uniformity run is kept beside the current one, with its figures in docs/figures/m64.
    const results = [
      { command: 'uniformity', name: 'uniformity', figures: 'docs/figures' },
      { command: 'converge', name: 'converge', figures: 'docs/figures' },
      { command: 'uniformity', name: 'uniformity-m64', figures: 'docs/figures/m64' },
    ];
    for (const { command, name: result, figures } of results) {
      const run = cli(command, '--from-json', join(ROOT, `docs/${result}.json`), '--out', result);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toBe(`nntk ${command}: wrote the figures to ${result}\n`);
      expect(run.stdout).toBe(readFileSync(join(ROOT, `docs/${result}.txt`), 'utf8'));
      const names = readdirSync(join(dir, result)).sort();
      expect(names.length).toBeGreaterThan(2);
      for (const name of names) expect(readFileSync(join(dir, result, name), 'utf8'), name).toBe(readFileSync(join(ROOT, figures, name), 'utf8'));
    }
  });

  it('fails with exit 1 naming the file and key for a JSON of the wrong shape, and exit 2 with --json', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ partial: false, config: {}, runs: {} }));
    const bad = cli('uniformity', '--from-json', 'bad.json');
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([1, '', 'nntk: uniformity: bad.json: "runs" must be an array, found object\n']);
    writeFileSync(join(dir, 'broken.json'), '{"rows": [');
    const broken = cli('converge', '--from-json', 'broken.json');
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/^nntk: converge: broken\.json: not valid JSON/);
    const both = cli('converge', '--from-json', join(ROOT, 'docs/converge.json'), '--json', 'x.json');
    expect([both.status, both.stdout]).toEqual([2, '']);
    expect(both.stderr).toContain('--json cannot be given with --from-json');
  });
});

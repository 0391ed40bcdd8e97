import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circleData } from '../lib/experiments/circle.js';
import { demoFigures, runDemo, type DemoRow } from '../lib/experiments/demo.js';
import { linePlot } from '../lib/experiments/svg-plot.js';
import { TwoLayerNetwork } from '../lib/index.js';
import { newtonReference, norm } from './newton-reference.js';
import { parseSvg, type ParsedSvg } from './svg-parse.js';

const texts = (svg: ParsedSvg) => svg.texts.map((t) => t.text);


describe('the demo experiment', () => {
  const result = runDemo({ ks: [1, 4], points: 16, width: 256, gdSeconds: 0.2 });

  it('has a row per k and method, Newton reaching the target and GD honestly reporting its budget', () => {
    expect(result.rows.map((r) => [r.k, r.method])).toEqual([
      [1, 'newton'],
      [1, 'gd'],
      [4, 'newton'],
      [4, 'gd'],
    ]);
    for (const row of result.rows) {
      expect(row.reached).toBe(row.residual <= 1e-6);
      expect(row.steps).toBe(result.histories.find((h) => h.k === row.k && h.method === row.method)!.history.length - 1);
      if (row.method === 'newton') expect(row.reached).toBe(true);
    }
    // Spectral bias: the higher frequency lives in smaller NTK eigenvalues (its Rayleigh quotient yᵀ𝒦y/yᵀy is smaller).
    const rayleigh = result.targetContent.map(({ weights }) => weights.reduce((s, w, i) => s + w * w * result.spectra.ntk[i]!, 0));
    expect(rayleigh[1]!).toBeLessThan(rayleigh[0]! / 10);
  });

  it('writes SVG figures that parse as XML, with titles, axis labels, a legend and one line per series', () => {
    const figures = demoFigures(result);
    expect(Object.keys(figures).sort()).toEqual(['residual-vs-seconds.svg', 'residual-vs-step.svg', 'spectra.svg', 'target-content.svg']);
    const parsed = parseSvg(figures);
    for (const [name, svg] of Object.entries(parsed)) {
      expect(svg.root, name).toBe('{http://www.w3.org/2000/svg}svg');
      expect(svg.texts.length, name).toBeGreaterThan(8);
    }
    expect(parsed['residual-vs-step.svg']!.polylines.length).toBe(4);
    expect(texts(parsed['residual-vs-step.svg']!)).toContain('relative residual |r| / |y|');
    expect(texts(parsed['residual-vs-step.svg']!)).toContain('k = 4, GD');
    expect(parsed['spectra.svg']!.polylines.length).toBe(2);
    // The spectrum spans many decades: its axis labels are powers of ten with superscript exponents.
    expect(texts(parsed['spectra.svg']!).some((t) => /^10⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+$/.test(t))).toBe(true);
  });
});

describe('the demo experiment, aborted', () => {
  it('stops at the step after the abort, leaves out the run cut short, and marks the result and every figure title partial', () => {
    const controller = new AbortController();
    // Abort during the first gradient-descent run (its 60 s budget would otherwise end it).
    const onProgress = (_k: number, method: string) => {
      if (method === 'gd') controller.abort();
    };
    const result = runDemo({ ks: [1, 4], points: 16, width: 64, gdSeconds: 60, onProgress, signal: controller.signal });
    expect(result.partial).toBe(true);
    expect(result.rows.map((r) => [r.k, r.method])).toEqual([[1, 'newton']]);
    expect(result.histories).toHaveLength(1);
    expect(result.lr).toBeNull();
    const figures = demoFigures(result);
    expect(Object.keys(figures).sort()).toEqual(['residual-vs-seconds.svg', 'residual-vs-step.svg', 'spectra.svg', 'target-content.svg']);
    for (const [name, svg] of Object.entries(figures)) expect(svg, name).toMatch(/<title>[^<]*\(partial: interrupted\)<\/title>/);
  });

  it('aborted before the first run: no row, only the two spectrum figures', () => {
    const controller = new AbortController();
    controller.abort();
    const result = runDemo({ ks: [1], points: 16, width: 64, signal: controller.signal });
    expect([result.partial, result.rows]).toEqual([true, []]);
    expect(Object.keys(demoFigures(result)).sort()).toEqual(['spectra.svg', 'target-content.svg']);
  });
});

describe('linePlot', () => {
  it('escapes text, refuses a plot with nothing to draw, and skips non-positive values on log axes', () => {
    const svg = linePlot({ title: 'a < b & "c"', xLabel: 'x', yLabel: 'y', yLog: true, series: [{ label: 's', x: [1, 2, 3], y: [1, 0, 10], color: '#000' }] });
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect((svg.match(/<polyline points="([^"]*)"/)![1]!.split(' ')).length).toBe(2);
    expect(() => linePlot({ title: 't', xLabel: 'x', yLabel: 'y', yLog: true, series: [{ label: 's', x: [1], y: [-1], color: '#000' }] })).toThrow(RangeError);
  });
});

describe('nntk demo, end to end (width 64, 40 points, seed 3, GD budget 0.05 s)', () => {
  const ROOT = fileURLToPath(new URL('..', import.meta.url));
  let dir = '';
  let run: { status: number | null; stdout: string; stderr: string };
  let json: { rows: DemoRow[]; config: Record<string, number | number[]>; lr: number; spectra: { ntk: number[]; nntk: number[] } };

  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'nntk-demo-e2e-'));
    const args = ['demo', '--width', '64', '--points', '40', '--gd-seconds', '0.05', '--seed', '3', '--out', 'figures', '--json', 'demo.json', '--quiet'];
    run = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: dir, encoding: 'utf8' });
    json = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as typeof json;
  }, 300_000);
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0; stderr is only the note about the figures; stdout is the table of the JSON rows', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('nntk demo: wrote the figures to figures\n');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`relative residual target 1e-6; M = 40, N = 64, tanh; GD eta = ${json.lr.toPrecision(4)}`);
    const table = lines.slice(2).map((line) => line.trim().split(/\s+/));
    expect(table.map((t) => [Number(t[0]), t[1], Number(t[2]), t[4], t[5]])).toEqual(
      json.rows.map((r) => [r.k, r.method === 'newton' ? 'Newton' : 'GD', r.steps, r.residual.toExponential(2), r.reached ? 'yes' : 'no']),
    );
  });

  it('the JSON: the configuration asked for, a row per k and method, reached exactly when the residual is ≤ 1e-6', () => {
    expect(json.config).toMatchObject({ ks: [1, 2, 4, 8, 16], points: 40, width: 64, seed: 3, gdSeconds: 0.05, tol: 1e-6 });
    expect(json.rows.map((r) => [r.k, r.method])).toEqual([1, 2, 4, 8, 16].flatMap((k) => [[k, 'newton'], [k, 'gd']]));
    for (const r of json.rows) {
      expect(r.reached, `k = ${r.k}, ${r.method}`).toBe(r.residual <= 1e-6);
      expect(Number.isInteger(r.steps) && r.steps >= 0 && r.steps <= (r.method === 'newton' ? 100 : Infinity), `k = ${r.k}, ${r.method}: steps`).toBe(true);
      // Newton caps its attempts at 10 × its step budget; every gradient step is accepted.
      expect(Number.isInteger(r.attempts) && r.attempts >= r.steps && r.attempts <= (r.method === 'newton' ? 1000 : r.steps), `k = ${r.k}, ${r.method}: attempts`).toBe(true);
    }
  });

  it('η and the NTK spectrum are numpy’s (eigvalsh of J·Jᵀ/M) for the same seeded network', () => {
    const net = TwoLayerNetwork.initialize({ width: 64, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 3 });
    const { X } = circleData(40, 1);
    const [reference] = newtonReference([{ net, X, y: new Float64Array(40) }]);
    // Weyl: each eigenvalue moves by ≤ ‖ΔK‖₂ ≤ ‖ΔK‖_F ≤ ntkError·‖K‖_F in either implementation.
    const shift = 2 * reference!.ntkError * norm(reference!.ntk);
    const values = json.spectra.ntk;
    expect(values.length).toBe(40);
    for (let i = 0; i < 40; i++) expect(Math.abs(values[i]! - reference!.ntkEigenvalues[i]!), `μ_${i}`).toBeLessThanOrEqual(shift);
    expect(Math.abs(json.lr - reference!.gdStep)).toBeLessThanOrEqual(2 * reference!.gdStepError * reference!.gdStep);
    // The Newton NTK's spectrum: 40 values, ascending as the eigensolver returns them.
    expect(json.spectra.nntk.length).toBe(40);
    expect(json.spectra.nntk.every((v, i, a) => i === 0 || a[i - 1]! <= v)).toBe(true);
  });

  it('writes the four figures, which parse as XML; residual-vs-step has one line per k and method', () => {
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['residual-vs-seconds.svg', 'residual-vs-step.svg', 'spectra.svg', 'target-content.svg']);
    const files = Object.fromEntries(readdirSync(join(dir, 'figures')).map((name) => [name, readFileSync(join(dir, 'figures', name), 'utf8')]));
    const parsed = parseSvg(files);
    expect(parsed['residual-vs-step.svg']!.polylines.length).toBe(10);
    expect(parsed['spectra.svg']!.polylines.length).toBe(2);
    expect(texts(parsed['target-content.svg']!)).toContain('k = 16');
  });
});

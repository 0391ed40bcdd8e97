import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoFigures, runDemo } from '../lib/experiments/demo.js';
import { linePlot } from '../lib/experiments/svg-plot.js';

/** Parses SVG with Python's XML parser; returns, per file, the tag counts the test looks at. */
function parseSvg(files: Record<string, string>): Record<string, { root: string; texts: string[]; polylines: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nntk-svg-'));
  try {
    for (const [name, svg] of Object.entries(files)) writeFileSync(join(dir, name), svg);
    const script = `
import json, sys, pathlib, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
out = {}
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.svg')):
    root = ET.parse(p).getroot()
    out[p.name] = {'root': root.tag, 'texts': [''.join(t.itertext()) for t in root.iter(ns + 'text')],
                   'polylines': len(list(root.iter(ns + 'polyline')))}
print(json.dumps(out))`;
    return JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    expect(parsed['residual-vs-step.svg']!.polylines).toBe(4);
    expect(parsed['residual-vs-step.svg']!.texts).toContain('relative residual |r| / |y|');
    expect(parsed['residual-vs-step.svg']!.texts).toContain('k = 4, GD');
    expect(parsed['spectra.svg']!.polylines).toBe(2);
    // Log axes label decades: 10^-k written with a superscript.
    expect(parsed['spectra.svg']!.texts.some((t) => /^10−\d+$/.test(t))).toBe(true);
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

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circleData } from '../lib/experiments/circle.js';
import { convergeFigures, runConverge, type ConvergeRow } from '../lib/experiments/converge.js';
import { formatNpy, TwoLayerNetwork } from '../lib/index.js';
import { EPS, newtonReference, norm, relativeDifference } from './newton-reference.js';

describe('the converge experiment', () => {
  // Small widths and few seeds keep this fast; `nntk converge` runs 2^8 … 2^16 with 4 seeds.
  const result = runConverge({ exponents: [8, 12], seeds: 3, points: 16, alpha: 0.05, time: 1 });

  it('measures K_GD(N) approaching K∞/M at a rate near N^(−1/2) (fitted log-log slope), and every distance shrinking', () => {
    expect(result.rows.map((r) => r.width)).toEqual([256, 512, 1024, 2048, 4096]);
    // Three seeds per width: the slope's sampling spread is wider than with the command's defaults.
    expect(result.slopes.ntk).toBeGreaterThanOrEqual(-0.75);
    expect(result.slopes.ntk).toBeLessThanOrEqual(-0.3);
    expect(result.slopes.nntk).toBeLessThan(-0.2);
    // Every distance shrinks from the smallest to the largest width.
    const [first, last] = [result.rows[0]!, result.rows.at(-1)!];
    for (const key of ['ntkDistance', 'nntkDistance', 'flowDistance', 'movement'] as const) expect(last[key]).toBeLessThan(first[key]);
  });

  it('certifies S + λ_N·I positive definite at every width under λ_N = N^(−1/4)', () => {
    for (const row of result.rows) {
      expect(row.certificate).toBeGreaterThan(0);
      expect(row.certificate).toBeLessThanOrEqual(row.lambda * 1.5);
    }
  });

  it('keeps the flow comparison above its time-discretization floor', () => {
    expect(result.discretization).toBeLessThan(result.rows.at(-1)!.flowDistance);
  });

  it('draws three figures', () => {
    const figures = convergeFigures(result);
    expect(Object.keys(figures).sort()).toEqual(['certificate.svg', 'limit-distance.svg', 'movement.svg']);
    for (const svg of Object.values(figures)) expect(svg.startsWith('<svg')).toBe(true);
  });
});

describe('the converge experiment, aborted', () => {
  it('stops at the next seed, leaves out the width cut short, and marks the result and the figure titles partial', () => {
    const controller = new AbortController();
    const onProgress = (message: string) => {
      if (message === 'N = 2^9, seed 2/2') controller.abort();
    };
    const result = runConverge({ exponents: [8, 12], seeds: 2, points: 8, time: 0.2, onProgress, signal: controller.signal });
    expect(result.partial).toBe(true);
    expect(result.rows.map((r) => r.width)).toEqual([256]);
    for (const svg of Object.values(convergeFigures(result))) expect(svg).toMatch(/<title>[^<]*\(partial: interrupted\)<\/title>/);
  });

  it('aborted before the first width: no row, no figure', () => {
    const controller = new AbortController();
    controller.abort();
    const result = runConverge({ exponents: [8, 9], seeds: 1, points: 8, signal: controller.signal });
    expect([result.partial, result.rows, convergeFigures(result)]).toEqual([true, [], {}]);
  });
});

describe('nntk converge, end to end (N = 2^6 … 2^8, 2 seeds, 8 points)', () => {
  const ROOT = fileURLToPath(new URL('..', import.meta.url));
  const M = 8;
  let dir = '';
  let run: { status: number | null; stdout: string; stderr: string };
  let json: { rows: ConvergeRow[]; slopes: Record<'ntk' | 'nntk' | 'movement' | 'flow', number>; config: { lambda0: number; gamma: number; k: number }; discretization: number };

  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'nntk-converge-e2e-'));
    const args = ['converge', '--from', '6', '--to', '8', '--seeds', '2', '--points', String(M), '--out', 'figures', '--json', 'converge.json', '--quiet'];
    run = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: dir, encoding: 'utf8' });
    json = JSON.parse(readFileSync(join(dir, 'converge.json'), 'utf8')) as typeof json;
  }, 300_000);
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0; stderr is only the note about the figures; stdout is the table of the JSON rows and slopes', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('nntk converge: wrote the figures to figures\n');
    const e = (v: number) => v.toExponential(2);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/))).toEqual(
      json.rows.map((r) => [String(r.width), e(r.lambda), e(r.ntkDistance), e(r.nntkDistance), e(r.certificate), e(r.movement), e(r.flowDistance)]),
    );
    expect(lines[5]).toContain(`ntk ${json.slopes.ntk.toFixed(3)}, nntk ${json.slopes.nntk.toFixed(3)}`);
  });

  it('λ_N = λ₀·N^(−γ) per row, and the slopes are the least-squares fits of log distance against log N', () => {
    expect(json.rows.map((r) => r.width)).toEqual([64, 128, 256]);
    for (const r of json.rows) expect(r.lambda).toBe(json.config.lambda0 * r.width ** -json.config.gamma);
    const fit = (values: number[]) => {
      const lx = json.rows.map((r) => Math.log(r.width));
      const ly = values.map(Math.log);
      const mx = lx.reduce((a, b) => a + b) / lx.length;
      const my = ly.reduce((a, b) => a + b) / ly.length;
      const dx = lx.map((v) => v - mx);
      const dy = ly.map((v) => v - my);
      const slope = dx.reduce((s, v, i) => s + v * dy[i]!, 0) / dx.reduce((s, v) => s + v * v, 0);
      // Sums of 3 terms and logs within 1 ulp, in either implementation: 16ε of the magnitudes involved.
      const scale = dx.reduce((s, v, i) => s + Math.abs(v * dy[i]!), 0) / dx.reduce((s, v) => s + v * v, 0) + Math.abs(slope);
      return { slope, tolerance: 16 * EPS * scale * Math.max(...ly.map(Math.abs), 1) };
    };
    for (const [key, column] of [['ntk', 'ntkDistance'], ['nntk', 'nntkDistance'], ['movement', 'movement'], ['flow', 'flowDistance']] as const) {
      const { slope, tolerance } = fit(json.rows.map((r) => r[column]));
      expect(Math.abs(json.slopes[key] - slope), key).toBeLessThanOrEqual(tolerance);
    }
  });

  it('the ntk distance and the certificate of every row equal numpy’s (J·Jᵀ/M, blocks of S) against scipy’s K∞/M, for the same seeded networks', () => {
    const { X, y } = circleData(M, json.config.k);
    const work = join(dir, 'quadrature');
    mkdirSync(work);
    writeFileSync(join(work, 'X.npy'), formatNpy({ shape: [M, 2], data: X.data }));
    writeFileSync(join(work, 'request.json'), JSON.stringify({ configs: [{ activation: 'tanh', bias: true, sigmaW: 1, sigmaB: 1 }], lambda: 1 }));
    execFileSync('python3', [join(ROOT, 'test/reference/limit_quadrature.py'), work]);
    const [limit] = JSON.parse(readFileSync(join(work, 'limits.json'), 'utf8')) as Array<{ K: number[]; Kerror: number }>;
    const limitNorm = norm(limit!.K);
    for (const row of json.rows) {
      const requests = [0, 1].map((seed) => ({
        net: TwoLayerNetwork.initialize({ width: row.width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed }),
        X,
        y,
      }));
      const references = newtonReference(requests);
      const distances = references.map((r) => relativeDifference(r.ntk, limit!.K));
      const distance = distances.reduce((a, b) => a + b) / distances.length;
      // ‖ΔK_N‖ ≤ 2·ntkError·‖K_N‖ (both implementations); ‖ΔK∞‖_F ≤ M·(7e-12·max|K∞| + Kerror) (docs/method.md's tanh accuracy at
      // |x| = 1, n ≥ 256, plus the reference's bound); d = ‖K_N − K∞‖/‖K∞‖ moves by ≤ (‖ΔK_N‖ + (1 + d)‖ΔK∞‖)/‖K∞‖.
      const limitError = M * (7e-12 * Math.max(...limit!.K.map(Math.abs)) + limit!.Kerror);
      const tolerance = Math.max(...references.map((r, i) => (2 * r.ntkError * norm(r.ntk) + (1 + distances[i]!) * limitError) / limitNorm));
      expect(Math.abs(row.ntkDistance - distance), `N = ${row.width}`).toBeLessThanOrEqual(tolerance);
      // minᵢ λ_min(Sᵢ + λ_N I) = minᵢ λ_min(Sᵢ) + λ_N; Weyl, per seed: within curvatureError in either implementation.
      const certificate = Math.min(...references.map((r) => r.auto.minEigenvalue + row.lambda));
      const certificateTolerance = Math.max(...references.map((r) => 2 * r.auto.curvatureError + 2 * EPS * row.lambda));
      expect(Math.abs(row.certificate - certificate), `N = ${row.width}`).toBeLessThanOrEqual(certificateTolerance);
    }
  });

  it('writes the three figures', () => {
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['certificate.svg', 'limit-distance.svg', 'movement.svg']);
    for (const name of readdirSync(join(dir, 'figures'))) expect(readFileSync(join(dir, 'figures', name), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n?$/);
  });
});

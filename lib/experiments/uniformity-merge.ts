/**
 * One uniformity result from several runs of the same experiment over
 * different widths (run side by side, one process per width range), possibly
 * with different frequencies at different widths (the union is the merged
 * `ks`; a width has the runs of its own file's ks): each width's runs and
 * limits are taken whole from a result that holds all of its own runs there,
 * and the ratios (steps(k_max)/steps(k_min) of the union) and fits are
 * recomputed. The steps and residuals do not depend on how the widths were
 * split (every run is seeded); the seconds are each process's own.
 */
import { summarise, UNIFORMITY_METHODS, type UniformityResult } from './uniformity.js';

export function mergeUniformity(results: readonly UniformityResult[]): UniformityResult {
  if (results.length === 0) throw new RangeError('mergeUniformity: no results to merge');
  const first = results[0]!;
  const settings = (r: UniformityResult) => JSON.stringify({ ...r.config, exponents: null, ks: null });
  results.forEach((r, i) => {
    if (settings(r) === settings(first)) return;
    const key = Object.keys(first.config).find((k) => k !== 'exponents' && k !== 'ks' && JSON.stringify(first.config[k as keyof typeof first.config]) !== JSON.stringify(r.config[k as keyof typeof r.config]));
    throw new RangeError(`mergeUniformity: result ${i} was run with another ${key ?? 'configuration'} than result 0; only the widths and frequencies may differ`);
  });
  const { config } = first;
  // A width is complete with every (seed, k, method) of its file: an interrupted run leaves its last width short.
  const complete = (r: UniformityResult) => r.config.seeds * r.config.ks.length * UNIFORMITY_METHODS.length;
  const widths = [...new Set(results.flatMap((r) => r.runs.map((run) => run.width)))].sort((a, b) => a - b);
  if (widths.length === 0) return { ...first, partial: results.some((r) => r.partial) };
  const runs: UniformityResult['runs'] = [];
  const limits: UniformityResult['limits'] = [];
  let partial = false;
  for (const width of widths) {
    const count = (r: UniformityResult) => r.runs.filter((run) => run.width === width).length;
    const whole = results.filter((r) => count(r) === complete(r));
    const source = (whole.length > 0 ? whole : results).reduce((best, r) => (count(r) > count(best) ? r : best));
    if (count(source) < complete(source)) partial = true;
    runs.push(...source.runs.filter((run) => run.width === width));
    limits.push(...source.limits.filter((l) => l.width === width));
  }
  const exponents: [number, number] = [Math.log2(widths[0]!), Math.log2(widths.at(-1)!)];
  // A width missing inside the range leaves the merged result partial too.
  if (widths.length !== exponents[1] - exponents[0] + 1) partial = true;
  const ks = [...new Set(results.flatMap((r) => r.config.ks))].sort((a, b) => a - b);
  const merged = { ...config, exponents, ks };
  return { config: merged, partial, runs, limits, ...summarise(runs, limits, merged) };
}

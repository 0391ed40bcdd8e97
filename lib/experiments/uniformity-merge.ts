/**
 * One uniformity result from several runs of the same experiment over parts
 * of its grid of widths, seeds and frequencies (run side by side, one process
 * per part): each (width, seed, k) is taken with all its methods from a result
 * that holds them all (else from the one that holds most, and the merged
 * result is partial), the limits of each (width, k) from any result, and the
 * ratios (steps(k_max)/steps(k_min) of the union of the frequencies) and fits
 * are recomputed. Steps and residuals do not depend on how the grid was split
 * (every run is seeded); the seconds are each process's own. The merged
 * result is partial when some (width, seed, k) of the union is missing or
 * short.
 */
import { summarise, UNIFORMITY_METHODS, type UniformityResult, type UniformityRun } from './uniformity.js';

/** What may differ between the parts: which widths, seeds and frequencies each ran. */
const GRID_KEYS = new Set(['exponents', 'ks', 'seeds']);

export function mergeUniformity(results: readonly UniformityResult[]): UniformityResult {
  if (results.length === 0) throw new RangeError('mergeUniformity: no results to merge');
  const first = results[0]!;
  const keys = Object.keys(first.config).filter((k) => !GRID_KEYS.has(k)) as (keyof UniformityResult['config'])[];
  results.forEach((r, i) => {
    const key = keys.find((k) => JSON.stringify(first.config[k]) !== JSON.stringify(r.config[k]));
    if (key !== undefined) throw new RangeError(`mergeUniformity: result ${i} was run with another ${key} than result 0; only the widths, seeds and frequencies may differ`);
  });
  const group = (run: UniformityRun) => `${run.width} ${run.seed} ${run.k}`;
  const chosen = new Map<string, UniformityRun[]>();
  for (const result of results) {
    const groups = new Map<string, UniformityRun[]>();
    for (const run of result.runs) groups.set(group(run), [...(groups.get(group(run)) ?? []), run]);
    for (const [key, runs] of groups) if (runs.length > (chosen.get(key)?.length ?? 0)) chosen.set(key, runs);
  }
  const order = (a: UniformityRun, b: UniformityRun) => a.width - b.width || a.seed - b.seed || a.k - b.k || UNIFORMITY_METHODS.indexOf(a.method) - UNIFORMITY_METHODS.indexOf(b.method);
  const runs = [...chosen.values()].flat().sort(order);
  if (runs.length === 0) return { ...first, partial: results.some((r) => r.partial) };
  const limitKey = (l: UniformityResult['limits'][number]) => `${l.width} ${l.k} ${l.method}`;
  const limits = [...new Map(results.flatMap((r) => r.limits).map((l) => [limitKey(l), l] as const)).values()]
    .filter((l) => runs.some((run) => run.width === l.width && run.k === l.k))
    .sort((a, b) => a.width - b.width || a.k - b.k || UNIFORMITY_METHODS.indexOf(a.method) - UNIFORMITY_METHODS.indexOf(b.method));
  const widths = [...new Set(runs.map((r) => r.width))];
  const ks = [...new Set(results.flatMap((r) => r.config.ks))].sort((a, b) => a - b);
  const seeds = Math.max(...results.map((r) => r.config.seeds));
  const exponents: [number, number] = [Math.log2(widths[0]!), Math.log2(widths.at(-1)!)];
  const complete = widths.length === exponents[1] - exponents[0] + 1 && widths.every((w) => ks.every((k) => Array.from({ length: seeds }, (_, s) => chosen.get(`${w} ${s} ${k}`)?.length === UNIFORMITY_METHODS.length).every(Boolean)));
  const config = { ...first.config, exponents, ks, seeds };
  return { config, partial: !complete, runs, limits, ...summarise(runs, limits, config) };
}

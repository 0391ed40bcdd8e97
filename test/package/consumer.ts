// A TypeScript user of the installed package, type-checked with --strict
// against the package's own declarations, then run.
import { choFactor, choSolve, eigh, Matrix, NotPositiveDefiniteError, type Eigh, type EighOptions } from 'nntk';

const a: Matrix = Matrix.from([
  [4, 1, 0],
  [1, 3, 1],
  [0, 1, 2],
]);
// Options without eigvalsOnly: true select the overload that returns the vectors too.
const options = { subsetByIndex: [0, 1] } as const satisfies EighOptions;
const pairs: Eigh = eigh(a, options);
const values: Float64Array = eigh(a, { eigvalsOnly: true });
if (pairs.vectors.rows !== 3 || pairs.vectors.cols !== 2 || values.length !== 3) throw new Error('eigh: wrong shapes');
if (Math.abs(pairs.values[0]! - values[0]!) > 1e3 * Number.EPSILON * 5) throw new Error('eigh: subsets disagree');
const x: Float64Array = choSolve(choFactor(a), Float64Array.of(1, 2, 3));
const residual = [0, 1, 2].map((i) => a.row(i).reduce((s, v, j) => s + v * x[j]!, 0) - (i + 1));
if (Math.max(...residual.map(Math.abs)) > 1e-14) throw new Error(`choSolve: residual ${residual}`);
try {
  choFactor(Matrix.from([[-1]]));
  throw new Error('choFactor accepted a negative definite matrix');
} catch (error) {
  if (!(error instanceof NotPositiveDefiniteError) || error.minor !== 1) throw error;
}
console.log(`ts consumer: eigenvalues ${Array.from(values, (v) => v.toFixed(6)).join(' ')}`);

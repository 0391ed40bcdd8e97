/**
 * The least-squares line through (log x, log y) with the standard error of
 * its slope: the fitted power law y ≈ e^a·x^b of a measured trend and how
 * well the points determine b.
 */
export interface LogLogFit {
  slope: number;
  intercept: number;
  /** √(s²/Σ(log xᵢ − mean)²), s² = Σ residual²/(n − 2); NaN with fewer than 3 points. */
  slopeError: number;
  /** Points used (those with x, y > 0 and finite). */
  points: number;
}

/** Fits log y = a + b·log x over the points with x, y > 0; slope NaN with fewer than 2 distinct x. */
export function logLogFit(x: readonly number[], y: readonly number[]): LogLogFit {
  if (x.length !== y.length) throw new RangeError(`logLogFit: ${x.length} x values but ${y.length} y values`);
  const lx: number[] = [];
  const ly: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > 0 && y[i]! > 0 && Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      lx.push(Math.log(x[i]!));
      ly.push(Math.log(y[i]!));
    }
  }
  const n = lx.length;
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (ly[i]! - intercept - slope * lx[i]!) ** 2;
  const slopeError = n > 2 && sxx > 0 ? Math.sqrt(ssr / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, slopeError, points: n };
}

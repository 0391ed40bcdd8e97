/**
 * Option objects are checked against the keys their function reads, so that
 * a misspelled key (`sigma_w` for `sigmaW`, `lr` for `learningRate`) is an
 * error instead of a silently ignored setting.
 */

/**
 * The key list of an options type, from a record that must name every key of
 * T and nothing else (the compiler checks both), so that the list a function
 * checks cannot drift from the type it documents.
 */
export function keysOf<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(keys)) as readonly (keyof T & string)[];
}

/**
 * Throws a TypeError naming the first key of `options` that is not in
 * `valid`, with the closest valid key as a suggestion. `undefined` options
 * (the caller took every default) pass. Keys whose value is `undefined` are
 * checked too: `{ sigma_w: undefined }` is still a misspelling.
 */
export function checkOptionKeys(routine: string, options: object | undefined, valid: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${routine}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const suggestion = closestKey(key, valid);
    const hint = suggestion === null ? '' : `; did you mean '${suggestion}'?`;
    throw new TypeError(`${routine}: unknown option '${key}'${hint} (valid options: ${valid.join(', ')})`);
  }
}

/**
 * The valid key nearest to `key`: first by spelling with case, '_' and '-'
 * ignored (sigma_w → sigmaW), then by edit distance on that spelling, within
 * a third of the key's length; null when nothing is that close.
 */
export function closestKey(key: string, valid: readonly string[]): string | null {
  const folded = fold(key);
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = editDistance(folded, fold(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(folded.length / 3)) ? best : null;
}

function fold(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

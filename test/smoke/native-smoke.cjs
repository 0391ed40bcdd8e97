// Loads the addon the way the package does (node-gyp-build: build/ first,
// then prebuilds/) and runs every binding once, sync and async, on small
// inputs with known answers. Used by CI for the build that the test suite
// does not run on, and as the driver for memory checkers.
'use strict';
const path = require('node:path');
const assert = require('node:assert/strict');

const root = path.resolve(__dirname, '../..');
const native = require('node-gyp-build')(root);

function close(actual, expected, what) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-12 * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

async function main() {
  for (const mode of ['sync', 'async']) {
    const call = (name, ...args) => (mode === 'sync' ? native[name](...args) : native[`${name}Async`](...args));
    const run = async (name, ...args) => assert.equal(await call(name, ...args), 0, `${name} (${mode}) info`);

    const c = new Float64Array(4);
    await run('dgemm', 'N', 'N', 2, 2, 2, 1, new Float64Array([1, 3, 2, 4]), 2, new Float64Array([1, 3, 2, 4]), 2, 0, c, 2);
    close(c, [7, 15, 10, 22], 'dgemm');

    const s = new Float64Array(4);
    await run('dsyrk', 'L', 'N', 2, 2, 1, new Float64Array([1, 3, 2, 4]), 2, 0, s, 2);
    close([s[0], s[1], s[3]], [5, 11, 25], 'dsyrk');

    const b = new Float64Array([2, 8]);
    await run('dtrsm', 'L', 'L', 'N', 'N', 2, 1, 1, new Float64Array([2, 1, 0, 3]), 2, b, 2);
    close(b, [1, 7 / 3], 'dtrsm');

    const a = new Float64Array([4, 2, 2, 3]);
    await run('dpotrf', 'L', 2, a, 2);
    close([a[0], a[1], a[3]], [2, 1, Math.sqrt(2)], 'dpotrf');
    const x = new Float64Array([6, 5]);
    await run('dpotrs', 'L', 2, 1, a, 2, x, 2);
    close(x, [1, 1], 'dpotrs');
    const y = new Float64Array([6, 5]);
    await run('dposv', 'U', 2, 1, new Float64Array([4, 2, 2, 3]), 2, y, 2);
    close(y, [1, 1], 'dposv');

    const e = new Float64Array([2, 1, 1, 2]);
    const w = new Float64Array(2);
    await run('dsyevd', 'V', 'L', 2, e, 2, w);
    close(w, [1, 3], 'dsyevd');
    close([Math.abs(e[0]), Math.abs(e[1])], [Math.SQRT1_2, Math.SQRT1_2], 'dsyevd vectors');

    const r = new Float64Array([2, 0, 0, 0, 1, 0, 0, 0, 3]);
    const wr = new Float64Array(3);
    const z = new Float64Array(6);
    const m = new Int32Array(1);
    await run('dsyevr', 'V', 'I', 'L', 3, r, 3, 0, 0, 2, 3, 0, wr, z, 3, m);
    assert.equal(m[0], 2);
    close(wr.subarray(0, 2), [2, 3], 'dsyevr');

    assert.equal(await call('nonfinite', 'G', 2, 2, new Float64Array([1, 2, Number.NaN, 4]), 2), 2);

    // One neuron (c = 3), one point x = 2, no bias: J = [σ, c·σ′·x] = [0.5, 1.5], then L⁻¹·J.
    const jz = new Float64Array(2);
    await run('jacobianblock', 1, 1, 1, new Float64Array([2]), new Float64Array([0.5]), new Float64Array([0.25]),
      new Float64Array([3]), 1, new Float64Array([2, 0, 1, 3]), jz);
    close(jz, [0.25, 1.25 / 3], 'jacobianblock');

    // U = X̃·Wᵀ with X̃ = [1; 2] (2×1) and W = [−1, 0, 0.5]ᵀ (3×1).
    const u = [-1, 0, 0.5, -2, 0, 1];
    const value = new Float64Array(6);
    const slope = new Float64Array(6);
    await run('activations', 0, 1, 3, 2, new Float64Array([1, 2]), new Float64Array([-1, 0, 0.5]), value, slope, null);
    close(value, u.map(Math.tanh), 'activations tanh');
    close(slope, u.map((x) => 1 - Math.tanh(x) ** 2), 'activations tanh slope');
  }
  assert.throws(() => native.dpotrf('L', 3, new Float64Array(4), 3), RangeError);
  process.stdout.write(`smoke: every binding ok (${native.config().openblas})\n`);
}

main().catch((error) => {
  process.stderr.write(`smoke: ${error.stack}\n`);
  process.exit(1);
});

// The addon's error and async paths, for memory checkers (npm run
// test:valgrind): every argument check that throws (sync and async twins),
// LAPACK info > 0, forced allocation failures, empty matrices, async calls
// under GC with their arrays dropped, calls
// still queued when a worker thread is terminated, and a natural exit right
// after queueing calls (the queue keeps the process alive until they settle).
// Not here: process.exit() while a call runs, which hangs or crashes (see
// docs-reliability.md, "Found"). Small sizes: Node under valgrind is ~50x slower.
// Run with --expose-gc. Loads the addon the way the package does.
'use strict';
const path = require('node:path');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');

const root = path.resolve(__dirname, '..');
const native = require('node-gyp-build')(root);
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const f64 = (...xs) => Float64Array.from(xs);

function argumentErrors() {
  const a = new Float64Array(4);
  const cases = [
    // wrong flag, wrong type, short array, bad leading dimension, non-integer, out of 32-bit range
    ['dgemm', ['X', 'N', 2, 2, 2, 1, a, 2, a, 2, 0, a, 2], RangeError],
    ['dgemm', ['N', 'N', 2, 2, 2, 1, a, 2, a, 2, 0, new Float64Array(3), 2], RangeError],
    ['dgemm', ['N', 'N', 2, 2, 2, 1, [1, 2, 3, 4], 2, a, 2, 0, a, 2], TypeError],
    ['dsyrk', ['L', 'N', 2, 2, 1, a, 1, 0, a, 2], RangeError],
    ['dsyrk', ['L', 'N', 2, 2, '1', a, 2, 0, a, 2], TypeError],
    ['dtrsm', ['L', 'L', 'N', 'Q', 2, 1, 1, a, 2, a, 2], RangeError],
    ['dpotrf', ['L', 2.5, a, 2], RangeError],
    ['dpotrf', ['L', 2 ** 31, a, 2], RangeError],
    ['dpotrf', [1, 2, a, 2], TypeError],
    ['dpotrs', ['L', 2, 3, a, 2, a, 2], RangeError],
    ['dposv', ['U', 2, 1, new Float32Array(4), 2, a, 2], TypeError],
    ['dsyevd', ['V', 'L', 3, a, 3, new Float64Array(3)], RangeError],
    ['dsyevd', ['V', 'L', 40000, a, 40000, a], RangeError],
    ['dsyevr', ['V', 'I', 'L', 2, a, 2, 0, 0, 2, 1, 0, a, a, 2, new Int32Array(1)], RangeError],
    ['dsyevr', ['V', 'A', 'L', 2, a, 2, 0, 0, 0, 0, 0, a, a, 2, new Float64Array(1)], TypeError],
    ['nonfinite', ['U', 2, 3, a, 2], RangeError],
    ['jacobianblock', [0, 1, 1, a, a, a, a, 1, null, a], RangeError],
    ['jacobianblock', [1, 1, 1, a, a, a, a, 1, new Float64Array(3), a], RangeError],
    ['jacobianblock', [1, 2, 3, a, a, a, a, 1, null, a], RangeError],
    ['jacobianblock', [1, 1, 1, a, a, a, a, '1', null, a], TypeError],
  ];
  for (const [name, args, type] of cases) {
    assert.throws(() => native[name](...args), type, `${name} ${type.name}`);
    // Validation failures of the async twins throw before anything is queued.
    assert.throws(() => native[`${name}Async`](...args), type, `${name}Async ${type.name}`);
  }
  assert.throws(() => native.setThreads(0), RangeError);
}

async function lapackFailures() {
  for (const mode of ['sync', 'async']) {
    const call = (name, ...args) => (mode === 'sync' ? native[name](...args) : native[`${name}Async`](...args));
    assert.equal(await call('dpotrf', 'L', 2, f64(1, 2, 2, 1), 2), 2);
    assert.equal(await call('dposv', 'L', 2, 1, f64(1, 2, 2, 1), 2, f64(1, 1), 2), 2);
    // NaN straight into the eigensolvers (the TS layer would refuse it): whatever info, no invalid access.
    const w = new Float64Array(3);
    await call('dsyevd', 'V', 'L', 3, f64(1, NaN, 0, NaN, 1, 0, 0, 0, 1), 3, w);
    await call('dsyevr', 'V', 'V', 'L', 3, f64(1, NaN, 0, NaN, 1, 0, 0, 0, 1), 3, -1, 1, 0, 0, 0, w, new Float64Array(9), 3, new Int32Array(1));
    assert.equal(await call('nonfinite', 'L', 3, 3, f64(1, 2, 3, 0, 4, Infinity, 0, 0, 5), 3), 5);
    assert.equal(await call('jacobianblock', 1, 1, 1, f64(2), f64(0.5), f64(0.25), f64(3), 1, f64(2, 0, 1, 3), new Float64Array(2)), 0);
  }
}

// Every allocation the tests can make fail (native/faults.h), sync and async:
// the status, and no leak of the allocations that did succeed.
async function allocationFailures() {
  const OUT_OF_MEMORY = -2147483648;
  for (const mode of ['sync', 'async']) {
    const call = (name, ...args) => (mode === 'sync' ? native[name](...args) : native[`${name}Async`](...args));
    const symmetric = () => f64(2, 1, 0, 1, 2, 1, 0, 1, 2);
    for (const skip of [0, 1]) {
      native.__failNextAllocation('dsyevd', skip);
      assert.equal(await call('dsyevd', 'V', 'L', 3, symmetric(), 3, new Float64Array(3)), OUT_OF_MEMORY);
    }
    for (const skip of [0, 1, 2]) {
      native.__failNextAllocation('dsyevr', skip);
      assert.equal(await call('dsyevr', 'V', 'A', 'L', 3, symmetric(), 3, 0, 0, 0, 0, 0, new Float64Array(3), new Float64Array(9), 3, new Int32Array(1)), OUT_OF_MEMORY);
    }
    native.__failNextAllocation('activations');
    assert.equal(await call('activations', 0, 2, 2, 1, f64(1, 2), f64(1, 2, 3, 4), new Float64Array(2), null, null), OUT_OF_MEMORY);
    native.__failNextAllocation('jacobianblock');
    assert.equal(await call('jacobianblock', 1, 1, 1, f64(2), f64(0.5), f64(0.25), f64(3), 1, null, new Float64Array(2)), OUT_OF_MEMORY);
  }
  native.__failNextAllocation('queue');
  assert.equal(await native.dgemmAsync('N', 'N', 1, 1, 1, 1, f64(1), 1, f64(1), 1, 0, new Float64Array(1), 1), -2147483647);
}

// Empty matrices: zero-length arrays with leading dimension 1, never read.
async function emptySizes() {
  const none = new Float64Array(0);
  for (const mode of ['sync', 'async']) {
    const call = (name, ...args) => (mode === 'sync' ? native[name](...args) : native[`${name}Async`](...args));
    const c = f64(1, 2, 3, 4);
    assert.equal(await call('dgemm', 'N', 'N', 2, 2, 0, 1, none, 2, none, 1, 2, c, 2), 0);
    assert.deepEqual(Array.from(c), [2, 4, 6, 8]);
    assert.equal(await call('dgemm', 'N', 'N', 0, 3, 2, 1, none, 1, f64(1, 2, 3, 4, 5, 6), 2, 0, none, 1), 0);
    assert.equal(await call('dsyrk', 'L', 'N', 0, 2, 1, none, 1, 0, none, 1), 0);
    assert.equal(await call('dtrsm', 'L', 'L', 'N', 'N', 0, 3, 1, none, 1, none, 1), 0);
    assert.equal(await call('dpotrf', 'L', 0, none, 1), 0);
    assert.equal(await call('dposv', 'L', 2, 0, f64(2, 0, 0, 2), 2, none, 2), 0);
    assert.equal(await call('dsyevd', 'V', 'L', 0, none, 1, none), 0);
    const found = new Int32Array(1).fill(-1);
    assert.equal(await call('dsyevr', 'V', 'V', 'L', 2, f64(1, 0, 0, 2), 2, 5, 6, 0, 0, 0, new Float64Array(2), new Float64Array(4), 2, found), 0);
    assert.equal(found[0], 0);
    assert.equal(await call('nonfinite', 'G', 0, 3, none, 1), -1);
  }
}

async function asyncUnderGc() {
  const n = 24;
  const pending = [];
  for (let r = 0; r < 60; r++) {
    const c = new Float64Array(n * n);
    // The inputs are temporaries: only the addon's pins keep them alive.
    pending.push(native.dgemmAsync('N', 'N', n, n, n, 1, new Float64Array(n * n).fill(1), n, new Float64Array(n * n).fill(2), n, 0, c, n).then(() => c[0]));
    pending.push(native.dsyevrAsync('N', 'I', 'L', 3, f64(2, 0, 0, 0, 1, 0, 0, 0, 3), 3, 0, 0, 1, 2, 0, new Float64Array(3), new Float64Array(1), 1, new Int32Array(1)));
    if (r % 10 === 0) gc();
  }
  const results = await Promise.all(pending);
  for (let i = 0; i < results.length; i += 2) assert.equal(results[i], 2 * n);
}

function workerTerminatedMidCall() {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const native = require('node-gyp-build')(${JSON.stringify(root)});
    const n = 120;
    const a = new Float64Array(n * n).fill(1);
    const c = new Float64Array(n * n);
    native.dgemmAsync('N', 'N', n, n, n, 1, a, n, a, n, 0, c, n).then(() => {
      // Queue more, then report: the parent terminates while these are pending or running.
      for (let i = 0; i < 20; i++) native.dgemmAsync('N', 'T', n, n, n, 1, a, n, a, n, 0, new Float64Array(n * n), n);
      parentPort.postMessage(c[0]);
    });
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('error', reject);
    worker.once('message', (v) => worker.terminate().then(() => resolve(v)));
  });
}

async function main() {
  argumentErrors();
  await lapackFailures();
  await allocationFailures();
  await emptySizes();
  await asyncUnderGc();
  if (process.env.NNTK_VALGRIND_SKIP_WORKERS !== '1') {
    assert.equal(await workerTerminatedMidCall(), 120);
    assert.equal(await workerTerminatedMidCall(), 120);
  }
  // Queue calls and return: the pending calls keep the process alive, then it exits by itself.
  const n = 100;
  const a = new Float64Array(n * n).fill(1);
  let settled = 0;
  for (let i = 0; i < 20; i++) native.dgemmAsync('N', 'N', n, n, n, 1, a, n, a, n, 0, new Float64Array(n * n), n).then(() => settled++);
  process.on('exit', () => {
    assert.equal(settled, 20);
    process.stdout.write('valgrind paths: ok\n');
  });
}

main().catch((error) => {
  process.stderr.write(`valgrind paths: ${error.stack}\n`);
  process.exit(1);
});

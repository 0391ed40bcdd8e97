import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  gemm,
  gemmAsync,
  Matrix,
  posv,
  posvAsync,
  potrf,
  potrfAsync,
  syevd,
  syevdAsync,
  syevr,
  syevrAsync,
  syrk,
  syrkAsync,
  trsm,
  trsmAsync,
} from '../lib/index.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('async calls', () => {
  it('keep the event loop responsive: a 1 ms interval ticks at least 50 times while dsyevd (n = 1000) calls are pending', async () => {
    const a = randomSymmetric(1000, 11);
    // The interval runs only while a call is pending (the next call starts in the same microtask as the
    // previous one ends), so every tick below arrived during a call. Calls repeat until enough ticks were
    // seen; a call that blocked the loop would let none through. Neither the duration nor the gaps between
    // ticks are asserted: both depend on the machine and its load (the gap is printed, for the record).
    const wanted = 50;
    const maxCalls = 20;
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 1);
    let calls = 0;
    try {
      while (ticks < wanted && calls < maxCalls) {
        const { values } = await syevdAsync(a.clone());
        expect(values.length).toBe(1000);
        calls++;
      }
    } finally {
      clearInterval(timer);
    }
    console.log(`max gap ${maxGap.toFixed(2)} ms, ${ticks} ticks during ${calls} call(s)`);
    expect(ticks).toBeGreaterThanOrEqual(wanted);
  });

  it('give bitwise the same results for 100 concurrent mixed calls as for the same calls run one after another', async () => {
    const jobs = Array.from({ length: 100 }, (_, i) => makeJob(i));
    const sequential = jobs.map((job) => job.sync());
    const concurrent = await Promise.all(jobs.map((job) => job.async()));
    for (let i = 0; i < jobs.length; i++) {
      expect(concurrent[i]!.length).toBe(sequential[i]!.length);
      expect(Buffer.compare(bytes(concurrent[i]!), bytes(sequential[i]!))).toBe(0);
    }
  });

  it('keep their arrays alive while they run, even when the caller drops every reference', () => {
    // A child process with --expose-gc calls the addon directly on temporaries and collects
    // garbage hard while the calls run; every result must still be right.
    const script = `
      const native = require('node-gyp-build')(process.cwd());
      const n = 64;
      const results = [];
      for (let r = 0; r < 200; r++) {
        const c = new Float64Array(n * n);
        results.push(native.dgemmAsync('N', 'N', n, n, n, 1, new Float64Array(n * n).fill(1), n,
          new Float64Array(n * n).fill(2), n, 0, c, n).then(() => c.every((v) => v === 2 * n)));
        if (r % 20 === 0) globalThis.gc();
      }
      const timer = setInterval(() => globalThis.gc(), 1);
      Promise.all(results).then((ok) => {
        clearInterval(timer);
        process.stdout.write(ok.every(Boolean) ? 'ok' : 'wrong');
      });
    `;
    expect(runNode(['--expose-gc', '-e', script])).toBe('ok');
  });

  it('let the process exit once no call is pending (the BLAS thread keeps nothing alive)', () => {
    const script = `
      const native = require('node-gyp-build')(process.cwd());
      const a = new Float64Array([4, 1, 1, 3]);
      native.dpotrfAsync('L', 2, a, 2).then((info) => process.stdout.write(info + ' ' + a[0]));
    `;
    expect(runNode(['-e', script])).toBe('0 2');
  });
});

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

interface Job {
  sync(): Float64Array;
  async(): Promise<Float64Array>;
}

/** One of six routines on its own inputs, runnable sync or async from identical copies. */
function makeJob(i: number): Job {
  const n = 40 + (i % 7) * 23;
  const seed = 1000 + i;
  switch (i % 6) {
    case 0: {
      const a = randomMatrix(n, n + 5, seed);
      const b = randomMatrix(n + 5, n - 3, seed + 1);
      return { sync: () => gemm(a, b).data, async: async () => (await gemmAsync(a, b)).data };
    }
    case 1: {
      const a = randomMatrix(n, 2 * n, seed);
      const trans = i % 12 === 1;
      return { sync: () => syrk(a, { trans }).data, async: async () => (await syrkAsync(a, { trans })).data };
    }
    case 2: {
      const a = randomSpd(n, seed);
      return { sync: () => potrf(a.clone()).data, async: async () => (await potrfAsync(a.clone())).data };
    }
    case 3: {
      const a = randomSpd(n, seed);
      const b = randomMatrix(3, n, seed + 1);
      return { sync: () => posv(a.clone(), b.clone()).data, async: async () => (await posvAsync(a.clone(), b.clone())).data };
    }
    case 4: {
      const a = randomSymmetric(n, seed);
      const flat = (e: { values: Float64Array; vectors?: Matrix }) => concat(e.values, e.vectors!.data);
      return {
        sync: () => (i % 12 === 4 ? flat(syevd(a.clone())) : flat(syevr(a.clone(), { select: { index: [0, 5] } }))),
        async: async () =>
          i % 12 === 4 ? flat(await syevdAsync(a.clone())) : flat(await syevrAsync(a.clone(), { select: { index: [0, 5] } })),
      };
    }
    default: {
      const l = potrf(randomSpd(n, seed));
      const b = randomMatrix(n, 4, seed + 1);
      return { sync: () => trsm(l, b.clone()).data, async: async () => (await trsmAsync(l, b.clone())).data };
    }
  }
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('exit', () => {
  it('process.exit() while async calls run waits for the running call and exits cleanly', () => {
    // Used to hang (OpenBLAS's shutdown joining the threads of the running kernel) or crash.
    const script = `
      const native = require('node-gyp-build')(process.cwd());
      const n = 400;
      const a = new Float64Array(n * n).fill(1);
      for (let i = 0; i < 20; i++) native.dgemmAsync('N', 'N', n, n, n, 1, a, n, a, n, 0, new Float64Array(n * n), n);
      setTimeout(() => process.exit(0), 5);
    `;
    for (const threads of ['1', '2']) {
      const result = spawnSync(process.execPath, ['-e', script], { cwd: root, timeout: 30_000, env: { ...process.env, OPENBLAS_NUM_THREADS: threads } });
      expect(result.signal).toBeNull();
      expect(result.status).toBe(0);
    }
  });
});

describe('worker threads', () => {
  it('each worker gets its own BLAS thread; terminating a worker mid-call tears it down cleanly', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const code = \`
        const { parentPort } = require('node:worker_threads');
        const native = require('node-gyp-build')(process.cwd());
        const n = 600;
        const a = new Float64Array(n * n).map((_, i) => Math.sin(i));
        const c = new Float64Array(n * n);
        const go = () => native.dgemmAsync('N', 'T', n, n, n, 1, a, n, a, n, 0, c, n);
        go().then(() => { parentPort.postMessage(c[0]); for (let i = 0; i < 50; i++) go(); });
      \`;
      // Four rounds of three workers: a worker terminated inside a call used to abort the process.
      const one = () => new Promise((resolve) => {
        const worker = new Worker(code, { eval: true });
        // Queued calls are still pending: terminate while the BLAS thread works.
        worker.once('message', (v) => worker.terminate().then(() => resolve(v)));
      });
      (async () => {
        let ok = true;
        for (let r = 0; r < 4; r++) {
          const results = await Promise.all([one(), one(), one()]);
          ok &&= results.every((x) => x === results[0]);
        }
        process.stdout.write(ok ? 'ok' : 'differ');
      })();
    `;
    expect(runNode(['-e', script])).toBe('ok');
  });
});

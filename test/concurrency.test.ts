/**
 * Concurrency under load: 1,000 async calls of seven mixed routines (gemm,
 * syrk, potrf, posv, syevd, syevr, trsm), with sync calls interleaved while
 * the async ones are queued, under GC pressure (a child process with
 * --expose-gc calling gc() from a 1 ms timer), in six rounds:
 *
 * - every async and every interleaved sync result is bitwise the result of the
 *   same call run sequentially (sync, one at a time) — in the child and, by a
 *   SHA-256 of all results, in this process through ../lib/index.js;
 * - memory stays flat. After a warm-up round, over the next five rounds:
 *   - live ArrayBuffer memory after a full GC (process.memoryUsage().arrayBuffers,
 *     which counts exactly the typed-array storage still reachable or pinned)
 *     grows by less than 1 MiB, while one round allocates > 30 MiB of input
 *     arrays (about 34 MiB, and ~15 MiB of results on top): an addon that
 *     kept the arrays of one call in 30 pinned would already exceed it;
 *   - RSS grows by less than 50 MB. RSS is the coarse, allocator-dependent
 *     signal (glibc keeps freed arenas, V8 sizes its heap lazily), hence the
 *     slack; a leak of the arrays of every call would add > 30 MiB per
 *     round, > 150 MiB over the five, far beyond it (measured: 10–20 MB of
 *     allocator and V8 heap growth that levels off). Leaks of the addon's small
 *     per-call objects (a few hundred bytes × 5,000 calls) are below what RSS
 *     can show; test:valgrind covers those.
 *
 * The child loads dist/ (compiled from lib/ in beforeAll) because a plain
 * Node child cannot load TypeScript; the job definitions are one source
 * string evaluated in both processes, so both run the same calls.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../lib/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CALLS = 1000;
const ROUNDS = 6;
/** Allowed growth over the rounds after the first, in bytes. */
const RSS_BOUND = 50 * 2 ** 20;
const ARRAY_BUFFER_BOUND = 2 ** 20;

/**
 * The jobs, as JavaScript source evaluated with the library as `lib`: job(i)
 * makes fresh inputs on every call (deterministic in i) and runs one routine
 * sync or async, returning its result (or the concatenation of its results)
 * as one Float64Array.
 */
const JOBS_SOURCE = String.raw`(lib) => {
  const { Matrix } = lib;
  function rng(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    };
  }
  let allocated = 0;
  function random(rows, cols, seed) {
    const next = rng(seed);
    const m = new Matrix(rows, cols);
    allocated += m.data.byteLength;
    for (let i = 0; i < m.data.length; i++) m.data[i] = next();
    return m;
  }
  // Symmetric; with shift = n, diagonally dominant, hence positive definite and well conditioned.
  function symmetric(n, seed, shift) {
    const m = random(n, n, seed);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) m.data[j * n + i] = m.data[i * n + j];
      m.data[i * n + i] += shift;
    }
    return m;
  }
  function concat(...parts) {
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  const eigen = (e) => (e.vectors === undefined ? concat(e.values) : concat(e.values, e.vectors.data));
  const KINDS = ['gemm', 'syrk', 'potrf', 'posv', 'syevd', 'syevr', 'trsm'];
  function job(i) {
    const kind = KINDS[i % KINDS.length];
    const n = 16 + ((i * 13) % 81);
    const seed = 7919 * i + 1;
    const variant = Math.floor(i / KINDS.length) % 4;
    const uplo = variant % 2 === 0 ? 'lower' : 'upper';
    switch (kind) {
      case 'gemm': {
        const inputs = () => [random(n, n + 3, seed), random(variant < 2 ? n + 3 : n - 2, variant < 2 ? n - 2 : n + 3, seed + 1)];
        const options = { transB: variant >= 2, alpha: 0.5 + variant };
        return { kind, sync: () => lib.gemm(...inputs(), options).data, async: async () => (await lib.gemmAsync(...inputs(), options)).data };
      }
      case 'syrk': {
        const options = { trans: variant >= 2, uplo };
        return { kind, sync: () => lib.syrk(random(n, n + 5, seed), options).data, async: async () => (await lib.syrkAsync(random(n, n + 5, seed), options)).data };
      }
      case 'potrf':
        return { kind, sync: () => lib.potrf(symmetric(n, seed, n), { uplo }).data, async: async () => (await lib.potrfAsync(symmetric(n, seed, n), { uplo })).data };
      case 'posv': {
        const rhs = 1 + variant;
        return {
          kind,
          sync: () => lib.posv(symmetric(n, seed, n), random(rhs, n, seed + 1), { uplo }).data,
          async: async () => (await lib.posvAsync(symmetric(n, seed, n), random(rhs, n, seed + 1), { uplo })).data,
        };
      }
      case 'syevd': {
        const options = { vectors: variant < 2, uplo };
        return { kind, sync: () => eigen(lib.syevd(symmetric(n, seed, 0), options)), async: async () => eigen(await lib.syevdAsync(symmetric(n, seed, 0), options)) };
      }
      case 'syevr': {
        const select = variant < 2 ? { index: [0, Math.min(n, 1 + variant * 4)] } : { value: [-0.5, 0.5] };
        const options = { vectors: variant !== 3, uplo, select };
        return { kind, sync: () => eigen(lib.syevr(symmetric(n, seed, 0), options)), async: async () => eigen(await lib.syevrAsync(symmetric(n, seed, 0), options)) };
      }
      default: {
        const side = variant < 2 ? 'left' : 'right';
        const b = () => (side === 'left' ? random(n, 3, seed + 1) : random(3, n, seed + 1));
        const options = { side, uplo, transA: variant % 2 === 1, alpha: 2 };
        return { kind, sync: () => lib.trsm(symmetric(n, seed, n), b(), options).data, async: async () => (await lib.trsmAsync(symmetric(n, seed, n), b(), options)).data };
      }
    }
  }
  // Bytes of input matrices made so far (results come on top).
  return { job, allocatedBytes: () => allocated };
}`;

interface Job {
  kind: string;
  sync(): Float64Array;
  async(): Promise<Float64Array>;
}
type Jobs = { job(i: number): Job; allocatedBytes(): number };

function jobsFor(library: unknown): Jobs {
  return (new Function(`return ${JOBS_SOURCE}`)() as (l: unknown) => Jobs)(library);
}

/** The child: sequential reference, then ROUNDS rounds of CALLS async calls with interleaved sync calls and gc() every ms. */
const CHILD = String.raw`
import { createHash } from 'node:crypto';
const lib = await import(process.env.NNTK_DIST);
lib.setThreads(Number(process.env.NNTK_THREADS));
const { job, allocatedBytes } = (new Function('return ' + process.env.NNTK_JOBS)())(lib);
const CALLS = Number(process.env.NNTK_CALLS);
const ROUNDS = Number(process.env.NNTK_ROUNDS);
const gc = globalThis.gc;
const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const digest = (results) => { const h = createHash('sha256'); for (const r of results) h.update(bytes(r)); return h.digest('hex'); };
const sequential = [];
for (let i = 0; i < CALLS; i++) sequential.push(job(i).sync());
const report = { sequential: digest(sequential), rounds: [] };
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const allocatedBefore = allocatedBytes();
  const timer = setInterval(() => { gc(); sink += new Array(1000).fill(round).length; }, 1);
  const pending = [];
  let interleaved = 0, interleavedMismatches = 0;
  for (let i = 0; i < CALLS; i++) {
    pending.push(job(i).async());
    // A sync call every 25 async ones, while the queue is full: it waits for the BLAS lock.
    if (i % 25 === 24) {
      const k = (i * 7 + round) % CALLS;
      interleaved++;
      if (Buffer.compare(bytes(job(k).sync()), bytes(sequential[k])) !== 0) interleavedMismatches++;
    }
    // Let some calls complete and the gc timer fire while the rest are still being queued.
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const results = await Promise.all(pending);
  clearInterval(timer);
  const mismatches = [];
  for (let i = 0; i < CALLS; i++) if (Buffer.compare(bytes(results[i]), bytes(sequential[i])) !== 0) mismatches.push(i);
  const roundDigest = digest(results);
  results.length = 0;
  pending.length = 0;
  for (let g = 0; g < 4; g++) { gc(); await new Promise((resolve) => setImmediate(resolve)); }
  const m = process.memoryUsage();
  report.rounds.push({ digest: roundDigest, mismatches: mismatches.slice(0, 10), allocated: allocatedBytes() - allocatedBefore,
    mismatchCount: mismatches.length, interleaved, interleavedMismatches, rss: m.rss, arrayBuffers: m.arrayBuffers, heapUsed: m.heapUsed,
    seconds: (performance.now() - started) / 1000 });
}
process.stdout.write(JSON.stringify(report) + '\n');
`;

interface Round {
  digest: string;
  allocated: number;
  mismatches: number[];
  mismatchCount: number;
  interleaved: number;
  interleavedMismatches: number;
  rss: number;
  arrayBuffers: number;
  heapUsed: number;
  seconds: number;
}

describe('1,000 mixed async calls with interleaved sync calls under GC pressure, six rounds', () => {
  let report: { sequential: string; rounds: Round[] };
  let inProcess = '';

  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    const threads = lib.getThreads();
    // The reference in this process, through the TypeScript sources.
    const { job } = jobsFor(lib);
    const hash = createHash('sha256');
    for (let i = 0; i < CALLS; i++) {
      const r = job(i).sync();
      hash.update(Buffer.from(r.buffer, r.byteOffset, r.byteLength));
    }
    inProcess = hash.digest('hex');
    const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 16 * 2 ** 20,
      env: {
        ...process.env,
        NNTK_DIST: pathToFileURL(join(ROOT, 'dist/index.js')).href,
        NNTK_THREADS: String(threads),
        NNTK_JOBS: JOBS_SOURCE,
        NNTK_CALLS: String(CALLS),
        NNTK_ROUNDS: String(ROUNDS),
      },
    });
    if (child.status !== 0) throw new Error(`child exited with ${String(child.status)} (signal ${String(child.signal)}):\n${child.stderr}`);
    report = JSON.parse(child.stdout) as typeof report;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(
      `concurrency: ${report.rounds.map((r) => `${r.seconds.toFixed(1)} s rss ${mb(r.rss)} MiB arrayBuffers ${mb(r.arrayBuffers)} MiB`).join(' | ')}; inputs ${mb(report.rounds[0]!.allocated)} MiB per round`,
    );
  }, 180_000);

  it('the job mix covers the seven routines', () => {
    const { job } = jobsFor(lib);
    const kinds = new Set(Array.from({ length: CALLS }, (_, i) => job(i).kind));
    expect([...kinds].sort()).toEqual(['gemm', 'posv', 'potrf', 'syevd', 'syevr', 'syrk', 'trsm']);
  });

  it('every async result, in every round, is bitwise the sequential result', () => {
    for (const [r, round] of report.rounds.entries()) {
      expect(round.mismatches, `round ${r}: ${round.mismatchCount} results differ`).toEqual([]);
      expect(round.digest).toBe(report.sequential);
    }
  });

  it('the sync calls interleaved with the queued async ones give the sequential results', () => {
    for (const round of report.rounds) {
      expect(round.interleaved).toBe(CALLS / 25);
      expect(round.interleavedMismatches).toBe(0);
    }
  });

  it('the child (dist, under GC pressure) and this process (lib, no pressure) compute the same bits', () => {
    expect(report.sequential).toBe(inProcess);
  });

  it(`live ArrayBuffer memory is flat after the warm-up round: grows < 1 MiB over ${ROUNDS - 1} rounds`, () => {
    const first = report.rounds[0]!;
    const last = report.rounds[ROUNDS - 1]!;
    // One round allocates this much in inputs (and its results on top): a leak of them would show.
    expect(first.allocated).toBeGreaterThan(30 * 2 ** 20);
    expect(last.arrayBuffers - first.arrayBuffers).toBeLessThan(ARRAY_BUFFER_BOUND);
    // And no round-over-round creep hiding under the bound: the later rounds do not keep growing.
    const later = report.rounds.slice(1).map((r) => r.arrayBuffers);
    expect(Math.max(...later) - Math.min(...later)).toBeLessThan(ARRAY_BUFFER_BOUND);
  });

  it(`RSS is flat after the warm-up round: grows < 50 MB over ${ROUNDS - 1} rounds`, () => {
    expect(report.rounds[ROUNDS - 1]!.rss - report.rounds[0]!.rss).toBeLessThan(RSS_BOUND);
  });
});

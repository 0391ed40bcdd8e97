#!/usr/bin/env node
// Acceptance benchmark: nntk's TypeScript API versus the same LAPACK routine
// called from C (bench/lapack-baseline.c) linked to the same OpenBLAS, on the
// same input bytes, with the same number of OpenBLAS threads.
//
//   node bench/native-vs-c.mjs [--n 2000] [--reps R] [--routines syrk,potrf,syevd]
//                              [--tiny-n 4] [--tiny-iters 200000] [--threads T]
//                              [--gap 150] [--json FILE] [--keep] [--no-check-finite]
//
//   --reps     timed repetitions per side (default 15 for syrk/potrf, 9 for syevd)
//   --threads  OpenBLAS threads for both sides (default: OpenBLAS's default)
//   --gap      pause in ms before each timed run (see below)
//   --json     also write every number (all repetition times) to FILE
//   --keep     keep the temp dir (C binary, raw input files)
//   --no-check-finite  call potrf/syevd with { checkFinite: false }: no NaN/Inf
//              scan of the triangle first (the default API scans, as scipy does)
//
// Large calls (default n = 2000): for each routine, repetitions run
// alternately TS API, raw addon, C, TS API, raw addon, C, ... (the C program
// stays alive in --step mode and runs one repetition per request), with a
// pause of --gap ms before each run so that the other process's OpenBLAS
// worker threads, which spin for a while after a call, have gone to sleep.
// Every side restores its input before each repetition outside the timed
// region and times only the call. Medians are compared (target JS/C ≤ 1.05).
//
// Tiny calls (n = 4): ns per call over --tiny-iters calls after a warm-up, for
// the TS API, the raw addon and C (target: TS API − C ≤ 2 µs per call).
//
// Requires `npx cmake-js compile --out build` (the addon), `npx tsc -p
// tsconfig.json` (dist/) and a C compiler that links OpenBLAS (`cc ... -lopenblas`;
// the C program declares the Fortran symbols itself, no headers needed).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cSource = path.join(here, 'lapack-baseline.c');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    n: 2000,
    reps: undefined,
    routines: ['syrk', 'potrf', 'syevd'],
    tinyN: 4,
    tinyIters: 200_000,
    threads: undefined,
    gap: 150,
    json: undefined,
    keep: false,
    checkFinite: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const int = (min) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < min) fail(`${a} must be an integer ≥ ${min}`);
      return v;
    };
    switch (a) {
      case '--n': o.n = int(1); break;
      case '--reps': o.reps = int(1); break;
      case '--routines': {
        o.routines = value().split(',').filter(Boolean);
        for (const r of o.routines) if (!['syrk', 'potrf', 'syevd'].includes(r)) fail(`unknown routine ${r}`);
        break;
      }
      case '--tiny-n': o.tinyN = int(1); break;
      case '--tiny-iters': o.tinyIters = int(10); break;
      case '--threads': o.threads = int(1); break;
      case '--gap': o.gap = int(0); break;
      case '--json': o.json = value(); break;
      case '--no-check-finite': o.checkFinite = false; break;
      case '--keep': o.keep = true; break;
      case '-h':
      case '--help':
        {
          const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
          const end = lines.findIndex((line) => !line.startsWith('//'));
          console.log(lines.slice(0, end).map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
        }
        process.exit(0);
        break;
      default: fail(`unknown argument ${a} (try --help)`);
    }
  }
  return o;
}

function fail(message) {
  console.error(`native-vs-c: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------- loading

async function load() {
  const distIndex = path.join(root, 'dist', 'index.js');
  if (!fs.existsSync(distIndex)) {
    fail(`dist/ is not built (${distIndex} is missing): run \`npx tsc -p tsconfig.json\` first`);
  }
  const require = createRequire(import.meta.url);
  let nodeGypBuild;
  try {
    nodeGypBuild = require('node-gyp-build');
  } catch {
    fail('node-gyp-build is not installed (node_modules missing?): run `npm install` first');
  }
  let addon;
  try {
    addon = nodeGypBuild(root);
  } catch (error) {
    fail(`the native addon is not built (${error.message.split('\n')[0]}): run \`npx cmake-js compile --out build\` first`);
  }
  let api;
  try {
    api = await import(pathToFileURL(distIndex).href);
  } catch (error) {
    fail(`cannot import dist/index.js: ${error.message}`);
  }
  for (const name of ['Matrix', 'syrk', 'potrf', 'syevd', 'gemm', 'getThreads', 'setThreads', 'blasConfig']) {
    if (typeof api[name] !== 'function') fail(`dist/index.js does not export ${name}: rebuild dist/ (npx tsc -p tsconfig.json)`);
  }
  return { api, addon, stale: staleness() };
}

// dist/ older than lib/ sources, or the addon older than native/ sources.
function staleness() {
  const newest = (dir, ext) => {
    let t = 0;
    if (!fs.existsSync(dir)) return t;
    for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
    return t;
  };
  const warnings = [];
  const dist = newest(path.join(root, 'dist'), '.js');
  if (newest(path.join(root, 'lib'), '.ts') > dist) warnings.push('dist/ is older than lib/: run `npx tsc -p tsconfig.json`');
  const addonFile = path.join(root, 'build', 'Release', 'nntk.node');
  if (fs.existsSync(addonFile)) {
    const native = Math.max(newest(path.join(root, 'native'), '.cc'), newest(path.join(root, 'native'), '.h'));
    if (native > fs.statSync(addonFile).mtimeMs) warnings.push('build/Release/nntk.node is older than native/: run `npx cmake-js compile --out build`');
  }
  return warnings;
}

function compileBaseline(dir) {
  const bin = path.join(dir, 'lapack-baseline');
  try {
    execFileSync('cc', ['-O2', '-o', bin, cSource, '-lopenblas'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = error.stderr ? String(error.stderr) : error.message;
    fail(`cannot compile ${path.relative(process.cwd(), cSource)} with \`cc -O2 ... -lopenblas\`:\n${detail}`);
  }
  return bin;
}

// ---------------------------------------------------------------- inputs

// Deterministic uniform numbers in [-1, 1) (mulberry32), so runs are comparable.
function randomMatrixFast(rows, cols, seed) {
  let a = seed >>> 0 || 1;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    // mulberry32
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    data[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return data;
}

// S = A·Aᵀ/n + I (symmetric positive definite, both triangles stored).
function spdMatrix(api, n, seed) {
  const A = new api.Matrix(n, n, randomMatrixFast(n, n, seed));
  const S = api.syrk(A, { alpha: 1 / n });
  const d = S.data;
  for (let i = 0; i < n; i++) {
    d[i * n + i] += 1;
    for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j];
  }
  return d;
}

function writeRaw(file, data) {
  // Float64Array is in host order; the C side reads it the same way (x86-64: little-endian).
  fs.writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// ---------------------------------------------------------------- C process

class StepProcess {
  constructor(bin, args) {
    this.child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = [];
    this.waiters = [];
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    let buffer = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        this.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    });
    this.child.stdout.on('end', () => this.push(null));
  }
  push(line) {
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }
  next() {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async expect(what) {
    const line = await this.next();
    if (line === null) fail(`the C baseline exited early (waiting for ${what})`);
    return line;
  }
}

// ---------------------------------------------------------------- statistics

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (ns) => ns / 1e6;
const now = () => process.hrtime.bigint();
const elapsed = (t0) => Number(process.hrtime.bigint() - t0);

// Nominal flop counts (conventional operation counts, not measured ones).
const FLOPS = {
  syrk: (n) => n * n * n, // n²k with k = n (exactly n(n+1)k)
  potrf: (n) => (n * n * n) / 3,
  syevd: (n) => 9 * n * n * n, // symmetric eigensolver with vectors, Golub–Van Loan's ≈9n³
};

// ---------------------------------------------------------------- large calls

function largeCase(api, addon, routine, n, input, checkFinite) {
  const { Matrix } = api;
  const sum = (x) => x.reduce((s, v) => s + v, 0);
  const sumAbs = (x) => x.reduce((s, v) => s + Math.abs(v), 0);
  if (routine === 'syrk') {
    const A = new Matrix(n, n, input);
    const C = new Matrix(n, n);
    const Craw = new Float64Array(n * n);
    return {
      js() {
        const t0 = now();
        api.syrk(A, { out: C });
        return elapsed(t0);
      },
      raw() {
        const t0 = now();
        addon.dsyrk('U', 'T', n, n, 1, input, n, 0, Craw, n);
        return elapsed(t0);
      },
      checksum: () => sum(C.data),
    };
  }
  const work = new Matrix(n, n);
  const workRaw = new Float64Array(n * n);
  if (routine === 'potrf') {
    return {
      js() {
        work.data.set(input);
        const t0 = now();
        api.potrf(work, { checkFinite });
        return elapsed(t0);
      },
      raw() {
        workRaw.set(input);
        const t0 = now();
        const info = addon.dpotrf('U', n, workRaw, n);
        const t = elapsed(t0);
        if (info !== 0) fail(`raw dpotrf: info ${info}`);
        return t;
      },
      checksum: () => sum(work.data),
    };
  }
  // syevd
  let values = new Float64Array(n);
  const valuesRaw = new Float64Array(n);
  return {
    js() {
      work.data.set(input);
      const t0 = now();
      const e = api.syevd(work, { checkFinite });
      const t = elapsed(t0);
      values = e.values;
      return t;
    },
    raw() {
      workRaw.set(input);
      const t0 = now();
      const info = addon.dsyevd('V', 'U', n, workRaw, n, valuesRaw);
      const t = elapsed(t0);
      if (info !== 0) fail(`raw dsyevd: info ${info}`);
      return t;
    },
    checksum: () => sum(values) + sumAbs(work.data),
  };
}

const DEFAULT_REPS = { syrk: 15, potrf: 15, syevd: 9 };

async function runLarge(api, addon, bin, dir, routine, o, inputs, threads) {
  const { n, gap } = o;
  const reps = o.reps ?? DEFAULT_REPS[routine];
  const input = inputs[routine];
  const file = path.join(dir, `${routine}-${n}.bin`);
  writeRaw(file, input);
  const c = new StepProcess(bin, [routine, String(n), String(reps), file, String(threads), '--step']);
  const bench = largeCase(api, addon, routine, n, input, o.checkFinite);
  // Warm-up: one untimed run on each side (the C program does its own before "ready").
  bench.js();
  bench.raw();
  const ready = await c.expect('ready');
  if (ready !== 'ready') fail(`the C baseline said ${JSON.stringify(ready)} instead of ready`);
  const js = [];
  const raw = [];
  const cTimes = [];
  for (let r = 0; r < reps; r++) {
    await sleep(gap);
    js.push(bench.js());
    await sleep(gap);
    raw.push(bench.raw());
    await sleep(gap);
    c.child.stdin.write('run\n');
    cTimes.push(Number(await c.expect('a repetition')));
  }
  const summary = JSON.parse(await c.expect('the summary'));
  c.child.stdin.end();
  const code = await c.exited;
  if (code !== 0) fail(`the C baseline for ${routine} exited with ${code} (info ${summary.info})`);
  const jsSum = bench.checksum();
  const relDiff = Math.abs(jsSum - summary.checksum) / Math.max(Math.abs(summary.checksum), 1e-300);
  const flops = FLOPS[routine](n);
  const jsMed = median(js);
  const cMed = median(cTimes);
  return {
    routine: `d${routine}`,
    n,
    reps,
    jsMedianMs: ms(jsMed),
    rawMedianMs: ms(median(raw)),
    cMedianMs: ms(cMed),
    ratio: jsMed / cMed,
    ratioMin: Math.min(...js) / Math.min(...cTimes),
    // Median of JS_i / C_i over adjacent runs: less sensitive to slow phases of the machine.
    ratioPaired: median(js.map((t, i) => t / cTimes[i])),
    jsGflops: flops / jsMed,
    cGflops: flops / cMed,
    nominalFlops: flops,
    meetsTarget: jsMed / cMed <= 1.05,
    checksum: { js: jsSum, c: summary.checksum, relDiff },
    timesMs: { js: js.map(ms), raw: raw.map(ms), c: cTimes.map(ms) },
    cThreads: summary.threads,
  };
}

// The finiteness scan the TS layer runs before potrf/syevd (same arguments as
// lib/linalg/call.ts), timed as the TS path meets it: right after the input
// was restored into the work matrix; and, for reference, repeated on the same
// untouched matrix, and over the whole matrix ('G').
function timeNonfinite(addon, n, input, reps) {
  const work = new Float64Array(n * n);
  const count = Math.max(reps, 5);
  const time = (uplo, restore) => {
    const times = [];
    for (let r = 0; r < count; r++) {
      if (restore) work.set(input);
      const t0 = now();
      const offset = addon.nonfinite(uplo, n, n, work, n);
      times.push(elapsed(t0));
      if (offset !== -1) fail('nonfinite found a NaN in the input');
    }
    return times;
  };
  work.set(input);
  addon.nonfinite('U', n, n, work, n); // warm-up
  const afterRestore = time('U', true);
  const repeated = time('U', false);
  const general = time('G', false);
  return {
    triangleMedianMs: ms(median(afterRestore)),
    triangleTimesMs: afterRestore.map(ms),
    triangleRepeatedMedianMs: ms(median(repeated)),
    generalMedianMs: ms(median(general)),
  };
}

// ---------------------------------------------------------------- tiny calls

// Brings the TS API's code to V8's optimized tiers before the large runs:
// otherwise the few timed calls run it cold (interpreted, with compile jobs
// competing with OpenBLAS's threads for the CPUs), which at n = 300 costs
// ≈40 µs per call — noise at n = 2000, but not what a steady-state caller sees.
function warmJit(api, calls) {
  const n = 4;
  const spd = spdMatrix(api, n, 3);
  const A = new api.Matrix(n, n, randomMatrixFast(n, n, 5));
  const C = new api.Matrix(n, n);
  const work = new api.Matrix(n, n);
  for (let i = 0; i < calls; i++) {
    api.syrk(A, { out: C });
    work.data.set(spd);
    api.potrf(work);
    work.data.set(spd);
    api.syevd(work);
  }
}

// ns per call: median over 5 batches of iters/5, after a warm-up of iters/10.
function perCall(iters, body) {
  const warm = Math.max(1, Math.floor(iters / 10));
  for (let i = 0; i < warm; i++) body();
  const batch = Math.max(1, Math.floor(iters / 5));
  const results = [];
  for (let b = 0; b < 5; b++) {
    const t0 = now();
    for (let i = 0; i < batch; i++) body();
    results.push(elapsed(t0) / batch);
  }
  return median(results);
}

function runTinyC(bin, dir, routine, n, iters, input, threads) {
  const file = path.join(dir, `tiny-${routine}-${n}.bin`);
  writeRaw(file, input);
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const out = execFileSync(bin, ['tiny', routine, String(n), String(iters), file, String(threads)], { encoding: 'utf8' });
    runs.push(JSON.parse(out.trim().split('\n').pop()));
  }
  return {
    loop: median(runs.map((x) => x.loop_ns_per_iter)),
    restore: median(runs.map((x) => x.restore_ns_per_iter)),
  };
}

function runTiny(api, addon, bin, dir, o, threads) {
  const { Matrix } = api;
  const n = o.tinyN;
  const iters = o.tinyIters;
  const general = randomMatrixFast(n, n, 7);
  const spd = spdMatrix(api, n, 11);
  const A = new Matrix(n, n, general);
  const C = new Matrix(n, n);
  const work = new Matrix(n, n);
  const rows = [];
  let sink = 0;

  // potrf: each iteration restores the input (potrf factors in place). The
  // restore alone is timed the same way and subtracted, on both sides.
  {
    const ts = perCall(iters, () => {
      work.data.set(spd);
      api.potrf(work);
    });
    const raw = perCall(iters, () => {
      work.data.set(spd);
      addon.dpotrf('U', n, work.data, n);
    });
    const restore = perCall(iters, () => {
      work.data.set(spd);
      sink += work.data[0];
    });
    const c = runTinyC(bin, dir, 'potrf', n, iters, spd, threads);
    rows.push({
      call: `dpotrf n=${n}`,
      tsNs: ts - restore,
      rawNs: raw - restore,
      cNs: c.loop - c.restore,
      restoreNs: { js: restore, c: c.restore },
      grossNs: { ts, raw, c: c.loop },
    });
  }
  // syrk and gemm: inputs untouched, beta = 0 overwrites C: no restore.
  {
    const ts = perCall(iters, () => api.syrk(A, { out: C }));
    const raw = perCall(iters, () => addon.dsyrk('U', 'T', n, n, 1, A.data, n, 0, C.data, n));
    const c = runTinyC(bin, dir, 'syrk', n, iters, general, threads);
    rows.push({ call: `dsyrk n=k=${n}`, tsNs: ts, rawNs: raw, cNs: c.loop });
  }
  {
    const ts = perCall(iters, () => api.gemm(A, A, { out: C }));
    const raw = perCall(iters, () => addon.dgemm('N', 'N', n, n, n, 1, A.data, n, A.data, n, 0, C.data, n));
    const c = runTinyC(bin, dir, 'gemm', n, iters, general, threads);
    rows.push({ call: `dgemm n=${n}`, tsNs: ts, rawNs: raw, cNs: c.loop });
  }
  // The pieces of the TS potrf path on their own.
  const scan = perCall(iters, () => addon.nonfinite('U', n, n, spd, n));
  const noop = perCall(iters, () => addon.getThreads());
  for (const r of rows) {
    r.overheadNs = r.tsNs - r.cNs;
    r.meetsTarget = r.overheadNs <= 2000;
  }
  return { n, iters, rows, nonfiniteRawNs: scan, getThreadsRawNs: noop, sink };
}

// ---------------------------------------------------------------- output

function machineInfo(api, bin) {
  let cpu = 'unknown';
  try {
    const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) cpu = m[1];
  } catch {}
  const config = api.blasConfig();
  const cConfig = JSON.parse(execFileSync(bin, ['config'], { encoding: 'utf8' }));
  const lib = (file) => {
    try {
      const m = execFileSync('ldd', [file], { encoding: 'utf8' }).match(/libopenblas[^\s]*\s*=>\s*(\S+)/);
      return m ? fs.realpathSync(m[1]) : 'not linked';
    } catch {
      return 'unknown (ldd failed)';
    }
  };
  const addonFile = path.join(root, 'build', 'Release', 'nntk.node');
  return {
    cpu,
    cpus: os.cpus().length,
    node: process.version,
    openblas: config.openblas,
    processors: config.processors,
    cOpenblas: cConfig.openblas,
    libAddon: fs.existsSync(addonFile) ? lib(addonFile) : 'prebuild',
    libC: lib(bin),
  };
}

const pad = (s, w) => String(s).padStart(w);
const padEnd = (s, w) => String(s).padEnd(w);
const f = (x, d = 2) => x.toFixed(d);

function printLarge(results, threads, checkFinite) {
  const repsOf = results.map((r) => `${r.routine} ${r.reps}`).join(', ');
  console.log(`\nLarge calls — medians; OpenBLAS threads: ${threads} on both sides; GFLOP/s from nominal flop counts`);
  console.log('(syrk n²k with k = n, potrf n³/3, syevd 9n³ — nominal, not measured; the ratio is what matters)\n');
  const head = [
    padEnd('routine', 8), pad('n', 5), pad('JS ms', 9), pad('addon ms', 9), pad('C ms', 9), pad('JS/C', 6),
    pad('min/min', 8), pad('paired', 7), pad('JS GF/s', 8), pad('C GF/s', 8), '  ≤1.05?', '  same result?',
  ].join(' ');
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of results) {
    console.log([
      padEnd(r.routine, 8), pad(r.n, 5), pad(f(r.jsMedianMs), 9), pad(f(r.rawMedianMs), 9), pad(f(r.cMedianMs), 9),
      pad(f(r.ratio, 3), 6), pad(f(r.ratioMin, 3), 8), pad(f(r.ratioPaired, 3), 7), pad(f(r.jsGflops, 1), 8), pad(f(r.cGflops, 1), 8),
      pad(r.meetsTarget ? 'yes' : 'NO', 8), `  ${r.checksum.relDiff < 1e-10 ? 'yes' : 'NO'} (rel. diff ${r.checksum.relDiff.toExponential(1)})`,
    ].join(' '));
  }
  console.log(`\nrepetitions per side: ${repsOf}.`);
  console.log(`JS = TS API (dist/index.js${checkFinite ? '' : ', checkFinite: false'}); addon = the raw native function with the same LAPACK arguments;`);
  console.log('C = bench/lapack-baseline.c; JS/C = ratio of the medians (the acceptance figure, ≤1.05?);');
  console.log('min/min = ratio of the fastest repetitions; paired = median of JS_i/C_i over adjacent runs.');
}

function printScan(scan, results) {
  if (!scan) return;
  const c = (name) => results.find((r) => r.routine === name);
  console.log(`\nFiniteness scan the TS layer runs before dpotrf/dsyevd (native.nonfinite('U', ${scan.n}×${scan.n}), median):`);
  console.log(`  triangle, right after restoring the input (as in the TS path): ${f(scan.triangleMedianMs, 3)} ms`);
  console.log(`  (same triangle scanned again, untouched: ${f(scan.triangleRepeatedMedianMs, 3)} ms; whole matrix 'G': ${f(scan.generalMedianMs, 3)} ms)`);
  for (const name of ['dpotrf', 'dsyevd']) {
    const r = c(name);
    if (r) {
      const gap = r.jsMedianMs - r.rawMedianMs;
      console.log(`  = ${f((100 * scan.triangleMedianMs) / r.cMedianMs, 1)}% of C ${name} (${f(r.cMedianMs)} ms); TS − addon median for ${name}: ${f(gap, 2)} ms`);
    }
  }
}

function printTiny(tiny) {
  console.log(`\nTiny calls (n = ${tiny.n}): ns per call, median of 5 batches of ${tiny.iters / 5} calls after ${tiny.iters / 10} warm-up calls`);
  console.log('dpotrf: each iteration restores the 4×4 input first; that restore is timed alone on each side');
  console.log('(JS TypedArray.set / C memcpy) and subtracted. dsyrk/dgemm (beta = 0, out given) need no restore.\n');
  const head = [padEnd('call', 14), pad('TS API', 9), pad('addon', 9), pad('C', 9), pad('TS − C', 9), '  ≤2 µs?'].join(' ');
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of tiny.rows) {
    console.log([
      padEnd(r.call, 14), pad(f(r.tsNs, 0), 9), pad(f(r.rawNs, 0), 9), pad(f(r.cNs, 0), 9), pad(f(r.overheadNs, 0), 9),
      pad(r.meetsTarget ? 'yes' : 'NO', 8),
    ].join(' '));
  }
  const p = tiny.rows[0];
  console.log(`\n  dpotrf restore: JS ${f(p.restoreNs.js, 1)} ns, C ${f(p.restoreNs.c, 1)} ns; gross (with restore) TS ${f(p.grossNs.ts, 0)}, addon ${f(p.grossNs.raw, 0)}, C ${f(p.grossNs.c, 0)} ns`);
  console.log(`  raw addon nonfinite('U', 4×4): ${f(tiny.nonfiniteRawNs, 0)} ns (the TS potrf path makes this call and dpotrf);`);
  console.log(`  raw addon getThreads() (an N-API round trip doing nothing): ${f(tiny.getThreadsRawNs, 0)} ns`);
}

// ---------------------------------------------------------------- main

function loadAverage() {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return os.loadavg()[0];
  }
}

// A transient status line on stderr when it is a terminal.
function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { api, addon, stale } = await load();
  for (const w of stale) console.log(`warning: ${w}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nntk-bench-'));
  try {
    const started = Date.now();
    const loadBefore = loadAverage();
    const bin = compileBaseline(dir);
    if (o.threads !== undefined) api.setThreads(o.threads);
    const threads = api.getThreads();
    const machine = machineInfo(api, bin);
    console.log('nntk native-vs-C benchmark');
    console.log(`CPU: ${machine.cpu} (${machine.cpus} logical CPUs), Node ${machine.node}`);
    console.log(`OpenBLAS (addon, blasConfig()): ${machine.openblas}; processors ${machine.processors}`);
    console.log(`OpenBLAS (C baseline):          ${machine.cOpenblas}`);
    console.log(`libopenblas resolved: addon ${machine.libAddon}; C ${machine.libC}`);
    console.log(`getThreads() = ${threads} (the C program calls openblas_set_num_threads(${threads}))`);
    const repsText = o.reps ?? o.routines.map((r) => `${DEFAULT_REPS[r]} (${r})`).join(', ');
    console.log(`n = ${o.n}; timed repetitions per side after 1 warm-up: ${repsText}; interleaved JS/addon/C with ${o.gap} ms pauses`);
    console.log('(the TS API is first warmed up with 20 000 calls each of syrk/potrf/syevd at n = 4, so that V8 has optimized it)');

    const inputs = {};
    if (o.routines.includes('syrk')) inputs.syrk = randomMatrixFast(o.n, o.n, 1);
    if (o.routines.includes('potrf') || o.routines.includes('syevd')) {
      const spd = spdMatrix(api, o.n, 2);
      inputs.potrf = spd;
      inputs.syevd = spd;
    }

    progress('warming up the TS API (JIT)…');
    warmJit(api, 20_000);
    const results = [];
    for (const routine of o.routines) {
      progress(`running ${routine} at n = ${o.n}…`);
      results.push(await runLarge(api, addon, bin, dir, routine, o, inputs, threads));
    }
    let scan;
    if (inputs.potrf) scan = { n: o.n, ...timeNonfinite(addon, o.n, inputs.potrf, o.reps ?? DEFAULT_REPS.potrf) };
    progress('running tiny calls…');
    const tiny = runTiny(api, addon, bin, dir, o, threads);

    progress('');
    printLarge(results, threads, o.checkFinite);
    printScan(scan, results);
    printTiny(tiny);
    const seconds = (Date.now() - started) / 1000;
    const loadAfter = loadAverage();
    console.log(`\ntotal ${f(seconds, 1)} s; 1-min load average ${f(loadBefore)} before, ${f(loadAfter)} after (${os.cpus().length} CPUs)`);
    if (loadBefore >= 0.5) {
      console.log('warning: other processes were using the CPUs when the benchmark started; the ratios may be noise — rerun on a quiet machine');
    }

    if (o.json) {
      const { sink, ...tinyOut } = tiny;
      void sink;
      const report = {
        date: new Date().toISOString(),
        machine,
        threads,
        options: { n: o.n, reps: o.reps ?? DEFAULT_REPS, gapMs: o.gap, tinyN: o.tinyN, tinyIters: o.tinyIters },
        nominalFlops: 'syrk n^2 k (k = n), potrf n^3/3, syevd 9 n^3',
        targets: { ratio: 1.05, tinyOverheadNs: 2000 },
        large: results,
        nonfiniteScan: scan,
        tiny: tinyOut,
        staleWarnings: stale,
        seconds,
        loadAverage: { before: loadBefore, after: loadAfter },
      };
      fs.writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
      console.log(`wrote ${o.json}`);
    }
  } finally {
    if (o.keep) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

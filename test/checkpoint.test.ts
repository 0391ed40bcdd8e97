/**
 * `nntk train --checkpoint-steps K / --checkpoint-every S` and `--resume`,
 * run as child processes on dist/cli/main.js: a checkpoint is a whole model
 * with its run record (train.json); resuming continues the same run, so
 * that gradient descent (memoryless at a fixed η) killed after a checkpoint
 * and resumed ends at the bits of the uninterrupted run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel, writeModel } from '../lib/cli/modelfiles.js';
import { Matrix, NewtonSystem, TwoLayerNetwork, writeNpy, type HistoryEntry } from '../lib/index.js';

const MAIN = join(fileURLToPath(new URL('..', import.meta.url)), 'dist/cli/main.js');
const M = 16;

let dir: string;
const path = (name: string) => join(dir, name);
let X: Matrix;
let y: Float64Array;

interface RunRecord {
  method: string;
  reason: string;
  residual: number;
  steps: number;
  attempts: number;
  seconds: number;
  lr?: number;
  history: HistoryEntry[];
}

const record = (file: string) => JSON.parse(readFileSync(path(file), 'utf8')) as RunRecord;

function nntk(...args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Starts nntk and SIGKILLs it as soon as `file` exists (polled every 5 ms); resolves to whether it was killed. */
function killWhenExists(file: string, args: string[]): Promise<boolean> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, stdio: 'ignore' });
  const poll = setInterval(() => {
    if (existsSync(path(file))) child.kill('SIGKILL');
  }, 5);
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve(signal === 'SIGKILL');
    }),
  );
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nntk-checkpoint-'));
  const t = Array.from({ length: M }, (_, j) => (2 * Math.PI * j) / M);
  X = new Matrix(M, 2, Float64Array.from(t.flatMap((s) => [Math.cos(s), Math.sin(s)])));
  y = Float64Array.from(t, (s) => Math.sin(4 * s));
  await writeNpy(path('X.npy'), { shape: [M, 2], data: X.data });
  await writeNpy(path('y.npy'), { shape: [M], data: y });
  await writeModel(path('start'), TwoLayerNetwork.initialize({ width: 256, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 5 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gd = (out: string, ...more: string[]) => ['train', '--model', 'start', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--tol', '1e-300', '--out', out, '--quiet', ...more];

describe('train checkpoints and --resume', () => {
  it('newton resumed from a finished run continues its counts: accepted steps and attempts over the whole run, step numbers and acceptedSteps continuous', () => {
    const newton = (...more: string[]) => ['train', '--model', 'start', '--x', 'X.npy', '--y', 'y.npy', '--method', 'newton', '--tol', '1e-300', '--out', 'newton', '--quiet', ...more];
    expect(nntk(...newton('--max-steps', '3')).code).toBe(0);
    const first = record('newton/train.json');
    expect([first.steps, first.attempts]).toEqual([3, first.history.length - 1]);
    expect(nntk(...newton('--max-steps', '6', '--resume')).code).toBe(0);
    const whole = record('newton/train.json');
    expect(whole.history.slice(0, first.attempts + 1)).toEqual(first.history);
    expect(whole.history.map((e) => e.step)).toEqual(Array.from({ length: whole.attempts + 1 }, (_, i) => i));
    let accepted = 0;
    for (const e of whole.history.slice(1)) {
      if (e.accepted) accepted++;
      expect(e.acceptedSteps, `entry ${e.step}`).toBe(accepted);
    }
    expect([whole.reason, whole.steps, accepted]).toEqual(['max-steps', 6, 6]);
  }, 120_000);

  it('gd killed after a --checkpoint-steps checkpoint and resumed ends at the uninterrupted run bitwise, its history continuing the checkpoint', async () => {
    const killed = await killWhenExists('run/train.json', gd('run', '--max-steps', '100000000', '--checkpoint-steps', '2000'));
    expect(killed).toBe(true);
    const checkpoint = record('run/train.json');
    expect(checkpoint.reason).toBe('checkpoint');
    expect(checkpoint.steps % 2000).toBe(0);
    expect(checkpoint.history.map((e) => e.step)).toEqual(Array.from({ length: checkpoint.steps + 1 }, (_, i) => i));
    // The checkpoint's model is the one its record describes: its residual is the last entry's, bit for bit (same code, same threads).
    const saved = await readModel(path('run'));
    const residual = new NewtonSystem(saved, X, y).residual;
    expect(Math.hypot(...residual) / Math.hypot(...y)).toBe(checkpoint.history.at(-1)!.residual);

    const total = checkpoint.steps + 500;
    const resumed = nntk(...gd('run', '--max-steps', String(total), '--history', 'run.json', '--resume'));
    expect([resumed.code, resumed.stderr]).toEqual([0, `nntk train: resuming the run in run after step ${checkpoint.steps} (${checkpoint.seconds.toFixed(1)} s)\nnntk train: stopped (max-steps) after ${total} steps (${total} attempts) at residual ${record('run.json').residual}; wrote run and run.json\n`]);
    const whole = record('run.json');
    expect(whole).toEqual(record('run/train.json'));
    expect([whole.reason, whole.steps, whole.lr]).toEqual(['max-steps', total, checkpoint.lr]);
    expect(whole.history.slice(0, checkpoint.steps + 1)).toEqual(checkpoint.history);
    expect(whole.history.map((e) => e.step)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    expect(whole.seconds).toBeGreaterThan(checkpoint.seconds);

    expect(nntk(...gd('straight', '--max-steps', String(total))).code).toBe(0);
    const [a, b] = [await readModel(path('run')), await readModel(path('straight'))];
    expect(sameBits(a.parameters(), b.parameters())).toBe(true);
  }, 120_000);

  it('--checkpoint-every S writes a checkpoint while training runs', async () => {
    const killed = await killWhenExists('timed/train.json', gd('timed', '--max-steps', '100000000', '--max-seconds', '60', '--checkpoint-every', '0.5'));
    expect(killed).toBe(true);
    const checkpoint = record('timed/train.json');
    expect(checkpoint.reason).toBe('checkpoint');
    expect(checkpoint.steps).toBeGreaterThan(0);
    // Written after the first step that ends 0.5 s after the start, so no earlier.
    expect(checkpoint.seconds).toBeGreaterThanOrEqual(0.5);
  }, 120_000);

  it('the budgets count the whole run: resuming a run that spent its --max-steps does no step', () => {
    expect(nntk(...gd('spent', '--max-steps', '30')).code).toBe(0);
    const r = nntk(...gd('spent', '--max-steps', '30', '--resume'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reason: 'max-steps', steps: 30 });
    expect(record('spent/train.json').history).toHaveLength(31);
  });

  it('--resume without a record in DIR2 starts from DIR and says so; with another --method it is a usage error', () => {
    const fresh = nntk(...gd('fresh', '--max-steps', '3', '--resume'));
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toMatch(/^nntk train: --resume: fresh has no train\.json yet; starting from start$/m);
    expect(record('fresh/train.json').steps).toBe(3);
    const other = nntk('train', '--model', 'start', '--x', 'X.npy', '--y', 'y.npy', '--method', 'newton', '--out', 'fresh', '--resume', '--quiet');
    expect([other.code, other.stderr]).toEqual([2, "nntk: train: --resume: fresh/train.json records --method gd, not newton (see 'nntk train --help')\n"]);
  });
});

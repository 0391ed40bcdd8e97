/**
 * `nntk train --distributed` and distributed.distributedTrain under
 * `mpirun -n 1|2|4` against the single-process `nntk train` from the same
 * files (M = 37 < P = 200, so the single process takes the kernel path too).
 *
 * Every attempt's direction differs from the single process's by round-off
 * only: as for `step --distributed`, 4·(the tiles' kernel bound + γ_{3M})
 * times κ(M·I + Q) at that attempt (Higham Thm 10.4). Over the run these add
 * up (a damped Newton step does not amplify an error in θ, up to the
 * residual's curvature term): θ agrees to B_θ = that times Σκ. An entry's
 * residual then moves by at most ‖J‖·|Δθ| = √(M·‖𝒦_GD‖)·|θ|·B_θ, relative to
 * its |r|, and the loss by twice that. B_θ is computed from the case and
 * checked to be below the contract's 1e-10; the entries are held to the
 * smaller of their bound and the contract (their worst case, through ‖J‖·|θ|,
 * is above it). The accept/reject decisions and the curvatures must be the
 * same exactly. From λ = 1, three steps keep κ below 100 and B_θ below 1e-10.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernel, Matrix, NewtonSystem, train, TwoLayerNetwork, writeNpy, type HistoryEntry, type NewtonTrainOptions } from '../../lib/index.js';
import { gamma } from '../tolerance.js';
import { CLI, CONTRACT, load, missing, mpirun, mpirunNode, normOne, ok, ROOT } from './mpirun.js';

const M = 37;
const WIDTH = 40;
const DIM = 3;
const STEPS = 3;

interface RunRecord {
  reason: string;
  steps: number;
  attempts: number;
  history: HistoryEntry[];
}

function norm(a: Float64Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

describe.skipIf(missing !== null)(`train --distributed under mpirun${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let dir: string;
  let X: Matrix;
  let y: Float64Array;
  const file = (name: string) => join(dir, name);
  const network = async (model: string) =>
    TwoLayerNetwork.fromArrays(JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')), {
      c: await load(join(model, 'c.npy')),
      W: await load(join(model, 'W.npy')),
      b: await load(join(model, 'b.npy')),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nntk-mpi-train-'));
    for (const [name, activation] of [['tanh', 'tanh'], ['relu', 'relu']]) {
      expect(spawnSync(process.execPath, [CLI, 'init', '--width', String(WIDTH), '--dim', String(DIM), '--seed', '7', '--activation', activation!, '--out', file(name!)]).status).toBe(0);
    }
    X = new Matrix(M, DIM, Float64Array.from({ length: M * DIM }, (_, i) => Math.sin(1e3 + i * 1.7) * 1.5));
    y = Float64Array.from({ length: M }, (_, j) => Math.cos(X.data[j * DIM]!));
    await writeNpy(file('X.npy'), { shape: [M, DIM], data: X.data });
    await writeNpy(file('y.npy'), { shape: [M], data: y });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The single-process `nntk train` with these flags: its run record and final θ. */
  function single(model: string, out: string, flags: readonly string[]) {
    const result = spawnSync(process.execPath, [CLI, 'train', '--model', file(model), '--x', file('X.npy'), '--y', file('y.npy'), '--method', 'newton', '--out', file(out), '--history', file(`${out}.json`), '--quiet', ...flags], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(readFileSync(file(`${out}.json`), 'utf8')) as RunRecord;
  }

  /** B_θ and the per-entry residual bounds of the module comment, from train() (the CLI's trainAsync gives its bits). */
  async function bounds(model: string, options: NewtonTrainOptions) {
    const nets: TwoLayerNetwork[] = [];
    const history: HistoryEntry[] = [];
    train(await network(file(model)), X, y, { ...options, onProgress: (entry, net) => (history.push(entry), nets.push(net)) });
    const kernelBound = 8 * gamma(WIDTH * (DIM + 2) + M);
    let kappas = 0;
    for (let k = 1; k < history.length; k++) {
      const { Q } = new NewtonSystem(nets[k - 1]!, X, y).kernelSystem(history[k]!.lambda!, history[k]!.hessian!);
      kappas += (M + normOne(Q)) / M;
    }
    const theta = 4 * (kernelBound + gamma(3 * M)) * kappas;
    const residual = nets.map((net, k) => (2 * Math.sqrt(M * normOne(kernel(net, X).kernel)) * norm(net.parameters()) * theta) / (history[k]!.residual * norm(y)));
    return { theta, residual };
  }

  it.each([
    ['Gauss–Newton', 4, ['--gauss-newton', '--lambda', '1'], ['--block', '7'], { hessian: 'gauss-newton', lambda: 1 }],
    ['full Hessian', 2, ['--full-hessian', '--lambda', '1'], ['--grid', '2x1', '--block', '5'], { hessian: 'full', lambda: 1 }],
    ['default strategy', 1, ['--lambda', '1'], [], { lambda: 1 }],
  ] as const)('%s on %i ranks: the history (decisions exactly, loss, residual, λ) and the final θ are the single process\'s to 1e-10 and within the κ bounds', async (_, ranks, flags, layout, options) => {
    const steps = ['--max-steps', String(STEPS)];
    const reference = single('tanh', `single-${ranks}`, [...steps, ...flags]);
    ok(ranks, ['train', '--model', file('tanh'), '--x', file('X.npy'), '--y', file('y.npy'), '--method', 'newton', '--out', file(`dist-${ranks}`), '--history', file(`dist-${ranks}.json`), '--distributed', ...steps, ...flags, ...layout]);
    const got = JSON.parse(readFileSync(file(`dist-${ranks}.json`), 'utf8')) as RunRecord;
    const bound = await bounds('tanh', { ...options, maxSteps: STEPS });
    expect(bound.theta).toBeLessThan(CONTRACT);

    expect([got.reason, got.steps, got.attempts]).toEqual([reference.reason, reference.steps, reference.attempts]);
    expect(got.history.map((e) => [e.step, e.acceptedSteps, e.accepted, e.hessian])).toEqual(reference.history.map((e) => [e.step, e.acceptedSteps, e.accepted, e.hessian]));
    reference.history.forEach((e, k) => {
      // ‖J‖·|θ|/|r| makes the entries' worst case exceed the contract (up to 4e-8 here): both must hold.
      const b = Math.min(bound.residual[k]!, CONTRACT);
      const g = got.history[k]!;
      expect(Math.abs(g.residual - e.residual) / e.residual).toBeLessThanOrEqual(b);
      expect(Math.abs(g.loss - e.loss) / e.loss).toBeLessThanOrEqual(2 * b + b * b);
      // λ is the damping's (the same decisions) or, for the full Hessian, the certified λ at θ: linear in r through S.
      if (e.lambda !== null) expect(Math.abs(g.lambda! - e.lambda) / e.lambda).toBeLessThanOrEqual(b);
    });
    const [expected, actual] = [(await network(file(`single-${ranks}`))).parameters(), (await network(file(`dist-${ranks}`))).parameters()];
    expect(norm(expected.map((v, i) => v - actual[i]!)) / norm(expected)).toBeLessThanOrEqual(bound.theta);
  });

  it('relu from λ_floor on 4 ranks: the same rejected attempt, then λ rescaled to τ·max diag(𝒦_GD) from the ranks\' diagonals (within 2× of the single process\'s)', async () => {
    const steps = ['--max-steps', '6'];
    const reference = single('relu', 'single-relu', steps);
    const rejected = reference.history.findIndex((e) => !e.accepted);
    // The case must exercise the rescale: a rejection from λ_floor, then a λ far above it.
    expect(rejected).toBeGreaterThan(0);
    const rescaled = reference.history[rejected + 1]!.lambda!;
    expect(rescaled).toBeGreaterThan(1e6 * reference.history[rejected]!.lambda!);
    ok(4, ['train', '--model', file('relu'), '--x', file('X.npy'), '--y', file('y.npy'), '--method', 'newton', '--out', file('dist-relu'), '--history', file('dist-relu.json'), '--quiet', '--distributed', '--block', '5', ...steps]);
    const got = JSON.parse(readFileSync(file('dist-relu.json'), 'utf8')) as RunRecord;
    // At λ = 1e-12, κ(M·I + Q) ~ 1e12: no implementation agrees to 1e-10 there; the decisions must still be the same.
    expect(got.history.map((e) => [e.accepted, e.hessian])).toEqual(reference.history.map((e) => [e.accepted, e.hessian]));
    const ratio = got.history[rejected + 1]!.lambda! / rescaled;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  /** A library script run on every rank: `mode` picks what it does, each rank prints one JSON line. */
  function script(ranks: number, mode: string) {
    const path = file('train-script.mjs');
    writeFileSync(
      path,
      `import { readFileSync, writeFileSync } from 'node:fs';
import { distributed, Matrix, readNpy, TwoLayerNetwork } from '${join(ROOT, 'dist/index.js')}';
const [dir, mode] = process.argv.slice(2);
const load = async (name) => (await readNpy(dir + '/' + name)).data;
const net = TwoLayerNetwork.fromArrays(JSON.parse(readFileSync(dir + '/tanh/model.json', 'utf8')), { c: await load('tanh/c.npy'), W: await load('tanh/W.npy'), b: await load('tanh/b.npy') });
const X = new Matrix(${M}, ${DIM}, await load('X.npy'));
let y = await load('y.npy');
const session = new distributed.Session({ block: 4 });
if (mode === 'short-y' && session.rank === 1) y = y.subarray(1);
const options = mode === 'not-pd' ? { hessian: 'full', damping: 'none', lambda: 1e-12, maxSteps: 2 } : { hessian: 'gauss-newton', lambda: 1, maxSteps: ${STEPS} };
let entries = 0;
let differing = 0;
const onProgress = (entry, at) => {
  // θ is the same on every rank iff its elementwise max and min over the ranks agree.
  const [high, low] = [at.parameters(), at.parameters()];
  session.mpi.allreduce(high, 'x');
  session.mpi.allreduce(low, 'n');
  if (high.some((v, i) => v !== low[i])) differing++;
  entries++;
};
try {
  const result = await distributed.distributedTrain(session, net, X, y, { ...options, onProgress });
  // One short line a rank: mpirun may interleave long lines of several ranks.
  if (session.rank === 0) writeFileSync(dir + '/theta.json', JSON.stringify(Array.from(result.net.parameters())));
  console.log(JSON.stringify({ rank: session.rank, entries, differing, steps: result.steps }));
} catch (error) {
  console.log(JSON.stringify({ rank: session.rank, error: error.name + ': ' + error.message }));
  process.exitCode = 1;
} finally {
  session.end();
}
`,
    );
    const result = mpirunNode(ranks, [path, dir, mode]);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { rank: number; error?: string; entries?: number; differing?: number; steps?: number });
    expect(lines.map((l) => l.rank).sort(), result.stderr).toEqual(Array.from({ length: ranks }, (_, r) => r));
    return { status: result.status, lines };
  }

  it('distributed.distributedTrain from a script on 4 ranks: θ is the same bits on every rank after every entry, and the single process\'s within B_θ', async () => {
    const { status, lines } = script(4, 'gauss-newton');
    expect(status).toBe(0);
    const reference = train(await network(file('tanh')), X, y, { hessian: 'gauss-newton', lambda: 1, maxSteps: STEPS });
    const bound = (await bounds('tanh', { hessian: 'gauss-newton', lambda: 1, maxSteps: STEPS })).theta;
    expect(bound).toBeLessThan(CONTRACT);
    for (const line of lines) expect([line.entries, line.differing, line.steps]).toEqual([reference.history.length, 0, reference.steps]);
    const expected = reference.net.parameters();
    const theta = JSON.parse(readFileSync(file('theta.json'), 'utf8')) as number[];
    expect(norm(expected.map((v, i) => v - theta[i]!)) / norm(expected)).toBeLessThanOrEqual(bound);
  });

  it.each([
    ['targets of the wrong length on rank 1 only', 'short-y', /^DistributedError: rank 1: train: y has 36 entries, X has 37 rows/],
    ['a block of A = S + λI that is not positive definite (λ = 1e-12, no damping)', 'not-pd', /^DistributedError: rank 0: newton \(kernel\): A = S \+ λI .* is not positive definite/],
  ])('%s ends every rank of 4 with the same DistributedError', (_, mode, message) => {
    const { status, lines } = script(4, mode);
    expect(status).not.toBe(0);
    expect(lines[0]!.error).toMatch(message);
    expect(new Set(lines.map((l) => l.error)).size).toBe(1);
  });

  it('a model directory that rank 0 cannot write ends every rank with one message and exit 1, nothing written', () => {
    const out = join(file('X.npy'), 'model');
    const result = mpirun(2, ['train', '--model', file('tanh'), '--x', file('X.npy'), '--y', file('y.npy'), '--method', 'newton', '--max-steps', '1', '--out', out, '--quiet', '--distributed']);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('nntk: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nntk: train: rank 0: /);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--method', 'gd'], /--method gd is not distributed yet/],
    [['--method', 'newton', '--resume'], /--resume is not distributed yet/],
    [['--method', 'newton', '--checkpoint-steps', '2'], /--checkpoint-steps is not distributed yet/],
    [['--method', 'newton', '--x-val', 'Xv.npy', '--y-val', 'yv.npy'], /a validation set \(--x-val, --y-val\) is not distributed yet/],
  ])('train --distributed %j is refused with what is not distributed, exit 2', (flags, message) => {
    const result = spawnSync(process.execPath, [CLI, 'train', '--model', file('tanh'), '--x', file('X.npy'), '--y', file('y.npy'), '--out', file('never'), '--distributed', ...flags], { encoding: 'utf8' });
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });
});

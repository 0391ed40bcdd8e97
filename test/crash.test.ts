/**
 * What `nntk train --model D --out D` leaves in D when it is killed (SIGKILL)
 * at any instant of its write phase, or when the disk fills up: D must load
 * and hold the old model or the new one, whole (bitwise, with train.json
 * exactly when it is the new one). Runs dist/cli/main.js as a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel, readRunRecord, writeModel } from '../lib/cli/modelfiles.js';
import { recoverDirectory, TwoLayerNetwork, writeNpy } from '../lib/index.js';

const MAIN = join(fileURLToPath(new URL('..', import.meta.url)), 'dist/cli/main.js');
/** 2·10⁵ neurons, d = 2: 6.4 MB of arrays, so the write phase spans many milliseconds even on a RAM disk. */
const WIDTH = 200_000;
const KILLS = 24;
/** Kills run this many at a time, each in its own directory. */
const LANES = 3;

let root: string;
let oldNet: TwoLayerNetwork;
let newNet: TwoLayerNetwork;

const trainArgs = (dir: string) => ['train', '--model', dir, '--out', dir, '--x', join(root, 'X.npy'), '--y', join(root, 'y.npy'), '--method', 'gd', '--max-steps', '1', '--quiet'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nntk-crash-'));
  const t = Array.from({ length: 8 }, (_, j) => (2 * Math.PI * j) / 8);
  await writeNpy(join(root, 'X.npy'), { shape: [8, 2], data: Float64Array.from(t.flatMap((s) => [Math.cos(s), Math.sin(s)])) });
  await writeNpy(join(root, 'y.npy'), { shape: [8], data: Float64Array.from(t, (s) => Math.sin(2 * s)) });
  oldNet = TwoLayerNetwork.initialize({ width: WIDTH, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 3 });
  await writeModel(join(root, 'old'), oldNet);
  // The new model: the same command, out of place (same code, same BLAS threads → the same bits).
  cpSync(join(root, 'old'), join(root, 'new'), { recursive: true });
  const r = spawnSync(process.execPath, [MAIN, ...trainArgs(join(root, 'new'))], { encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/^nntk: /m);
  newNet = await readModel(join(root, 'new'));
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function sameBits(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** 'old', 'new', or a description of what else D holds. */
async function whichModel(dir: string): Promise<string> {
  const net = await readModel(dir);
  const equal = (other: TwoLayerNetwork) => sameBits(net.c, other.c) && sameBits(net.W.data, other.W.data) && sameBits(net.b, other.b);
  // Through the reader's own rule: a kill between the swap's two renames leaves the unit in `.D.new-*`, not in D.
  const record = (await readRunRecord(dir)) !== null;
  if (equal(oldNet) && !record) return 'old';
  if (equal(newNet) && record) return 'new';
  return `a mix (arrays equal old: ${equal(oldNet)}, new: ${equal(newNet)}; train.json present: ${record})`;
}

const siblings = (lane: string) => readdirSync(lane).filter((name) => name.startsWith('.D.'));

/**
 * Runs the in-place train in `lane`/D and kills it `delay` ms (Infinity:
 * never) after its write phase begins: the first change to an entry of
 * `lane` or of D (inotify reports it within the millisecond). Resolves when
 * it has exited; `killed` says whether the kill came before the exit.
 */
function runAndKill(lane: string, delay: number): Promise<{ writing: number | null; exited: number; killed: boolean }> {
  const dir = join(lane, 'D');
  rmSync(lane, { recursive: true, force: true });
  mkdirSync(lane);
  cpSync(join(root, 'old'), dir, { recursive: true });
  let writing: number | null = null;
  const child = spawn(process.execPath, [MAIN, ...trainArgs(dir)], { stdio: 'ignore' });
  const begin = () => {
    if (writing !== null) return;
    writing = performance.now();
    if (Number.isFinite(delay)) setTimeout(() => child.kill('SIGKILL'), delay);
  };
  const watchers = [watch(lane, begin), watch(dir, begin)];
  return new Promise((resolve) => {
    child.on('exit', (_code, signal) => {
      for (const w of watchers) w.close();
      resolve({ writing, exited: performance.now(), killed: signal === 'SIGKILL' });
    });
  });
}

describe('train --model D --out D killed during its write phase', () => {
  it(`leaves D holding the old model or the new one, whole, at each of ${KILLS} kill instants spread over the write phase; the next write cleans up`, async () => {
    const timing = await runAndKill(join(root, 'timing'), Infinity);
    expect(timing.writing).not.toBeNull();
    const phase = timing.exited - timing.writing!;
    expect(await whichModel(join(root, 'timing', 'D'))).toBe('new');

    const seen: string[] = [];
    let inside = 0;
    const lane = async (l: number) => {
      for (let i = l; i < KILLS; i += LANES) {
        const dir = join(root, `lane${l}`);
        // Delays from 0 to 1.2× the measured phase, so the last kills land after the exit as a control.
        const run = await runAndKill(dir, (1.2 * phase * i) / (KILLS - 1));
        expect(run.writing).not.toBeNull();
        if (run.killed) inside++;
        const found = await whichModel(join(dir, 'D'));
        seen.push(found);
        // The next writer's recovery leaves D as the reader found it, and no sibling behind.
        await recoverDirectory(join(dir, 'D'));
        expect(siblings(dir)).toEqual([]);
        expect(await whichModel(join(dir, 'D'))).toBe(found);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    expect(seen.filter((s) => s !== 'old' && s !== 'new')).toEqual([]);
    // Not vacuous: a good share of the kills cut the write phase short, and both outcomes occurred.
    expect(inside).toBeGreaterThanOrEqual(KILLS / 3);
    expect(seen).toContain('old');
    expect(seen).toContain('new');
  }, 300_000);
});

describe('a full disk', () => {
  /** A 1 MiB RAM disk holds one model of 2·10⁴ neurons (640 kB) but not a second; mounting needs root. */
  const disk = join(tmpdir(), `nntk-full-${process.pid}`);
  const mounted = (() => {
    mkdirSync(disk, { recursive: true });
    return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', disk]).status === 0;
  })();
  afterAll(() => {
    if (mounted) spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  const small = TwoLayerNetwork.initialize({ width: 20_000, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 4 });

  async function expectIntact(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
    await writeModel(dir, small);
    const r = spawnSync(process.execPath, [MAIN, ...trainArgs(dir)], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect([r.status, r.stderr]).toEqual([1, `nntk: train: no space left on device writing ${dir}; the previous ${dir} is intact\n`]);
    const net = await readModel(dir);
    expect(sameBits(net.c, small.c) && sameBits(net.W.data, small.W.data) && sameBits(net.b, small.b)).toBe(true);
    expect(readdirSync(join(dir, '..')).filter((name) => name.startsWith('.'))).toEqual([]);
  }

  it.skipIf(!mounted)('on a full tmpfs: exit 1, one line naming D, the previous model intact and no temporary left', async () => {
    await expectIntact(join(disk, 'D'), {});
  }, 60_000);

  it('with ENOSPC injected after 100 kB written (NNTK_TEST_WRITE_LIMIT): the same line, exit and intact model', async () => {
    const dir = join(root, 'full', 'D');
    mkdirSync(join(root, 'full'), { recursive: true });
    await expectIntact(dir, { NNTK_TEST_WRITE_LIMIT: '100000' });
  }, 60_000);
});

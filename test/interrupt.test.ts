/**
 * Ctrl-C (SIGINT) during `nntk demo` and `nntk converge`: they stop at the
 * next boundary, write the table, the JSON ("partial": true) and the figures
 * (titles marked partial) of what is done, and exit 130. Runs
 * dist/cli/main.js as a child process and interrupts it once its progress
 * shows that the first unit of work is done.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = join(fileURLToPath(new URL('..', import.meta.url)), 'dist/cli/main.js');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nntk-interrupt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs nntk with `args` and sends SIGINT once stderr matches `when`. */
function interruptWhen(args: string[], when: RegExp): Promise<Outcome> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!sent && when.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const titles = (svg: string) => [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!);

describe('Ctrl-C', () => {
  it('nntk demo: exit 130 after the runs done, whose table, JSON (partial: true) and figures (titles marked partial) are written', async () => {
    // The first GD run has a 60 s budget: the interrupt, sent when it has started, is what ends it.
    const r = await interruptWhen(['demo', '--width', '64', '--points', '16', '--gd-seconds', '60', '--out', 'demo-figs', '--json', 'demo.json'], /k=1 GD/);
    expect(r.code, r.stderr).toBe(130);
    const json = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as { partial: boolean; rows: { k: number; method: string }[] };
    expect(json.partial).toBe(true);
    // The GD run that was cut short is left out; the Newton run before it is kept.
    expect(json.rows.map((row) => [row.k, row.method])).toEqual([[1, 'newton']]);
    expect(r.stdout).toMatch(/^partial: interrupted after 1 of 10 runs$/m);
    expect(r.stderr).toMatch(/^nntk demo: interrupted: 1 of 10 runs done; wrote what is done$/m);
    const figures = readdirSync(join(dir, 'demo-figs')).sort();
    expect(figures).toEqual(['residual-vs-seconds.svg', 'residual-vs-step.svg', 'spectra.svg', 'target-content.svg']);
    for (const name of figures) {
      for (const title of titles(readFileSync(join(dir, 'demo-figs', name), 'utf8'))) expect(title, name).toMatch(/\(partial: interrupted\)$/);
    }
  }, 120_000);

  it('nntk converge: exit 130 with the widths done (a prefix of the widths asked for), JSON partial: true, figures marked partial', async () => {
    // 2^6 … 2^20: the interrupt, sent when the second width starts, lands long before the last.
    const r = await interruptWhen(['converge', '--from', '6', '--to', '20', '--seeds', '1', '--points', '8', '--out', 'conv-figs', '--json', 'conv.json'], /N = 2\^7, seed 1\/1/);
    expect(r.code, r.stderr).toBe(130);
    const json = JSON.parse(readFileSync(join(dir, 'conv.json'), 'utf8')) as { partial: boolean; rows: { width: number }[] };
    expect(json.partial).toBe(true);
    const done = json.rows.length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(15);
    expect(json.rows.map((row) => row.width)).toEqual(Array.from({ length: done }, (_, i) => 2 ** (6 + i)));
    expect(r.stdout).toMatch(new RegExp(`^partial: interrupted after ${done} of 15 widths$`, 'm'));
    expect(r.stdout.split('\n').filter((line) => /^ {0,6}\d+ /.test(line))).toHaveLength(done);
    for (const name of ['limit-distance.svg', 'certificate.svg', 'movement.svg']) {
      const svg = readFileSync(join(dir, 'conv-figs', name), 'utf8');
      expect(titles(svg).length, name).toBeGreaterThan(0);
      for (const title of titles(svg)) expect(title, name).toMatch(/\(partial: interrupted\)$/);
    }
  }, 120_000);

  it('a second Ctrl-C quits at once, without writing', async () => {
    // A seed at N = 2^16 takes long enough for the second interrupt to land before it ends.
    const child = spawn(process.execPath, [MAIN, 'converge', '--from', '16', '--to', '17', '--seeds', '2', '--points', '8', '--json', 'twice.json'], { cwd: dir });
    let stderr = '';
    let sent = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (sent === 0 && /seed 1\/2/.test(stderr)) {
        sent = 1;
        child.kill('SIGINT');
      } else if (sent === 1 && /interrupted: stopping/.test(stderr)) {
        sent = 2;
        child.kill('SIGINT');
      }
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, s) => resolve(s)));
    expect(signal, stderr).toBe('SIGINT');
    expect(existsSync(join(dir, 'twice.json'))).toBe(false);
  }, 120_000);
});

/**
 * lib/io/atomic.ts: files replaced by temporary + fsync + rename, directories
 * replaced as a unit by two renames, and the recovery rule that makes every
 * intermediate state read as the old unit or the new one. The states a kill
 * can leave are built by hand here, one per cut point of replaceDirectory;
 * test/crash.test.ts kills a real writer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicWriteError, recoverDirectory, replaceDirectory, resolveDirectory, writeFileAtomic, writeFileDurable } from '../lib/index.js';

let root: string;
const at = (...parts: string[]) => join(root, ...parts);
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nntk-atomic-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has exited: siblings named with it are stale. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const suffix = (pid: number) => `${pid}-0123456789abcdef`;

/** A directory with one file `unit` whose content names the generation. */
function unit(path: string, generation: string): void {
  mkdirSync(path);
  writeFileSync(join(path, 'unit'), generation);
}
const generation = (path: string) => readFileSync(join(path, 'unit'), 'utf8');
const entries = () => readdirSync(root).sort();

describe('writeFileAtomic', () => {
  it('replaces the file with the new bytes and leaves no temporary', async () => {
    writeFileSync(at('f.json'), 'old');
    await writeFileAtomic(at('f.json'), 'new content');
    expect(readFileSync(at('f.json'), 'utf8')).toBe('new content');
    expect(entries()).toEqual(['f.json']);
  });

  it('removes the temporaries of dead writers of the same file, and no other', async () => {
    const stale = `.f.json.tmp-${suffix(deadPid())}`;
    const live = `.f.json.tmp-${suffix(process.ppid)}`;
    const otherFile = `.g.json.tmp-${suffix(deadPid())}`;
    for (const name of [stale, live, otherFile]) writeFileSync(at(name), 'partial');
    await writeFileAtomic(at('f.json'), 'x');
    expect(entries()).toEqual([live, otherFile, 'f.json'].sort());
  });

  it('a failed write throws AtomicWriteError naming the target, keeps the previous content and removes its temporary', async () => {
    // The target is a non-empty directory: the final rename fails (EISDIR) after the bytes are written.
    mkdirSync(at('d'));
    writeFileSync(at('d', 'keep'), 'kept');
    const error = await writeFileAtomic(at('d'), 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtomicWriteError);
    expect((error as AtomicWriteError).message).toMatch(new RegExp(`^cannot write ${at('d')} \\(.*\\); the previous ${at('d')} is intact$`));
    expect(readFileSync(at('d', 'keep'), 'utf8')).toBe('kept');
    expect(entries()).toEqual(['d']);
  });
});

describe('replaceDirectory', () => {
  const fillWith = (generationName: string, ...names: string[]) => async (staging: string) => {
    for (const name of names) await writeFileDurable(join(staging, name), generationName);
  };

  it('puts the new unit in place: owned files not written are gone, other files are carried over (same inode), no sibling left', async () => {
    unit(at('D'), 'old');
    writeFileSync(at('D', 'dropped'), 'old');
    writeFileSync(at('D', 'notes.txt'), 'mine');
    const inode = statSync(at('D', 'notes.txt')).ino;
    await replaceDirectory(at('D'), fillWith('new', 'unit'), { owned: ['unit', 'dropped'] });
    expect(readdirSync(at('D')).sort()).toEqual(['notes.txt', 'unit']);
    expect(generation(at('D'))).toBe('new');
    expect(statSync(at('D', 'notes.txt')).ino).toBe(inode);
    expect(entries()).toEqual(['D']);
  });

  it("refuses the current directory (nntk init --out .): exit 1 with the reason, the directory's files untouched", () => {
    writeFileSync(at('keep'), 'kept');
    const main = join(fileURLToPath(new URL('..', import.meta.url)), 'dist/cli/main.js');
    const r = spawnSync(process.execPath, [main, 'init', '--width', '2', '--dim', '1', '--out', '.'], { cwd: root, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([1, 'nntk: init: cannot write . (it is or contains the current directory; write to a directory below it); the previous . is intact\n']);
    expect(entries()).toEqual(['keep']);
  });

  it('creates the directory and its parents when missing', async () => {
    await replaceDirectory(at('a', 'b', 'D'), fillWith('new', 'unit'), { owned: ['unit'] });
    expect(generation(at('a', 'b', 'D'))).toBe('new');
  });

  it('refuses to drop a subdirectory of the unit: AtomicWriteError, the previous unit intact, no sibling left', async () => {
    unit(at('D'), 'old');
    mkdirSync(at('D', 'sub'));
    const error = await replaceDirectory(at('D'), fillWith('new', 'unit'), { owned: ['unit'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtomicWriteError);
    expect((error as Error).message).toMatch(/sub is not a regular file and would be lost.*; the previous .*D is intact$/);
    expect(generation(at('D'))).toBe('old');
    expect(entries()).toEqual(['D']);
  });

  it('a failure while filling leaves the previous unit and no sibling; "was not created" when there was none', async () => {
    unit(at('D'), 'old');
    const fail = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(replaceDirectory(at('D'), fail, { owned: ['unit'] })).rejects.toThrow(`no space left on device writing ${at('D')}; the previous ${at('D')} is intact`);
    await expect(replaceDirectory(at('E'), fail, { owned: ['unit'] })).rejects.toThrow(`no space left on device writing ${at('E')}; ${at('E')} was not created`);
    expect(generation(at('D'))).toBe('old');
    expect(entries()).toEqual(['D']);
  });
});

describe('the recovery rule, at each point a writer can be killed', () => {
  // Stages of replaceDirectory: 1 fill .D.tmp, 2 rename to .D.new, 3 rename D to .D.old (commit), 4 rename .D.new to D, 5 remove .D.old.
  const states: { cut: string; build: (pid: number) => void; reads: string }[] = [
    { cut: 'while filling (1)', build: (pid) => (unit(at('D'), 'old'), unit(at(`.D.tmp-${suffix(pid)}`), 'half')), reads: 'old' },
    { cut: 'after the staging rename (2)', build: (pid) => (unit(at('D'), 'old'), unit(at(`.D.new-${suffix(pid)}`), 'new')), reads: 'old' },
    { cut: 'after the commit, before the new unit is renamed in (3)', build: (pid) => (unit(at(`.D.old-${suffix(pid)}`), 'old'), unit(at(`.D.new-${suffix(pid)}`), 'new')), reads: 'new' },
    { cut: 'before the old unit is removed (4)', build: (pid) => (unit(at('D'), 'new'), unit(at(`.D.old-${suffix(pid)}`), 'old')), reads: 'new' },
    { cut: 'with only the old unit beside a missing D', build: (pid) => unit(at(`.D.old-${suffix(pid)}`), 'old'), reads: 'old' },
  ];
  for (const { cut, build, reads } of states) {
    it(`killed ${cut}: readers find the ${reads} unit, and recovery leaves exactly it in D`, async () => {
      build(deadPid());
      const before = entries();
      expect(generation((await resolveDirectory(at('D')))!)).toBe(reads);
      // Reading changes nothing on disk.
      expect(entries()).toEqual(before);
      await recoverDirectory(at('D'));
      expect(entries()).toEqual(['D']);
      expect(generation(at('D'))).toBe(reads);
    });
  }

  it('leaves the siblings of a writer that is still running alone', async () => {
    unit(at('D'), 'old');
    const live = `.D.new-${suffix(process.ppid)}`;
    unit(at(live), 'new');
    await recoverDirectory(at('D'));
    expect(entries()).toEqual(['D', live].sort());
  });

  it('finds nothing when neither D nor a sibling exists', async () => {
    expect(await resolveDirectory(at('D'))).toBeNull();
    expect(existsSync(at('D'))).toBe(false);
  });
});

describe('readModel while another writer replaces the model', () => {
  it('every read, interleaved with 40 replacements, returns one of the two models whole', async () => {
    const { readModel, writeModel } = await import('../lib/cli/modelfiles.js');
    const { TwoLayerNetwork } = await import('../lib/index.js');
    const config = { width: 2000, dim: 3, activation: 'tanh' as const, beta: 0.5, bias: true };
    const models = [1, 2].map((seed) => TwoLayerNetwork.initialize(config, { seed }));
    await writeModel(at('D'), models[0]!);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 40; i++) await writeModel(at('D'), models[i % 2]!);
      writing = false;
    })();
    const seen = new Set<number>();
    let reads = 0;
    while (writing) {
      const read = (await readModel(at('D'))).parameters();
      const which = models.findIndex((m) => m.parameters().every((v, i) => Object.is(v, read[i])));
      expect(which).toBeGreaterThanOrEqual(0);
      seen.add(which);
      reads++;
    }
    await writer;
    // Not vacuous: the reads overlapped the writes and saw both models.
    expect(reads).toBeGreaterThan(5);
    expect(seen.size).toBe(2);
  }, 60_000);
});

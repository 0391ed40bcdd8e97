/**
 * The block-cyclic index maps of lib/distributed/grid.ts: the grid chosen
 * from the rank count, and which global indices a process holds, against
 * ScaLAPACK's own numroc and indxl2g (through the MPI addon, which needs no
 * running MPI for these pure functions) and against the definition.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseGrid, localCount, localIndices, parseGrid } from '../../lib/distributed/grid.js';
import type { MpiAddon } from '../../lib/distributed/addon.js';

const ADDON = fileURLToPath(new URL('../../build/Release/nntk_mpi.node', import.meta.url));
const missing = existsSync(ADDON) ? null : 'the MPI addon is not built';
const required = process.env.NNTK_REQUIRE_DISTRIBUTED === '1';

describe('chooseGrid', () => {
  it('gives p×q = P with p ≤ q and no squarer factorisation, for P = 1…64', () => {
    for (let ranks = 1; ranks <= 64; ranks++) {
      const [p, q] = chooseGrid(ranks);
      expect(p * q).toBe(ranks);
      expect(p).toBeLessThanOrEqual(q);
      for (let r = p + 1; r * r <= ranks; r++) expect(ranks % r).not.toBe(0);
    }
  });

  it('refuses a rank count that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, NaN]) expect(() => chooseGrid(bad)).toThrow(RangeError);
  });
});

describe('parseGrid', () => {
  it('reads PxQ and refuses anything else, naming the text', () => {
    expect(parseGrid('2x3')).toEqual([2, 3]);
    for (const bad of ['2', '0x2', '2x', 'x2', '2X3', '2x3x1', ' 2x3']) expect(() => parseGrid(bad)).toThrow(`'${bad}'`);
  });
});

describe('localIndices', () => {
  it('deals every index to exactly one process, in blocks of nb round-robin, ascending', () => {
    for (const [n, nb, procs] of [[37, 5, 3], [3, 2, 4], [64, 64, 2], [1, 1, 1], [100, 7, 6]] as const) {
      const owner = new Int32Array(n).fill(-1);
      for (let proc = 0; proc < procs; proc++) {
        const mine = localIndices(n, nb, proc, procs);
        for (let l = 0; l < mine.length; l++) {
          const i = mine[l]!;
          expect(owner[i]).toBe(-1);
          expect(Math.floor(i / nb) % procs).toBe(proc);
          if (l > 0) expect(i).toBeGreaterThan(mine[l - 1]!);
          owner[i] = proc;
        }
      }
      expect(owner.every((p) => p >= 0)).toBe(true);
    }
  });
});

if (missing !== null && required) {
  it('the MPI addon is built (NNTK_REQUIRE_DISTRIBUTED=1)', () => expect.fail(`NNTK_REQUIRE_DISTRIBUTED=1 but ${missing}`));
}

describe.skipIf(missing !== null)(`against ScaLAPACK${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  it('localCount is numroc and localIndices is indxl2g for n ≤ 40, nb ≤ 9, up to 5 processes', () => {
    const mpi = createRequire(import.meta.url)(ADDON) as MpiAddon;
    for (let n = 0; n <= 40; n++) {
      for (let nb = 1; nb <= 9; nb++) {
        for (let procs = 1; procs <= 5; procs++) {
          for (let proc = 0; proc < procs; proc++) {
            expect(localCount(n, nb, proc, procs)).toBe(mpi.numroc(n, nb, proc, procs));
            const mine = localIndices(n, nb, proc, procs);
            for (let l = 0; l < mine.length; l++) expect(mine[l]).toBe(mpi.indxl2g(l + 1, nb, proc, procs) - 1);
          }
        }
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { checkOptionKeys, closestKey, keysOf } from '../lib/options.js';

describe('option keys', () => {
  const valid = ['seed', 'sigmaW', 'sigmaB', 'symmetric'] as const;

  it('accepts undefined options, an empty object and every valid key', () => {
    expect(() => checkOptionKeys('f', undefined, valid)).not.toThrow();
    expect(() => checkOptionKeys('f', {}, valid)).not.toThrow();
    expect(() => checkOptionKeys('f', { seed: 1, sigmaW: 2, sigmaB: 3, symmetric: true }, valid)).not.toThrow();
  });

  it('rejects an unknown key, naming it, the closest valid key and the routine', () => {
    expect(() => checkOptionKeys('initialize', { seed: 0, sigma_w: 0.3 }, valid)).toThrow(
      /^initialize: unknown option 'sigma_w'; did you mean 'sigmaW'\? \(valid options: seed, sigmaW, sigmaB, symmetric\)$/,
    );
  });

  it('rejects an unknown key even when its value is undefined', () => {
    expect(() => checkOptionKeys('f', { sed: undefined }, valid)).toThrow(TypeError);
  });

  it('suggests nothing for a key unlike every valid one', () => {
    expect(() => checkOptionKeys('f', { learningRate: 0.1 }, valid)).toThrow(/^f: unknown option 'learningRate' \(valid/);
  });

  it('rejects options that are not a plain object', () => {
    expect(() => checkOptionKeys('f', null as unknown as object, valid)).toThrow(/options must be an object, got null/);
    expect(() => checkOptionKeys('f', [] as unknown as object, valid)).toThrow(/got an array/);
    expect(() => checkOptionKeys('f', 3 as unknown as object, valid)).toThrow(/got number/);
  });

  it('finds the closest key by folded spelling, then by edit distance', () => {
    expect(closestKey('SIGMA-B', valid)).toBe('sigmaB');
    expect(closestKey('sede', valid)).toBe('seed');
    expect(closestKey('symetric', valid)).toBe('symmetric');
    expect(closestKey('smyemtric', valid)).toBe('symmetric');
    expect(closestKey('lr', ['learningRate', 'maxSteps'])).toBeNull();
  });

  it('keysOf lists the keys of the record that names every key of an options type, in order, frozen', () => {
    const keys = keysOf<{ seed?: number; sigmaW?: number }>({ seed: true, sigmaW: true });
    expect(keys).toEqual(['seed', 'sigmaW']);
    expect(Object.isFrozen(keys)).toBe(true);
  });
});

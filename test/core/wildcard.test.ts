/**
 * The non-backtracking wildcard matcher agrees with the RegExp translation it replaced, on
 * seeded random patterns and values over a small alphabet (where stars and `?` interact most),
 * and answers the pathological patterns at once.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../core/rng.js';
import { expandBraces, wildcardMatcher } from '../../core/wildcard.js';

function reference(pattern: string, question: boolean, escapes: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escapes && c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?' && question) re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

describe('wildcard matcher', () => {
  it('agrees with a RegExp on 20,000 seeded random cases', () => {
    const rng = new SeededRandom('wildcard').stream('cases');
    const pick = (alphabet: string, max: number) => Array.from({ length: Math.floor(rng.next() * (max + 1)) }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
    for (let n = 0; n < 20_000; n++) {
      const pattern = pick('ab*?\\', 8);
      const value = pick('ab*?\\', 10);
      const question = n % 2 === 0;
      const escapes = n % 3 !== 0;
      const want = reference(pattern, question, escapes).test(value);
      expect(wildcardMatcher(pattern, { question, escapes })(value), `${JSON.stringify(pattern)} vs ${JSON.stringify(value)}`).toBe(want);
    }
  });

  it('answers many stars against a long value without backtracking', () => {
    const value = 'a'.repeat(100_000);
    expect(wildcardMatcher(`${'*a'.repeat(40)}b`)(value)).toBe(false);
    expect(wildcardMatcher(`${'*a?'.repeat(40)}*`)(value)).toBe(true);
  });

  it('expands {a,b} alternatives and refuses explosive ones', () => {
    expect(expandBraces('{disks.insert,instances.attachDisk}')).toEqual(['disks.insert', 'instances.attachDisk']);
    expect(expandBraces('x{a,b{c,d}}y')).toEqual(['xay', 'xbcy', 'xbdy']);
    expect(expandBraces('{a,b')).toEqual(['{a,b']);
    expect(expandBraces('{a,b}'.repeat(20))).toBeUndefined();
  });
});

/** The journal's timestamp text: exactly what Date's toISOString prints, or what it throws. */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../core/iso-time.js';

const viaDate = (ms: number): string => {
  try {
    return new Date(ms).toISOString();
  } catch (e) {
    return (e as Error).name;
  }
};
const viaIsoTime = (ms: number): string => {
  try {
    return isoTime(ms);
  } catch (e) {
    return (e as Error).name;
  }
};

describe('isoTime', () => {
  it('prints what toISOString prints at the edges, and throws where it throws', () => {
    const edges = [0, 0.5, 999.999, 1000, -0.5, -1, NaN, Infinity, Date.UTC(9999, 11, 31, 23, 59, 59, 999), 8.64e15, 8.64e15 + 1, -8.64e15, Date.UTC(2026, 11, 2, 19, 0, 0, 7)];
    for (const ms of edges) expect(viaIsoTime(ms), String(ms)).toBe(viaDate(ms));
  });

  it('agrees with toISOString on a clock that moves by fractions of a millisecond and jumps', () => {
    // Deterministic (xorshift), so a failure reproduces; the steps cross seconds and days.
    let x = 0x9e3779b9;
    let t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 50_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      t += i % 1000 === 0 ? (x >>> 0) * 10 : ((x >>> 0) % 2000) / 7;
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });
});

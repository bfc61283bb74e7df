/** The list answers' fast date text: exactly V8's toISOString and Date parser, or V8 itself. */
import { describe, expect, it } from 'vitest';
import { isoDate, isoString } from '../../clouds/aws/shared/iso-time.js';

/** A deterministic spread of instants (xorshift), no Math.random: a failure reproduces. */
function* instants(n: number, max: number): Generator<number> {
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield Math.floor(((x >>> 0) / 2 ** 32) * max);
  }
}

const EDGES = [
  0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, Date.UTC(1972, 1, 29), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 2, 1),
  Date.UTC(2026, 11, 2, 16, 0, 0, 7), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -1, -86_400_001, 8.64e15, -8.64e15,
];

describe('isoString', () => {
  it('writes what toISOString writes, from 1970 to beyond 9999 and before 1970', () => {
    const wrong = [...EDGES, ...instants(100_000, 253402300800000)].filter((ms) => isoString(new Date(ms)) !== new Date(ms).toISOString());
    expect(wrong).toEqual([]);
  });

  it('answers a repeated instant (an instance writes its launch time three times) like a new one', () => {
    for (const ms of [5, 5, 7, 5, 5, 253402300800000, 253402300800000, 5]) expect(isoString(new Date(ms))).toBe(new Date(ms).toISOString());
    for (const text of ['2026-12-02T16:00:00.000Z', '2026-12-02T16:00:00.000Z', 'junk', '2026-12-02T16:00:00.000Z', 'junk'])
      expect(Object.is(isoDate(text).getTime(), new Date(text).getTime())).toBe(true);
  });

  it('throws on an invalid date, as toISOString does', () => {
    expect(() => isoString(new Date(NaN))).toThrow(RangeError);
  });
});

describe('isoDate', () => {
  it('reads back every toISOString text to the same instant', () => {
    const wrong = [...EDGES, ...instants(100_000, 253402300800000)].filter((ms) => isoDate(new Date(ms).toISOString()).getTime() !== ms);
    expect(wrong).toEqual([]);
  });

  it('leaves other and impossible texts to the Date parser', () => {
    for (const text of ['2026-02-30T00:00:00.000Z', '2025-02-29T00:00:00.000Z', '2024-02-29T24:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-1a-01T00:00:00.000Z',
      '2026-12-02T16:00:00Z', '2026-12-02', '1969-12-31T23:59:59.999Z', 'not a date', '', '+0020-12-02T16:00:00.000Z', '2026-12-02T16:60:00.000Z'])
      expect(Object.is(isoDate(text).getTime(), new Date(text).getTime())).toBe(true);
  });
});

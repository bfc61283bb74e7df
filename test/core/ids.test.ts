/** Seeded ids through nanoid's customRandom: the formats clouds mint, the same ids for the same seed. */
import { describe, expect, it } from 'vitest';
import { IdFactory } from '../../core/ids.js';
import { SeededRandom } from '../../core/rng.js';

const mint = (seed: string) => {
  const ids = new IdFactory(new SeededRandom(seed));
  return [ids.prefixed('aws', 'vol'), ids.prefixed('aws', 'i'), ids.uuid('azure'), ids.digits('gcp', 19), ids.alnum('gcp', 8), ids.chars('aws:sts', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')];
};

describe('seeded ids', () => {
  it('keep each cloud\'s format', () => {
    const [vol, inst, uuid, digits, alnum, b32] = mint('7');
    expect(vol).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(inst).toMatch(/^i-[0-9a-f]{17}$/);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(digits).toMatch(/^[0-9]{19}$/);
    expect(alnum).toMatch(/^[a-z0-9]{8}$/);
    expect(b32).toMatch(/^[A-Z2-7]{16}$/);
  });

  it('are the same for the same seed and differ for another', () => {
    expect(mint('42')).toEqual(mint('42'));
    expect(mint('42')).not.toEqual(mint('43'));
  });

  it('use every character of an alphabet that does not divide 256', () => {
    const ids = new IdFactory(new SeededRandom('1'));
    const seen = new Set(ids.digits('x', 2000));
    expect(seen.size).toBe(10);
  });

  it('stay the ids earlier builds drew for a seed (request ids replayed from a journal must match)', () => {
    // Drawn by the build before hex() stopped going through nanoid per call: a replay of an old
    // run must mint the same request and resource ids.
    const ids = new IdFactory(new SeededRandom('42'));
    expect([ids.uuid('request'), ids.uuid('request'), ids.prefixed('aws:vol', 'vol'), ids.hex('x', 5)]).toEqual([
      '1eb6fce8-1d55-424b-89a1-56bdc343d830',
      '22567207-1dce-48e8-b603-edced3ae125f',
      'vol-51d23269e669f6eb5',
      'a3cc1',
    ]);
  });
});
